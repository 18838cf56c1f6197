import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../../core/errors';
import type { CsrMatrix } from '../../../core/features';
import { createPlugin, resolvePluginOptions, testContext } from '../../../core/testing';
import { WordsTokenizer } from '../../tokenizers/words';
import countsFeaturizerDefault, { countsFeaturizer, type CountsFeaturizer } from './index';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/featurizers');
const readFixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));

interface Csr {
  rows: number;
  cols: number;
  indptr: number[];
  indices: number[];
  data: number[];
}

const split = readFixture<{ train: string[]; test: string[] }>('notebook-split.json');
const fullVocabulary = readFixture<{ terms: string[]; counts: number[]; documentFrequencies: number[] }>('vocabulary-ngram-1-2.json');
const maxFeatures1000 = readFixture<{ vocabulary: Record<string, number>; train: Csr; test: Csr }>('counts-max-features-1000.json');
const dfFiltered = readFixture<{ configs: { params: Record<string, number | boolean>; terms: string[]; rankCounts: number[] }[] }>(
  'df-filtered-vocabularies.json',
);

const context = testContext();
const resolveOptions = (options: Record<string, unknown>) => resolvePluginOptions(countsFeaturizer, options);

const featurizer = (options: Record<string, unknown> = {}): CountsFeaturizer => createPlugin(countsFeaturizer, options) as CountsFeaturizer;

/** scikit-learn CountVectorizer parameters → ours. */
function fromSklearn(params: Record<string, number | boolean>): Record<string, unknown> {
  const names: Record<string, string> = { min_df: 'minDf', max_df: 'maxDf', max_features: 'maxFeatures', binary: 'binary' };
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [names[key], value]));
}

const words = new WordsTokenizer({ lowercase: true, pattern: null });
const trainDocs = split.train.map((t) => words.tokenize(t));
const testDocs = split.test.map((t) => words.tokenize(t));

const plain = (x: CsrMatrix): Csr => ({
  rows: x.rows,
  cols: x.cols,
  indptr: Array.from(x.indptr),
  indices: Array.from(x.indices),
  data: Array.from(x.data),
});

function columnTotals(x: CsrMatrix): { sums: number[]; nonZero: number[] } {
  const sums = new Array<number>(x.cols).fill(0);
  const nonZero = new Array<number>(x.cols).fill(0);
  x.indices.forEach((c, k) => {
    sums[c] += x.data[k];
    nonZero[c]++;
  });
  return { sums, nonZero };
}

/**
 * Asserts two equally long term selections differ only among terms whose ranking count equals the
 * smallest count kept, and returns that count.
 */
function expectDifferOnlyAtTies(ours: readonly string[], theirs: readonly string[], countOf: (term: string) => number): number {
  expect(ours.length).toBe(theirs.length);
  const cut = Math.min(...ours.map(countOf));
  expect(Math.min(...theirs.map(countOf))).toBe(cut);
  const oursSet = new Set(ours);
  const theirsSet = new Set(theirs);
  const onlyOurs = ours.filter((t) => !theirsSet.has(t));
  const onlyTheirs = theirs.filter((t) => !oursSet.has(t));
  expect(onlyOurs.length).toBe(onlyTheirs.length);
  expect([...onlyOurs, ...onlyTheirs].filter((t) => countOf(t) !== cut)).toEqual([]);
  return cut;
}

