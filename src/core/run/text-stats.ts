/** Text statistics as the notebook computes them with pandas. */

/** Length in Unicode code points, as Python's len(str) (an emoji is one). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) n++;
    else {
      const d = text.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

// Python's str.split() separators: Unicode whitespace plus the ASCII information separators 0x1c-0x1f.
const PY_WHITESPACE = /[\s\x1c-\x1f\x85]+/u;

/** Number of words as Python's len(str.split()): runs of whitespace separate, ends ignored. */
export function whitespaceWordCount(text: string): number {
  return text.split(PY_WHITESPACE).filter((w) => w.length > 0).length;
}
