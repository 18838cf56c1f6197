/**
 * With scikit-learn's own 1,000-term vocabulary, the whole pipeline (spec → split → words →
 * counts → logistic regression) predicts what scikit-learn predicts on the notebook's test rows.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createContainer, services } from '../../src/core/container';
import { silentLogger } from '../../src/core/logger';
import { loadSpec } from '../../src/core/spec/load';

const REPO = path.resolve(__dirname, '../..');
const fixture = (f: string) => JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/baseline', f), 'utf8'));

it("predicts scikit-learn's class on at least 199 of the 200 test rows given scikit-learn's vocabulary", async () => {
  const reference = fixture('reference.json');
  const vocabulary: Record<string, number> = fixture('vocabulary.json');
  const terms = Object.keys(vocabulary).sort((a, b) => vocabulary[a] - vocabulary[b]);
  const spec = {
    name: 'sklearn-parity',
    seed: 42,
    data: {
      type: 'tsv',
      path: path.join(REPO, 'data/ArSenTD-LEV.tsv'),
      text: 'Tweet',
      label: 'Sentiment',
      where: { Country: 'lebanon' },
      classes: ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'],
    },
    split: { type: 'stratified-holdout', test: 0.2 },
    pipelines: {
      'bow-logreg': {
        tokenizer: { type: 'words' },
        featurizer: { type: 'counts', ngramRange: [1, 2], vocabulary: terms },
        model: { type: 'logistic-regression', C: 1.0, maxIter: 1000 },
      },
    },
  };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlspec-parity-')), 'spec.yaml');
  writeFileSync(file, stringify(spec));
  const { registry, validator, runner } = services(createContainer({ logger: silentLogger }));
  const { report } = await runner.run(loadSpec(file, registry, validator));
  const ours: number[] = report.folds[0].pipelines[0].predictions;
  const theirs: number[] = reference.model.predictions;
  expect(ours).toHaveLength(200);
  const agree = ours.filter((p, i) => p === theirs[i]).length;
  expect(agree).toBeGreaterThanOrEqual(199);
  expect(report.folds[0].pipelines[0].evaluation.accuracy).toBeCloseTo(reference.metrics.accuracy, 10);
});
