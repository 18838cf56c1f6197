import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Featurizer } from './plugin';
import { createPlugin } from './testing';
import { docCount, docTokens, selectDocs, toStringDocs, tokenizedFromStrings, TokenizedDocsBuilder } from './tokenized-docs';
import { countsFeaturizer } from '../plugins/featurizers/counts';
import { tfidfFeaturizer } from '../plugins/featurizers/tfidf';
import { indexSequenceFeaturizer } from '../plugins/featurizers/index-sequence';
import { hashingFeaturizer } from '../plugins/featurizers/hashing';
import { WordsTokenizer } from '../plugins/tokenizers/words';

const split = JSON.parse(readFileSync(resolve(__dirname, '../../test/fixtures/featurizers/notebook-split.json'), 'utf8')) as {
  train: string[];
  test: string[];
};
const words = new WordsTokenizer({ lowercase: true, pattern: null });

describe('TokenizedDocs', () => {
  it('holds each document as ids into its distinct tokens, in first-seen order', () => {
    const docs = tokenizedFromStrings([['a', 'b', 'a'], [], ['c', 'b']]);
    expect(docs.tokens).toEqual(['a', 'b', 'c']);
    expect(Array.from(docs.ids)).toEqual([0, 1, 0, 2, 1]);
    expect(docCount(docs)).toBe(3);
    expect(toStringDocs(docs)).toEqual([['a', 'b', 'a'], [], ['c', 'b']]);
  });

  it('selects documents in the given order without copying their ids', () => {
    const docs = tokenizedFromStrings([['a'], ['b', 'c'], ['d']]);
    const picked = selectDocs(docs, [2, 0, 2]);
    expect(picked.ids).toBe(docs.ids);
    expect(toStringDocs(picked)).toEqual([['d'], ['a'], ['d']]);
    expect(docTokens(picked, 0)).toEqual(['d']);
  });

  it('grows past its first buffer and refuses to finish early', () => {
    const builder = new TokenizedDocsBuilder(3, 1);
    const many = Array.from({ length: 3000 }, (_, i) => `t${i % 700}`);
    builder.add(many);
    builder.add(['x']);
    expect(() => builder.finish()).toThrow(/2 of 3 documents/);
    builder.add(many);
    const docs = builder.finish();
    expect(toStringDocs(docs)).toEqual([many, ['x'], many]);
    expect(docs.tokens).toHaveLength(701);
  });

  it('holds ids in 16 bits until there are more than 65,536 distinct tokens, then in 32', () => {
    const few = tokenizedFromStrings([['a', 'b']]);
    expect(few.ids).toBeInstanceOf(Uint16Array);
    const distinct = Array.from({ length: 70000 }, (_, i) => `w${i}`);
    const many = tokenizedFromStrings([distinct.slice(0, 40000), distinct.slice(40000), ['w3', 'w69999']]);
    expect(many.ids).toBeInstanceOf(Int32Array);
    expect(toStringDocs(many)).toEqual([distinct.slice(0, 40000), distinct.slice(40000), ['w3', 'w69999']]);
  });

  it('keeps no long token as a view into the text it was cut from (the copy is equal)', () => {
    const text = 'a'.repeat(1000) + ' ' + 'verylongtokenpastthirteen';
    const docs = tokenizedFromStrings([text.split(' ')]);
    expect(docs.tokens).toEqual(text.split(' '));
  });
});

/**
 * The runner hands featurizers a selection of a larger corpus as token ids; each must give what it
 * gives on the same documents as string arrays.
 */
describe('featurizers on token ids give what they give on string arrays', () => {
  // The corpus holds the training and the test texts, shuffled together, as a dataset would.
  const texts = [...split.train, ...split.test];
  const order = texts.map((_, i) => (i * 7919) % texts.length);
  const corpus = tokenizedFromStrings(order.map((i) => words.tokenize(texts[i])));
  const position = new Map(order.map((i, p) => [i, p]));
  const trainRows = split.train.map((_, i) => position.get(i)!);
  const testRows = split.test.map((_, i) => position.get(split.train.length + i)!);
  const trainIds = selectDocs(corpus, trainRows);
  const testIds = selectDocs(corpus, testRows);
  const trainStrings = split.train.map((t) => words.tokenize(t));
  const testStrings = split.test.map((t) => words.tokenize(t));

  const cases: [string, () => Featurizer][] = [
    ['counts (1, 2)-grams, 1000 features', () => createPlugin(countsFeaturizer, { ngramRange: [1, 2], maxFeatures: 1000 }) as Featurizer],
    ['counts binary, minDf 2', () => createPlugin(countsFeaturizer, { binary: true, minDf: 2 }) as Featurizer],
    ['tfidf (1, 3)-grams', () => createPlugin(tfidfFeaturizer, { ngramRange: [1, 3], sublinearTf: true }) as Featurizer],
    ['index-sequence', () => createPlugin(indexSequenceFeaturizer, { maxLength: 12 }) as Featurizer],
    ['hashing', () => createPlugin(hashingFeaturizer, { nFeatures: 64, ngramRange: [1, 2] }) as Featurizer],
  ];
  it.each(cases)('%s', (_, make) => {
    const onStrings = make();
    onStrings.fit(trainStrings);
    const onIds = make();
    onIds.fitTokenized!(trainIds);
    expect(onIds.getState()).toEqual(onStrings.getState());
    expect(onIds.summary()).toEqual(onStrings.summary());
    expect(onIds.transformTokenized!(trainIds)).toEqual(onStrings.transform(trainStrings));
    expect(onIds.transformTokenized!(testIds)).toEqual(onStrings.transform(testStrings));
  });

  it('counts: a token holding a space is the n-gram of the same string, on ids too', () => {
    const docs = [['a b', 'c'], ['a', 'b', 'c'], ['x y z']];
    const ids = tokenizedFromStrings([['unused'], ...docs]);
    const picked = selectDocs(ids, [1, 2, 3]);
    const onStrings = createPlugin(countsFeaturizer, { ngramRange: [1, 2] }) as Featurizer;
    onStrings.fit(docs);
    const onIds = createPlugin(countsFeaturizer, { ngramRange: [1, 2] }) as Featurizer;
    onIds.fitTokenized!(picked);
    expect(onIds.getState()).toEqual(onStrings.getState());
    expect(onIds.transformTokenized!(picked)).toEqual(onStrings.transform(docs));
  });
});
