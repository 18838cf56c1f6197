/**
 * The sweep's pure parts: candidates from a plan, mean ± sd and ranking, the median rule, the
 * leaderboard's formats and the plot spec.
 */
import path from 'node:path';
import picocolors from 'picocolors';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import { planSweep } from '../plan';
import { compileVegaLite } from '../plots';
import { loadSpec } from '../spec/load';
import { failureLines, rankCandidates, summarizeCandidate, summarizeValues } from './aggregate';
import { candidateKey, relativeParams, rowsLabel, sweepWork } from './candidates';
import { logLoss, renameEpochKey } from './job-runner';
import { formatLeaderboard, formatSummary, leaderboardCsv, leaderboardMarkdown } from './leaderboard';
import { validationPlotSpec } from './plots';
import { statusLine, SweepProgress } from './progress';
import type { Candidate, CandidateSummary, Job, JobRecord, SweepReport } from './types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));

function plan(text: string) {
  return planSweep(loadSpec(path.join(FIXTURES, 'inline.yaml'), registry, validator, text), { registry, validator, dataDigest: 'digest' });
}

const TWO_PIPELINES = `name: two
seed: 3
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: { type: logistic-regression, C: 1.0 }
  chars:
    tokenizer: { type: chars }
    featurizer: { type: counts, ngramRange: [2, 3] }
    model: { type: logistic-regression }
sweep:
  grid:
    pipelines.bow.model.C: [0.1, 1, 10]
    pipelines.chars.featurizer.type: [counts, tfidf]
  folds: 4
  seeds: 2
`;

describe('sweepWork', () => {
  const p = plan(TWO_PIPELINES);
  const { candidates, jobs } = sweepWork(p);

  it('ranks pipelines separately: each distinct pipeline setting is one candidate, however many trials share it', () => {
    expect(p.trials).toHaveLength(6);
    expect(candidates.map((c) => [c.label, c.params])).toEqual([
      ['bow/trial-0', { 'model.C': 0.1 }],
      ['chars/trial-0', { 'featurizer.type': 'counts' }],
      ['chars/trial-1', { 'featurizer.type': 'tfidf' }],
      ['bow/trial-2', { 'model.C': 1 }],
      ['bow/trial-4', { 'model.C': 10 }],
    ]);
    expect(candidates[1].trials).toEqual([0, 2, 4]);
    expect(candidates[0].key).toBe(candidateKey('bow', p.trials[0].pipelines.bow));
    expect(new Set(candidates.map((c) => c.shortKey)).size).toBe(5);
  });

  it('runs every distinct fit once: candidates × folds × seeds jobs, from the trial that defines each candidate', () => {
    expect(jobs).toHaveLength(5 * 4 * 2);
    expect(new Set(jobs.map((j) => j.key)).size).toBe(jobs.length);
    for (const c of candidates) {
      const own = jobs.filter((j) => j.candidate === c.key);
      expect(own).toHaveLength(8);
      expect(new Set(own.map((j) => j.trial))).toEqual(new Set([c.trials[0]]));
      expect(new Set(own.map((j) => `${j.seed}/${j.rows.kind === 'fold' ? j.rows.fold : ''}`)).size).toBe(8);
    }
    expect(relativeParams(p)).toEqual(['model.C', 'featurizer.type']);
    expect(jobs[0].label).toBe(`bow/trial-0 fold-0/seed-${p.seeds[0]}`);
  });

  it('labels rows for run names', () => {
    expect(rowsLabel({ kind: 'fold', fold: 2, folds: 5 }, 7, 1)).toBe('fold-2');
    expect(rowsLabel({ kind: 'fold', fold: 2, folds: 5 }, 7, 3)).toBe('fold-2/seed-7');
    expect(rowsLabel({ kind: 'holdout' }, 7, 1)).toBe('holdout');
    expect(rowsLabel({ kind: 'refit' }, 7, 3)).toBe('refit');
  });
});

function candidate(key: string, params: Candidate['params'] = {}, pipeline = 'bow'): Candidate {
  return { key, shortKey: key.slice(0, 8), pipeline, pipelineId: `id-${key}`, trials: [0], params, label: `trial-${key}` };
}

function job(c: string, fold: number): Job {
  return {
    key: `${c}-${fold}`,
    candidate: c,
    trial: 0,
    pipeline: 'bow',
    rows: { kind: 'fold', fold, folds: 3 },
    seed: 1,
    label: `trial-${c} fold-${fold}`,
  };
}

