/**
 * Tokenized documents held compactly: every token of every document as an integer id into one
 * list of distinct tokens, the ids of all documents back to back in one typed array. A corpus of
 * millions of rows as `string[][]` is one JS array per row (a few hundred bytes each, on the heap
 * the garbage collector scans); here it is two bytes per token outside the heap (four when there
 * are more than 65,536 distinct tokens), plus the distinct tokens once.
 *
 * A selection of documents (the training rows of a fold) shares the ids and only has its own
 * start/end per document, so taking one copies no tokens.
 */

/** Token ids: 16-bit while the distinct tokens fit. */
export type TokenIdArray = Uint16Array | Int32Array;

export interface TokenizedDocs {
  /** The distinct tokens, in first-seen order: id i is tokens[i]. */
  readonly tokens: readonly string[];
  /** Token ids of the documents, back to back (shared between selections). */
  readonly ids: TokenIdArray;
  /** Document d is ids[starts[d] .. ends[d]). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Number of documents. */
export function docCount(docs: TokenizedDocs): number {
  return docs.starts.length;
}

/** Document `d`'s tokens as strings. */
export function docTokens(docs: TokenizedDocs, d: number): string[] {
  const out = new Array<string>(docs.ends[d] - docs.starts[d]);
  for (let k = docs.starts[d], i = 0; k < docs.ends[d]; k++, i++) out[i] = docs.tokens[docs.ids[k]];
  return out;
}

/** Every document as a string array: for featurizers that read only that form. */
export function toStringDocs(docs: TokenizedDocs): string[][] {
  const out = new Array<string[]>(docCount(docs));
  for (let d = 0; d < out.length; d++) out[d] = docTokens(docs, d);
  return out;
}

/** Documents `positions` (indices into `docs`), in that order, sharing the ids. */
export function selectDocs(docs: TokenizedDocs, positions: readonly number[]): TokenizedDocs {
  const starts = new Int32Array(positions.length);
  const ends = new Int32Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    starts[i] = docs.starts[positions[i]];
    ends[i] = docs.ends[positions[i]];
  }
  return { tokens: docs.tokens, ids: docs.ids, starts, ends };
}

/** Whether some token holds a space (n-gram strings are then not determined by token ids alone). */
export function hasSpacedToken(docs: TokenizedDocs): boolean {
  return docs.tokens.some((t) => t.indexOf(' ') >= 0);
}

/** Builds TokenizedDocs one document at a time. */
export class TokenizedDocsBuilder {
  private readonly idOf = new Map<string, number>();
  private readonly tokens: string[] = [];
  private ids: TokenIdArray;
  private used = 0;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private added = 0;

  /** `count` documents will be added; `expectedTokens` sizes the first buffer. */
  constructor(count: number, expectedTokens = count * 16) {
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.ids = new Uint16Array(Math.max(1024, expectedTokens));
  }

  add(doc: readonly string[]): void {
    if (this.used + doc.length > this.ids.length) {
      // Grow by half: the ids of a large corpus are its biggest array, and doubling would hold three times it at the switch.
      this.resize(Math.max(this.used + doc.length, Math.ceil(this.ids.length * 1.5)), this.ids instanceof Int32Array);
    }
    this.starts[this.added] = this.used;
    for (let t = 0; t < doc.length; t++) {
      const token = doc[t];
      let id = this.idOf.get(token);
      if (id === undefined) {
        id = this.tokens.length;
        if (id === 0x10000) this.resize(this.ids.length, true);
        const own = detached(token);
        this.idOf.set(own, id);
        this.tokens.push(own);
      }
      this.ids[this.used++] = id;
    }
    this.ends[this.added++] = this.used;
  }

  /** Moves the ids to a buffer of `size`, 32-bit when `wide`. */
  private resize(size: number, wide: boolean): void {
    const bigger = wide ? new Int32Array(size) : new Uint16Array(size);
    bigger.set(this.ids.subarray(0, this.used));
    this.ids = bigger;
  }

  finish(): TokenizedDocs {
    if (this.added !== this.starts.length) throw new Error(`TokenizedDocsBuilder: ${this.added} of ${this.starts.length} documents added`);
    // Trimmed to its length when much is spare, so the spare capacity is not held for the rest of the run.
    const ids = this.ids.length - this.used > this.used / 8 ? this.ids.slice(0, this.used) : this.ids.subarray(0, this.used);
    return { tokens: this.tokens, ids, starts: this.starts, ends: this.ends };
  }
}

/**
 * A copy of `token` that does not point into the text it was cut from. V8 makes a slice of 13 or
 * more characters a view of its parent string: kept as a distinct token it would keep the whole
 * text (or the whole chunk of the file the text was cut from) alive after the texts are released.
 * Concatenating makes a new string, and slicing that flattens it into a copy of its own.
 */
function detached(token: string): string {
  return token.length < 13 ? token : (' ' + token).slice(1);
}

/** Documents given as string arrays, as TokenizedDocs. */
export function tokenizedFromStrings(docs: readonly (readonly string[])[]): TokenizedDocs {
  let total = 0;
  for (const doc of docs) total += doc.length;
  const builder = new TokenizedDocsBuilder(docs.length, total);
  for (const doc of docs) builder.add(doc);
  return builder.finish();
}

/** Either form, as TokenizedDocs. */
export function asTokenizedDocs(docs: readonly (readonly string[])[] | TokenizedDocs): TokenizedDocs {
  return isTokenizedDocs(docs) ? docs : tokenizedFromStrings(docs);
}

export function isTokenizedDocs(docs: readonly (readonly string[])[] | TokenizedDocs): docs is TokenizedDocs {
  return !Array.isArray(docs);
}
