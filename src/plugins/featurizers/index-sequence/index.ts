/**
 * index-sequence: tokens → integer ids, padded or truncated to `maxLength`, for sequence models.
 * Id 0 is padding. The vocabulary is sorted by Unicode code point (Python's sorted() on str, as
 * the notebook builds it), not by JavaScript's UTF-16 order, which puts astral characters such as
 * emoji before U+E000–U+FFFF. Truncation keeps the first `maxLength` tokens; padding goes at the end.
 *
 * `vocabularyFrom: all` builds the vocabulary from every text of the dataset, as the notebook
 * does; the runner reads the instance's `fitOn` ('train' | 'all') to decide which documents
 * to pass to `fit`.
 */
import { InputError } from '../../../core/errors';
import { sequenceIds, type IndexSequences } from '../../../core/features';
import { docCount, type TokenizedDocs } from '../../../core/tokenized-docs';
import { definePlugin, type Featurizer, type FeaturizerSummary, type JsonValue } from '../../../core/plugin';

export interface IndexSequenceOptions {
  maxLength: number;
  vocabularyFrom: 'train' | 'all';
  unknown: 'separate-id' | 'padding';
}

/** Negative, zero or positive as `a` sorts before, with or after `b`, code point by code point. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

export class IndexSequenceFeaturizer implements Featurizer {
  private vocabulary: string[] = [];
  private ids = new Map<string, number>();

  constructor(readonly options: Readonly<IndexSequenceOptions>) {}

  /** Which documents `fit` should see: the training rows, or every row of the dataset. */
  get fitOn(): 'train' | 'all' {
    return this.options.vocabularyFrom;
  }

  /** The id unknown tokens get: 1 when they have their own id, else 0 (padding, as the notebook). */
  private get unknownId(): number {
    return this.options.unknown === 'separate-id' ? 1 : 0;
  }

  private get firstTokenId(): number {
    return this.options.unknown === 'separate-id' ? 2 : 1;
  }

  private setVocabulary(tokens: string[]): void {
    this.vocabulary = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i + this.firstTokenId]));
  }

  fit(docs: readonly string[][]): void {
    const distinct = new Set<string>();
    for (const doc of docs) for (const token of doc) distinct.add(token);
    this.setVocabulary([...distinct].sort(compareCodePoints));
  }

  transform(docs: readonly string[][]): IndexSequences {
    const length = this.options.maxLength;
    const ids = sequenceIds(docs.length * length, this.vocabulary.length + this.firstTokenId);
    const lengths = new Int32Array(docs.length);
    docs.forEach((doc, r) => {
      const n = Math.min(doc.length, length);
      lengths[r] = n;
      for (let t = 0; t < n; t++) ids[r * length + t] = this.ids.get(doc[t]) ?? this.unknownId;
    });
    return { kind: 'sequences', rows: docs.length, length, ids, lengths, vocabSize: this.vocabulary.length + this.firstTokenId };
  }

  fitTokenized(docs: TokenizedDocs): void {
    const seen = new Uint8Array(docs.tokens.length);
    const n = docCount(docs);
    for (let d = 0; d < n; d++) for (let k = docs.starts[d]; k < docs.ends[d]; k++) seen[docs.ids[k]] = 1;
    this.setVocabulary(docs.tokens.filter((_, id) => seen[id] === 1).sort(compareCodePoints));
  }

  transformTokenized(docs: TokenizedDocs): IndexSequences {
    const length = this.options.maxLength;
    const rows = docCount(docs);
    // Each corpus token's id here, looked up once rather than once per occurrence.
    const idOf = Int32Array.from(docs.tokens, (token) => this.ids.get(token) ?? this.unknownId);
    const ids = sequenceIds(rows * length, this.vocabulary.length + this.firstTokenId);
    const lengths = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const start = docs.starts[r];
      const n = Math.min(docs.ends[r] - start, length);
      lengths[r] = n;
      for (let t = 0; t < n; t++) ids[r * length + t] = idOf[docs.ids[start + t]];
    }
    return { kind: 'sequences', rows, length, ids, lengths, vocabSize: this.vocabulary.length + this.firstTokenId };
  }

  summary(): FeaturizerSummary {
    return {
      features: this.vocabulary.length + this.firstTokenId,
      tokens: this.vocabulary.length,
      maxLength: this.options.maxLength,
      unknownId: this.unknownId,
      vocabularyFrom: this.options.vocabularyFrom,
    };
  }

  getState(): JsonValue {
    return { vocabulary: this.vocabulary };
  }

  setState(state: JsonValue): void {
    const vocabulary = (state as { vocabulary?: unknown } | null)?.vocabulary;
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string')) {
      throw new InputError('STATE_INVALID', 'index-sequence state needs a vocabulary: a list of strings');
    }
    this.setVocabulary(vocabulary as string[]);
  }
}

export const indexSequenceFeaturizer = definePlugin<IndexSequenceOptions, IndexSequenceFeaturizer>({
  kind: 'featurizer',
  name: 'index-sequence',
  description: 'Tokens → integer ids (0 = padding), padded/truncated to maxLength, for the recurrent models.',
  produces: 'sequences',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['maxLength'],
    properties: {
      maxLength: {
        type: 'integer',
        minimum: 1,
        description: 'Every row becomes exactly this many ids: longer ones keep their first tokens, shorter ones are padded with 0 at the end.',
      },
      vocabularyFrom: {
        type: 'string',
        enum: ['train', 'all'],
        default: 'train',
        description:
          "Build the vocabulary from the training rows, or from every text of the dataset ('all', as the notebook does; test tokens then never count as unknown).",
      },
      unknown: {
        type: 'string',
        enum: ['separate-id', 'padding'],
        default: 'separate-id',
        description: "Id of tokens not in the vocabulary: their own id 1 ('separate-id'), or 0 like padding ('padding', the notebook's choice).",
      },
    },
  },
  exampleOptions: { maxLength: 16 },
  create: (options) => new IndexSequenceFeaturizer(options),
});
export default indexSequenceFeaturizer;
