import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../../core/errors';
import { testContext } from '../../../core/testing';
import tsv from '../tsv';
import { parseDelimited } from './delimited-parser';
import { readDelimited } from './delimited-dataset';

const repo = path.resolve(__dirname, '../../../..');
const pandas = require(path.join(repo, 'test/fixtures/datasets/arsentd-pandas.json'));

const context = (baseDir: string) => testContext({ baseDir });

describe('delimited parser', () => {
  it('reads ArSenTD-LEV as pandas does: 4,000 rows, the same cell text', () => {
    const table = readDelimited(path.join(repo, 'data/ArSenTD-LEV.tsv'), '\t');
    expect(table.header).toEqual(pandas.columns);
    expect(table.rows).toHaveLength(pandas.rows);
    const digest = createHash('sha256').update(table.rows.map((r) => r.join('\x1f')).join('\x1e')).digest('hex');
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

  it('reports an unclosed quote and too many fields with the line', () => {
    expect(() => parseDelimited('a,b\n"x,1\n', ',')).toThrow(/not closed/);
    expect(() => parseDelimited('a,b\n1,2\n1,2,3\n', ',')).toThrow(/expected 2 fields, saw 3/);
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
    expect(data.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the row of a label outside the class list', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-ds-'));
    writeFileSync(path.join(dir, 'd.tsv'), 'text\tlabel\nhello\tpos\nworld\tneg\nagain\tpositive\n');
    const load = tsv.create({ ...options, path: 'd.tsv', text: 'text', label: 'label', where: {}, keepColumns: [], classes: ['pos', 'neg'] }, context(dir)).load();
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
