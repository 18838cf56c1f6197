/**
 * The learned part of a bag-of-words featurizer: its columns. `counts` is this alone; `tfidf`
 * weights its matrix.
 */
import type { CsrMatrix } from '../../../core/features';
import type { JsonValue } from '../../../core/plugin';
import { asTokenizedDocs, type TokenizedDocs } from '../../../core/tokenized-docs';
import type { BagOfWordsOptions } from './bag-of-words-options';
import { countMatrix, TermColumns } from './count-matrix';
import { stateError, stateNumberRecord, stateObject, stateStrings } from './state';
import { fitVocabulary, termIndex, type VocabularySummary } from './vocabulary';

/** Documents as string arrays or as token ids (the runner's form for large corpora): the results are the same. */
export type Documents = readonly (readonly string[])[] | TokenizedDocs;

interface Fitted {
  terms: string[];
  columns: TermColumns;
  summary: VocabularySummary;
}

export class BagOfWords {
  private fitted: Fitted | null = null;

  constructor(
    private readonly options: Readonly<BagOfWordsOptions>,
    private readonly plugin: string,
  ) {}

  /** Learns the columns; returns each column's document frequency on `docs`. */
  fit(docs: Documents): number[] {
    const vocabulary = fitVocabulary(asTokenizedDocs(docs), this.options);
    this.fitted = { terms: vocabulary.terms, columns: new TermColumns(vocabulary.terms), summary: vocabulary.summary };
    return vocabulary.documentFrequencies;
  }

  /** Term counts (or 0/1 when binary) of `docs` over the learned columns. */
  counts(docs: Documents): CsrMatrix {
    return countMatrix(asTokenizedDocs(docs), this.require().columns, this.options.ngramRange, this.options.binary);
  }

  /** The column terms, in column order. */
  terms(): readonly string[] {
    return this.require().terms;
  }

  summary(): VocabularySummary {
    return { ...this.require().summary };
  }

  getState(): { terms: string[]; summary: VocabularySummary } {
    const { terms, summary } = this.require();
    return { terms: terms.slice(), summary: { ...summary } };
  }

  setState(state: JsonValue): void {
    const fields = stateObject(state, this.plugin);
    const terms = stateStrings(fields.terms, this.plugin, 'terms');
    const summary = stateNumberRecord(fields.summary, this.plugin, 'summary') as VocabularySummary;
    const index = termIndex(terms);
    if (index.size !== terms.length) throw stateError(this.plugin, '"terms" lists a term twice');
    if (summary.features !== terms.length)
      throw stateError(this.plugin, `"summary.features" is ${summary.features} but there are ${terms.length} terms`);
    this.fitted = { terms: terms.slice(), columns: new TermColumns(terms.slice()), summary: { ...summary } };
  }

  private require(): Fitted {
    if (!this.fitted) throw new Error(`${this.plugin} featurizer: call fit (or setState) before using it`);
    return this.fitted;
  }
}
