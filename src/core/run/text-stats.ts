/**
 * Text statistics as the notebook computes them with pandas. Both are single loops over UTF-16
 * code units with no allocation: they run on every row of corpora of millions.
 */

/** Length in Unicode code points, as Python's len(str) (an emoji is one). */
export function codePointLength(text: string): number {
  const units = text.length;
  let pairs = 0;
  for (let i = 0; i < units - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return units - pairs;
}

/**
 * Python's str.split() separators (Py_UNICODE_ISSPACE): the ASCII whitespace and information
 * separators 0x09-0x0d, 0x1c-0x20, then U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000. (Not U+FEFF, which JavaScript's \s includes.)
 */
function isPythonSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Number of words as Python's len(str.split()): runs of whitespace separate, ends ignored. */
export function whitespaceWordCount(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isPythonSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** Each text's length in code points and in words (the dataset plot's histograms). */
export interface TextLengths {
  codePoints: ArrayLike<number>;
  words: ArrayLike<number>;
}

export function textLengthsOf(texts: readonly string[]): TextLengths {
  return { codePoints: Int32Array.from(texts, codePointLength), words: Int32Array.from(texts, whitespaceWordCount) };
}
