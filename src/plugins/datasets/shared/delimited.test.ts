import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../../core/errors';
import { testContext } from '../../../core/testing';
import tsv from '../tsv';
import { codePointLength, whitespaceWordCount } from '../../../core/run/text-stats';
import { DelimitedRecordReader, parseDelimited, TableCollector } from './delimited-parser';
import { readDelimited } from './delimited-dataset';
import { firstInvalidByte, InvalidUtf8Error, readUtf8Chunks } from './utf8-chunks';

const repo = path.resolve(__dirname, '../../../..');
const pandas = require(path.join(repo, 'test/fixtures/datasets/arsentd-pandas.json'));

const context = (baseDir: string) => testContext({ baseDir });

describe('delimited parser', () => {
  it('reads ArSenTD-LEV as pandas does: 4,000 rows, the same cell text', () => {
    const table = readDelimited(path.join(repo, 'data/ArSenTD-LEV.tsv'), '\t');
    expect(table.header).toEqual(pandas.columns);
    expect(table.rows).toHaveLength(pandas.rows);
    const digest = createHash('sha256')
      .update(table.rows.map((r) => r.join('\x1f')).join('\x1e'))
      .digest('hex');
    expect(table.rows.slice(0, 3)).toEqual(pandas.first_rows);
    expect(digest).toBe(pandas.sha256_cells);
  });

  it('handles quoting the way pandas does', () => {
    const t = parseDelimited('a,b,c\n"x, ""y""",2,"multi\nline"\nq"uote,"ab"cd,\r\n\n', ',');
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      ['x, "y"', '2', 'multi\nline'],
      ['q"uote', 'abcd', ''],
    ]);
    expect(t.lines).toEqual([2, 4]);
  });

  it('reads the same records whatever the chunks the text arrives in', () => {
    const text = '\ufeffa,b,c\n"x, ""y""",2,"multi\nline"\nq"uote,"ab"cd,\r\n\r\n  \nlast,"",\r"q"\r\n';
    const whole = parseDelimited(text, ',');
    expect(whole.rows).toEqual([
      ['x, "y"', '2', 'multi\nline'],
      ['q"uote', 'abcd', ''],
      ['last', '', ''],
      ['q', '', ''],
    ]);
    for (const size of [1, 2, 3, 5, 7]) {
      const table = new TableCollector();
      const reader = new DelimitedRecordReader(',', table.record);
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      reader.end();
      expect([size, table.table()]).toEqual([size, whole]);
    }
  });

  // pandas 2.2.3, read_csv(sep=..., keep_default_na=False).to_dict('records') on these bytes:
  // a line of spaces (and tabs, where the tab is not the delimiter) is blank and skipped; a
  // delimiter, \v, \f or U+00A0 makes it a row.
  it('skips blank lines exactly as pandas does', () => {
    expect(parseDelimited('a\tb\nx\ty\n   \n\t\n \t \nz\tw\n\x0b\n\x0c\n\xa0\n\r\n  \r\nq\tr\n  ', '\t').rows).toEqual([
      ['x', 'y'],
      ['', ''],
      [' ', ' '],
      ['z', 'w'],
      ['\x0b', ''],
      ['\x0c', ''],
      ['\xa0', ''],
      ['q', 'r'],
    ]);
    expect(parseDelimited('a,b\nx,y\n   \n,\n \t \n  , \nz,w\n', ',').rows).toEqual([
      ['x', 'y'],
      ['', ''],
      ['  ', ' '],
      ['z', 'w'],
    ]);
  });

  it('reports an unclosed quote and too many fields with the line', () => {
    expect(() => parseDelimited('a,b\n"x,1\n', ',')).toThrow(/not closed/);
    expect(() => parseDelimited('a,b\n1,2\n1,2,3\n', ',')).toThrow(/expected 2 fields, saw 3/);
  });
});

describe('UTF-8 chunks', () => {
  const write = (bytes: number[] | Buffer) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlspec-utf8-')), 'd.tsv');
    writeFileSync(file, Buffer.from(bytes));
    return file;
  };
  const read = (file: string, chunk: number) => {
    let text = '';
    readUtf8Chunks(file, (t) => (text += t), chunk);
    return text;
  };

  it('decodes characters split across chunks of any size', () => {
    const text = 'أنا 😀 é\nمن €';
    const file = write(Buffer.from(text, 'utf8'));
    for (const chunk of [1, 2, 3, 4, 5, 64]) expect(read(file, chunk)).toBe(text);
  });

  it.each([
    ['a stray continuation byte', [0x61, 0x62, 0x80, 0x63], 2, 'invalid start byte'],
    ['0xff', [0x61, 0xff], 1, 'invalid start byte'],
    ['a lead byte without its continuation', [0x61, 0xd8, 0x61], 1, 'invalid continuation byte'],
    ['an encoded surrogate', [0x61, 0x62, 0xed, 0xa0, 0x80], 2, 'invalid continuation byte'],
    ['an overlong form', [0xc0, 0xaf], 0, 'invalid start byte'],
    ['a character cut by the end of the file', [0x61, 0xe2, 0x82], 1, 'unexpected end of data'],
  ])("refuses %s at Python's position", (_what, bytes, offset, reason) => {
    const file = write(bytes);
    for (const chunk of [1, 2, 3, 1024]) {
      let text = '';
      let error: unknown;
      try {
        readUtf8Chunks(file, (t) => (text += t), chunk);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidUtf8Error);
      expect(error).toMatchObject({ offset, byte: bytes[offset], reason });
      expect(text).toBe(Buffer.from(bytes.slice(0, offset)).toString('utf8'));
    }
    expect(firstInvalidByte(Uint8Array.from(bytes), true)).toEqual({ offset, reason });
  });
});

