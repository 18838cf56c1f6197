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

/** Maximal runs of 2+ Python-\w characters: what `(?u)\b\w\w+\b` finds. */
const SKLEARN_WORDS = /[\p{L}\p{N}_]{2,}/gu;

export class WordsTokenizer implements Tokenizer {
  private readonly pattern: RegExp;
  /** Like Python's re.findall, a pattern with one capturing group yields that group. */
  private readonly yieldsGroup: boolean;

  constructor(private readonly options: Readonly<WordsOptions>) {
    if (options.pattern === null) {
      this.pattern = SKLEARN_WORDS;
      this.yieldsGroup = false;
    } else {
      this.pattern = compilePattern(options.pattern);
      this.yieldsGroup = capturingGroups(this.pattern) === 1;
    }
  }

  tokenize(text: string): string[] {
    const input = this.options.lowercase ? text.toLowerCase() : text;
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
    throw new InputError('TOKEN_PATTERN_INVALID', `words: pattern ${JSON.stringify(source)} is not a JavaScript regular expression: ${(error as Error).message}`);
  }
  if (capturingGroups(pattern) > 1) {
    // scikit-learn refuses these too: which group would be the token?
    throw new InputError('TOKEN_PATTERN_INVALID', `words: pattern ${JSON.stringify(source)} has more than one capturing group; use (?:...) for grouping`);
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
          'Custom token regular expression in JavaScript syntax, matched with the u flag (null: scikit-learn\'s default words). ' +
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
