import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createContainer, services } from '../container';
import { SpecErrors } from '../errors';
import { silentLogger } from '../logger';
import { loadSpec, type LoadedSpec } from '../spec/load';
import { planSweep, repeatSeeds } from './expand';
import { trialId } from './identity';
import type { SweepPlan } from './types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));

/** A spec under test/fixtures/plan/ (its data path resolves from there); `text` replaces the file's content. */
function loadFixture(name: string, text?: string): LoadedSpec {
  return loadSpec(path.join(FIXTURES, name), registry, validator, text);
}

function planFixture(name: string, text?: string, dataDigest = 'digest-a'): SweepPlan {
  return planSweep(loadFixture(name, text), { registry, validator, dataDigest });
}

/** A one-pipeline spec for inline sweeps; its `sweep:` block is appended. */
const BASE_SPEC = `name: inline
seed: 3
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts, ngramRange: [1, 2], maxFeatures: 500, binary: true }
    model: { type: logistic-regression, C: 1.0 }
`;

function planInline(sweep: string, base = BASE_SPEC): SweepPlan {
  return planFixture('inline.yaml', `${base}${sweep}`);
}

/** The problems a plan is refused with, as "line:col CODE message" (file name left out). */
function refusal(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpecErrors) return error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.code} ${p.message}`);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const GRID_TYPES = ['tfidf', 'counts'];
const GRID_C = [0.1, 1, 10];
const RANDOM_TRIALS = 2;

describe('planSweep: expansion', () => {
  const plan = planFixture('sweep.yaml');

  it('makes one trial per grid combination and random draw, the last grid path fastest', () => {
    expect(plan.trials).toHaveLength(GRID_TYPES.length * GRID_C.length * RANDOM_TRIALS);
    const expected = GRID_TYPES.flatMap((type) => GRID_C.flatMap((C) => Array.from({ length: RANDOM_TRIALS }, () => [type, C])));
    expect(plan.trials.map((t) => [t.params['pipelines.bow.featurizer.type'], t.params['pipelines.bow.model.C']])).toEqual(expected);
    expect(plan.trials.map((t) => t.index)).toEqual(plan.trials.map((_, i) => i));
    expect(plan.params.map((p) => [p.path, p.source, p.distribution])).toEqual([
      ['pipelines.bow.featurizer.type', 'grid', undefined],
      ['pipelines.bow.model.C', 'grid', undefined],
      ['pipelines.chars.model.C', 'random', 'loguniform'],
      ['pipelines.chars.model.maxIter', 'random', 'int'],
      ['pipelines.chars.tokenizer.lowercase', 'random', 'choice'],
      ['pipelines.chars.model.tol', 'random', 'uniform'],
    ]);
  });

  it('sets every swept value at its path in the resolved spec, without the sweep block', () => {
    for (const trial of plan.trials) {
      const { spec } = trial;
      expect(spec).not.toHaveProperty('sweep');
      expect(spec.pipelines.bow.featurizer.type).toBe(trial.params['pipelines.bow.featurizer.type']);
      expect(spec.pipelines.bow.model.C).toBe(trial.params['pipelines.bow.model.C']);
      expect(spec.pipelines.chars.model.C).toBe(trial.params['pipelines.chars.model.C']);
      expect(spec.pipelines.chars.model.maxIter).toBe(trial.params['pipelines.chars.model.maxIter']);
      expect(spec.pipelines.chars.tokenizer.lowercase).toBe(trial.params['pipelines.chars.tokenizer.lowercase']);
      expect(spec.pipelines.chars.model.tol).toBe(trial.params['pipelines.chars.model.tol']);
      // Untouched settings are the file's, with defaults filled in.
      expect(spec.pipelines.bow.model.maxIter).toBe(200);
      expect(spec.pipelines.chars.featurizer).toEqual({
        type: 'counts',
        ngramRange: [1, 3],
        maxFeatures: null,
        minDf: 1,
        maxDf: 1,
        binary: false,
        vocabulary: null,
      });
      expect(spec.seed).toBe(7);
    }
  });

  it('is deterministic', () => {
    expect(planFixture('sweep.yaml')).toEqual(plan);
  });

  it('expands trial × seed × fold into work units, trial-major, each fitting every pipeline', () => {
    expect(plan.folds).toBe(3);
    expect(plan.seeds).toEqual(repeatSeeds(7, 2));
    expect(plan.seeds[0]).toBe(7);
    expect(plan.units).toHaveLength(plan.trials.length * 3 * 2);
    const expectedOrder = plan.trials.flatMap((t) => plan.seeds.flatMap((seed) => [0, 1, 2].map((fold) => [t.index, seed, fold])));
    expect(plan.units.map((u) => [u.trial, u.seed, u.fold])).toEqual(expectedOrder);
    expect(new Set(plan.units.map((u) => u.id)).size).toBe(plan.units.length);
    for (const unit of plan.units) expect(unit.fits.map((f) => f.pipeline)).toEqual(['bow', 'chars']);
  });

  it('gives a pipeline the same fit ids in trials that leave it unchanged', () => {
    // Trials 0 and 1 share the bow settings (same grid point) and differ in the chars draws.
    const [a, b] = plan.trials;
    expect(a.pipelines.bow).toBe(b.pipelines.bow);
    expect(a.pipelines.chars).not.toBe(b.pipelines.chars);
    const fitsOf = (trial: number, pipeline: string) =>
      plan.units.filter((u) => u.trial === trial).map((u) => u.fits.find((f) => f.pipeline === pipeline)!.id);
    expect(fitsOf(0, 'bow')).toEqual(fitsOf(1, 'bow'));
    expect(fitsOf(0, 'chars').filter((id) => fitsOf(1, 'chars').includes(id))).toEqual([]);
  });

  it('keeps the selection, pruning and workers settings', () => {
    expect(plan.select).toEqual({ metric: 'val_macro_f1', goal: 'max' });
    expect(plan.workers).toBe(2);
    expect(plan.pruning).toBeUndefined();
  });

  it('plans a spec without a sweep block as one trial on a holdout of the training rows', () => {
    const single = planInline('');
    expect(single.trials).toHaveLength(1);
    expect(single.trials[0].params).toEqual({});
    expect(single.units).toEqual([expect.objectContaining({ trial: 0, fold: null, seed: 3 })]);
    expect(single.select).toEqual({ metric: 'val_accuracy', goal: 'max' });
  });

  it('repeats with an explicit list of seeds, and derives distinct seeds from a count', () => {
    const listed = planInline('sweep:\n  seeds: [5, 9]\n  pruning: { type: median, warmupEpochs: 3 }\n  select: { metric: val_loss }\n');
    expect(listed.seeds).toEqual([5, 9]);
    expect(listed.units.map((u) => u.seed)).toEqual([5, 9]);
    expect(listed.pruning).toEqual({ type: 'median', warmupEpochs: 3, startupTrials: 5 });
    expect(listed.select).toEqual({ metric: 'val_loss', goal: 'min' });
    const derived = repeatSeeds(3, 6);
    expect(derived[0]).toBe(3);
    expect(new Set(derived).size).toBe(6);
    expect(repeatSeeds(3, 4)).toEqual(derived.slice(0, 4));
  });
});

describe('planSweep: random draws', () => {
  const plan = planFixture('sweep.yaml');

  it('match numpy (tools/reference/sweep_draws_fixture.py) for every trial', () => {
    const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'random-draws.json'), 'utf8')) as {
      trials: Array<Record<string, number | string | boolean>>;
    };
    expect(plan.trials).toHaveLength(reference.trials.length);
    plan.trials.forEach((trial, i) => {
      const expected = reference.trials[i];
      expect(Object.keys(trial.params)).toEqual(Object.keys(expected));
      for (const [key, value] of Object.entries(expected)) {
        // exp and log may differ in the last bit between libm and V8; everything else is exact.
        if (key === 'pipelines.chars.model.C') expect(Math.abs((trial.params[key] as number) / (value as number) - 1)).toBeLessThan(1e-14);
        else expect(trial.params[key]).toBe(value);
      }
    });
  });

  it('stay within their distributions', () => {
    const many = planInline(`sweep:
  random:
    trials: 300
    params:
      pipelines.bow.model.C: { loguniform: [0.001, 1000] }
      pipelines.bow.model.maxIter: { int: [5, 9] }
      pipelines.bow.model.tol: { uniform: [0.25, 0.5] }
      pipelines.bow.featurizer.maxFeatures: { choice: [100, 200, null] }