describe('tsv dataset', () => {
  const options = {
    path: 'data/ArSenTD-LEV.tsv',
    text: 'Tweet',
    label: 'Sentiment',
    where: { Country: 'lebanon' },
    classes: ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'],
    keepColumns: ['Topic'],
  };

  it('keeps the Lebanese rows with their data-row numbers and labels', async () => {
    const data = await tsv.create(options, context(repo)).load();
    expect(data.totalRows).toBe(4000);
    expect(data.texts).toHaveLength(pandas.lebanese_count);
    expect(data.rowNumbers.slice(0, 10)).toEqual(pandas.lebanese_row_numbers_head);
    const counts: Record<string, number> = {};
    data.labels.forEach((l) => (counts[data.classes[l]] = (counts[data.classes[l]] ?? 0) + 1));
    expect(counts).toEqual(pandas.class_counts_lebanese);
    expect(data.columns.Topic).toHaveLength(1000);
    // The digest and the statistics are made while reading: they equal the ones made from the rows.
    const digest = createHash('sha256');
    data.texts.forEach((t, i) => digest.update(`${data.rowNumbers[i]}\t${t}\t${data.classes[data.labels[i]]}\n`));
    expect(data.digest).toBe(digest.digest('hex'));
    expect(data.textStats!.codePoints / data.texts.length).toBeCloseTo(pandas.mean_chars_lebanese, 10);
    expect(data.textStats!.words / data.texts.length).toBeCloseTo(pandas.mean_words_lebanese, 10);
    expect(data.textStats!.codePoints).toBe(data.texts.reduce((n, t) => n + codePointLength(t), 0));
    expect(data.textStats!.words).toBe(data.texts.reduce((n, t) => n + whitespaceWordCount(t), 0));
  });

  it('counts words as Python str.split() does (U+FEFF is no separator, U+0085 and U+3000 are)', () => {
    expect(whitespaceWordCount(' a\u0085b\u3000c\ufeffd \x1f e ')).toBe(4);
    expect(codePointLength('a😀\ud800b')).toBe(4);
  });

  it('names the file, line, row and byte offset of invalid UTF-8', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-ds-'));
    writeFileSync(
      path.join(dir, 'd.tsv'),
      Buffer.concat([Buffer.from('text\tlabel\nhello\tpos\nwor'), Buffer.from([0xff]), Buffer.from('ld\tneg\n')]),
    );
    const load = tsv
      .create({ ...options, path: 'd.tsv', text: 'text', label: 'label', where: {}, keepColumns: [], classes: ['pos', 'neg'] }, context(dir))
      .load();
    await expect(load).rejects.toMatchObject({ code: 'DATA_ENCODING', option: 'path' });
    await expect(load).rejects.toThrow(/d\.tsv:3 \(data row 1\): invalid UTF-8: byte 0xff at byte offset 24 \(invalid start byte\)/);
  });

  it('names the row of a label outside the class list', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-ds-'));
    writeFileSync(path.join(dir, 'd.tsv'), 'text\tlabel\nhello\tpos\nworld\tneg\nagain\tpositive\n');
    const load = tsv
      .create({ ...options, path: 'd.tsv', text: 'text', label: 'label', where: {}, keepColumns: [], classes: ['pos', 'neg'] }, context(dir))
      .load();
    await expect(load).rejects.toThrow(InputError);
    await expect(load).rejects.toThrow('d.tsv:4 (data row 2): label "positive" is not in the class list [pos, neg]');
  });

  it('says which column is missing and suggests the closest one', async () => {
    const load = tsv.create({ ...options, text: 'tweet' }, context(repo)).load();
    await expect(load).rejects.toMatchObject({ code: 'DATA_COLUMN_MISSING', option: 'text' });
    await expect(load).rejects.toThrow('did you mean "Tweet"?');
  });

  it('refuses a filter that keeps no rows', async () => {
    const load = tsv.create({ ...options, where: { Country: 'lebanonn' } }, context(repo)).load();
    await expect(load).rejects.toMatchObject({ code: 'DATA_EMPTY', option: 'where' });
  });
});
