/**
 * The corpus of broken specs and data: each is run through the CLI as a user would, in an empty
 * working folder; the first line of every reported problem is asserted exactly (file:line:col CODE
 * message), the exit code is 2, and nothing is written: the working folder stays empty (no
 * report, no ./mlruns or mlflow.db, no sweep state, no spool). `mlspec validate` refuses every
 * case with the same problems, so what `run` refuses is known before it runs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, runCli } from '../helpers/cli';

const CASES = path.join(__dirname, 'cases');

/** For each case: the first line of each problem, with the file written as `F`. */
const EXPECTED: Record<string, string[]> = {
  'alias-bomb.yaml': [
    "F:5:10 YAML_ALIAS_LIMIT the spec's aliases expand to more than 100 copies (nested aliases multiply); write the shared values out, or alias fewer times",
  ],
  'alias-without-anchor.yaml': [
    'F:8:12 YAML_ALIAS_UNDEFINED alias *missing names no anchor; define &missing on an earlier value, or write the value out here',
  ],
  'class-not-in-list.yaml': [
    'F:8:12 DATA_LABEL_UNKNOWN [dataset tsv] ../../../data/ArSenTD-LEV.tsv:9 (data row 7): label "very_positive" is not in the class list [very_negative, negative, neutral, positive] (did you mean "very_negative"?); add it to `classes` or filter the row out with `where`',
  ],
  'class-without-rows.yaml': [
    'F:9:72 DATA_CLASS_EMPTY [dataset tsv] class "sarcastic" has no rows in ../../../data/ArSenTD-LEV.tsv after `where`; remove it from `classes` (a model would be scored on a class it never saw), or check `label` and `where`',
  ],
  'data-path-directory.yaml': [
    'F:3:26 DATA_FILE_IS_DIRECTORY [dataset tsv] data file data is a directory; `path` must name a data file in it (relative to the spec file)',
  ],
  'early-stopping-without-validation.yaml': [
    'F:10:42 VALIDATION_REQUIRED early-stopping monitors val_loss, which needs a validation set, but training.validation is 0; set training.validation (e.g. 0.1) or monitor train_loss',
  ],
  'empty-filter.yaml': [
    'F:8:10 DATA_EMPTY [dataset tsv] no rows of ../../../data/ArSenTD-LEV.tsv match Country = "Lebanon" (4000 rows read); check the values in `where`',
  ],
  'lr-schedule-unused-options.yaml': [
    'F:10:69 OPTION_UNUSED "cooldown" is not used by the step schedule; it applies to the reduce-on-plateau schedule. Remove it, or choose that one',
    'F:10:80 OPTION_UNUSED "factor" is not used by the step schedule; it applies to the reduce-on-plateau schedule. Remove it, or choose that one',
  ],
  'malformed-yaml.yaml': ['F:4:1 YAML_BAD_INDENT Flow map in block collection must be sufficiently indented and end with a }'],
  'many-problems.yaml': [
    'F:2:7 SPEC_RANGE "seed" must be >= 0 (got -1)',
    'F:3:88 SPEC_UNKNOWN_KEY unknown key "filter" in dataset "tsv"; known keys: path, text, label, classes, where, keepColumns',
    'F:6:24 PLUGIN_UNKNOWN unknown tokenizer type "word" (did you mean "words"?); known: chars, words',
    'F:7:53 SPEC_UNKNOWN_KEY unknown key "maxFeature" in featurizer "counts" (did you mean "maxFeatures"?); known keys: ngramRange, maxFeatures, minDf, maxDf, binary, vocabulary',
    'F:8:44 SPEC_RANGE option "C" of model "logistic-regression" must be > 0 (got -1)',
    'F:9:1 SPEC_UNKNOWN_KEY unknown key "trackng" in the spec (did you mean "tracking"?); known keys: name, description, seed, backend, plugins, data, split, pipelines, tracking, register, sweep',
  ],
  'merge-key-without-anchor.yaml': [
    'F:6:9 YAML_ALIAS_UNDEFINED alias *missing names no anchor; define &missing on an earlier value, or write the value out here',
  ],
  'missing-column.yaml': [
    'F:6:9 DATA_COLUMN_MISSING [dataset tsv] column "tweet" is not in ../../../data/ArSenTD-LEV.tsv (did you mean "Tweet"?); its columns are: Tweet, Country, Topic, Sentiment, Sentiment_Expression, Sentiment_Target',
  ],
  'missing-data-file.yaml': [
    'F:5:9 DATA_FILE_MISSING [dataset tsv] data file data/no-such-file.tsv does not exist; fix `path` (it is relative to the spec file)',
  ],
  'multi-document.yaml': [
    'F:9:1 YAML_MULTIPLE_DOCS a spec file holds one YAML document, but a second one starts here; remove this `---` and what follows, or put it in its own file (mlspec validate a.yaml b.yaml checks several)',
  ],
  'ngram-range-reversed.yaml': ['F:7:45 NGRAM_RANGE_INVALID counts: ngramRange [3, 1] has its smallest n above its largest; write it as [1, 3]'],
  'one-class.yaml': [
    'F:3:77 DATA_ONE_CLASS [dataset tsv] only class "positive" has rows in ../../../data/ArSenTD-LEV.tsv after `where` (181 rows); a classifier needs two classes or more: check `label` and `where`',
  ],
  'optimizer-unused-options.yaml': [
    'F:11:42 OPTION_UNUSED "momentum" is not used by adam; it applies to sgd, rmsprop. Remove it, or choose one of those',
    'F:11:52 OPTION_UNUSED "rho" is not used by adam; it applies to rmsprop. Remove it, or choose that one',
  ],
  'regularizer-on-logistic-regression.yaml': [
    'F:10:17 REGULARIZER_UNSUPPORTED regularizer "dropout" applies to models that train in epochs (simple-rnn, lstm, gru); model "logistic-regression" does not, so it would ignore it: remove it (the model\'s own options set its regularization)',
  ],
  'split-test-one.yaml': [
    'F:4:8 SPLIT_TEST_TOO_SMALL [split stratified-holdout] test: 1 gives 1 test rows for 5 classes; a stratified split needs at least one test row per class. Use test: 5 or more rows, or a larger fraction. (YAML reads 1.0 as the whole number 1, one row: a fraction must be below 1.)',
  ],
  'sweep-folds-above-smallest-class.yaml': [
    'F:17:10 SWEEP_FOLDS_TOO_MANY folds: 50 is more than the 13 training rows of class "very_negative" (the smallest), so some folds would score no row of it; use folds: 13 or fewer',
  ],
  'sweep-folds-one.yaml': [
    'F:17:10 SWEEP_FOLDS folds: 1 leaves no rows to validate on; use 2 or more, or 0 to score trials on a holdout of the training rows',
  ],
  'sweep-grid-value-type.yaml': [
    'F:16:37 SPEC_TYPE option "units" of model "lstm" must be an integer (got "eight") [in trial 1: pipelines.lstm.model.units=eight]',
  ],
  'sweep-loguniform-reversed.yaml': ['F:18:69 SWEEP_DISTRIBUTION loguniform needs [low, high] with low < high (got [0.01, 0.0001])'],
  'sweep-tfidf-into-lstm.yaml': [
    'F:12:20 PIPELINE_FEATURES_MISMATCH model "lstm" reads token-id sequences (sequences), but featurizer "tfidf" produces a sparse matrix (csr); use a featurizer that produces sequences (index-sequence), or a model that reads csr (logistic-regression) [in trial 1: pipelines.lstm.featurizer.type=tfidf]',
  ],
  'sweep-unknown-path.yaml': [
    'F:16:5 SPEC_UNKNOWN_KEY unknown key "Cee" in model "logistic-regression" (did you mean "C"?); known keys: C, maxIter, tol, fitIntercept',
  ],
  'sweep-unknown-pipeline.yaml': ['F:16:5 SWEEP_PATH_UNKNOWN no pipeline "bag" in this spec (did you mean "bow"?); pipelines: bow, lstm'],
  'test-fraction-out-of-range.yaml': ['F:6:9 SPEC_INVALID_VALUE option "test" of split "stratified-holdout" must be < 1, or an integer (got 1.5)'],
  'tfidf-into-lstm.yaml': [
    'F:12:20 PIPELINE_FEATURES_MISMATCH model "lstm" reads token-id sequences (sequences), but featurizer "tfidf" produces a sparse matrix (csr); use a featurizer that produces sequences (index-sequence), or a model that reads csr (logistic-regression)',
  ],
  'training-on-logistic-regression.yaml': [
    'F:9:5 TRAINING_UNUSED model "logistic-regression" does not train in epochs, so it would ignore `training:`; remove it, or use a model that does (simple-rnn, lstm, gru)',
  ],
  'unknown-key.yaml': [
    'F:2:1 SPEC_UNKNOWN_KEY unknown key "sed" in the spec (did you mean "seed"?); known keys: name, description, seed, backend, plugins, data, split, pipelines, tracking, register, sweep',
  ],
  'unknown-option.yaml': [
    'F:9:7 SPEC_UNKNOWN_KEY unknown key "ngram_range" in featurizer "counts" (did you mean "ngramRange"?); known keys: ngramRange, maxFeatures, minDf, maxDf, binary, vocabulary',
  ],
  'unknown-plugin.yaml': [
    'F:8:20 PLUGIN_UNKNOWN unknown model type "logistic-regresion" (did you mean "logistic-regression"?); known: gru, logistic-regression, lstm, simple-rnn',
  ],
  'wrong-type.yaml': [
    'F:2:7 SPEC_TYPE "seed" must be an integer (got "forty-two")',
    'F:7:46 SPEC_INVALID_VALUE option "maxFeatures" of featurizer "counts" must be an integer, or null (got "1000")',
  ],
  'adamw-coupled-weight-decay.yaml': [
    'F:10:57 OPTIMIZER_CONFLICT optimizer adamw decays weights decoupled, but this weight-decay sets decoupled: false; set decoupled: true, or use optimizer adam for coupled decay',
  ],
  'class-with-one-row.yaml': [
    'F:3:7 SPLIT_CLASS_TOO_SMALL [split stratified-holdout] class "very_negative" has only 1 row; a stratified split needs at least 2 rows in every class (one to train on, one to test). Filter that class out, merge it into another, or add rows.',
  ],
  'plateau-without-validation.yaml': [
    'F:10:68 VALIDATION_REQUIRED lr-schedule reduce-on-plateau monitors val_accuracy, which needs a validation set, but training.validation is 0; set training.validation (e.g. 0.1) or monitor train_accuracy',
  ],
  'sweep-training-on-logistic-regression.yaml': [
    'F:11:5 TRAINING_UNUSED model "logistic-regression" does not train in epochs, so it would ignore `training:`; remove it, or use a model that does (simple-rnn, lstm, gru)',
  ],
  'validation-too-small.yaml': [
    'F:9:40 VALIDATION_TOO_SMALL training.validation 0.001 carves 1 of the 800 training rows, leaving 1 validation row for 5 classes; a stratified carve needs one row of each class on both sides: use 0.01 or more',
  ],
  'sweep-validation-too-small-for-folds.yaml': [
    'F:9:40 VALIDATION_TOO_SMALL training.validation 0.025 carves 3 of the 104 training rows of a sweep fold (folds: 2), leaving 3 validation rows for 5 classes; a stratified carve needs one row of each class on both sides: use 0.05 or more',
  ],
};

