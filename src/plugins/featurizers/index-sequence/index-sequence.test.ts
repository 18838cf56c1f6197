import Ajv from 'ajv';
import * as fs from 'fs';
import * as path from 'path';
import indexSequence, { compareCodePoints, IndexSequenceFeaturizer, type IndexSequenceOptions } from '.';

const ROOT = path.resolve(__dirname, '../../../..');
const options = (over: Partial<IndexSequenceOptions> = {}): IndexSequenceOptions => ({
  maxLength: 5,
  vocabularyFrom: 'train',
  unknown: 'separate-id',
  ...over,
});
const chars = (texts: string[]) => texts.map((t) => Array.from(t));

/** Just enough of a TSV reader for the data file: tab-separated, double-quoted fields with "" escapes. */
function readTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === '\t') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('index-sequence featurizer', () => {
  it('has a strict-mode options schema; maxLength is required', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(indexSequence.optionsSchema);
    expect(validate({})).toBe(false);
    const o: Record<string, unknown> = { maxLength: 140 };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ maxLength: 140, vocabularyFrom: 'train', unknown: 'separate-id' });
    expect(indexSequence.create(o as never, {} as never).fitOn).toBe('train');
  });

  it('sorts by code point, as Python does, not by UTF-16 units', () => {
    // U+FE0F is a single UTF-16 unit (0xFE0F) and 😂 (U+1F602) starts with the surrogate 0xD83D.
    const tokens = ['😂', '\uFE0F', 'b', 'a', '😂x', '😂a'];
    expect([...tokens].sort(compareCodePoints)).toEqual(['a', 'b', '\uFE0F', '😂', '😂a', '😂x']);
    expect([...tokens].sort()).not.toEqual([...tokens].sort(compareCodePoints));
  });

  it('pads with 0 at the end, truncates to the first maxLength tokens, and records lengths', () => {
    const f = new IndexSequenceFeaturizer(options({ unknown: 'padding' }));
    f.fit(chars(['abc', 'cab']));
    const x = f.transform(chars(['ba', 'abcabc', '']));
    expect(x.vocabSize).toBe(4);
    expect(Array.from(x.ids)).toEqual([2, 1, 0, 0, 0, 1, 2, 3, 1, 2, 0, 0, 0, 0, 0]);
    expect(Array.from(x.lengths)).toEqual([2, 5, 0]);
    expect(f.summary()).toEqual({ features: 4, tokens: 3, maxLength: 5, unknownId: 0, vocabularyFrom: 'train' });
  });

  it('gives unknown tokens id 1 with separate-id (vocabulary from 2), or 0 with padding', () => {
    const separate = new IndexSequenceFeaturizer(options());
    separate.fit(chars(['ab']));
    expect(Array.from(separate.transform(chars(['azb'])).ids.subarray(0, 3))).toEqual([2, 1, 3]);
    expect(separate.transform(chars(['a'])).vocabSize).toBe(4);
    const padding = new IndexSequenceFeaturizer(options({ unknown: 'padding' }));
    padding.fit(chars(['ab']));
    expect(Array.from(padding.transform(chars(['azb'])).ids.subarray(0, 3))).toEqual([1, 0, 2]);
  });

  it('state round-trips through JSON', () => {
    const f = new IndexSequenceFeaturizer(options());
    f.fit(chars(['hello 😂', 'world']));
    const g = new IndexSequenceFeaturizer(options());
    g.setState(JSON.parse(JSON.stringify(f.getState())));
    const docs = chars(['low 😂!', 'he']);
    expect(g.transform(docs)).toEqual(f.transform(docs));
    expect(() => g.setState({ vocabulary: [1, 2] })).toThrow('vocabulary');
  });

  it('reproduces the notebook on the Lebanese tweets: 246 ids and the same encoded rows as Python', () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/sequences/char-vocabulary.json'), 'utf8')) as {
      rows: number;
      maxLength: number;
      vocabSize: number;
      codePoints: number[];
      samples: { row: number; length: number; ids: number[] }[];
    };
    const [header, ...rows] = readTsv(fs.readFileSync(path.join(ROOT, 'data/ArSenTD-LEV.tsv'), 'utf8'));
    const tweet = header.indexOf('Tweet');
    const country = header.indexOf('Country');
    const texts = rows.filter((r) => r[country] === 'lebanon').map((r) => r[tweet]);
    expect(texts.length).toBe(fixture.rows);

    const f = new IndexSequenceFeaturizer({ maxLength: fixture.maxLength, vocabularyFrom: 'all', unknown: 'padding' });
    expect(f.fitOn).toBe('all');
    const docs = chars(texts);
    f.fit(docs);
    const x = f.transform(docs);
    expect(x.vocabSize).toBe(246);
    expect(x.vocabSize).toBe(fixture.vocabSize);
    expect((f.getState() as { vocabulary: string[] }).vocabulary.map((c) => c.codePointAt(0))).toEqual(fixture.codePoints);
    for (const s of fixture.samples) {
      expect(Array.from(x.ids.subarray(s.row * x.length, (s.row + 1) * x.length))).toEqual(s.ids);
      expect(x.lengths[s.row]).toBe(s.length);
    }
  });
});
