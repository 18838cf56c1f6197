/**
 * `hashing`: word n-grams hashed into a fixed number of columns, as scikit-learn's
 * HashingVectorizer: no vocabulary is learned or stored, so a corpus whose vocabulary does not fit
 * in memory still featurizes, in one pass. Each n-gram's UTF-8 bytes are hashed with MurmurHash3
 * (seed 0, signed); the column is |hash| mod nFeatures, the value +1, or -1 when the hash is
 * negative and alternateSign is on (colliding terms then cancel out on average instead of adding
 * up). Rows are then scaled to unit norm.
 *
 * The n-grams of a document are hashed straight from the document's bytes: its tokens are encoded
 * once, separated by one space, so every n-gram is a contiguous byte range and no n-gram string is
 * made.
 */
import { optionError } from '../../../core/errors';
import type { CsrMatrix } from '../../../core/features';
import { definePlugin, type Featurizer, type FeaturizerSummary, type JsonValue } from '../../../core/plugin';
import { applyTfidf, type TfidfNorm } from '../tfidf/tfidf-weighting';
import { stateObject } from '../shared/state';
import { bagOfWordsProperties, ngramRangeProblems } from '../shared/bag-of-words-options';
import { growFloat, growInt } from '../shared/count-matrix';
import { docCount, docTokens, type TokenizedDocs } from '../../../core/tokenized-docs';
import { murmurhash3Signed } from './murmurhash3';

export interface HashingOptions {
  nFeatures: number;
  ngramRange: [number, number];
  alternateSign: boolean;
  norm: TfidfNorm;
  binary: boolean;
}

const encoder = new TextEncoder();

export class HashingFeaturizer implements Featurizer {
  constructor(private readonly options: Readonly<HashingOptions>) {}

  /** Nothing to learn: the columns are fixed by the hash. */
  fit(_docs: readonly string[][]): void {}

  transform(docs: readonly string[][]): CsrMatrix {
    return this.hashRows(docs.length, (d) => docs[d]);
  }

  fitTokenized(_docs: TokenizedDocs): void {}

  /** Each row's tokens are made as strings while it is hashed, never all rows at once. */
  transformTokenized(docs: TokenizedDocs): CsrMatrix {
    return this.hashRows(docCount(docs), (d) => docTokens(docs, d));
  }

  private hashRows(rows: number, row: (d: number) => readonly string[]): CsrMatrix {
    const { nFeatures, alternateSign, binary } = this.options;
    const [minN, maxN] = this.options.ngramRange;
    const indptr = new Int32Array(rows + 1);
    let indices = new Int32Array(1024);
    let data = new Float64Array(1024);
    let nnz = 0;
    let bytes = new Uint8Array(1024);
    let starts = new Int32Array(64); // byte offset of each token; starts[count] = end + 1
    // A row's (column, value) pairs, sorted by column and summed.
    let columns = new Int32Array(64);
    let values = new Float64Array(64);
    for (let d = 0; d < rows; d++) {
      const doc = row(d);
      const count = doc.length;
      let units = 0;
      for (let t = 0; t < count; t++) units += doc[t].length;
      if (units * 3 + count > bytes.length) bytes = new Uint8Array((units * 3 + count) * 2);
      if (count + 1 > starts.length) starts = new Int32Array((count + 1) * 2);
      let at = 0;
      for (let t = 0; t < count; t++) {
        starts[t] = at;
        at += encoder.encodeInto(doc[t], bytes.subarray(at)).written;
        bytes[at++] = 0x20;
      }
      starts[count] = at;
      let found = 0;
      for (let n = minN; n <= maxN && n <= count; n++) {
        for (let i = 0; i + n <= count; i++) {
          const h = murmurhash3Signed(bytes, starts[i], starts[i + n] - 1);
          if (found === columns.length) {
            columns = growInt(columns, found * 2);
            values = growFloat(values, found * 2);
          }
          // scikit-learn: abs(-2^31) overflows an int32, so that hash gets abs(-2^31) mod nFeatures by hand.
          columns[found] = h === -2147483648 ? (2147483647 - (nFeatures - 1)) % nFeatures : Math.abs(h) % nFeatures;
          values[found] = alternateSign && h < 0 ? -1 : 1;
          found++;
        }
      }
      const order = sortedOrder(columns, found);
      if (nnz + found > indices.length) {
        const size = Math.max(indices.length * 2, nnz + found);
        indices = growInt(indices, size);
        data = growFloat(data, size);
      }
      for (let k = 0; k < found;) {
        const column = columns[order[k]];
        let sum = 0;
        let end = k;
        while (end < found && columns[order[end]] === column) sum += values[order[end++]];
        // sklearn sums duplicates; binary then sets every stored entry to 1, a cancelled one too.
        if (binary) sum = 1;
        if (sum !== 0) {
          indices[nnz] = column;
          data[nnz] = sum;
          nnz++;
        }
        k = end;
      }
      indptr[d + 1] = nnz;
    }
    const x: CsrMatrix = { kind: 'csr', rows, cols: nFeatures, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
    return applyTfidf(x, { norm: this.options.norm, sublinearTf: false, idf: null });
  }

  summary(): FeaturizerSummary {
    return { features: this.options.nFeatures };
  }

  getState(): JsonValue {
    return {};
  }

  setState(state: JsonValue): void {
    stateObject(state, 'hashing');
  }
}

/**
 * Positions 0..count-1 ordered by column; equal columns keep their n-gram order, so duplicates are
 * summed in the order scikit-learn's sum_duplicates adds them.
 */
function sortedOrder(columns: Int32Array, count: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => columns[a] - columns[b] || a - b);
}

export const hashingFeaturizer = definePlugin<HashingOptions, HashingFeaturizer>({
  kind: 'featurizer',
  name: 'hashing',
  description: 'Word n-grams hashed into nFeatures columns, no vocabulary kept (scikit-learn HashingVectorizer).',
  produces: 'csr',
  rules: [({ options }) => ngramRangeProblems(options.ngramRange, 'hashing')],
  optionsSchema: {
    type: 'object',
    properties: {
      nFeatures: {
        type: 'integer',
        minimum: 1,
        maximum: 2147483647,
        default: 1048576,
        description: 'Number of columns the n-grams are hashed into (scikit-learn n_features, default 2^20). Fewer columns mean more collisions.',
      },
      ngramRange: bagOfWordsProperties.ngramRange,
      alternateSign: {
        type: 'boolean',
        default: true,
        description: 'Give an n-gram the value -1 when its hash is negative, so collisions cancel out on average (scikit-learn alternate_sign).',
      },
      norm: {
        description: 'Scale each row to unit length: "l2" (Euclidean), "l1" (sum of absolute values) or null (no scaling).',
        default: 'l2',
        anyOf: [{ type: 'string', enum: ['l2', 'l1'] }, { type: 'null' }],
      },
      binary: {
        type: 'boolean',
        default: false,
        description:
          'Set every non-zero entry to 1 before scaling (scikit-learn binary; with alternateSign, negative entries become 1 too, as there).',
      },
    },
    additionalProperties: false,
  },
  create(options) {
    const [problem] = ngramRangeProblems(options.ngramRange, 'hashing');
    if (problem) throw optionError(problem.code, 'ngramRange', problem.message);
    return new HashingFeaturizer(options);
  },
});

export default hashingFeaturizer;
