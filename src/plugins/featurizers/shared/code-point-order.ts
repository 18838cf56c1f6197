/**
 * Python sorts str by code point; JavaScript's `<` and default sort compare UTF-16 code units.
 * The two orders differ only where a surrogate pair (an astral character such as most emoji)
 * meets a BMP character from U+E000 to U+FFFF: as code units the surrogate (D800–DFFF) is smaller,
 * as code points the astral character is larger. scikit-learn's column order is Python's.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b` in code point order. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Below U+D800 code units and code points agree. At the first differing unit of two
      // well-formed strings, a surrogate meets either another surrogate of the same kind (their
      // order is the code point order) or a unit from U+E000 up, which it must sort after.
      if (x < 0xd800 || y < 0xd800) return x - y;
      return astralLast(x) - astralLast(y);
    }
  }
  return a.length - b.length;
}

function astralLast(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Sorts `terms` in place in code point order and returns it. */
export function sortByCodePoint(terms: string[]): string[] {
  return terms.sort(compareCodePoints);
}
