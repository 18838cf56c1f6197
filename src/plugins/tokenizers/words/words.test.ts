import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../../core/errors';
import { createPlugin, resolvePluginOptions } from '../../../core/testing';
import wordsTokenizerDefault, { wordsTokenizer, type WordsOptions } from './index';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/featurizers');
const readFixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));

interface Sample {
  reason: string;
  text: string;
  tokens: string[];
}
interface UnicodeTables {
  generatedBy: { unicode: string };
  wordRanges: [number, number][];
  unassignedRanges: [number, number][];
  lowercase: Record<string, string>;
}

const resolveOptions = (options: Record<string, unknown>): WordsOptions => resolvePluginOptions(wordsTokenizer, options);

const tokenizer = (options: Record<string, unknown> = {}) => createPlugin(wordsTokenizer, options);

/** Flags per code point from [first, last] runs. */
function flagsOf(ranges: [number, number][]): Uint8Array {
  const flags = new Uint8Array(0x110000);
  for (const [first, last] of ranges) flags.fill(1, first, last + 1);
  return flags;
}

describe('words tokenizer', () => {
  const samples = readFixture<{ samples: Sample[] }>('tokenization-samples.json').samples;

  it('is exported as default and by name, with sklearn-like defaults', () => {
    expect(wordsTokenizerDefault).toBe(wordsTokenizer);
    expect(wordsTokenizer.kind).toBe('tokenizer');
    expect(resolveOptions({})).toEqual({ lowercase: true, pattern: null });
  });

  it.each(samples.map((s, i) => [i, s.reason, s.text, s.tokens] as const))(
    "matches sklearn's build_tokenizer() on sample %d (%s)",
    (_index, _reason, text, tokens) => {
      expect(tokenizer({ lowercase: false }).tokenize(text)).toEqual(tokens);
    },
  );

  it('reads a cell of ten million letters (the regex engine overflows its stack there) as one token, and keeps finding runs after it', () => {
    const word = 'مرحبا'.repeat(2_000_000);
    const tokens = createPlugin(wordsTokenizer, {}).tokenize(`ab ${word} 😀x 𝐀𝐁 y`);
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBe('ab');
    expect(tokens[1].length).toBe(10_000_000);
    expect(tokens[1] === word).toBe(true);
    expect(tokens[2]).toBe('𝐀𝐁'); // astral letters count as one code point each: a run of two
  });

  it('lowercases like str.lower by default', () => {
    expect(tokenizer().tokenize('Hello ΟΔΟΣ İİ WORLD_X')).toEqual(['hello', 'οδος', 'world_x']);
  });

  describe('against Python 3 Unicode tables', () => {
    const tables = readFixture<UnicodeTables>('unicode-tables.json');
    const pythonWord = flagsOf(tables.wordRanges);
    // Characters assigned after Python's Unicode version may be letters to V8 but not to Python.
    const unknownToPython = flagsOf(tables.unassignedRanges);

    it(`takes as word characters exactly what Python's \\w takes (Unicode ${tables.generatedBy.unicode})`, () => {
      const words = tokenizer({ lowercase: false });
      const differing: string[] = [];
      for (let cp = 0; cp < 0x110000; cp++) {
        if (unknownToPython[cp] || (cp >= 0xd800 && cp <= 0xdfff)) continue;
        const c = String.fromCodePoint(cp);
        // Two in a row form a token exactly when the character is a word character.
        const isWord = words.tokenize(c + c).length === 1;
        if (isWord !== (pythonWord[cp] === 1)) differing.push(cp.toString(16));
      }
      expect(differing).toEqual([]);
    });

    it('lowercases every character Python knows as str.lower does', () => {
      const differing: string[] = [];
      for (let cp = 0; cp < 0x110000; cp++) {
        if (unknownToPython[cp] || (cp >= 0xd800 && cp <= 0xdfff)) continue;
        const c = String.fromCodePoint(cp);
        if (c.toLowerCase() !== (tables.lowercase[cp] ?? c)) differing.push(cp.toString(16));
      }
      expect(differing).toEqual([]);
    });
  });

  describe('custom pattern', () => {
    it('is JavaScript syntax, matched with the u flag', () => {
      expect(tokenizer({ pattern: '\\p{L}+' }).tokenize('Ab1 c 😂dé')).toEqual(['ab', 'c', 'dé']);
      expect(tokenizer({ pattern: '\\S+', lowercase: false }).tokenize('A😂 b')).toEqual(['A😂', 'b']);
    });

    it('yields the capturing group when there is one, as re.findall does', () => {
      expect(tokenizer({ pattern: '#(\\p{L}+)' }).tokenize('#Tag and #more')).toEqual(['tag', 'more']);
    });

    it('refuses more than one capturing group and invalid expressions', () => {
      expect(() => tokenizer({ pattern: '(a)(b)' })).toThrow(InputError);
      expect(() => tokenizer({ pattern: '(a)(b)' })).toThrow(/more than one capturing group/);
      expect(() => tokenizer({ pattern: '[a-' })).toThrow(/not a JavaScript regular expression/);
    });

    it('accepts non-capturing groups', () => {
      expect(tokenizer({ pattern: '(?:ab)+' }).tokenize('ababx ab')).toEqual(['abab', 'ab']);
    });
  });
});
