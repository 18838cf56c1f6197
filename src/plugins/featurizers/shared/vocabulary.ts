/**
 * Choosing the columns of a bag-of-words matrix, as CountVectorizer.fit does: all n-grams of the
 * training documents, minus those outside the minDf/maxDf document counts, cut to maxFeatures by
 * total count, in code point order. A given vocabulary is taken as is.
 *
 * The maxFeatures cut differs from scikit-learn on purpose where terms tie at the cut count:
 * sklearn keeps whichever tied terms numpy's (unstable, machine-dependent) argsort puts first; we
 * keep the higher document frequency, then the earlier term in code point order, and report how
 * many tied terms were dropped.
 */
import { InputError } from '../../../core/errors';
import { documentCountBounds, type BagOfWordsOptions } from './bag-of-words-options';
import { compareCodePoints } from './code-point-order';
import { countMatrix } from './count-matrix';
import { collectTermStatistics } from './term-statistics';

export interface VocabularySummary {
  [key: string]: number;
  /** Columns kept. */
  features: number;
  /** Terms left after the minDf/maxDf filter, before the maxFeatures cut. */
  vocabularyBeforeCut: number;
  /** Total count of the last term kept by maxFeatures (0 when nothing was cut). */
  cutCount: number;
  /** Terms with exactly `cutCount` that the cut dropped: where the tie-break rule decided. */
  tiedTermsCut: number;
}

export interface FittedVocabulary {
  /** Column order. */
  terms: string[];
  /** Training documents each column's term occurs in. */
  documentFrequencies: number[];
  summary: VocabularySummary;
}

export function fitVocabulary(docs: readonly (readonly string[])[], options: Readonly<BagOfWordsOptions>): FittedVocabulary {
  if (options.vocabulary !== null) return givenVocabulary(docs, options.vocabulary, options);

  const stats = collectTermStatistics(docs, options.ngramRange);
  if (stats.terms.length === 0) {
    throw new InputError('VOCABULARY_EMPTY', 'empty vocabulary: the training documents have no tokens');
  }
  const bounds = documentCountBounds(options, docs.length);
  const { terms, counts, documentFrequencies: dfs } = stats;

  let kept: number[] = [];
  for (let id = 0; id < terms.length; id++) {
    if (dfs[id] >= bounds.min && dfs[id] <= bounds.max) kept.push(id);
  }
  const vocabularyBeforeCut = kept.length;

  let cutCount = 0;
  let tiedTermsCut = 0;
  if (options.maxFeatures !== null && kept.length > options.maxFeatures) {
    // With binary counts every occurrence after a document's first is dropped before ranking, so
    // sklearn's "total count" is the document frequency.
    const rank = options.binary ? dfs : counts;
    const ranked = kept.sort((a, b) => rank[b] - rank[a] || dfs[b] - dfs[a]);
    cutCount = rank[ranked[options.maxFeatures - 1]];
    for (let i = options.maxFeatures; i < ranked.length && rank[ranked[i]] === cutCount; i++) tiedTermsCut++;
    kept = firstInCodePointOrder(ranked, options.maxFeatures, (a, b) => rank[a] === rank[b] && dfs[a] === dfs[b], terms);
  }
  kept.sort((a, b) => compareCodePoints(terms[a], terms[b]));
  if (kept.length === 0) {
    throw new InputError(
      'VOCABULARY_EMPTY',
      `no terms are left after the document frequency filter (minDf ${options.minDf}, maxDf ${options.maxDf}); lower minDf or raise maxDf`,
    );
  }
  return {
    terms: kept.map((id) => terms[id]),
    documentFrequencies: kept.map((id) => dfs[id]),
    summary: { features: kept.length, vocabularyBeforeCut, cutCount, tiedTermsCut },
  };
}

/**
 * The first `limit` of `ranked`, where the rank ties straddling the cut are settled by code point
 * order. Only that block needs comparing as strings, not the whole vocabulary.
 */
function firstInCodePointOrder(ranked: number[], limit: number, tied: (a: number, b: number) => boolean, terms: readonly string[]): number[] {
  const last = ranked[limit - 1];
  let start = limit - 1;
  while (start > 0 && tied(ranked[start - 1], last)) start--;
  let end = limit;
  while (end < ranked.length && tied(ranked[end], last)) end++;
  const block = ranked.slice(start, end).sort((a, b) => compareCodePoints(terms[a], terms[b]));
  return ranked.slice(0, start).concat(block.slice(0, limit - start));
}

function givenVocabulary(docs: readonly (readonly string[])[], terms: readonly string[], options: Readonly<BagOfWordsOptions>): FittedVocabulary {
  const counts = countMatrix(docs, termIndex(terms), terms.length, options.ngramRange, true);
  const documentFrequencies = new Array<number>(terms.length).fill(0);
  for (const column of counts.indices) documentFrequencies[column]++;
  return {
    terms: terms.slice(),
    documentFrequencies,
    summary: { features: terms.length, vocabularyBeforeCut: terms.length, cutCount: 0, tiedTermsCut: 0 },
  };
}

/** term → column. */
export function termIndex(terms: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  terms.forEach((term, column) => index.set(term, column));
  return index;
}
