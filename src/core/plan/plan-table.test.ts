import path from 'node:path';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import { loadSpec } from '../spec/load';
import { planSweep } from './expand';
import { estimateWork } from './estimate';
import { alignColumns, formatPlanTable, ranges } from './plan-table';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));
const planFixture = (name: string, text?: string) =>
  planSweep(loadSpec(path.join(FIXTURES, name), registry, validator, text), { registry, validator, dataDigest: 'digest-a' });

const BASE_SPEC = `name: inline
seed: 3
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts, ngramRange: [1, 2], maxFeatures: 500, binary: true }
    model: { type: logistic-regression, C: 1.0 }
`;
const planInline = (sweep: string, base = BASE_SPEC) => planFixture('inline.yaml', `${base}${sweep}`);

describe('alignColumns', () => {
  it('pads every column to its widest cell, numbers to the right, two spaces apart', () => {
    expect(
      alignColumns(
        ['a', 'number', 'text'],
        [
          ['x', '1', 'long text'],
          ['yy', '100', 'z'],
        ],
        ['left', 'right', 'left'],
      ),
    ).toEqual(['a   number  text', 'x        1  long text', 'yy     100  z']);
  });
});

describe('ranges', () => {
  it('joins runs of consecutive indices', () => {
    expect(ranges([0, 1, 2, 5, 7, 8])).toBe('0-2, 5, 7-8');
    expect(ranges([4])).toBe('4');
  });
});

describe('formatPlanTable', () => {
  it('prints the trials with their swept values only, the counts and the work', () => {
    const sweep = `sweep:
  grid:
    pipelines.bow.featurizer.type: [counts, tfidf]
    pipelines.bow.model.C: [0.5, 2, 2.0]
  seeds: [1, 2]
`;
    const plan = planInline(sweep);
    const id = (i: number) => plan.trials[i].shortId;
    expect(formatPlanTable(plan)).toBe(
      [
        `sweep plan for ${plan.specFile}`,
        '6 trials (2 duplicates, not run) × 2 seeds (1, 2) = 8 work units; scored on a stratified holdout of the training rows (no folds)',
        'select: val_accuracy (max) on the holdout of the training rows; pruning: none',
        '',
        `trial  id        bow.featurizer.type  bow.model.C  note`,
        `    0  ${id(0)}  counts                       0.5`,
        `    1  ${id(1)}  counts                         2`,
        `    2  ${id(2)}  counts                         2  same spec as trial 1`,
        `    3  ${id(3)}  tfidf                        0.5`,
        `    4  ${id(4)}  tfidf                          2`,
        `    5  ${id(5)}  tfidf                          2  same spec as trial 4`,
        '',
        'work (one fit = one pipeline trained on one seed):',
        '  pipeline  model                configs  fits  epochs',
        '  bow       logistic-regression        4     8       -',
        '  total                                      8       -',
        '',
      ].join('\n'),
    );
  });

  it('lists options dropped by plugin swaps and the fits trials share', () => {
    const text = formatPlanTable(planFixture('sweep.yaml'));
    expect(text).toContain('12 trials × 3 folds × 2 seeds (7, ');
    expect(text).toContain('select: val_macro_f1 (max) on the validation folds (mean over 3 folds and seeds); pruning: none; workers: 2\n');
    expect(text).toContain(
      'options dropped by plugin swaps (the plugin swapped in does not have them):\n  pipelines.bow.featurizer.sublinearTf: trials 6-11\n',
    );
    expect(text).toContain(
      [
        '  pipeline  model                configs  fits  epochs',
        '  bow       logistic-regression        6    36       -',
        '  chars     logistic-regression       12    72       -',
        '  total                                    108       -',
        '  36 fits are reused: trials that leave a pipeline unchanged share its fits (144 without reuse)',
      ].join('\n'),
    );
    // Drawn numbers are shown to 4 significant digits; the plan keeps them exact.
    expect(text).toMatch(/\n {4}0 {2}[0-9a-f]{8} {2}tfidf {24}0\.1 {2}/);
  });

  it('counts epochs when pipelines train in epochs', () => {
    const base = `name: epochs
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  rnn:
    tokenizer: { type: chars }
    featurizer: { type: index-sequence, maxLength: 20 }
    model: { type: gru }
    training: { epochs: 4 }
`;
    const plan = planInline('sweep:\n  grid:\n    pipelines.rnn.training.epochs: [4, 6]\n  folds: 2\n  seeds: 3\n', base);
    const work = estimateWork(plan);
    expect(work.pipelines).toEqual([{ pipeline: 'rnn', model: 'gru', configs: 2, fits: 12, epochs: (4 + 6) * 2 * 3, earlyStopping: false }]);
    expect(work.epochs).toBe(60);
    expect(formatPlanTable(plan)).toContain('  total                       12      60\n');
  });

  it('says so when nothing is swept', () => {
    const text = formatPlanTable(planInline(''));
    expect(text).toContain('1 trial × 1 seed (3) = 1 work unit; scored on a stratified holdout of the training rows (no folds)\n');
    expect(text).toContain('(nothing swept: every trial is the spec as written)');
  });
});

describe('formatPlanTable for an adaptive search', () => {
  it('prints the sampler, the budget, the space with its conditions, and bounds on fits', () => {
    const plan = planInline(`sweep:
  search:
    space:
      pipelines.bow.featurizer.type: { choice: [counts, tfidf] }
      pipelines.bow.model.C: { loguniform: [0.01, 100] }
      pipelines.bow.featurizer.sublinearTf: { choice: [true, false], when: { pipelines.bow.featurizer.type: [tfidf] } }
    trials: 30
    maxFits: 100
    target: 0.6
  folds: 5
  pruning: { type: asha }
`);
    expect(formatPlanTable(plan).split('\n')).toEqual([
      `sweep plan for ${path.join(FIXTURES, 'inline.yaml')}`,
      'adaptive search: sampler random; trial k is suggested from the finished trials before k − 4 (concurrentTrials)',
      'budget: 30 trials, at most 100 fits, stop at val_accuracy >= 0.6',
      'select: val_accuracy (max) on the validation folds (mean over 5 folds and seeds); pruning: successive-halving (asha): keep the best 1/3 at rungs 1·3^i, decided in trial order',
      '',
      'space (in order; a conditional dimension exists only when its condition holds):',
      '  dimension                   values              when',
      '  bow.featurizer.type         counts | tfidf',
      '  bow.model.C                 float log 0.01…100',
      '  bow.featurizer.sublinearTf  true | false        bow.featurizer.type in tfidf',
      '  checked: 4 trials setting every choice and both ends of every range, each resolved and validated like a spec file',
      '',
      'work bounds (one fit = one pipeline trained on one fold and seed):',
      '  pipeline  model                fits per trial  epochs per fit  fits for 30 trials',
      '  bow       logistic-regression               5               -               ≤ 150',
      '  at most 100 fits',
      '  at least 30 fits (every trial runs its first rung: 1 epoch of its first fold, or 1 fit)',
      '',
    ]);
  });
});
