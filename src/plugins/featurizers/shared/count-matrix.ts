/**
 * Documents → term-count CSR matrix over a fixed list of terms, as CountVectorizer.transform: terms
 * outside the list are ignored, columns are sorted within each row, counts are floats. The matrix
 * is built in one pass into growing typed arrays.
 *
 * Terms are looked up by their token ids (ngram-index.ts): the documents' token ids are mapped to the
 * ids of the tokens the terms are made of, an n-gram holding any other token is skipped without
 * being built, and the rest are found in an integer-keyed table. A document with a token holding a
 * space (custom token patterns) is looked up by n-gram strings instead, which is exact whatever the
 * tokens hold.
 */
import type { CsrMatrix } from '../../../core/features';
import { docCount, docTokens, type TokenizedDocs } from '../../../core/tokenized-docs';
import { NgramTable, TokenIds } from './ngram-index';
import { forEachWordNgram, type NgramRange } from './word-ngrams';

/** The columns: term i is column i. */
export class TermColumns {
  readonly byString = new Map<string, number>();
  readonly tokens = new TokenIds();
  /** N-gram id = column. */
  readonly table = new NgramTable();

  constructor(readonly terms: readonly string[]) {
    let ids = new Int32Array(16);
    terms.forEach((term, column) => {
      this.byString.set(term, column);
      const pieces = term.split(' ');
      if (pieces.length > ids.length) ids = new Int32Array(pieces.length * 2);
      for (let k = 0; k < pieces.length; k++) ids[k] = this.tokens.intern(pieces[k]);
      const id = this.table.add(ids, 0, pieces.length);
      // Terms are distinct strings, so their piece sequences are distinct: ids follow columns.
      if (id !== column) throw new Error(`the term list holds "${term}" twice`);
    });
  }

  get size(): number {
    return this.terms.length;
  }
}

export function countMatrix(docs: TokenizedDocs, columns: TermColumns, range: NgramRange, binary: boolean): CsrMatrix {
  const [minN, maxN] = range;
  const rows = docCount(docs);
  const { ids: corpusIds, starts, ends } = docs;
  // Each corpus token's id among the terms' pieces (-1: in no term), and whether it holds a space.
  const pieceOf = new Int32Array(docs.tokens.length);
  const spacedToken = new Uint8Array(docs.tokens.length);
  docs.tokens.forEach((token, id) => {
    pieceOf[id] = columns.tokens.find(token);
    if (pieceOf[id] < 0 && token.indexOf(' ') >= 0) spacedToken[id] = 1;
  });
  const indptr = new Int32Array(rows + 1);
  let indices = new Int32Array(1024);
  let data = new Float64Array(1024);
  let nnz = 0;
  // Column ids of one document, sorted, then run-length encoded into the row.
  let rowColumns = new Int32Array(64);
  let found = 0;
  const add = (column: number) => {
    if (found === rowColumns.length) rowColumns = growInt(rowColumns, found * 2);
    rowColumns[found++] = column;
  };
  let ids = new Int32Array(256);
  let knownRun = new Int32Array(256);
  for (let d = 0; d < rows; d++) {
    const start = starts[d];
    const count = ends[d] - start;
    found = 0;
    if (count > ids.length) {
      ids = new Int32Array(count * 2);
      knownRun = new Int32Array(count * 2);
    }
    let spaced = false;
    for (let t = 0; t < count; t++) {
      const token = corpusIds[start + t];
      ids[t] = pieceOf[token];
      if (spacedToken[token] === 1) spaced = true;
    }
    if (spaced) {
      forEachWordNgram(docTokens(docs, d), range, (term) => {
        const column = columns.byString.get(term);
        if (column !== undefined) add(column);
      });
    } else {
      // knownRun[i]: how many tokens from i on are pieces of some term; an n-gram needs n of them.
      let run = 0;
      for (let t = count - 1; t >= 0; t--) {
        run = ids[t] < 0 ? 0 : run + 1;
        knownRun[t] = run;
      }
      for (let n = minN; n <= maxN && n <= count; n++) {
        for (let i = 0; i + n <= count; i++) {
          if (knownRun[i] < n) continue;
          const column = columns.table.find(ids, i, n);
          if (column >= 0) add(column);
        }
      }
    }
    const sorted = rowColumns.subarray(0, found).sort();
    if (nnz + found > indices.length) {
      const size = Math.max(indices.length * 2, nnz + found);
      indices = growInt(indices, size);
      data = growFloat(data, size);
    }
    for (let k = 0; k < found;) {
      const column = sorted[k];
      let end = k + 1;
      while (end < found && sorted[end] === column) end++;
      indices[nnz] = column;
      data[nnz] = binary ? 1 : end - k;
      nnz++;
      k = end;
    }
    indptr[d + 1] = nnz;
  }
  return { kind: 'csr', rows, cols: columns.size, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
}

/** A copy of `array` in a bigger one (a growing CSR buffer). */
export function growInt(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}

export function growFloat(array: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(size);
  bigger.set(array);
  return bigger;
}
