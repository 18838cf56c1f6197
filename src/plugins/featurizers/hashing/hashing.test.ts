import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CsrMatrix } from '../../../core/features';
import { createPlugin, resolvePluginOptions } from '../../../core/testing';
import { WordsTokenizer } from '../../tokenizers/words';
import hashingDefault, { hashingFeaturizer, type HashingFeaturizer } from './index';
import { murmurhash3Signed } from './murmurhash3';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/featurizers');
const readFixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));

interface Case {
  params: { n_features: number; ngram_range: [number, number]; alternate_sign: boolean; norm: 'l1' | 'l2' | null; binary: boolean };
  matrix: { rows: number; cols: number; indptr: number[]; indices: number[]; data: number[] };
}
const fixture = readFixture<{ cases: Case[] }>('hashing.json');
const texts = readFixture<{ test: string[] }>('notebook-split.json').test;
const words = new WordsTokenizer({ lowercase: true, pattern: null });
const docs = texts.map((t) => words.tokenize(t));

const plain = (x: CsrMatrix) => ({
  rows: x.rows,
  cols: x.cols,
  indptr: Array.from(x.indptr),
  indices: Array.from(x.indices),
  data: Array.from(x.data),
});

describe('MurmurHash3', () => {
  // sklearn.utils.murmurhash3_32(s, seed) on these strings (UTF-8), scikit-learn 1.6.1.
  it.each([
    ['', 0, 142593372],
    ['a', 1009084850, -1293573533],
    ['ab', -1681926305, -684913081],
    ['abc', -1277324294, 1313807976],
    ['abcd', 1139631978, -396302900],
    ['abcde', -392455434, -1361433616],
    ['مرحبا', 1840427645, 77974660],
    ['😀 x', 227745445, -1762191933],
    ['hello world', 1586663183, -368272391],
  ])("hashes %p as scikit-learn's murmurhash3_32", (text, seed0, seed42) => {
    const bytes = new TextEncoder().encode(`..${text}`);
    expect(murmurhash3Signed(bytes, 2, bytes.length)).toBe(seed0);
    expect(murmurhash3Signed(bytes, 2, bytes.length, 42)).toBe(seed42);
  });
});

describe('hashing featurizer', () => {
  it('is exported as default and by name, with HashingVectorizer defaults', () => {
    expect(hashingDefault).toBe(hashingFeaturizer);
    expect(resolvePluginOptions(hashingFeaturizer, {})).toEqual({
      nFeatures: 1048576,
      ngramRange: [1, 1],
      alternateSign: true,
      norm: 'l2',
      binary: false,
    });
  });

  it.each(fixture.cases.map((c) => [JSON.stringify(c.params), c] as const))("matches scikit-learn's HashingVectorizer matrix with %s", (_name, c) => {
    const featurizer = createPlugin(hashingFeaturizer, {
      nFeatures: c.params.n_features,
      ngramRange: c.params.ngram_range,
      alternateSign: c.params.alternate_sign,
      norm: c.params.norm,
      binary: c.params.binary,
    }) as HashingFeaturizer;
    featurizer.fit(docs);
    const x = plain(featurizer.transform(docs));
    expect({ ...x, data: [] }).toEqual({ ...c.matrix, data: [] });
    // Same arithmetic as sklearn's normalize: equal to the last bit or within one rounding.
    x.data.forEach((v, k) => expect(Math.abs(v - c.matrix.data[k])).toBeLessThanOrEqual(Math.abs(v) * 4e-16));
  });

  it('has nothing to learn: its state is empty and its columns are nFeatures', () => {
    const featurizer = createPlugin(hashingFeaturizer, { nFeatures: 32 }) as HashingFeaturizer;
    expect(featurizer.summary()).toEqual({ features: 32 });
    expect(featurizer.getState()).toEqual({});
    expect(() => featurizer.setState([])).toThrow(/expected an object/);
  });

  it('rejects an n-gram range whose min is above its max', () => {
    expect(() => createPlugin(hashingFeaturizer, { ngramRange: [2, 1] })).toThrow(/smallest n above its largest/);
  });
});