describe('counts featurizer', () => {
  it('is exported as default and by name, with sklearn defaults', () => {
    expect(countsFeaturizerDefault).toBe(countsFeaturizer);
    expect(countsFeaturizer.kind).toBe('featurizer');
    expect(resolveOptions({})).toEqual({ ngramRange: [1, 1], maxFeatures: null, minDf: 1, maxDf: 1, binary: false, vocabulary: null });
  });

  describe('on the notebook split, against scikit-learn', () => {
    it('learns the full (1, 2)-gram vocabulary in the same order, with the same counts and document frequencies', () => {
      const counts = featurizer({ ngramRange: [1, 2] });
      counts.fit(trainDocs);
      expect(counts.terms()).toEqual(fullVocabulary.terms);
      const { sums, nonZero } = columnTotals(counts.transform(trainDocs));
      expect(sums).toEqual(fullVocabulary.counts);
      expect(nonZero).toEqual(fullVocabulary.documentFrequencies);
      expect(counts.summary()).toEqual({
        features: fullVocabulary.terms.length,
        vocabularyBeforeCut: fullVocabulary.terms.length,
        cutCount: 0,
        tiedTermsCut: 0,
      });
    });

    it("with sklearn's 1000 terms as vocabulary, transforms train and test rows exactly as CountVectorizer", () => {
      const terms = Object.keys(maxFeatures1000.vocabulary).sort((a, b) => maxFeatures1000.vocabulary[a] - maxFeatures1000.vocabulary[b]);
      const counts = featurizer({ ngramRange: [1, 2], vocabulary: terms });
      counts.fit(trainDocs);
      expect(counts.terms()).toEqual(terms);
      expect(plain(counts.transform(trainDocs))).toEqual(maxFeatures1000.train);
      expect(plain(counts.transform(testDocs))).toEqual(maxFeatures1000.test);
    });

    it('with maxFeatures 1000, chooses the same terms except among those tied at the cut count', () => {
      const counts = featurizer({ ngramRange: [1, 2], maxFeatures: 1000 });
      counts.fit(trainDocs);
      const totalCount = new Map(fullVocabulary.terms.map((t, i) => [t, fullVocabulary.counts[i]]));
      const countOf = (t: string) => totalCount.get(t)!;
      const cut = expectDifferOnlyAtTies(counts.terms(), Object.keys(maxFeatures1000.vocabulary), countOf);

      const tiedInAll = fullVocabulary.counts.filter((c) => c === cut).length;
      const tiedKept = counts.terms().filter((t) => countOf(t) === cut).length;
      expect(counts.summary()).toEqual({
        features: 1000,
        vocabularyBeforeCut: fullVocabulary.terms.length,
        cutCount: cut,
        tiedTermsCut: tiedInAll - tiedKept,
      });
      expect(counts.summary().tiedTermsCut).toBeGreaterThan(0);
    });

    it('breaks the ties by higher document frequency, then code point order', () => {
      const counts = featurizer({ ngramRange: [1, 2], maxFeatures: 1000 });
      counts.fit(trainDocs);
      const { cutCount } = counts.summary();
      const df = new Map(fullVocabulary.terms.map((t, i) => [t, fullVocabulary.documentFrequencies[i]]));
      const kept = new Set(counts.terms());
      // fullVocabulary.terms is in code point order already.
      const tied = fullVocabulary.terms.filter((_t, i) => fullVocabulary.counts[i] === cutCount);
      const expected = tied
        .map((t, order) => ({ t, order }))
        .sort((a, b) => df.get(b.t)! - df.get(a.t)! || a.order - b.order)
        .slice(0, tied.length - counts.summary().tiedTermsCut)
        .map((e) => e.t);
      expect(tied.filter((t) => kept.has(t))).toEqual(tied.filter((t) => expected.includes(t)));
    });

    it.each(dfFiltered.configs.map((c) => [JSON.stringify(c.params), c] as const))('applies %s as CountVectorizer does', (_name, config) => {
      const counts = featurizer({ ngramRange: [1, 2], ...fromSklearn(config.params) });
      counts.fit(trainDocs);
      if (config.params.max_features === undefined) {
        expect(counts.terms()).toEqual(config.terms);
      } else {
        const x = counts.transform(trainDocs);
        const ours = new Map(counts.terms().map((t, c) => [t, columnTotals(x).sums[c]]));
        const theirs = new Map(config.terms.map((t, c) => [t, config.rankCounts[c]]));
        expectDifferOnlyAtTies(counts.terms(), config.terms, (t) => ours.get(t) ?? theirs.get(t)!);
      }
    });
  });

  describe('transform', () => {
    const docs = [['b', 'a', 'b'], ['c', 'zz'], []];

    it('counts terms in sorted columns, as floats, ignoring unseen terms', () => {
      const counts = featurizer();
      counts.fit(docs);
      expect(counts.terms()).toEqual(['a', 'b', 'c', 'zz']);
      expect(plain(counts.transform([['zz', 'new', 'b', 'zz'], ['unseen']]))).toEqual({
        rows: 2,
        cols: 4,
        indptr: [0, 2, 2],
        indices: [1, 3],
        data: [1, 2],
      });
      expect(counts.transform(docs).data).toBeInstanceOf(Float64Array);
    });

    it('treats a token holding a space and the n-gram of the same string as one term, as scikit-learn does', () => {
      // A custom token pattern can yield "a b"; CountVectorizer keys terms by string, so the token
      // "a b" and the bigram (a, b) are one column, counted together.
      const counts = featurizer({ ngramRange: [1, 2] });
      counts.fit([
        ['a b', 'c'],
        ['a', 'b'],
      ]);
      expect(counts.terms()).toEqual(['a', 'a b', 'a b c', 'b', 'c']);
      expect(
        plain(
          counts.transform([
            ['a', 'b', 'a b'],
            ['x y', 'c'],
          ]),
        ),
      ).toEqual({
        rows: 2,
        cols: 5,
        indptr: [0, 3, 4],
        indices: [0, 1, 3, 4],
        data: [1, 2, 1, 1],
      });
    });

    it('counts n-grams of repeated and unseen tokens as CountVectorizer does, for n up to 3', () => {
      const docs = [['x', 'x', 'x', 'y'], ['y', 'x', 'x'], ['z']];
      const counts = featurizer({ ngramRange: [1, 3] });
      counts.fit(docs);
      expect(counts.terms()).toEqual(['x', 'x x', 'x x x', 'x x y', 'x y', 'y', 'y x', 'y x x', 'z']);
      const x = counts.transform([['x', 'x', 'x', 'x', 'q', 'y', 'x', 'x']]);
      expect(plain(x)).toEqual({ rows: 1, cols: 9, indptr: [0, 6], indices: [0, 1, 2, 5, 6, 7], data: [6, 4, 2, 1, 1, 1] });
    });

    it('counts each term once per document when binary', () => {
      const counts = featurizer({ binary: true, ngramRange: [1, 2] });
      counts.fit(docs);
      const x = counts.transform([['b', 'a', 'b', 'a', 'b']]);
      expect(counts.terms()).toEqual(['a', 'a b', 'b', 'b a', 'c', 'c zz', 'zz']);
      expect(Array.from(x.indices)).toEqual([0, 1, 2, 3]);
      expect(Array.from(x.data)).toEqual([1, 1, 1, 1]);
    });

    it('gives identical transforms after a JSON round trip of its state', () => {
      const fitted = featurizer({ ngramRange: [1, 2], maxFeatures: 1000 });
      fitted.fit(trainDocs);
      const restored = featurizer({ ngramRange: [1, 2], maxFeatures: 1000 });
      restored.setState(JSON.parse(JSON.stringify(fitted.getState())));
      expect(plain(restored.transform(testDocs))).toEqual(plain(fitted.transform(testDocs)));
      expect(restored.summary()).toEqual(fitted.summary());
    });

    it('refuses to transform before fit and rejects a malformed state', () => {
      expect(() => featurizer().transform(docs)).toThrow(/fit/);
      expect(() => featurizer().setState({ terms: ['a', 'a'], summary: { features: 2 } })).toThrow(/twice/);
      expect(() => featurizer().setState({ terms: 'a' })).toThrow(InputError);
    });
  });

  describe('maxFeatures ties', () => {
    it('keeps the higher document frequency, then the earlier term in code point order, and reports the dropped ties', () => {
      // Totals: a 3 (df 1), b 2 (df 2), c 2 (df 1), d 2 (df 1), 😀x… astral terms sort last.
      const docs = [
        ['a', 'a', 'a', 'c', 'c', 'd', 'd'],
        ['b', '\uffee'],
        ['b', '\uffee', '😀'],
      ];
      const counts = featurizer({ maxFeatures: 3 });
      counts.fit(docs);
      // Tied at 2: b and \uffee (df 2), c and d (df 1). Kept: a, then b and \uffee.
      expect(counts.terms()).toEqual(['a', 'b', '\uffee']);
      expect(counts.summary()).toEqual({ features: 3, vocabularyBeforeCut: 6, cutCount: 2, tiedTermsCut: 2 });

      const two = featurizer({ maxFeatures: 2 });
      two.fit(docs);
      expect(two.terms()).toEqual(['a', 'b']);
      expect(two.summary().tiedTermsCut).toBe(3);
    });

    it('does not cut when the vocabulary is small enough', () => {
      const counts = featurizer({ maxFeatures: 10 });
      counts.fit([['a', 'b']]);
      expect(counts.summary()).toEqual({ features: 2, vocabularyBeforeCut: 2, cutCount: 0, tiedTermsCut: 0 });
    });
  });

  describe('document frequency bounds', () => {
    const docs = [
      ['a', 'b'],
      ['a', 'c'],
      ['a', 'b'],
      ['d', 'e'],
    ];
    const termsWith = (options: Record<string, unknown>) => {
      const counts = featurizer(options);
      counts.fit(docs);
      return counts.terms();
    };

    it('reads integers as document counts and fractions as proportions', () => {
      expect(termsWith({ minDf: 2 })).toEqual(['a', 'b']);
      expect(termsWith({ maxDf: 2 })).toEqual(['b', 'c', 'd', 'e']);
      expect(termsWith({ maxDf: 0.5 })).toEqual(['b', 'c', 'd', 'e']);
      expect(termsWith({ minDf: 0.5, maxDf: 0.5 })).toEqual(['b']);
      expect(termsWith({ minDf: 0 })).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('reads maxDf 1 as 100% (sklearn max_df=1.0), minDf 1 as one document', () => {
      expect(termsWith({ minDf: 1, maxDf: 1 })).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('fails like sklearn when maxDf allows fewer documents than minDf requires', () => {
      expect(() => termsWith({ minDf: 3, maxDf: 2 })).toThrow(InputError);
      expect(() => termsWith({ minDf: 3, maxDf: 2 })).toThrow(/maxDf 2 allows at most 2 of the 4 training documents, fewer than the 3/);
      expect(() => termsWith({ minDf: 0.6, maxDf: 0.5 })).toThrow(/max_df corresponds to < documents than min_df/);
    });

    it('fails when no term is left, or the documents have no tokens', () => {
      expect(() => termsWith({ minDf: 4 })).toThrow(/no terms are left/);
      expect(() => featurizer().fit([[], []])).toThrow(/empty vocabulary/);
    });

    it('rejects counts and proportions scikit-learn rejects', () => {
      expect(() => resolveOptions({ minDf: 1.5 })).toThrow();
      expect(() => resolveOptions({ maxDf: -0.1 })).toThrow();
      expect(() => resolveOptions({ maxFeatures: 0 })).toThrow();
    });
  });

  describe('options', () => {
    it('rejects an n-gram range whose min is above its max', () => {
      expect(() => featurizer({ ngramRange: [2, 1] })).toThrow(/ngramRange \[2, 1\]/);
    });

    it('rejects duplicate vocabulary terms and vocabulary combined with term selection', () => {
      expect(() =>
        countsFeaturizer.create({ ngramRange: [1, 1], maxFeatures: null, minDf: 1, maxDf: 1, binary: false, vocabulary: ['a', 'a'] }, context),
      ).toThrow(/lists "a" twice/);
      expect(() => featurizer({ vocabulary: ['a'], maxFeatures: 10 })).toThrow(/maxFeatures select terms/);
    });

    it('uses a given vocabulary in its order, whatever the training documents hold', () => {
      const counts = featurizer({ vocabulary: ['z', 'a'] });
      counts.fit([['q']]);
      expect(counts.terms()).toEqual(['z', 'a']);
      expect(plain(counts.transform([['a', 'z', 'a']]))).toEqual({ rows: 1, cols: 2, indptr: [0, 2], indices: [0, 1], data: [1, 2] });
    });
  });
});
