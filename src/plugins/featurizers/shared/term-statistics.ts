/**
 * One pass over the training documents: every distinct n-gram with its total count and its
 * document frequency. Terms get ids in first-seen order (sklearn's defaultdict trick), and the
 * statistics live in typed arrays indexed by id. N-grams are keyed by their token ids
 * (the documents' token ids, ngram-index.ts), so the pass makes no string per occurrence; a term's string is built only when
 * `term(id)` asks for it. Where a token holds a space (a custom token pattern), token ids no longer
 * identify n-gram strings ("a b" the token and "a b" the bigram are one term for scikit-learn), and
 * the pass keys n-grams by their strings instead.
 */
import { docCount, hasSpacedToken, toStringDocs, type TokenizedDocs } from '../../../core/tokenized-docs';
import { NgramTable } from './ngram-index';
import { forEachWordNgram, type NgramRange } from './word-ngrams';

export interface TermStatistics {
  /** Number of distinct terms. */
  size: number;
  /** The string of term `id` (ids in first-seen order). */
  term(id: number): string;
  /** Total occurrences of each term over all documents. */
  counts: Int32Array;
  /** Number of documents each term occurs in. */
  documentFrequencies: Int32Array;
}

/** N-grams are keyed by the documents' own token ids: no token is looked up by its string. */
export function collectTermStatistics(docs: TokenizedDocs, range: NgramRange): TermStatistics {
  if (hasSpacedToken(docs)) return stringKeyedStatistics(toStringDocs(docs), range);
  const table = new NgramTable();
  const [minN, maxN] = range;
  const { ids, starts, ends } = docs;
  let counts = new Int32Array(1 << 12);
  let dfs = new Int32Array(1 << 12);
  let lastDocument = new Int32Array(1 << 12).fill(-1);
  const n = docCount(docs);
  for (let d = 0; d < n; d++) {
    const start = starts[d];
    const length = ends[d] - start;
    // scikit-learn's order: all n-grams of the smallest n first, each left to right.
    for (let g = minN; g <= maxN && g <= length; g++) {
      for (let i = start; i + g <= start + length; i++) {
        const id = table.add(ids, i, g);
        if (id === counts.length) {
          counts = grown(counts, id * 2);
          dfs = grown(dfs, id * 2);
          const last = new Int32Array(id * 2).fill(-1);
          last.set(lastDocument);
          lastDocument = last;
        }
        counts[id]++;
        if (lastDocument[id] !== d) {
          lastDocument[id] = d;
          dfs[id]++;
        }
      }
    }
  }
  const size = table.size;
  return { size, term: (id) => table.term(id, docs.tokens), counts: counts.slice(0, size), documentFrequencies: dfs.slice(0, size) };
}

/** The same statistics keyed by n-gram strings: exact whatever the tokens hold. */
function stringKeyedStatistics(docs: readonly (readonly string[])[], range: NgramRange): TermStatistics {
  const ids = new Map<string, number>();
  const terms: string[] = [];
  const counts: number[] = [];
  const documentFrequencies: number[] = [];
  const lastDocument: number[] = [];
  for (let d = 0; d < docs.length; d++) {
    forEachWordNgram(docs[d], range, (term) => {
      let id = ids.get(term);
      if (id === undefined) {
        id = terms.length;
        ids.set(term, id);
        terms.push(term);
        counts.push(0);
        documentFrequencies.push(0);
        lastDocument.push(-1);
      }
      counts[id]++;
      if (lastDocument[id] !== d) {
        lastDocument[id] = d;
        documentFrequencies[id]++;
      }
    });
  }
  return { size: terms.length, term: (id) => terms[id], counts: Int32Array.from(counts), documentFrequencies: Int32Array.from(documentFrequencies) };
}

function grown(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}