`);
    const values = (p: string) => many.trials.map((t) => t.params[`pipelines.bow.${p}`]);
    const C = values('model.C') as number[];
    expect(Math.min(...C)).toBeGreaterThanOrEqual(0.001);
    expect(Math.max(...C)).toBeLessThanOrEqual(1000);
    // Log-uniform: about half the draws below the geometric midpoint (1), not 0.0001% as uniform would give.
    const below = C.filter((c) => c < 1).length / C.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
    expect([...new Set(values('model.maxIter'))].sort()).toEqual([5, 6, 7, 8, 9]);
    const tol = values('model.tol') as number[];
    expect(Math.min(...tol)).toBeGreaterThanOrEqual(0.25);
    expect(Math.max(...tol)).toBeLessThan(0.5);
    expect(new Set(values('featurizer.maxFeatures'))).toEqual(new Set([100, 200, null]));
  });

  it('depend on the spec seed', () => {
    const text = readFileSync(path.join(FIXTURES, 'sweep.yaml'), 'utf8').replace('seed: 7', 'seed: 8');
    const reseeded = planFixture('sweep.yaml', text);
    expect(reseeded.trials.map((t) => t.params['pipelines.chars.model.C'])).not.toEqual(plan.trials.map((t) => t.params['pipelines.chars.model.C']));
  });

  it('of one parameter do not change when another parameter or grid value is added', () => {
    const text = readFileSync(path.join(FIXTURES, 'sweep.yaml'), 'utf8')
      .replace(
        '      pipelines.chars.model.tol:',
        '      pipelines.chars.featurizer.maxFeatures: { int: [100, 900] }\n      pipelines.chars.model.tol:',
      )
      .replace('pipelines.bow.model.C: [0.1, 1, 10]', 'pipelines.bow.model.C: [0.1, 1, 10, 100]');
    const extended = planFixture('sweep.yaml', text);
    expect(extended.trials).toHaveLength(16);
    const byGrid = (p: SweepPlan) =>
      new Map(
        p.trials.map((t) => [
          `${t.params['pipelines.bow.featurizer.type']} ${t.params['pipelines.bow.model.C']} ${t.index % RANDOM_TRIALS}`,
          t.params['pipelines.chars.model.tol'],
        ]),
      );
    const before = byGrid(plan);
    const after = byGrid(extended);
    for (const [key, tol] of before) expect(after.get(key)).toBe(tol);
  });
});

describe('planSweep: swapping a plugin type', () => {
  const plan = planFixture('sweep.yaml');

  it('drops options written for the old plugin that the new one lacks, and keeps the ones it has', () => {
    const counts = plan.trials.filter((t) => t.params['pipelines.bow.featurizer.type'] === 'counts');
    expect(counts).toHaveLength(6);
    for (const t of counts) {
      expect(t.dropped).toEqual(['pipelines.bow.featurizer.sublinearTf']);
      expect(t.spec.pipelines.bow.featurizer).toEqual({
        type: 'counts',
        ngramRange: [1, 2],
        maxFeatures: 1000,
        minDf: 1,
        maxDf: 1,
        binary: false,
        vocabulary: null,
      });
    }
    const tfidf = plan.trials.filter((t) => t.params['pipelines.bow.featurizer.type'] === 'tfidf');
    for (const t of tfidf) {
      expect(t.dropped).toEqual([]);
      expect(t.spec.pipelines.bow.featurizer).toMatchObject({ type: 'tfidf', ngramRange: [1, 2], maxFeatures: 1000, sublinearTf: true, norm: 'l2' });
    }
  });

  it('keeps every written option the new plugin also has (counts → tfidf), and the new plugin fills its own defaults', () => {
    const swapped = planInline('sweep:\n  grid:\n    pipelines.bow.featurizer.type: [tfidf]\n');
    expect(swapped.trials[0].dropped).toEqual([]);
    expect(swapped.trials[0].spec.pipelines.bow.featurizer).toEqual({
      type: 'tfidf',
      ngramRange: [1, 2],
      maxFeatures: 500,
      binary: true,
      minDf: 1,
      maxDf: 1,
      vocabulary: null,
      norm: 'l2',
      useIdf: true,
      smoothIdf: true,
      sublinearTf: false,
    });
  });

  it('replaces a whole block when the block itself is swept', () => {
    const replaced = planInline('sweep:\n  grid:\n    pipelines.bow.featurizer: [{ type: tfidf, norm: l1 }, { type: counts }]\n');
    expect(replaced.trials.map((t) => t.spec.pipelines.bow.featurizer)).toEqual([
      expect.objectContaining({ type: 'tfidf', norm: 'l1', ngramRange: [1, 1], maxFeatures: null, binary: false }),
      expect.objectContaining({ type: 'counts', ngramRange: [1, 1], maxFeatures: null, binary: false }),
    ]);
  });
});

describe('planSweep: settings the file leaves out, anchors, duplicates', () => {
  it('starts a mapping the trial creates from its schema default (training.optimizer → { type: adam })', () => {
    const base = `${BASE_SPEC}  rnn:\n    tokenizer: { type: chars }\n    featurizer: { type: index-sequence, maxLength: 20 }\n    model: { type: gru }\n`;
    const plan = planInline('sweep:\n  grid:\n    pipelines.rnn.training.optimizer.learningRate: [0.01, 0.1]\n', base);
    expect(plan.trials.map((t) => t.spec.pipelines.rnn.training?.optimizer)).toEqual([
      expect.objectContaining({ type: 'adam', learningRate: 0.01 }),
      expect.objectContaining({ type: 'adam', learningRate: 0.1 }),
    ]);
    expect(plan.trials[0].spec.pipelines.rnn.training).toMatchObject({ epochs: 10, batchSize: 32 });
  });

  it('changes only the swept pipeline when pipelines share a block through a YAML anchor', () => {
    const base = `name: anchors
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  a:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: &lr { type: logistic-regression, C: 2 }
  b:
    tokenizer: { type: chars }
    featurizer: { type: counts }
    model: *lr
