import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../../core/errors';
import type { CsrMatrix } from '../../../core/features';
import { createPlugin, resolvePluginOptions } from '../../../core/testing';
import { WordsTokenizer } from '../../tokenizers/words';
import { CountsFeaturizer } from '../counts';
import tfidfFeaturizerDefault, { tfidfFeaturizer, type TfidfFeaturizer } from './index';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/featurizers');
const readFixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));

interface Csr {
  rows: number;
  cols: number;
  indptr: number[];
  indices: number[];
  data: number[];
}
interface TfidfConfig {
  params: Record<string, string | boolean | null>;
  terms: string[];
  idf: number[] | null;
  test: Csr;
}

const split = readFixture<{ train: string[]; test: string[] }>('notebook-split.json');
const tfidfFixture = readFixture<{ testRows: number; configs: TfidfConfig[] }>('tfidf-max-features-1000.json');

const resolveOptions = (options: Record<string, unknown>) => resolvePluginOptions(tfidfFeaturizer, options);

const featurizer = (options: Record<string, unknown> = {}): TfidfFeaturizer => createPlugin(tfidfFeaturizer, options) as TfidfFeaturizer;

/** scikit-learn TfidfVectorizer parameters → ours. */
function fromSklearn(params: Record<string, string | boolean | null>): Record<string, unknown> {
  const names: Record<string, string> = { norm: 'norm', use_idf: 'useIdf', smooth_idf: 'smoothIdf', sublinear_tf: 'sublinearTf', binary: 'binary' };
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [names[key], value]));
}

const words = new WordsTokenizer({ lowercase: true, pattern: null });
const trainDocs = split.train.map((t) => words.tokenize(t));
const testDocs = split.test.map((t) => words.tokenize(t));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function expectCsrClose(actual: CsrMatrix, expected: Csr, tolerance: number): void {
  expect([actual.rows, actual.cols]).toEqual([expected.rows, expected.cols]);
  expect(Array.from(actual.indptr)).toEqual(expected.indptr);
  expect(Array.from(actual.indices)).toEqual(expected.indices);
  expectClose(actual.data, expected.data, tolerance);
}

describe('tfidf featurizer', () => {
  it('is exported as default and by name, with TfidfTransformer defaults', () => {
    expect(tfidfFeaturizerDefault).toBe(tfidfFeaturizer);
    expect(tfidfFeaturizer.kind).toBe('featurizer');
    expect(resolveOptions({})).toEqual({
      ngramRange: [1, 1],
      maxFeatures: null,
      minDf: 1,
      maxDf: 1,
      binary: false,
      vocabulary: null,
      norm: 'l2',
      useIdf: true,
      smoothIdf: true,
      sublinearTf: false,
    });
  });

  it.each(tfidfFixture.configs.map((c) => [JSON.stringify(c.params), c] as const))(
    "matches TfidfVectorizer(ngram_range=(1, 2), max_features=1000, %s) to 1e-12 on sklearn's columns",
    (_name, config) => {
      // sklearn's max_features cut among tied terms is machine dependent; its columns are given so
      // the weighting is compared on the same matrix.
      const tfidf = featurizer({ ngramRange: [1, 2], vocabulary: config.terms, ...fromSklearn(config.params) });
      tfidf.fit(trainDocs);
      const idf = tfidf.inverseDocumentFrequencies();
      if (config.idf === null) expect(idf).toBeNull();
      else expectClose(idf!, config.idf, 1e-12);
      expectCsrClose(tfidf.transform(testDocs.slice(0, tfidfFixture.testRows)), config.test, 1e-12);
    },
  );

  it('chooses the same columns as counts with the same options', () => {
    const options = { ngramRange: [1, 2] as [number, number], maxFeatures: 1000, minDf: 2, maxDf: 0.5, binary: true, vocabulary: null };
    const counts = new CountsFeaturizer(options);
    counts.fit(trainDocs);
    const tfidf = featurizer(options);
    tfidf.fit(trainDocs);
    expect(tfidf.terms()).toEqual(counts.terms());
    expect(tfidf.summary()).toEqual(counts.summary());
  });

  it('gives rows of unit l2 norm, leaving empty rows empty', () => {
    const tfidf = featurizer({ ngramRange: [1, 2] });
    tfidf.fit(trainDocs);
    const x = tfidf.transform([...testDocs.slice(0, 5), ['never-seen-token']]);
    for (let r = 0; r < 5; r++) {
      let sum = 0;
      for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) sum += x.data[k] * x.data[k];
      expect(sum).toBeCloseTo(1, 12);
    }
    expect(x.indptr[6] - x.indptr[5]).toBe(0);
  });

  it('gives identical transforms after a JSON round trip of its state', () => {
    for (const options of [
      { ngramRange: [1, 2], maxFeatures: 1000 },
      { useIdf: false, norm: 'l1' },
    ]) {
      const fitted = featurizer(options);
      fitted.fit(trainDocs);
      const restored = featurizer(options);
      restored.setState(JSON.parse(JSON.stringify(fitted.getState())));
      const a = fitted.transform(testDocs);
      const b = restored.transform(testDocs);
      expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(restored.summary()).toEqual(fitted.summary());
    }
  });

  it('rejects a state whose idf does not fit its terms', () => {
    const fitted = featurizer();
    fitted.fit([['a', 'b']]);
    const state = fitted.getState() as { terms: string[]; idf: number[] };
    expect(() => featurizer().setState({ ...state, idf: [1] })).toThrow(/"idf" has 1 values for 2 terms/);
    expect(() => featurizer().setState({ ...state, idf: null })).toThrow(InputError);
  });

  it('refuses a given vocabulary term absent from training when idf is not smoothed', () => {
    const tfidf = featurizer({ vocabulary: ['a', 'zz'], smoothIdf: false });
    expect(() => tfidf.fit([['a', 'b']])).toThrow(/"zz" is in no training document/);
    const smoothed = featurizer({ vocabulary: ['a', 'zz'] });
    smoothed.fit([['a', 'b']]);
    expect(Array.from(smoothed.inverseDocumentFrequencies()!)).toEqual([Math.log(2 / 2) + 1, Math.log(2 / 1) + 1]);
  });

  it('rejects unknown norms and the same bad vocabulary options as counts', () => {
    expect(() => resolveOptions({ norm: 'max' })).toThrow();
    expect(() => featurizer({ ngramRange: [3, 2] })).toThrow(InputError);
  });
});
