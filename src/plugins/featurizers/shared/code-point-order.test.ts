import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareCodePoints, sortByCodePoint } from './code-point-order';

const sklearnTerms: string[] = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../test/fixtures/featurizers/vocabulary-ngram-1-2.json'), 'utf8'),
).terms;

/** Deterministic shuffle (a fixed LCG), so the sort has work to do. */
function shuffled(items: readonly string[]): string[] {
  const out = items.slice();
  let state = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('code point order', () => {
  it('puts an astral character after U+E000–U+FFFF, where UTF-16 order does not', () => {
    const terms = ['😀', '\uffef', 'z', '\ue000', '𐀀'];
    expect(sortByCodePoint(terms.slice())).toEqual(['z', '\ue000', '\uffef', '𐀀', '😀']);
    expect(terms.slice().sort()).not.toEqual(sortByCodePoint(terms.slice()));
  });

  it('orders prefixes first and equal strings as equal', () => {
    expect(compareCodePoints('ab', 'ab')).toBe(0);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('b', 'abc')).toBeGreaterThan(0);
    expect(compareCodePoints('😀a', '😁')).toBeLessThan(0);
  });

  it("sorts scikit-learn's (1,2)-gram vocabulary into Python's sorted() order", () => {
    expect(sortByCodePoint(shuffled(sklearnTerms))).toEqual(sklearnTerms);
  });
});
