/** The notebook's baseline from YAML, run through the CLI as a user runs it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, runCli } from '../helpers/cli';

const pandas = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/datasets/arsentd-pandas.json'), 'utf8'));

describe('mlspec run experiments/arsentd-lev/baseline.yaml', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-e2e-'));
  const reportFile = path.join(work, 'out', 'report.json');
  let result: ReturnType<typeof runCli>;
  let report: any;

  beforeAll(() => {
    result = runCli(['run', 'experiments/arsentd-lev/baseline.yaml', '--report', reportFile, '--tracking-uri', path.join(work, 'mlruns')]);
    if (result.status !== 0) throw new Error(`run failed (${result.status}):\n${result.stderr}`);
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  });

  it('prints the dataset summary, the split, the per-class report and the confusion matrix', () => {
    expect(result.stdout).toMatch(/rows +4000/);
    expect(result.stdout).toMatch(/rows kept \(filter\) +1000/);
    expect(result.stdout).toMatch(/mean characters +132\.0/);
    expect(result.stdout).toMatch(/mean words +23\.3/);
    expect(result.stdout).toMatch(/SPLIT stratified-holdout: train 800, test 200/);
    expect(result.stdout).toMatch(/precision +recall +f1-score +support/);
    expect(result.stdout).toMatch(/macro avg/);
    expect(result.stdout).toMatch(/confusion matrix/);
    expect(result.stdout).toMatch(/FINAL COMPARISON/);
  });

  it("reports the split as scikit-learn's train_test_split makes it, as source data-row numbers", () => {
    expect(report.split.train).toEqual(pandas.notebook_split.train);
    expect(report.split.test).toEqual(pandas.notebook_split.test);
  });

  it("lands the test accuracy within scikit-learn's own tie-break spread (46.5%–49.0%)", () => {
    const p = report.folds[0].pipelines[0];
    expect(p.name).toBe('bow-logreg');
    expect(p.evaluation.accuracy).toBeGreaterThanOrEqual(0.465);
    expect(p.evaluation.accuracy).toBeLessThanOrEqual(0.49);
    expect(p.featurizer.features).toBe(1000);
    expect(report.dataset.meanChars).toBeCloseTo(pandas.mean_chars_lebanese, 10);
    expect(report.dataset.meanWords).toBeCloseTo(pandas.mean_words_lebanese, 10);
    expect(report.dataset.classCounts).toEqual(pandas.class_counts_lebanese);
  });
});
