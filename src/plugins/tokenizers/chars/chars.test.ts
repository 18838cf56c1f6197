import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPlugin } from '../../../core/testing';
import charsTokenizerDefault, { charsTokenizer } from './index';

interface Sample {
  text: string;
  /** Python's len(text). */
  codePoints: number;
}

const samples: Sample[] = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../test/fixtures/featurizers/tokenization-samples.json'), 'utf8'),
).samples;

const tokenizer = (options: Record<string, unknown> = {}) => createPlugin(charsTokenizer, options);

describe('chars tokenizer', () => {
  it('is exported as default and by name, keeping case by default', () => {
    expect(charsTokenizerDefault).toBe(charsTokenizer);
    expect(charsTokenizer.kind).toBe('tokenizer');
    expect(tokenizer().tokenize('Ab')).toEqual(['A', 'b']);
  });

  it('gives one token per emoji, not per UTF-16 unit', () => {
    expect(tokenizer().tokenize('ha😂😂!')).toEqual(['h', 'a', '😂', '😂', '!']);
    expect(tokenizer().tokenize('𝐀')).toEqual(['𝐀']);
  });

  it('gives as many tokens as Python has characters on every sample', () => {
    const chars = tokenizer();
    for (const sample of samples) expect([sample.text, chars.tokenize(sample.text).length]).toEqual([sample.text, sample.codePoints]);
  });

  it('keeps multi-code-point sequences as their code points, as Python does', () => {
    expect(tokenizer().tokenize('👍🏽')).toEqual(['👍', '🏽']);
  });

  it('lowercases when asked', () => {
    expect(tokenizer({ lowercase: true }).tokenize('ÀbΣ')).toEqual(['à', 'b', 'ς']); // final sigma, as str.lower()
  });
});