`;
    const plan = planInline('sweep:\n  grid:\n    pipelines.b.model.C: [0.5]\n', base);
    expect(plan.trials[0].spec.pipelines.a.model.C).toBe(2);
    expect(plan.trials[0].spec.pipelines.b.model.C).toBe(0.5);
  });

  it('finds a pipeline whose name contains dots', () => {
    const base = BASE_WITH_DOTTED_NAME;
    const plan = planInline('sweep:\n  grid:\n    pipelines.bow.v2.model.C: [0.5, 2]\n', base);
    expect(plan.params[0].segments).toEqual(['pipelines', 'bow.v2', 'model', 'C']);
    expect(plan.trials.map((t) => t.spec.pipelines['bow.v2'].model.C)).toEqual([0.5, 2]);
  });

  it('marks a trial that resolves to the same spec as an earlier one and gives it no work', () => {
    const plan = planInline('sweep:\n  grid:\n    pipelines.bow.model.C: [1, 1.0, 2]\n  folds: 2\n');
    expect(plan.trials.map((t) => t.duplicateOf)).toEqual([undefined, 0, undefined]);
    expect(plan.trials[1].id).toBe(plan.trials[0].id);
    expect(plan.units.map((u) => u.trial)).toEqual([0, 0, 2, 2]);
  });
});

const BASE_WITH_DOTTED_NAME = `name: dotted
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: { type: logistic-regression }
  bow.v2:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: { type: logistic-regression }
