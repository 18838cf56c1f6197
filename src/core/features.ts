/**
 * Feature matrices passed from featurizers to models. Bag-of-words features are sparse (CSR);
 * sequence features are padded token ids.
 */

/** Compressed sparse rows, as scipy.sparse.csr_matrix. Column indices are sorted within a row. */
export interface CsrMatrix {
  kind: 'csr';
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}

/** Padded token-id sequences, row-major [rows × length]; 0 is padding. */
export interface IndexSequences {
  kind: 'sequences';
  rows: number;
  length: number;
  /** Uint16Array when every id fits in 16 bits (vocabSize ≤ 65,536): half the memory of a large corpus's sequences. */
  ids: Int32Array | Uint16Array;
  /** Unpadded length of each row (after truncation). */
  lengths: Int32Array;
  /** Number of distinct ids, padding (and unknown, when used) included. */
  vocabSize: number;
}

export type Features = CsrMatrix | IndexSequences;

/** Rows `positions` of a feature matrix, in that order. */
export function selectRows(x: Features, positions: readonly number[]): Features {
  if (x.kind === 'csr') {
    const indptr = new Int32Array(positions.length + 1);
    let nnz = 0;
    for (let i = 0; i < positions.length; i++) {
      const r = positions[i];
      nnz += x.indptr[r + 1] - x.indptr[r];
      indptr[i + 1] = nnz;
    }
    const indices = new Int32Array(nnz);
    const data = new Float64Array(nnz);
    for (let i = 0; i < positions.length; i++) {
      const r = positions[i];
      const start = x.indptr[r];
      const end = x.indptr[r + 1];
      indices.set(x.indices.subarray(start, end), indptr[i]);
      data.set(x.data.subarray(start, end), indptr[i]);
    }
    return { kind: 'csr', rows: positions.length, cols: x.cols, indptr, indices, data };
  }
  const ids = sequenceIds(positions.length * x.length, x.vocabSize);
  const lengths = new Int32Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    const r = positions[i];
    ids.set(x.ids.subarray(r * x.length, (r + 1) * x.length), i * x.length);
    lengths[i] = x.lengths[r];
  }
  return { kind: 'sequences', rows: positions.length, length: x.length, ids, lengths, vocabSize: x.vocabSize };
}

/** Build a CSR matrix from per-row maps of column → value. */
export function csrFromRows(rows: readonly Map<number, number>[], cols: number): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  let nnz = 0;
  rows.forEach((row, i) => {
    nnz += row.size;
    indptr[i + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  rows.forEach((row, i) => {
    const sorted = [...row.keys()].sort((a, b) => a - b);
    let k = indptr[i];
    for (const c of sorted) {
      indices[k] = c;
      data[k] = row.get(c)!;
      k++;
    }
  });
  return { kind: 'csr', rows: rows.length, cols, indptr, indices, data };
}

/** An ids array for index sequences over `vocabSize` ids: 16-bit when they fit. */
export function sequenceIds(length: number, vocabSize: number): Int32Array | Uint16Array {
  return vocabSize <= 0x10000 ? new Uint16Array(length) : new Int32Array(length);
}
