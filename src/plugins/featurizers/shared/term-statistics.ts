/**
 * One pass over the training documents: every distinct n-gram with its total count and its
 * document frequency. Terms get ids in first-seen order (sklearn's defaultdict trick), and the
 * statistics live in flat arrays indexed by id, so the pass is a Map lookup per n-gram.
 */
import { forEachWordNgram, type NgramRange } from './word-ngrams';

export interface TermStatistics {
  /** Distinct terms, in first-seen order. */
  terms: string[];
  /** Total occurrences of each term over all documents. */
  counts: number[];
  /** Number of documents each term occurs in. */
  documentFrequencies: number[];
}

export function collectTermStatistics(docs: readonly (readonly string[])[], range: NgramRange): TermStatistics {
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
  return { terms, counts, documentFrequencies };
}