`;

describe('planSweep: refused sweeps', () => {
  it('locates a bad swept value at that value, with the trials and values it breaks', () => {
    expect(refusal(() => planFixture('bad-values.yaml'))).toEqual([
      '16:34 SPEC_RANGE option "C" of model "logistic-regression" must be > 0 (got -1) [in trials 8, 9, 10, 11, 12 and 3 more: pipelines.bow.model.C=-1]',
      '17:51 NGRAM_RANGE_INVALID tfidf: ngramRange [3, 2] has its smallest n above its largest; write it as [2, 3] [in trials 4, 5, 12, 13: pipelines.bow.featurizer.ngramRange=[3, 2]]',
      '19:5 SPEC_UNKNOWN_KEY unknown key "useIdf" in featurizer "counts"; known keys: ngramRange, maxFeatures, minDf, maxDf, binary, vocabulary [in trials 2, 3, 6, 7, 10 and 3 more: pipelines.bow.featurizer.type=counts]',
      expect.stringMatching(
        /^23:32 SPEC_RANGE option "tol" of model "logistic-regression" must be >= 0 \(got -[0-9.]+\) \[in trials [0-9, ]+ and \d+ more: pipelines\.bow\.model\.tol=-[0-9.]+, -[0-9.]+, -[0-9.]+, …\]$/,
      ),
    ]);
  });

  it('shows the frame of the sweep block under a bad value', () => {
    try {
      planFixture('bad-values.yaml');
    } catch (error) {
      const first = (error as { problems: Array<{ frame?: string }> }).problems[0];
      expect(first.frame).toBe(
        ['  15 |   grid:', '> 16 |     pipelines.bow.model.C: [0.1, -1]', '     |                                  ^'].join('\n'),
      );
    }
    expect.assertions(1);
  });

  it('locates bad paths at the path, with "did you mean", and reports every problem at once', () => {
    expect(refusal(() => planFixture('bad-paths.yaml'))).toEqual([
      '14:5 SWEEP_PATH_UNKNOWN no pipeline "bwo" in this spec (did you mean "bow"?); pipelines: bow',
      '15:5 SPEC_UNKNOWN_KEY unknown key "Cc" in model "logistic-regression" (did you mean "C"?); known keys: C, maxIter, tol, fitIntercept',
      '16:5 SPEC_UNKNOWN_KEY unknown key "modle" in "pipelines.bow" (did you mean "model"?); known keys: description, tokenizer, featurizer, model, regularizers, training',
      '17:5 SWEEP_PATH_NOT_SWEEPABLE "data.path" cannot be swept: only settings under pipelines.<name> can; data, split and seed decide the rows every trial is scored on (use sweep.seeds to repeat with other seeds)',
      '18:45 PLUGIN_UNKNOWN unknown featurizer type "tfidff" (did you mean "tfidf"?); known: counts, hashing, index-sequence, tfidf [in trials 3, 4, 5, 9, 10 and 1 more: pipelines.bow.featurizer.type=tfidff]',
      '22:46 SWEEP_DISTRIBUTION loguniform needs [low, high] with low < high (got [0.1, 0.01])',
      '23:43 SWEEP_DISTRIBUTION int needs [low, high] with low <= high (got [10, 5])',
      '24:10 SWEEP_FOLDS folds: 1 leaves no rows to validate on; use 2 or more, or 0 to score trials on a holdout of the training rows',
      '25:37 SWEEP_SELECT_GOAL val_loss must be minimised (lower loss is better); use goal: min or leave goal out',
    ]);
  });

  it('refuses list indices that do not exist, paths through a value, and overlapping paths', () => {
    const sweep = `sweep:
  grid:
    pipelines.bow.regularizers.0.rate: [0.1]
    pipelines.bow.model.C.x: [1]
    pipelines.bow.featurizer: [{ type: counts }]
    pipelines.bow.featurizer.binary: [false]
  random:
    trials: 1
    params:
      pipelines.bow.featurizer.binary: { choice: [true] }
      pipelines: { choice: [1] }
