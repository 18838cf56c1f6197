/**
 * `tfidf`: the `counts` vocabulary and matrix, weighted as scikit-learn's TfidfVectorizer does
 * (TfidfTransformer defaults: l2 norm, smoothed idf, raw term frequencies).
 */
import { InputError } from '../../../core/errors';
import type { CsrMatrix } from '../../../core/features';
import { definePlugin, type Featurizer, type JsonValue } from '../../../core/plugin';
import { docCount, isTokenizedDocs, type TokenizedDocs } from '../../../core/tokenized-docs';
import { BagOfWords, type Documents } from '../shared/bag-of-words';
import type { VocabularySummary } from '../shared/vocabulary';
import { bagOfWordsProperties, bagOfWordsRule, checkBagOfWordsOptions, type BagOfWordsOptions } from '../shared/bag-of-words-options';
import { stateError, stateNumbers, stateObject } from '../shared/state';
import { applyTfidf, inverseDocumentFrequencies, type TfidfNorm } from './tfidf-weighting';

export interface TfidfOptions extends BagOfWordsOptions {
  norm: TfidfNorm;
  useIdf: boolean;
  smoothIdf: boolean;
  sublinearTf: boolean;
}

export class TfidfFeaturizer implements Featurizer {
  private readonly bag: BagOfWords;
  private idf: Float64Array | null = null;

  constructor(private readonly options: Readonly<TfidfOptions>) {
    this.bag = new BagOfWords(options, 'tfidf');
  }

  fit(docs: readonly string[][]): void {
    this.fitDocuments(docs);
  }

  transform(docs: readonly string[][]): CsrMatrix {
    return this.transformDocuments(docs);
  }

  fitTokenized(docs: TokenizedDocs): void {
    this.fitDocuments(docs);
  }

  transformTokenized(docs: TokenizedDocs): CsrMatrix {
    return this.transformDocuments(docs);
  }

  private fitDocuments(docs: Documents): void {
    const documentFrequencies = this.bag.fit(docs);
    this.idf = null;
    if (!this.options.useIdf) return;
    if (!this.options.smoothIdf) {
      // Only a given vocabulary can hold a term the training documents lack. sklearn would give it
      // an infinite idf and NaN rows; an error says why instead.
      const missing = documentFrequencies.indexOf(0);
      if (missing >= 0) {
        throw new InputError(
          'IDF_INFINITE',
          `tfidf: vocabulary term "${this.bag.terms()[missing]}" is in no training document, so its idf is infinite without smoothIdf`,
        );
      }
    }
    this.idf = inverseDocumentFrequencies(documentFrequencies, isTokenizedDocs(docs) ? docCount(docs) : docs.length, this.options.smoothIdf);
  }

  private transformDocuments(docs: Documents): CsrMatrix {
    return applyTfidf(this.bag.counts(docs), { norm: this.options.norm, sublinearTf: this.options.sublinearTf, idf: this.idf });
  }

  /** The column terms, in column order. */
  terms(): readonly string[] {
    return this.bag.terms();
  }

  /** The learned idf per column (null when useIdf is false). */
  inverseDocumentFrequencies(): Float64Array | null {
    return this.idf && this.idf.slice();
  }

  summary(): VocabularySummary {
    return this.bag.summary();
  }

  getState(): JsonValue {
    return { ...this.bag.getState(), idf: this.idf ? Array.from(this.idf) : null };
  }

  setState(state: JsonValue): void {
    const fields = stateObject(state, 'tfidf');
    const idf = this.options.useIdf ? stateNumbers(fields.idf, 'tfidf', 'idf') : null;
    this.bag.setState(state);
    if (idf && idf.length !== this.bag.terms().length) {
      throw stateError('tfidf', `"idf" has ${idf.length} values for ${this.bag.terms().length} terms`);
    }
    this.idf = idf && Float64Array.from(idf);
  }
}

export const tfidfFeaturizer = definePlugin<TfidfOptions, TfidfFeaturizer>({
  kind: 'featurizer',
  name: 'tfidf',
  description: 'Word n-gram tf-idf over a learned vocabulary (scikit-learn TfidfVectorizer).',
  produces: 'csr',
  rules: [bagOfWordsRule('tfidf')],
  optionsSchema: {
    type: 'object',
    properties: {
      ...bagOfWordsProperties,
      norm: {
        description: 'Scale each row to unit length: "l2" (Euclidean), "l1" (sum of absolute values) or null (no scaling).',
        default: 'l2',
        anyOf: [{ type: 'string', enum: ['l2', 'l1'] }, { type: 'null' }],
      },
      useIdf: {
        type: 'boolean',
        description: 'Weight terms by inverse document frequency, ln(n / df) + 1.',
        default: true,
      },
      smoothIdf: {
        type: 'boolean',
        description: 'Add one to n and to every df, as if one extra document held every term: no term gets an infinite idf.',
        default: true,
      },
      sublinearTf: {
        type: 'boolean',
        description: 'Replace a term count tf by 1 + ln(tf).',
        default: false,
      },
    },
    additionalProperties: false,
  },
  create(options) {
    checkBagOfWordsOptions(options, 'tfidf');
    return new TfidfFeaturizer(options);
  },
});

export default tfidfFeaturizer;
