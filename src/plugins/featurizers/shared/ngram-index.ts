/**
 * Word n-grams as integer keys: tokens are interned to ids, and an n-gram is its sequence of token
 * ids, found in an open-addressing hash table over typed arrays. Counting n-grams this way makes no
 * string per occurrence (joining tokens with spaces for every n-gram of every document was most of
 * the garbage a large corpus made); the string of an n-gram is built only when asked for, for the
 * few that become columns.
 *
 * An n-gram's string is its tokens joined by one space, so two different id sequences have
 * different strings only when no token holds a space. Callers check `hasSpace` and fall back to
 * string keys in that (custom-pattern) case.
 */

import type { TokenIdArray } from '../../../core/tokenized-docs';

/** Token strings ↔ ids, in first-seen order. */
export class TokenIds {
  private readonly ids = new Map<string, number>();
  readonly tokens: string[] = [];
  /** Whether some interned token holds a space (then ids no longer identify n-gram strings). */
  hasSpace = false;

  intern(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.ids.set(token, id);
      this.tokens.push(token);
      if (!this.hasSpace && token.indexOf(' ') >= 0) this.hasSpace = true;
    }
    return id;
  }

  /** The token's id, or -1 when it was never interned. */
  find(token: string): number {
    const id = this.ids.get(token);
    return id === undefined ? -1 : id;
  }

  get size(): number {
    return this.tokens.length;
  }
}

const EMPTY = -1;

/** Distinct n-grams (token-id sequences) numbered 0, 1, … in first-seen order. */
export class NgramTable {
  /** The token ids of every n-gram, back to back. */
  private pool = new Int32Array(1 << 16);
  private poolUsed = 0;
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  /** Open addressing: n-gram id or EMPTY; always at most half full. */
  private slots = new Int32Array(1 << 13).fill(EMPTY);
  private mask = (1 << 13) - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The id of `ids[start, start + n)`, or -1 when it is not in the table. */
  find(ids: TokenIdArray, start: number, n: number): number {
    const h = hashOf(ids, start, n);
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const id = this.slots[s];
      if (id === EMPTY) return -1;
      if (this.hashes[id] === h && this.equals(id, ids, start, n)) return id;
    }
  }

  /** The id of `ids[start, start + n)`, added (with the next id) when new. */
  add(ids: TokenIdArray, start: number, n: number): number {
    const h = hashOf(ids, start, n);
    let s = h & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const id = this.slots[s];
      if (id === EMPTY) break;
      if (this.hashes[id] === h && this.equals(id, ids, start, n)) return id;
    }
    const id = this.count++;
    if (id === this.starts.length) this.growEntries();
    if (this.poolUsed + n > this.pool.length) this.pool = grown(this.pool, Math.max(this.pool.length * 2, this.poolUsed + n));
    this.pool.set(ids.subarray(start, start + n), this.poolUsed);
    this.starts[id] = this.poolUsed;
    this.lengths[id] = n;
    this.hashes[id] = h;
    this.poolUsed += n;
    this.slots[s] = id;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  /** The n-gram's tokens joined by one space. */
  term(id: number, tokens: readonly string[]): string {
    const start = this.starts[id];
    let term = tokens[this.pool[start]];
    for (let k = 1; k < this.lengths[id]; k++) term += ' ' + tokens[this.pool[start + k]];
    return term;
  }

  private equals(id: number, ids: TokenIdArray, start: number, n: number): boolean {
    if (this.lengths[id] !== n) return false;
    const at = this.starts[id];
    for (let k = 0; k < n; k++) if (this.pool[at + k] !== ids[start + k]) return false;
    return true;
  }

  private growEntries(): void {
    const size = this.starts.length * 2;
    this.starts = grown(this.starts, size);
    this.hashes = grown(this.hashes, size);
    this.lengths = grown(this.lengths, size);
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let id = 0; id < this.count; id++) {
      let s = this.hashes[id] & this.mask;
      while (this.slots[s] !== EMPTY) s = (s + 1) & this.mask;
      this.slots[s] = id;
    }
  }
}

/** A 32-bit hash of an id sequence (multiply-xorshift per id, then a final avalanche). */
function hashOf(ids: TokenIdArray, start: number, n: number): number {
  let h = Math.imul(n, 0x9e3779b1);
  for (let k = 0; k < n; k++) {
    h = Math.imul(h ^ ids[start + k], 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grown(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}