`;
    expect(refusal(() => planInline(sweep))).toEqual([
      '11:5 SWEEP_PATH_UNKNOWN "pipelines.bow.regularizers.0.rate": pipelines.bow.regularizers is not in the spec, so it has no item 0; write the regularizers list in the spec and sweep its items',
      '12:5 SWEEP_PATH_UNKNOWN "pipelines.bow.model.C.x": pipelines.bow.model.C is the number 1, not a mapping, so it has no "x"',
      '14:5 SWEEP_PATH_OVERLAP "pipelines.bow.featurizer.binary" lies inside "pipelines.bow.featurizer", which is swept too; sweep the whole block or its options, not both',
      '18:7 SWEEP_PATH_DUPLICATE "pipelines.bow.featurizer.binary" is swept in both grid and random; keep it in one of them',
      '19:7 SWEEP_PATH_UNKNOWN "pipelines" names no pipeline; sweep paths look like pipelines.<name>.model.<option>',
    ]);
  });

  it('refuses an index past the end of a list written in the spec', () => {
    const base = BASE_SPEC.replace(
      '    model: { type: logistic-regression, C: 1.0 }\n',
      '    model: { type: logistic-regression, C: 1.0 }\n    regularizers: []\n',
    );
    expect(refusal(() => planInline('sweep:\n  grid:\n    pipelines.bow.regularizers.0.type: [l2]\n', base))).toEqual([
      '12:5 SWEEP_PATH_UNKNOWN "pipelines.bow.regularizers.0.type": pipelines.bow.regularizers is a list with no items; "0" is not one of them',
    ]);
  });

  it('refuses a combination a plugin refuses when created, at the swept value inside its block', () => {
    const sweep = "sweep:\n  grid:\n    pipelines.bow.tokenizer.pattern: ['\\\\w+', '(a)(b)']\n";
    expect(refusal(() => planInline(sweep))).toEqual([
      '11:47 TOKEN_PATTERN_INVALID [tokenizer words] words: pattern "(a)(b)" has more than one capturing group; use (?:...) for grouping [in trial 1: pipelines.bow.tokenizer.pattern="(a)(b)"]',
    ]);
  });

  it('refuses a sweep block of the wrong shape when the spec is loaded', () => {
    expect(
      refusal(() =>
        planInline(
          'sweep:\n  grid:\n    pipelines.bow.model.C: 1\n  random: { trials: 0, params: { pipelines.bow.model.tol: { normal: [0, 1] } } }\n',
        ),
      ),
    ).toEqual([
      '11:28 SPEC_TYPE "sweep.grid.pipelines.bow.model.C" must be an array (got 1)',
      '12:21 SPEC_RANGE "sweep.random.trials" must be >= 1 (got 0)',
      '12:61 SPEC_UNKNOWN_KEY unknown key "normal" in "sweep.random.params.pipelines.bow.model.tol"; known keys: uniform, loguniform, int, choice',
    ]);
  });
});

describe('trial ids', () => {
  const plan = planFixture('sweep.yaml');

  it('are sha256 of the resolved spec and the data digest', () => {
    for (const t of plan.trials) {
      expect(t.id).toMatch(/^[0-9a-f]{64}$/);
      expect(t.id).toBe(trialId(t.spec, 'digest-a'));
      expect(t.id.startsWith(t.shortId)).toBe(true);
      expect(t.shortId.length).toBeGreaterThanOrEqual(8);
    }
    expect(new Set(plan.trials.map((t) => t.shortId)).size).toBe(plan.trials.length);
  });

  it('do not change when the YAML is reordered or reformatted (grid and random paths included)', () => {
    const reordered = planFixture('reordered.yaml');
    const byParams = (p: SweepPlan) => new Map(p.trials.map((t) => [JSON.stringify(Object.entries(t.params).sort()), t.id]));
    expect(byParams(reordered)).toEqual(byParams(plan));
    expect(new Set(reordered.units.map((u) => u.id))).toEqual(new Set(plan.units.map((u) => u.id)));
  });

  it('change when the data digest changes', () => {
    const other = planFixture('sweep.yaml', undefined, 'digest-b');
    other.trials.forEach((t, i) => expect(t.id).not.toBe(plan.trials[i].id));
  });

  it('change when any resolved value changes', () => {
    const { spec, id } = plan.trials[0];
    const leaves = leafPaths(spec);
    expect(leaves.length).toBeGreaterThan(40);
    for (const leaf of leaves) {
      const copy = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
      const parent = leaf.slice(0, -1).reduce<any>((node, key) => node[key], copy);
      const key = leaf[leaf.length - 1];
      parent[key] = changed(parent[key]);
      expect([leaf.join('.'), trialId(copy, 'digest-a')]).not.toEqual([leaf.join('.'), id]);
    }
  });
});

function leafPaths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafPaths(v, [...prefix, i])) : [prefix];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k])) : [prefix];
  }
  return [prefix];
}

function changed(value: unknown): unknown {
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'boolean') return !value;
  if (value === null) return 0;
  if (Array.isArray(value)) return [...value, 0];
  return { ...(value as object), extra: 1 };
}

describe('planSweep: adaptive search', () => {
  const SEARCH = `sweep:
  search:
    space:
      pipelines.bow.featurizer.type: { choice: [counts, tfidf] }
      pipelines.bow.featurizer.maxFeatures: { int: [100, 1000], step: 100 }
      pipelines.bow.model.C: { loguniform: [0.01, 100] }
      pipelines.bow.featurizer.sublinearTf: { choice: [true, false], when: { pipelines.bow.featurizer.type: [tfidf] } }
    trials: 20
  folds: 5
  pruning: { type: asha, reductionFactor: 3 }
