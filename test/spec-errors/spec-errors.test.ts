/**
 * The corpus of broken specs: each is run through the CLI as a user would; the first line of every
 * reported problem is asserted exactly (file:line:col CODE message), the exit code is 2, and
 * nothing is written (no report file, no MLflow store).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';

const CASES = path.join(__dirname, 'cases');
const rel = (name: string) => path.relative(process.cwd(), path.join(CASES, name));

/** For each case: the first line of each problem, with the file written as `F`. */
const EXPECTED: Record<string, string[]> = {
  'class-not-in-list.yaml': [
    "F:8:12 DATA_LABEL_UNKNOWN [dataset tsv] ../../../data/ArSenTD-LEV.tsv:9 (data row 7): label \"very_positive\" is not in the class list [very_negative, negative, neutral, positive] (did you mean \"very_negative\"?); add it to `classes` or filter the row out with `where`",
  ],
  'empty-filter.yaml': [
    "F:8:10 DATA_EMPTY [dataset tsv] no rows of ../../../data/ArSenTD-LEV.tsv match Country = \"Lebanon\" (4000 rows read); check the values in `where`",
  ],
  'malformed-yaml.yaml': [
    "F:4:1 YAML_BAD_INDENT Flow map in block collection must be sufficiently indented and end with a }",
  ],
  'many-problems.yaml': [
    "F:2:7 SPEC_RANGE \"seed\" must be >= 0 (got -1)",
    "F:3:88 SPEC_UNKNOWN_KEY unknown key \"filter\" in dataset \"tsv\"; known keys: path, text, label, classes, where, keepColumns",
    "F:6:24 PLUGIN_UNKNOWN unknown tokenizer type \"word\" (did you mean \"words\"?); known: chars, words",
    "F:7:53 SPEC_UNKNOWN_KEY unknown key \"maxFeature\" in featurizer \"counts\" (did you mean \"maxFeatures\"?); known keys: ngramRange, maxFeatures, minDf, maxDf, binary, vocabulary",
    "F:8:44 SPEC_RANGE option \"C\" of model \"logistic-regression\" must be > 0 (got -1)",
    "F:9:1 SPEC_UNKNOWN_KEY unknown key \"trackng\" in the spec (did you mean \"tracking\"?); known keys: name, description, seed, backend, plugins, data, split, pipelines, tracking, sweep",
  ],
  'missing-column.yaml': [
    "F:6:9 DATA_COLUMN_MISSING [dataset tsv] column \"tweet\" is not in ../../../data/ArSenTD-LEV.tsv (did you mean \"Tweet\"?); its columns are: Tweet, Country, Topic, Sentiment, Sentiment_Expression, Sentiment_Target",
  ],
  'missing-data-file.yaml': [
    "F:5:9 DATA_FILE_MISSING [dataset tsv] data file data/no-such-file.tsv does not exist; fix `path` (it is relative to the spec file)",
  ],
  'test-fraction-out-of-range.yaml': [
    "F:6:9 SPEC_INVALID_VALUE option \"test\" of split \"stratified-holdout\" must be < 1, or an integer (got 1.5)",
  ],
  'unknown-key.yaml': [
    "F:2:1 SPEC_UNKNOWN_KEY unknown key \"sed\" in the spec (did you mean \"seed\"?); known keys: name, description, seed, backend, plugins, data, split, pipelines, tracking, sweep",
  ],
  'unknown-option.yaml': [
    "F:9:7 SPEC_UNKNOWN_KEY unknown key \"ngram_range\" in featurizer \"counts\" (did you mean \"ngramRange\"?); known keys: ngramRange, maxFeatures, minDf, maxDf, binary, vocabulary",
  ],
  'unknown-plugin.yaml': [
    "F:8:20 PLUGIN_UNKNOWN unknown model type \"logistic-regresion\" (did you mean \"logistic-regression\"?); known: gru, logistic-regression, lstm, simple-rnn",
  ],
  'wrong-type.yaml': [
    "F:2:7 SPEC_TYPE \"seed\" must be an integer (got \"forty-two\")",
    "F:7:46 SPEC_INVALID_VALUE option \"maxFeatures\" of featurizer \"counts\" must be an integer, or null (got \"1000\")",
  ],
};

function problemHeads(stderr: string, file: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith(`${file}:`))
    .map((l) => l.replace(file, 'F'));
}

describe('broken specs are refused with located errors, exit 2, and nothing written', () => {
  const files = readdirSync(CASES).filter((f) => f.endsWith('.yaml')).sort();

  it('has an expectation for every case file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  describe.each(files)('%s', (name) => {
    it('reports every problem at its place', () => {
      const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-bad-'));
      const report = path.join(work, 'out', 'report.json');
      const store = path.join(work, 'mlruns');
      const file = rel(name);
      const r = runCli(['run', file, '--report', report, '--tracking-uri', store]);
      expect(problemHeads(r.stderr, file)).toEqual(EXPECTED[name]);
      expect(r.stderr).toMatch(/\n {0,2}[> ] *\d+ \| /); // a source frame
      expect(r.status).toBe(2);
      expect(existsSync(report)).toBe(false);
      expect(existsSync(path.join(work, 'out'))).toBe(false);
      expect(existsSync(store)).toBe(false);
      expect(r.stdout).toBe('');
    });
  });

  it('refuses a spec file that does not exist', () => {
    const r = runCli(['validate', 'experiments/no-such-spec.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error SPEC_FILE_MISSING: experiments\/no-such-spec.yaml: no such spec file/);
  });
});

describe('bad input found while training', () => {
  it('a NaN loss stops the run at the learning rate with exit 2; its tracked runs end FAILED, none RUNNING, and no report is written', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-nan-'));
    const file = path.relative(process.cwd(), path.join(__dirname, 'runtime', 'nan-loss.yaml'));
    const store = path.join(work, 'mlruns');
    const r = runCli(['run', file, '--report', path.join(work, 'out', 'report.json'), '--tracking-uri', store]);
    expect(problemHeads(r.stderr, file)).toEqual([
      'F:17:45 NAN_LOSS [model gru] the training loss became NaN or infinite in epoch 1 (batch 2) at learning rate 1e+30; lower training.optimizer.learningRate or add a gradient-clipping regularizer',
    ]);
    expect(r.status).toBe(2);
    expect(existsSync(path.join(work, 'out'))).toBe(false);
    const statuses = readdirSync(store)
      .filter((d) => /^\d{6,}$/.test(d))
      .flatMap((experiment) =>
        readdirSync(path.join(store, experiment))
          .filter((run) => existsSync(path.join(store, experiment, run, 'meta.yaml')))
          .map((run) => /status: (\d)/.exec(readFileSync(path.join(store, experiment, run, 'meta.yaml'), 'utf8'))![1]),
      );
    expect(statuses.sort()).toEqual(['4', '4']); // parent and child: RunStatus FAILED
  });
});
