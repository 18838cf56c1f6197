/**
 * The trials of an adaptive search (`sweep.search`), suggested while the sweep runs.
 *
 * Trial k is suggested from a history fixed by k alone: the trials before k − concurrentTrials
 * with their final results (it waits until they have them), the ones from there to k − 1 as
 * 'running' with their values (what a constant liar needs). So the same spec gives the same trials
 * with any number of workers, and a sweep killed and run again suggests exactly what it would have.
 * Each suggestion is recorded (state folder `search/trial-<k>.json`: its values, its id and the
 * history it saw) before its fits start, so a resumed sweep never suggests again what it recorded.
 *
 * Budget: `trials`; `maxFits` (trial k starts only if the fits of the finished trials before
 * k − concurrentTrials, plus the most the others and k itself could take, stay within it);
 * `target` (the first trial in trial order whose score reaches it ends the search, and trials
 * after it are dropped, even ones already run); `timeout` (seconds of sweeping over all runs of
 * the command: the only budget that depends on the machine's speed).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../plugin';
import { workUnits, type SearchTrialBuilder, type SweepPlan, type SweepTrial } from '../plan';
import { createSampler, type Observation, type ParamValue, type Sampler } from '../search';
import type { SearchPlotsInput, TrialCompletion } from '../search/plots';
import type { SweepScheduler, TrialSource } from './scheduler';
import type { SearchTrialRecord, SweepState } from './state';
import type { Candidate } from './types';

export class SearchTrials implements TrialSource {
  private readonly sampler: Sampler;
  private readonly touched: Set<string>;
  private cutoff?: number;

  constructor(
    private readonly plan: SweepPlan,
    private readonly builder: SearchTrialBuilder,
    private readonly state: SweepState,
    /** Seconds of sweeping so far, over every run of this sweep. */
    private readonly elapsed: () => number,
    private readonly logger: Logger,
  ) {
    const search = plan.search!;
    this.sampler = createSampler(search.sampler, search.space, { seed: plan.seed, direction: plan.select.goal === 'max' ? 'maximize' : 'minimize' });
    this.touched = new Set(plan.params.map((p) => String(p.segments[1])));
  }

  /** Put the trials recorded in the state folder back into the plan, checking each rebuilds to its recorded id. */
  restore(): number {
    const records = this.state.readSearchTrials();
    records.forEach((record, k) => {
      if (record.number !== k)
        throw new Error(
          `${this.state.dir}: search trial ${k} is missing (found trial ${record.number}); the state folder is damaged — start the sweep afresh`,
        );
      const trial = this.build(k, record.params);
      if (trial.id !== record.id) {
        throw new Error(
          `${this.state.dir}: search trial ${k} rebuilds to another spec (id ${trial.id.slice(0, 12)}, recorded ${record.id.slice(0, 12)}); the state folder is damaged or mlspec changed — start the sweep afresh`,
        );
      }
      this.add(trial);
    });
    return records.length;
  }

  /** A trial and its work units into the plan. */
  private add(trial: SweepTrial): void {
    this.plan.trials.push(trial);
    if (!trial.invalid) this.plan.units.push(...workUnits([trial], this.plan.folds, this.plan.seeds));
  }

  private build(k: number, params: Record<string, ParamValue>): SweepTrial {
    const built = this.builder.build(k, params);
    if (built.trial) {
      const earlier = this.plan.trials.find((t) => t.id === built.trial!.id && t.duplicateOf === undefined && !t.invalid);
      return earlier ? { ...built.trial, duplicateOf: earlier.index } : built.trial;
    }
    const why = built.problems.map((p) => `${p.code} ${p.message}`).join('; ');
    const id = createHash('sha256')
      .update(`invalid\0${JSON.stringify(params)}`, 'utf8')
      .digest('hex');
    return {
      index: k,
      id,
      shortId: id.slice(0, 8),
      params: params as SweepTrial['params'],
      spec: this.builder.baseSpec,
      dropped: [],
      pipelines: {},
      invalid: why,
    };
  }

  dropped(): ReadonlySet<number> {
    const out = new Set<number>();
    if (this.cutoff === undefined) return out;
    for (let k = this.cutoff + 1; k < this.plan.trials.length; k++) out.add(k);
    return out;
  }

  /** The candidates a trial's score comes from: those of the pipelines the space sets. */
  private candidatesOf(k: number, scheduler: SweepScheduler): Candidate[] {
    return scheduler.candidates.filter((c) => c.trials.includes(k) && this.touched.has(c.pipeline));
  }

  /** Trial k's final result, or undefined while it may still change. */
  observation(k: number, scheduler: SweepScheduler): Observation | undefined {
    const trial = this.plan.trials[k];
    const params = trial.params as Record<string, ParamValue>;
    if (trial.invalid) return { number: k, params, state: 'failed' };
    const summaries = this.candidatesOf(k, scheduler).map((c) => scheduler.summary(c));
    if (!summaries.length || summaries.some((s) => s.status === 'incomplete')) return undefined;
    const metric = this.plan.select.metric;
    const max = this.plan.select.goal === 'max';
    const finished = summaries.filter((s) => s.status === 'finished' && s.metrics[metric]);
    if (finished.length) {
      const value = finished.map((s) => s.metrics[metric]!.mean).reduce((a, b) => ((max ? b > a : b < a) ? b : a));
      return { number: k, params, state: 'complete', value };
    }
    const pruned = summaries.find((s) => s.status === 'pruned');
    if (pruned) {
      const watch = scheduler
        .jobsOf(pruned.key)
        .map((j) => scheduler.records.get(j.key))
        .find((r) => r?.status === 'pruned' && !r.notRun);
      const watched = metric === 'val_loss' ? 'heldout_loss' : 'heldout_accuracy';
      const intermediate = (watch?.outcome?.epochs ?? []).filter((e) => typeof e[watched] === 'number').map((e) => [e.epoch, e[watched]] as const);
      return { number: k, params, state: 'pruned', intermediate };
    }
    return { number: k, params, state: 'failed' };
  }

  /**
   * What the parent run's search plots need: the final observation of every trial the search kept,
   * and when each one finished (seconds since the sweep's first fit started, over every run of the
   * command) with the fits it used.
   */
  plotInput(scheduler: SweepScheduler): SearchPlotsInput {
    const search = this.plan.search!;
    const fitted = [...scheduler.records.values()].filter((r) => !r.notRun);
    const start = Math.min(...fitted.map((r) => Date.parse(r.finishedAt) - r.seconds * 1000));
    const dropped = this.dropped();
    const observations: Observation[] = [];
    const completions: TrialCompletion[] = [];
    for (let k = 0; k < this.plan.trials.length; k++) {
      const o = dropped.has(k) ? undefined : this.observation(k, scheduler);
      if (!o) continue;
      observations.push(o);
      const own = fitted.filter((r) => r.trial === k);
      const finished = own.length ? Math.max(...own.map((r) => Date.parse(r.finishedAt))) : start;
      completions.push({ number: k, seconds: Math.max(0, (finished - start) / 1000), fits: own.length });
    }
    return {
      space: search.space,
      observations,
      direction: this.plan.select.goal === 'max' ? 'maximize' : 'minimize',
      metric: this.plan.select.metric,
      completions,
      seed: this.plan.seed,
    };
  }

  /** Update the target cutoff: the first trial, in order, whose final score reaches the target. */
  private updateCutoff(scheduler: SweepScheduler): void {
    const target = this.plan.search!.budget.target;
    if (target === undefined || this.cutoff !== undefined) return;
    for (let k = 0; k < this.plan.trials.length; k++) {
      const o = this.observation(k, scheduler);
      if (!o) return;
      if (o.state === 'complete' && (this.plan.select.goal === 'max' ? o.value! >= target : o.value! <= target)) {
        this.cutoff = k;
        this.logger.info(
          `search: trial ${k} reached the target ${target} (${o.value!.toFixed(4)}); no more trials${k + 1 < this.plan.trials.length ? `, trials ${k + 1}–${this.plan.trials.length - 1} dropped` : ''}`,
        );
        return;
      }
    }
  }

  /** The fits a final trial took (a failed candidate counts in full), or the most a trial can take. */
  private fits(k: number, scheduler: SweepScheduler, final: boolean): number {
    let n = 0;
    for (const c of scheduler.candidates.filter((c) => c.trials[0] === k)) {
      const jobs = scheduler.jobsOf(c.key);
      if (!final || scheduler.summary(c).status === 'failed') n += jobs.length;
      else n += jobs.filter((j) => scheduler.records.get(j.key) && !scheduler.records.get(j.key)!.notRun).length;
    }
    return n;
  }

  /** Why the search has ended, or undefined while it may go on. */
  ended(scheduler: SweepScheduler): string | undefined {
    this.updateCutoff(scheduler);
    const { budget } = this.plan.search!;
    const k = this.plan.trials.length;
    if (this.cutoff !== undefined) return `trial ${this.cutoff} reached the target ${budget.target}`;
    if (budget.trials !== undefined && k >= budget.trials) return `${budget.trials} trials`;
    if (budget.timeout !== undefined && this.elapsed() >= budget.timeout) return `the timeout of ${budget.timeout} s`;
    return undefined;
  }

  next(scheduler: SweepScheduler): boolean {
    if (this.ended(scheduler)) return false;
    const search = this.plan.search!;
    const k = this.plan.trials.length;
    const known = Math.max(0, k - search.concurrentTrials);
    const history: Observation[] = [];
    for (let j = 0; j < known; j++) {
      const o = this.observation(j, scheduler);
      if (!o) return false; // wait: trial k's history must not depend on timing
      history.push(o);
    }
    for (let j = known; j < k; j++) history.push({ number: j, params: this.plan.trials[j].params as Record<string, ParamValue>, state: 'running' });
    if (search.budget.maxFits !== undefined) {
      const perTrial = Math.max(1, this.plan.folds) * this.plan.seeds.length * this.touched.size;
      let bound = perTrial;
      for (let j = 0; j < k; j++) bound += this.fits(j, scheduler, j < known);
      if (bound > search.budget.maxFits) return false;
    }
    const params = this.sampler.suggest(k, history);
    const trial = this.build(k, params);
    const record: SearchTrialRecord = {
      number: k,
      params,
      id: trial.id,
      sampler: this.sampler.name,
      history: history.map((o) => ({ number: o.number, state: o.state, ...(o.value !== undefined ? { value: o.value } : {}) })),
      suggestedAt: new Date().toISOString(),
    };
    if (trial.invalid) record.invalid = trial.invalid;
    this.state.writeSearchTrial(record);
    this.state.writeSearchClock(this.elapsed());
    this.add(trial);
    if (trial.invalid) this.logger.warn(`search: trial ${k} cannot run (${trial.invalid}); it counts as failed`);
    return true;
  }
}