`;

  it('has no trials before it runs; its space keeps the file order, conditions and distributions', () => {
    const plan = planInline(SEARCH);
    expect(plan.trials).toEqual([]);
    expect(plan.units).toEqual([]);
    expect(plan.params.map((p) => [p.path, p.source])).toEqual([
      ['pipelines.bow.featurizer.type', 'search'],
      ['pipelines.bow.featurizer.maxFeatures', 'search'],
      ['pipelines.bow.model.C', 'search'],
      ['pipelines.bow.featurizer.sublinearTf', 'search'],
    ]);
    expect(plan.search!.space.parameters).toEqual([
      { name: 'pipelines.bow.featurizer.type', dimension: { type: 'categorical', choices: ['counts', 'tfidf'] } },
      { name: 'pipelines.bow.featurizer.maxFeatures', dimension: { type: 'int', low: 100, high: 1000, step: 100 } },
      { name: 'pipelines.bow.model.C', dimension: { type: 'float', low: 0.01, high: 100, log: true } },
      {
        name: 'pipelines.bow.featurizer.sublinearTf',
        dimension: { type: 'categorical', choices: [true, false] },
        when: { 'pipelines.bow.featurizer.type': ['tfidf'] },
      },
    ]);
    expect(plan.search).toMatchObject({ sampler: { type: 'random' }, budget: { trials: 20 }, concurrentTrials: 4 });
    // First values, then tfidf (with sublinearTf: true), maxFeatures 1000, C 100, sublinearTf false.
    expect(plan.search!.probes).toBe(5);
    expect(plan.search!.pipelines).toEqual({ bow: { searched: true, models: ['logistic-regression'] } });
    expect(plan.pruning).toEqual({ type: 'asha', reductionFactor: 3, warmupEpochs: 0, startupTrials: 5 });
  });

  it('checks every value the space can produce before anything runs, at the value in the file', () => {
    const text = SEARCH.replace('{ int: [100, 1000], step: 100 }', '{ int: [0, 1000], step: 100 }').replace(
      '{ choice: [counts, tfidf] }',
      '{ choice: [counts, tfidf, bagofwords] }',
    );
    const problems = refusal(() => planInline(text));
    expect(problems).toEqual([
      '12:64 PLUGIN_UNKNOWN unknown featurizer type "bagofwords"; known: counts, hashing, index-sequence, tfidf [pipelines.bow.featurizer.type=bagofwords]',
      '13:45 SPEC_INVALID_VALUE option "maxFeatures" of featurizer "counts" must be >= 1, or null (got 0) [pipelines.bow.featurizer.maxFeatures=0]',
      '13:45 SPEC_INVALID_VALUE option "maxFeatures" of featurizer "tfidf" must be >= 1, or null (got 0) [pipelines.bow.featurizer.maxFeatures=0]',
    ]);
  });

  it('refuses bounds it cannot draw from, conditions on later or unknown dimensions, grid beside it, and no budget', () => {
    const text = `sweep:
  grid: { pipelines.bow.model.C: [1, 2] }
  search:
    space:
      pipelines.bow.featurizer.sublinearTf: { choice: [true, false], when: { pipelines.bow.featurizer.type: [tfidf] } }
      pipelines.bow.featurizer.type: { choice: [counts, tfidf] }
      pipelines.bow.featurizer.maxFeatures: { int: [1000, 100] }
      pipelines.bow.model.maxIter: { uniform: [10, 100], log: true }
`;
    expect(refusal(() => planInline(text))).toEqual([
      '10:3 SWEEP_SEARCH_EXCLUSIVE sweep.grid and sweep.search cannot be combined; put the grid settings into search.space (choice: [...] for a list of values)',
      '11:3 SWEEP_SEARCH_BUDGET an adaptive search needs a budget: set trials, maxFits or timeout',
      '13:76 SWEEP_SEARCH_CONDITION "when" names "pipelines.bow.featurizer.type", which is not a dimension listed before "pipelines.bow.featurizer.sublinearTf"',
      '15:52 SWEEP_DISTRIBUTION int needs [low, high] with low <= high (got [1000, 100])',
      '16:63 SWEEP_DISTRIBUTION log applies to int; use loguniform for numbers on a log scale',
    ]);
  });
});
