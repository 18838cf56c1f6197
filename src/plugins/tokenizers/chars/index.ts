/**
 * `chars`: one token per Unicode code point, as iterating a Python str does — an emoji outside
 * the BMP is one token, not two UTF-16 halves. Sequences built from several code points (flags,
 * skin tones, ZWJ families) stay several tokens, as in Python.
 */
import { definePlugin, type Tokenizer } from '../../../core/plugin';

export interface CharsOptions {
  lowercase: boolean;
}

export class CharsTokenizer implements Tokenizer {
  constructor(private readonly options: Readonly<CharsOptions>) {}

  tokenize(text: string): string[] {
    return Array.from(this.options.lowercase ? text.toLowerCase() : text);
  }
}

export const charsTokenizer = definePlugin<CharsOptions, CharsTokenizer>({
  kind: 'tokenizer',
  name: 'chars',
  description: 'One token per Unicode character (code point), emoji included.',
  optionsSchema: {
    type: 'object',
    properties: {
      lowercase: {
        type: 'boolean',
        description: "Lowercase the text first (off by default: the notebook's character model keeps case).",
        default: false,
      },
    },
    additionalProperties: false,
  },
  create(options) {
    return new CharsTokenizer(options);
  },
});

export default charsTokenizer;