/** The first line of each problem reported for `file`, the file written as `F` and paths relative to the repository. */
function problemHeads(stderr: string, file: string, cwd: string): string[] {
  const repo = `${path.relative(cwd, REPO)}/`;
  return stderr
    .split('\n')
    .filter((l) => l.startsWith(`${file}:`))
    .map((l) => l.replace(file, 'F').split(repo).join(''));
}

function emptyFolder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'mlspec-bad-'));
}

describe('broken specs and data are refused with located errors, exit 2, and nothing written', () => {
  const files = readdirSync(CASES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('has an expectation for every case file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  describe.each(files)('%s', (name) => {
    it('`run` reports every problem at its place and writes nothing', () => {
      const work = emptyFolder();
      const file = path.join(CASES, name);
      // Default tracking store (./mlruns), default sweep state and spool: all would land in `work`.
      const r = runCli(['run', file, '--report', 'out/report.json'], { cwd: work });
      expect(problemHeads(r.stderr, file, work)).toEqual(EXPECTED[name]);
      expect(r.stderr).toMatch(/\n {0,2}[> ] *\d+ \| /); // a source frame
      expect(r.status).toBe(2);
      expect(readdirSync(work)).toEqual([]);
      expect(r.stdout).toBe('');
      rmSync(work, { recursive: true, force: true });
    });
  });

  it('`validate` with every case file at once reports the same problems, file by file, exit 2, and writes nothing', () => {
    const work = emptyFolder();
    const paths = files.map((f) => path.join(CASES, f));
    const r = runCli(['validate', ...paths], { cwd: work });
    expect(r.status).toBe(2);
    for (const [i, name] of files.entries()) expect([name, problemHeads(r.stderr, paths[i], work)]).toEqual([name, EXPECTED[name]]);
    expect(r.stdout).toBe('');
    expect(readdirSync(work)).toEqual([]);
  });

  it('`validate` checks several files: the valid ones are listed with their trials, a broken one makes the exit code 2', () => {
    const good = path.join(REPO, 'experiments/tiny/sweep.yaml');
    const bad = path.join(CASES, 'ngram-range-reversed.yaml');
    const r = runCli(['validate', good, bad], { cwd: emptyFolder() });
    expect(r.stdout).toBe(`${good}: valid (1 pipeline: bow; sweep: 4 trials, 12 jobs)\n`);
    expect(r.stderr).toContain(`${bad}:7:45 NGRAM_RANGE_INVALID`);
    expect(r.status).toBe(2);
    const ok = runCli(['validate', good, path.join(REPO, 'experiments/tiny/lstm.yaml')], { cwd: REPO });
    expect(ok.status).toBe(0);
  });

  it('refuses a spec file that does not exist', () => {
    const r = runCli(['validate', 'experiments/no-such-spec.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error SPEC_FILE_MISSING: experiments\/no-such-spec.yaml: no such spec file/);
  });
});

describe('output flags that cannot be used are refused before anything runs', () => {
  it('--report naming a directory: exit 2, nothing trained or written', () => {
    const work = emptyFolder();
    mkdirSync(path.join(work, 'out'));
    const r = runCli(['run', path.join(REPO, 'experiments/arsentd-lev/baseline.yaml'), '--report', 'out'], { cwd: work });
    expect(r.stderr).toBe(
      'error CLI_REPORT_IS_DIRECTORY: --report out is a directory; give a file name for the JSON report, e.g. --report out/report.json\n',
    );
    expect(r.status).toBe(2);
    expect(readdirSync(work)).toEqual(['out']);
    expect(readdirSync(path.join(work, 'out'))).toEqual([]);
  });

  it('--state naming a file: exit 2, no sweep state, no tracked run', () => {
    const work = emptyFolder();
    writeFileSync(path.join(work, 'state.txt'), 'not a folder\n');
    const r = runCli(['run', path.join(REPO, 'experiments/tiny/sweep.yaml'), '--state', 'state.txt', '--workers', '1'], { cwd: work });
    expect(r.stderr).toBe(
      'error CLI_STATE_NOT_DIRECTORY: --state state.txt is a file; give the folder a sweep keeps its state in (it is created when missing)\n',
    );
    expect(r.status).toBe(2);
    expect(readdirSync(work)).toEqual(['state.txt']);
    expect(readFileSync(path.join(work, 'state.txt'), 'utf8')).toBe('not a folder\n');
  });
});

describe('bad input found while training', () => {
  it('a NaN loss stops the run at the learning rate with exit 2; its tracked runs end FAILED, none RUNNING, and no report is written', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-nan-'));
    const file = path.relative(process.cwd(), path.join(__dirname, 'runtime', 'nan-loss.yaml'));
    const store = path.join(work, 'mlruns');
    const r = runCli(['run', file, '--report', path.join(work, 'out', 'report.json'), '--tracking-uri', store]);
    expect(problemHeads(r.stderr, file, process.cwd())).toEqual([
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
