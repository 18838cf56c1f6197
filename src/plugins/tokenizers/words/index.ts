/**
 * `words`: scikit-learn's default word tokenization. CountVectorizer lowercases (str.lower) and
 * then finds `(?u)\b\w\w+\b`, where Python's \w is a Unicode letter or number (str.isalnum) or
 * "_" — not a combining mark, so Arabic diacritics split words. JavaScript's \w and \b are ASCII
 * only even with the u flag, hence the property escapes: the pattern's matches are exactly the
 * maximal runs of two or more such characters. toLowerCase and str.lower agree on every
 * character (final sigma included) that Python's Unicode database knows.
 */
import { InputError } from '../../../core/errors';
import { definePlugin, type Tokenizer } from '../../../core/plugin';

export interface WordsOptions {
  lowercase: boolean;
  pattern: string | null;
}

/**
 * Whether each BMP code unit is a Python \w character (a letter, a number or "_"), filled in on
 * first sight: 0 unknown, 1 yes, 2 no. Astral code points are few and looked up by the regex.
 */
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const bmpWordChar = new Uint8Array(0x10000);

function isWordCodeUnit(c: number): boolean {
  let known = bmpWordChar[c];
  if (known === 0) {
    known = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
    bmpWordChar[c] = known;
  }
  return known === 1;
}

/**
 * Maximal runs of 2+ Python-\w code points: what `(?u)\b\w\w+\b` finds. A loop rather than the
 * regex `[\p{L}\p{N}_]{2,}`: V8's regex engine backtracks through a stack that a run of a few
 * million non-Latin letters overflows ("Maximum call stack size exceeded"); this reads a cell of
 * any length in time proportional to it.
 */
export function sklearnWords(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  let start = -1; // start of the current run of word characters
  let codePoints = 0; // code points in the run
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let word: boolean;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        word = WORD_CHAR.test(text.slice(i, i + 2));
        width = 2;
      } else word = false;
    } else word = isWordCodeUnit(c);
    if (word) {
      if (start < 0) {
        start = i;
        codePoints = 0;
      }
      codePoints++;
    } else if (start >= 0) {
      if (codePoints >= 2) tokens.push(text.slice(start, i));
      start = -1;
    }
    i += width - 1;
  }
  if (start >= 0 && codePoints >= 2) tokens.push(text.slice(start));
  return tokens;
}

export class WordsTokenizer implements Tokenizer {
  /** The custom pattern; null for scikit-learn's words. */
  private readonly pattern: RegExp | null;
  /** Like Python's re.findall, a pattern with one capturing group yields that group. */
  private readonly yieldsGroup: boolean;

  constructor(private readonly options: Readonly<WordsOptions>) {
    if (options.pattern === null) {
      this.pattern = null;
      this.yieldsGroup = false;
    } else {
      this.pattern = compilePattern(options.pattern);
      this.yieldsGroup = capturingGroups(this.pattern) === 1;
    }
  }

  tokenize(text: string): string[] {
    const input = this.options.lowercase ? text.toLowerCase() : text;
    if (this.pattern === null) return sklearnWords(input);
    if (!this.yieldsGroup) return input.match(this.pattern) ?? [];
    const tokens: string[] = [];
    for (const match of input.matchAll(this.pattern)) tokens.push(match[1] ?? '');
    return tokens;
  }
}

function compilePattern(source: string): RegExp {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, 'gu');
  } catch (error) {
    throw new InputError(
      'TOKEN_PATTERN_INVALID',
      `words: pattern ${JSON.stringify(source)} is not a JavaScript regular expression: ${(error as Error).message}`,
    );
  }
  if (capturingGroups(pattern) > 1) {
    // scikit-learn refuses these too: which group would be the token?
    throw new InputError(
      'TOKEN_PATTERN_INVALID',
      `words: pattern ${JSON.stringify(source)} has more than one capturing group; use (?:...) for grouping`,
    );
  }
  return pattern;
}

/** Number of capturing groups: an empty alternative always matches, with every group unset. */
function capturingGroups(pattern: RegExp): number {
  return new RegExp(`${pattern.source}|`, 'u').exec('')!.length - 1;
}

export const wordsTokenizer = definePlugin<WordsOptions, WordsTokenizer>({
  kind: 'tokenizer',
  name: 'words',
  description: 'Words of two or more letters, digits or underscores, lowercased (scikit-learn CountVectorizer defaults).',
  optionsSchema: {
    type: 'object',
    properties: {
      lowercase: {
        type: 'boolean',
        description: 'Lowercase the text before finding tokens (scikit-learn lowercase).',
        default: true,
      },
      pattern: {
        description:
          "Custom token regular expression in JavaScript syntax, matched with the u flag (null: scikit-learn's default words). " +
          'Note \\w and \\b are ASCII-only in JavaScript; use \\p{L} and \\p{N} for Unicode letters and digits. ' +
          'With one capturing group, the group is the token, as in scikit-learn.',
        default: null,
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }],
      },
    },
    additionalProperties: false,
  },
  create(options) {
    return new WordsTokenizer(options);
  },
});

export default wordsTokenizer;
