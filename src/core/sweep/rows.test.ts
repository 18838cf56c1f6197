/** The rows of sweep jobs: folds of the training rows only, the test rows kept for the refit. */
import path from 'node:path';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import type { Dataset, Splitter } from '../plugin';
import { loadSpec } from '../spec/load';
import { SweepRows } from './rows';

const REPO = path.resolve(__dirname, '../../..');
const { registry, validator } = services(createContainer({ logger: silentLogger }));

async function setup(split = '{ type: stratified-holdout, test: 0.25 }') {
  const text = `name: rows
seed: 7
data:
  type: tsv
  path: ../../data/ArSenTD-LEV.tsv
  text: Tweet
  label: Sentiment
  where: { Country: lebanon, Topic: [sports, religions, entertainment] }
split: ${split}
pipelines:
  bow: { tokenizer: { type: words }, featurizer: { type: counts }, model: { type: logistic-regression } }
`;
  const loaded = loadSpec(path.join(REPO, 'experiments/tiny/rows.yaml'), registry, validator, text);
  const { type, ...options } = loaded.spec.data;
  const context = { baseDir: loaded.baseDir, logger: silentLogger, log: () => {} };
  const data = await (registry.get('dataset', type).create(options, { ...context, seed: 7 }) as Dataset).load();
  return { loaded, data, rows: new SweepRows(registry, loaded.spec, data, context) };
}

describe('SweepRows', () => {
  it('deals the training rows of the spec split into stratified folds; the test rows are in none', async () => {
    const { data, rows } = await setup();
    const { train, test } = rows.split;
    expect(train.length + test.length).toBe(data.texts.length);
    const testSet = new Set(test);
    const seen: number[] = [];
    for (let f = 0; f < 3; f++) {
      const fold = rows.rows({ kind: 'fold', fold: f, folds: 3 }, 7);
      expect(fold.train.length + fold.test.length).toBe(train.length);
      expect(fold.train.some((i) => fold.test.includes(i))).toBe(false);
      expect([...fold.train, ...fold.test].some((i) => testSet.has(i))).toBe(false);
      seen.push(...fold.test);
    }
    // Every training row is held out exactly once.
    expect([...seen].sort((a, b) => a - b)).toEqual([...train].sort((a, b) => a - b));
  });

  it('makes the folds the stratified-kfold plugin makes on the training labels, reshuffled for each seed', async () => {
    const { data, rows } = await setup();
    const train = rows.split.train;
    const kfold = registry
      .get('split', 'stratified-kfold')
      .create({ k: 3, shuffle: true, seed: 7 }, { seed: 7, baseDir: '.', logger: silentLogger, log: () => {} }) as Splitter;
    const expected = kfold.split(
      train.map((i) => data.labels[i]),
      data.classes.length,
    );
    expect(rows.rows({ kind: 'fold', fold: 1, folds: 3 }, 7).test).toEqual(expected[1].test.map((i) => train[i]));
    expect(rows.rows({ kind: 'fold', fold: 1, folds: 3 }, 8).test).not.toEqual(expected[1].test.map((i) => train[i]));
  });

  it('holds out a stratified part of the training rows for folds: 0, and gives the refit all of them against the test rows', async () => {
    const { rows } = await setup();
    const holdout = rows.rows({ kind: 'holdout' }, 7);
    const testSet = new Set(rows.split.test);
    expect(holdout.test.length).toBe(Math.ceil(rows.split.train.length * 0.25));
    expect([...holdout.train, ...holdout.test].some((i) => testSet.has(i))).toBe(false);
    expect(rows.rows({ kind: 'refit' }, 7)).toBe(rows.split);
  });
});