function finished(j: Job, accuracy: number, extra: Partial<NonNullable<JobRecord['outcome']>> = {}): JobRecord {
  return {
    ...j,
    status: 'finished',
    outcome: {
      status: 'finished',
      scores: { val_accuracy: accuracy, val_macro_f1: accuracy / 2, val_weighted_f1: accuracy / 3, val_loss: 1 - accuracy },
      fitSeconds: 1,
      featurizeSeconds: 0,
      features: 10,
      trainRows: 10,
      evaluationRows: 5,
      ...extra,
    },
    seconds: 1,
    finishedAt: '',
  };
}

describe('aggregation', () => {
  it('gives the mean and the sample standard deviation', () => {
    const s = summarizeValues([0.4, 0.5, 0.6]);
    expect(s.mean).toBeCloseTo(0.5, 12);
    expect(s.sd).toBeCloseTo(0.1, 12);
    expect(summarizeValues([0.7]).sd).toBe(0);
  });

  const a = candidate('aaaa1111', { 'model.C': 1 });
  const b = candidate('bbbb2222', { 'model.C': 10 });
  const c = candidate('cccc3333', { 'model.C': 100 });
  const d = candidate('dddd4444', { 'model.C': 1000 });
  const jobs = [a, b, c, d].flatMap((x) => [0, 1, 2].map((f) => job(x.key, f)));
  const records = new Map<string, JobRecord>();
  [0.4, 0.5, 0.6].forEach((v, f) => records.set(`${a.key}-${f}`, finished(job(a.key, f), v, { bestEpoch: f + 1, stoppedEpoch: f + 3 })));
  [0.5, 0.7, 0.6].forEach((v, f) => records.set(`${b.key}-${f}`, finished(job(b.key, f), v)));
  records.set(`${c.key}-0`, finished(job(c.key, 0), 0.9));
  records.set(`${c.key}-1`, {
    ...job(c.key, 1),
    status: 'failed',
    error: { code: 'NAN_LOSS', message: 'the loss became NaN' },
    seconds: 1,
    finishedAt: '',
  });
  records.set(`${d.key}-0`, finished(job(d.key, 0), 0.9));

  it('summarises each candidate over its folds; only complete candidates are ranked', () => {
    const summaries = [a, b, c, d].map((x) => summarizeCandidate(x, jobs, records));
    expect(summaries.map((s) => s.status)).toEqual(['finished', 'finished', 'failed', 'incomplete']);
    expect(summaries[0].metrics.val_accuracy!.mean).toBeCloseTo(0.5, 12);
    expect(summaries[0].bestEpoch).toBe(2);
    expect(summaries[0].stoppedEpoch).toBe(4);
    expect(summaries[2].errors).toEqual([{ code: 'NAN_LOSS', message: 'the loss became NaN' }]);
    const ranked = rankCandidates(summaries, 'val_accuracy', 'max');
    expect(ranked.map((s) => [s.label, s.rank])).toEqual([
      ['trial-bbbb2222', 1],
      ['trial-aaaa1111', 2],
      ['trial-cccc3333', undefined],
      ['trial-dddd4444', undefined],
    ]);
    // val_loss is minimised: 1 − accuracy makes the same order.
    expect(rankCandidates(summaries, 'val_loss', 'min')[0].label).toBe('trial-bbbb2222');
    expect(failureLines([a, b, c, d], jobs, records)).toEqual([
      {
        candidate: c.key,
        label: 'trial-cccc3333',
        pipeline: 'bow',
        rows: { kind: 'fold', fold: 1, folds: 3 },
        seed: 1,
        error: { code: 'NAN_LOSS', message: 'the loss became NaN' },
      },
    ]);
  });

  it('breaks ties by the smaller sd, then by sweep order', () => {
    const tie = (key: string, mean: number, sd: number): CandidateSummary => ({
      key,
      shortKey: key,
      label: key,
      pipeline: 'bow',
      trials: [0],
      params: {},
      status: 'finished',
      jobs: { total: 1, finished: 1, failed: 0, pruned: 0 },
      metrics: { val_accuracy: { mean, sd, values: [] } },
      fitSeconds: 0,
      errors: [],
    });
    const ranked = rankCandidates([tie('x', 0.5, 0.2), tie('y', 0.5, 0.1), tie('z', 0.5, 0.1)], 'val_accuracy', 'max');
    expect(ranked.map((r) => r.key)).toEqual(['y', 'z', 'x']);
  });
});

