import { toStringDocs } from '../tokenized-docs';
import { TokenCache } from './runner';

const split = (t: string) => t.split(' ').filter((w) => w.length > 0);
const chars = (t: string) => Array.from(t);

describe('TokenCache', () => {
  it('tokenizes once per key and shares the result', () => {
    let calls = 0;
    const cache = new TokenCache(['a b', 'b c']);
    const count = (t: string) => (calls++, split(t));
    const first = cache.get('words', count);
    expect(cache.get('words', count)).toBe(first);
    expect(calls).toBe(2 + 2); // the rows, plus a sample of them that sizes the token buffer
    expect(toStringDocs(first)).toEqual([
      ['a', 'b'],
      ['b', 'c'],
    ]);
  });

  it('releases the texts once every expected tokenizer has read them, and not before', () => {
    const texts = ['ab cd', 'ef'];
    let released = 0;
    const cache = new TokenCache(texts, undefined, { expectedKeys: new Set(['words', 'chars']), release: () => (released++, (texts.length = 0)) });
    cache.get('words', split);
    expect(released).toBe(0);
    expect(texts).toEqual(['ab cd', 'ef']);
    expect(toStringDocs(cache.get('chars', chars))).toEqual([
      ['a', 'b', ' ', 'c', 'd'],
      ['e', 'f'],
    ]);
    expect(released).toBe(1);
    expect(texts).toHaveLength(0);
    // What was tokenized stays until released.
    expect(toStringDocs(cache.get('words', split))).toEqual([['ab', 'cd'], ['ef']]);
  });

  it('refuses to tokenize again what it released', () => {
    const cache = new TokenCache(['x y']);
    cache.get('words', split);
    cache.release('words');
    expect(() => cache.get('words', split)).toThrow(/released before their last use/);
  });

  it('names the first row a tokenizer fails on', () => {
    const cache = new TokenCache(['fine', 'bad', 'bad too'], [10, 11, 12]);
    const failing = (t: string) => {
      if (t.startsWith('bad')) throw new Error('pattern overflow');
      return [t];
    };
    expect(() => cache.get('k', failing)).toThrow(/data row 11 \(3 characters\) cannot be tokenized: pattern overflow/);
  });
});
