/**
 * Documents → term-count CSR matrix over a fixed term index, as CountVectorizer.transform: terms
 * outside the index are ignored, columns are sorted within each row, counts are floats.
 */
import type { CsrMatrix } from '../../../core/features';
import { forEachWordNgram, type NgramRange } from './word-ngrams';

export function countMatrix(
  docs: readonly (readonly string[])[],
  index: ReadonlyMap<string, number>,
  columns: number,
  range: NgramRange,
  binary: boolean,
): CsrMatrix {
  const indptr = new Int32Array(docs.length + 1);
  let indices = new Int32Array(1024);
  let data = new Float64Array(1024);
  let nnz = 0;
  // Column ids of one document, sorted, then run-length encoded into the row.
  let rowColumns = new Int32Array(64);
  for (let d = 0; d < docs.length; d++) {
    let found = 0;
    forEachWordNgram(docs[d], range, (term) => {
      const column = index.get(term);
      if (column === undefined) return;
      if (found === rowColumns.length) rowColumns = grow(rowColumns, found * 2);
      rowColumns[found++] = column;
    });
    const sorted = rowColumns.subarray(0, found).sort();
    if (nnz + found > indices.length) {
      const size = Math.max(indices.length * 2, nnz + found);
      indices = grow(indices, size);
      data = growFloat(data, size);
    }
    for (let k = 0; k < found; ) {
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
  return { kind: 'csr', rows: docs.length, cols: columns, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
}

function grow(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}

function growFloat(array: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(size);
  bigger.set(array);
  return bigger;
}