describe('names and scores inside a job', () => {
  it('renames the loop’s per-epoch keys so held-out fold scores and carved validation rows never mix', () => {
    expect(['train_loss', 'val_loss', 'val_accuracy', 'curve_accuracy', 'curve_loss', 'learning_rate'].map(renameEpochKey)).toEqual([
      'train_loss',
      'inner_val_loss',
      'inner_val_accuracy',
      'heldout_accuracy',
      'heldout_loss',
      'learning_rate',
    ]);
  });

  it('computes the mean log loss of the true classes', () => {
    const proba = Float64Array.from([0.5, 0.5, 0.9, 0.1, 0, 1]);
    expect(logLoss(proba, [0, 0, 1], 2)).toBeCloseTo((Math.log(2) + -Math.log(0.9) + 0) / 3, 12);
    expect(logLoss(Float64Array.from([1, 0]), [1], 2)).toBeCloseTo(-Math.log(1e-15), 6);
  });
});

describe('the leaderboard', () => {
  const report: SweepReport = {
    name: 'demo',
    specFile: 'demo.yaml',
    stateDir: '/var/lib/mlspec-sweep-state',
    dataDigest: 'd',
    select: { metric: 'val_accuracy', goal: 'max' },
    folds: 3,
    seeds: [7],
    trials: 3,
    params: ['featurizer.type', 'model.C'],
    candidates: [
      {
        rank: 1,
        key: 'k1',
        shortKey: 'k1k1k1k1',
        label: 'trial-1',
        pipeline: 'bow',
        trials: [1],
        params: { 'featurizer.type': 'tfidf', 'model.C': 10 },
        status: 'finished',
        jobs: { total: 3, finished: 3, failed: 0, pruned: 0 },
        metrics: { val_accuracy: { mean: 0.51234, sd: 0.02, values: [0.5, 0.51, 0.527] } },
        fitSeconds: 1.5,
        errors: [],
      },
      {
        key: 'k2',
        shortKey: 'k2k2k2k2',
        label: 'trial-0',
        pipeline: 'bow',
        trials: [0],
        params: { 'featurizer.type': 'counts, "odd"', 'model.C': 0.1 },
        status: 'failed',
        jobs: { total: 3, finished: 2, failed: 1, pruned: 0 },
        metrics: {},
        fitSeconds: 1,
        errors: [{ code: 'VOCABULARY_EMPTY', message: 'empty vocabulary' }],
      },
    ],
    failures: [
      {
        candidate: 'k2',
        label: 'trial-0',
        pipeline: 'bow',
        rows: { kind: 'fold', fold: 2, folds: 3 },
        seed: 7,
        error: { code: 'VOCABULARY_EMPTY', message: 'empty vocabulary\nmore' },
      },
    ],
    search: { sampler: 'grid', scheduler: 'none', reproducible: true, fits: 6, epochs: 0, epochsTrained: 0 },
    startedAt: '',
    finishedAt: '',
  };
  report.best = report.candidates[0];

  it('prints a table with the swept values and mean ± sd', () => {
    expect(formatLeaderboard(report).split('\n')).toEqual([
      'rank  candidate  id        featurizer.type    model.C  val_accuracy (mean ± sd)  status',
      '   1  trial-1    k1k1k1k1  tfidf                   10           0.5123 ± 0.0200',
      '   -  trial-0    k2k2k2k2  "counts, \\"odd\\""      0.1                            failed: VOCABULARY_EMPTY',
    ]);
  });

  it('on a terminal: the best row bold green, failed rows red, the table narrowed to the width', () => {
    const colors = picocolors.createColors(true);
    const [header, best, failed] = formatLeaderboard(report, { colors }).split('\n');
    const plain = formatLeaderboard(report).split('\n');
    expect([header, best, failed]).toEqual([colors.bold(plain[0]), colors.bold(colors.green(plain[1])), colors.red(plain[2])]);
    const narrow = formatLeaderboard(report, { width: 80 }).split('\n');
    expect(narrow).toEqual([
      'rank  candidate  id        featurizer.type  model.C  val_accuracy (mean ± sd)  …',
      '   1  trial-1    k1k1k1k1  tfidf                 10           0.5123 ± 0.0200',
      '   -  trial-0    k2k2k2k2  "counts, \\"odd…      0.1                            …',
    ]);
  });

  it('writes CSV with every number in full and quoted text fields, and Markdown', () => {
    const [header, first, second] = leaderboardCsv(report).trim().split('\n');
    expect(header.split(',').slice(0, 9)).toEqual([
      'rank',
      'candidate',
      'candidate_id',
      'pipeline',
      'trials',
      'featurizer.type',
      'model.C',
      'cv_mean_val_accuracy',
      'cv_sd_val_accuracy',
    ]);
    expect(first.split(',').slice(0, 9)).toEqual(['1', 'trial-1', 'k1', 'bow', '1', 'tfidf', '10', '0.51234', '0.02']);
    expect(second).toContain('"counts, ""odd"""');
    expect(second.endsWith('failed,VOCABULARY_EMPTY: empty vocabulary')).toBe(true);
    const md = leaderboardMarkdown(report).split('\n');
    expect(md[0]).toBe('| rank | candidate | id | featurizer.type | model.C | val_accuracy (mean ± sd) | status |');
    expect(md[1]).toBe('| ---: | :--- | :--- | :--- | ---: | ---: | :--- |');
  });

  it('summarises the best candidate and lists every failure with its error', () => {
    const text = formatSummary(report);
    expect(text).toContain('best: trial-1 (bow; featurizer.type=tfidf, model.C=10): val_accuracy 0.5123 ± 0.0200 over 3 folds');
    expect(text).toContain('failures (1; rerun them with --retry-failed):\n  trial-0 fold-2: VOCABULARY_EMPTY empty vocabulary');
    expect(text).toContain('search: grid, pruning none; 6 fits\n');
    expect(formatSummary({ ...report, search: { ...report.search, scheduler: 'successive-halving', reproducible: false, epochs: 30 } })).toContain(
      'search: grid, pruning successive-halving; 6 fits, 30 epochs — asynchronous pruning: decisions depended on timing, another run may rank differently',
    );
  });

  it('plots one panel per swept setting, numbers on a log axis when they span a decade', () => {
    const spec = validationPlotSpec({
      ...report,
      candidates: [
        report.candidates[0],
        { ...report.candidates[0], key: 'k3', label: 'trial-2', params: { 'featurizer.type': 'counts', 'model.C': 0.1 } },
      ],
    }) as any;
    expect(spec.concat).toHaveLength(2);
    expect(spec.concat[0].layer[1].encoding.x.type).toBe('nominal');
    expect(spec.concat[1].layer[1].encoding.x).toMatchObject({ type: 'quantitative', scale: { type: 'log' } });
    expect(() => compileVegaLite(spec)).not.toThrow();
    expect(validationPlotSpec({ ...report, candidates: [report.candidates[1]] })).toBeUndefined();
  });

  it('redraws one status line on a terminal and prints plain lines elsewhere', () => {
    const counts = { jobsDone: 1, jobsTotal: 4, running: 1, failed: 0, pruned: 0, candidatesDone: 0, candidatesTotal: 2 };
    let tty = '';
    const live = new SweepProgress({ isTTY: true, columns: 200, write: (t: string) => (tty += t) }, 'val_accuracy');
    live.jobEnded('✓ trial-0 fold-0', counts);
    live.message('✗ trial-1 fold-0: NAN_LOSS');
    live.close();
    expect(tty).toBe(
      '\r\x1b[2Ksweep: jobs 1/4 · candidates 0/2 · running 1 · failed 0 · best -' +
        '\r\x1b[2K✗ trial-1 fold-0: NAN_LOSS\n' +
        '\r\x1b[2Ksweep: jobs 1/4 · candidates 0/2 · running 1 · failed 0 · best -' +
        '\r\x1b[2K',
    );
    let plain = '';
    new SweepProgress({ write: (t: string) => (plain += t) }, 'val_accuracy').jobEnded('✓ trial-0 fold-0', { ...counts, eta: 30 });
    expect(plain).toBe('[1/4] ✓ trial-0 fold-0 · ETA 30s\n');
  });

  it('shows progress on one line', () => {
    expect(
      statusLine('val_accuracy', {
        jobsDone: 3,
        jobsTotal: 10,
        running: 2,
        failed: 1,
        pruned: 0,
        candidatesDone: 1,
        candidatesTotal: 4,
        best: { label: 'trial-1', mean: 0.5, sd: 0.01 },
        eta: 75,
      }),
    ).toBe('sweep: jobs 3/10 · candidates 1/4 · running 2 · failed 1 · best trial-1 val_accuracy 0.5000 ± 0.0100 · ETA 1m15s');
  });
});
