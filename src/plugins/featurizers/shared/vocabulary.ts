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
import { countMatrix, TermColumns } from './count-matrix';
import { collectTermStatistics } from './term-statistics';
import { docCount, type TokenizedDocs } from '../../../core/tokenized-docs';

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

export function fitVocabulary(docs: TokenizedDocs, options: Readonly<BagOfWordsOptions>): FittedVocabulary {
  if (options.vocabulary !== null) return givenVocabulary(docs, options.vocabulary, options);

  const stats = collectTermStatistics(docs, options.ngramRange);
  if (stats.size === 0) {
    throw new InputError('VOCABULARY_EMPTY', 'empty vocabulary: the training documents have no tokens');
  }
  const bounds = documentCountBounds(options, docCount(docs));
  const { counts, documentFrequencies: dfs } = stats;

  let kept: number[] = [];
  for (let id = 0; id < stats.size; id++) {
    if (dfs[id] >= bounds.min && dfs[id] <= bounds.max) kept.push(id);
  }
  const vocabularyBeforeCut = kept.length;

  let cutCount = 0;
  let tiedTermsCut = 0;
  if (options.maxFeatures !== null && kept.length > options.maxFeatures) {
    // With binary counts every occurrence after a document's first is dropped before ranking, so
    // sklearn's "total count" is the document frequency.
    const rank = options.binary ? dfs : counts;
    // Only terms ranked at least as high as the maxFeatures-th can be kept: find that rank with a
    // native sort of the ranks, then order just those terms, not the whole vocabulary.
    const ranks = new Int32Array(kept.length);
    for (let i = 0; i < kept.length; i++) ranks[i] = rank[kept[i]];
    ranks.sort();
    cutCount = ranks[ranks.length - options.maxFeatures];
    const ranked = kept.filter((id) => rank[id] >= cutCount).sort((a, b) => rank[b] - rank[a] || dfs[b] - dfs[a]);
    for (let i = options.maxFeatures; i < ranked.length; i++) if (rank[ranked[i]] === cutCount) tiedTermsCut++;
    kept = firstInCodePointOrder(ranked, options.maxFeatures, (a, b) => rank[a] === rank[b] && dfs[a] === dfs[b], stats.term);
  }
  const terms = new Map<number, string>();
  for (const id of kept) terms.set(id, stats.term(id));
  kept.sort((a, b) => compareCodePoints(terms.get(a)!, terms.get(b)!));
  if (kept.length === 0) {
    throw new InputError(
      'VOCABULARY_EMPTY',
      `no terms are left after the document frequency filter (minDf ${options.minDf}, maxDf ${options.maxDf}); lower minDf or raise maxDf`,
    );
  }
  return {
    terms: kept.map((id) => terms.get(id)!),
    documentFrequencies: kept.map((id) => dfs[id]),
    summary: { features: kept.length, vocabularyBeforeCut, cutCount, tiedTermsCut },
  };
}

/**
 * The first `limit` of `ranked`, where the rank ties straddling the cut are settled by code point
 * order. Only that block needs comparing as strings, not the whole vocabulary.
 */
function firstInCodePointOrder(ranked: number[], limit: number, tied: (a: number, b: number) => boolean, term: (id: number) => string): number[] {
  const last = ranked[limit - 1];
  let start = limit - 1;
  while (start > 0 && tied(ranked[start - 1], last)) start--;
  let end = limit;
  while (end < ranked.length && tied(ranked[end], last)) end++;
  const strings = new Map<number, string>();
  for (let i = start; i < end; i++) strings.set(ranked[i], term(ranked[i]));
  const block = ranked.slice(start, end).sort((a, b) => compareCodePoints(strings.get(a)!, strings.get(b)!));
  return ranked.slice(0, start).concat(block.slice(0, limit - start));
}

function givenVocabulary(docs: TokenizedDocs, terms: readonly string[], options: Readonly<BagOfWordsOptions>): FittedVocabulary {
  const counts = countMatrix(docs, new TermColumns(terms), options.ngramRange, true);
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
