/**
 * `counts`: word n-gram counts, scikit-learn's CountVectorizer applied to token lists (the
 * tokenizer plugin plays sklearn's preprocessor and tokenizer).
 */
import type { CsrMatrix } from '../../../core/features';
import { definePlugin, type Featurizer, type JsonValue } from '../../../core/plugin';
import type { TokenizedDocs } from '../../../core/tokenized-docs';
import { BagOfWords } from '../shared/bag-of-words';
import type { VocabularySummary } from '../shared/vocabulary';
import { bagOfWordsProperties, bagOfWordsRule, checkBagOfWordsOptions, type BagOfWordsOptions } from '../shared/bag-of-words-options';

export type CountsOptions = BagOfWordsOptions;

export class CountsFeaturizer implements Featurizer {
  private readonly bag: BagOfWords;

  constructor(options: Readonly<CountsOptions>) {
    this.bag = new BagOfWords(options, 'counts');
  }

  fit(docs: readonly string[][]): void {
    this.bag.fit(docs);
  }

  transform(docs: readonly string[][]): CsrMatrix {
    return this.bag.counts(docs);
  }

  fitTokenized(docs: TokenizedDocs): void {
    this.bag.fit(docs);
  }

  transformTokenized(docs: TokenizedDocs): CsrMatrix {
    return this.bag.counts(docs);
  }

  /** The column terms, in column order. */
  terms(): readonly string[] {
    return this.bag.terms();
  }

  summary(): VocabularySummary {
    return this.bag.summary();
  }

  getState(): JsonValue {
    return this.bag.getState();
  }

  setState(state: JsonValue): void {
    this.bag.setState(state);
  }
}

export const countsFeaturizer = definePlugin<CountsOptions, CountsFeaturizer>({
  kind: 'featurizer',
  name: 'counts',
  description: 'Word n-gram counts over a learned vocabulary (scikit-learn CountVectorizer).',
  produces: 'csr',
  rules: [bagOfWordsRule('counts')],
  optionsSchema: {
    type: 'object',
    properties: bagOfWordsProperties,
    additionalProperties: false,
  },
  create(options) {
    checkBagOfWordsOptions(options, 'counts');
    return new CountsFeaturizer(options);
  },
});

export default countsFeaturizer;
