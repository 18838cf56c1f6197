import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WordsTokenizer } from '../../tokenizers/words';
import { wordNgrams } from './word-ngrams';

interface Sample {
  text: string;
  /** sklearn CountVectorizer(ngram_range=(1, 2)).build_analyzer()(text) */
  analyzed12: string[];
  /** the same with ngram_range=(2, 3) */
  analyzed23: string[];
}

const samples: Sample[] = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../test/fixtures/featurizers/tokenization-samples.json'), 'utf8'),
).samples;

describe('word n-grams', () => {
  // The words tokenizer with its defaults is sklearn's preprocessor + tokenizer.
  const words = new WordsTokenizer({ lowercase: true, pattern: null });

  it("equal scikit-learn's analyzer with ngram_range (1, 2), term for term and in order", () => {
    for (const sample of samples) expect([sample.text, wordNgrams(words.tokenize(sample.text), [1, 2])]).toEqual([sample.text, sample.analyzed12]);
  });

  it("equal scikit-learn's analyzer with ngram_range (2, 3)", () => {
    for (const sample of samples) expect([sample.text, wordNgrams(words.tokenize(sample.text), [2, 3])]).toEqual([sample.text, sample.analyzed23]);
  });

  it('are the tokens themselves for (1, 1) and stop at the token count', () => {
    expect(wordNgrams(['a', 'b', 'c'], [1, 1])).toEqual(['a', 'b', 'c']);
    expect(wordNgrams(['a', 'b'], [1, 3])).toEqual(['a', 'b', 'a b']);
    expect(wordNgrams(['a', 'b', 'c'], [3, 3])).toEqual(['a b c']);
    expect(wordNgrams([], [1, 2])).toEqual([]);
  });
});
