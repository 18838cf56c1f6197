/**
 * What runs next, what stops early, what is recorded — a function of the plan and the results,
 * never of timing, so 1 or N workers and any resume give the same leaderboard (rungs.ts has the
 * rules).
 *
 * - Jobs are handed out in plan order (candidate order, then each candidate's jobs in order).
 * - Models that train in epochs are judged on their first fold (first seed): its *watch job*. The
 *   other folds of a candidate run only once that job is recorded unpruned, so a pruned candidate
 *   never has other folds to count. A watch job keeps training while a decision about it waits for
 *   earlier trials; when the decision is "stop at epoch e" it is told to stop, and its record is
 *   cut at e whatever it ran beyond. Its record is written only when its fate is final, so what is
 *   recorded never depends on when the earlier trials' results arrived.
 * - Models that do not train in epochs are judged on their fits: a candidate gets the fits of its
 *   next rung only once it is promoted; a candidate stopped at a rung gets a `notRun` pruned record
 *   for the fit after it.
 * - An adaptive search (search-trials.ts) adds trials when there is nothing else to run.
 */
import type { SweepPlan, SweepTrial } from '../plan';
import { summarizeCandidate } from './aggregate';
import { jobIdentity, sweepWork } from './candidates';
import type { StopOrder } from './job-runner';
import type { JobResult } from './pool';
import { GroupDecisions, policyFor, type Curve, type Fate, type Member, type Policy, type Resource } from './rungs';
import type { Candidate, CandidateSummary, Job, JobRecord } from './types';

interface Group {
  key: string;
  policy: Policy;
  resource: Resource;
  candidates: Candidate[];
}

export interface Poll {
  /** Records that became final: write them. */
  records: JobRecord[];
  /** Stop orders for running jobs (each sent once). */
  stops: Array<{ job: Job; order: StopOrder }>;
}

/** Adds trials to the plan when the scheduler has nothing else to run (an adaptive search). */
export interface TrialSource {
  /** Add the next trial to the plan if the budget and the search's rules allow it now; true when one was added. */
  next(scheduler: SweepScheduler): boolean;
  /** Trials the search dropped (after a target was reached): their candidates neither run nor rank. */
  dropped(): ReadonlySet<number>;
  /** Why the search ended (budget, target), or undefined while it may go on; updates `dropped`. */
  ended(scheduler: SweepScheduler): string | undefined;
}

/** What the progress line counts, kept up to date as jobs change state (never a scan of the sweep). */
export interface SweepTally {
  /** Jobs with a record (finished, failed or pruned). */
  jobsDone: number;
  failed: number;
  pruned: number;
  /** Candidates with no job running, held or still to run. */
  candidatesDone: number;
}

export class SweepScheduler {
  candidates: Candidate[] = [];
  jobs: Job[] = [];
  private byCandidate = new Map<string, Job[]>();
  private candidateByKey = new Map<string, Candidate>();
  private candidateIndex = new Map<string, number>();
  private jobKeys = new Set<string>();
  /**
   * Candidates before this index have no job left to start (each is recorded, running or held);
   * a job only leaves that state by being started, so the cursor only moves forward, except when a
   * job comes back runnable (a failed fit under --retry-failed) or the plan changes (refresh).
   */
  private cursor = 0;
  private readonly settledKeys = new Set<string>();
  private tallied: SweepTally = { jobsDone: 0, failed: 0, pruned: 0, candidatesDone: 0 };
  private groups: Group[] = [];
  private groupOf = new Map<string, Group>();
  private decisions = new Map<string, GroupDecisions>();
  private readonly running = new Map<string, { job: Job; values: number[] }>();
  private readonly held = new Map<string, JobRecord>();
  private readonly stopsSent = new Set<string>();
  private readonly watched: string;

  constructor(
    readonly plan: SweepPlan,
    readonly records: Map<string, JobRecord>,
    private readonly retryFailed: boolean,
    private readonly trials?: TrialSource,
  ) {
    this.watched = plan.select.metric === 'val_loss' ? 'heldout_loss' : 'heldout_accuracy';
    this.refresh();
  }

  /** Recompute candidates and jobs from the plan (after a trial was added). */
  refresh(): void {
    const work = sweepWork(this.plan);
    const dropped = this.trials?.dropped() ?? new Set<number>();
    this.candidates = work.candidates.filter((c) => !dropped.has(c.trials[0]));
    const keep = new Set(this.candidates.map((c) => c.key));
    this.jobs = work.jobs.filter((j) => keep.has(j.candidate));
    this.byCandidate = new Map(this.candidates.map((c) => [c.key, [] as Job[]]));
    for (const job of this.jobs) this.byCandidate.get(job.candidate)!.push(job);
    this.candidateByKey = new Map(this.candidates.map((c) => [c.key, c]));
    this.candidateIndex = new Map(this.candidates.map((c, i) => [c.key, i]));
    this.jobKeys = new Set(this.jobs.map((j) => j.key));
    this.cursor = 0;
    this.groups = [];
    this.groupOf = new Map();
    if (this.plan.pruning) {
      const byKey = new Map<string, Group>();
      for (const c of this.candidates) {
        const resource = this.resourceOf(c);
        const policy = policyFor(this.plan.pruning, this.plan.select.goal, resource, resource === 'epochs' ? this.watched : this.plan.select.metric);
        if (!policy) continue;
        const key = `${c.pipeline}\0${resource}`;
        let group = byKey.get(key);
        if (!group) {
          group = { key, policy, resource, candidates: [] };
          byKey.set(key, group);
          this.groups.push(group);
        }
        group.candidates.push(c);
        this.groupOf.set(c.key, group);
      }
    }
    this.decisions.clear();
    this.retally();
  }

  /** Count from scratch (after the plan changed). */
  private retally(): void {
    this.tallied = { jobsDone: 0, failed: 0, pruned: 0, candidatesDone: 0 };
    for (const job of this.jobs) this.countRecord(this.records.get(job.key), 1);
    this.settledKeys.clear();
    for (const c of this.candidates) this.touch(c.key);
  }

  private countRecord(record: JobRecord | undefined, sign: 1 | -1): void {
    if (!record || !this.jobKeys.has(record.key)) return;
    this.tallied.jobsDone += sign;
    if (record.status === 'failed') this.tallied.failed += sign;
    if (record.status === 'pruned') this.tallied.pruned += sign;
  }

  private setRecord(record: JobRecord): void {
    this.countRecord(this.records.get(record.key), -1);
    this.records.set(record.key, record);
    this.countRecord(record, 1);
  }

  private deleteRecord(key: string): void {
    this.countRecord(this.records.get(key), -1);
    this.records.delete(key);
  }

  /** A job of this candidate changed state: whether it is settled, and whether the cursor must move back to it. */
  private touch(candidate: string): void {
    const index = this.candidateIndex.get(candidate);
    if (index === undefined) return;
    const settled = this.settled(candidate);
    if (settled !== this.settledKeys.has(candidate)) {
      if (settled) this.settledKeys.add(candidate);
      else this.settledKeys.delete(candidate);
      this.tallied.candidatesDone += settled ? 1 : -1;
    }
    if (index < this.cursor && !this.exhausted(this.candidates[index])) this.cursor = index;
  }

  /** Counts for the progress line. */
  tally(): Readonly<SweepTally> {
    return this.tallied;
  }

  /** The candidate with this key (undefined when the plan has none, e.g. a dropped trial's). */
  candidate(key: string): Candidate | undefined {
    return this.candidateByKey.get(key);
  }

  /** A candidate's place in the sweep (ties on the leaderboard keep this order). */
  indexOf(candidate: string): number {
    return this.candidateIndex.get(candidate) ?? Number.POSITIVE_INFINITY;
  }

  private trialOf(c: Candidate): SweepTrial {
    return this.plan.trials[c.trials[0]];
  }

  private resourceOf(c: Candidate): Resource {
    return typeof this.trialOf(c).spec.pipelines[c.pipeline]?.training?.epochs === 'number' ? 'epochs' : 'fits';
  }

  private maxResource(c: Candidate, resource: Resource): number {
    if (resource === 'fits') return this.byCandidate.get(c.key)!.length;
    return this.trialOf(c).spec.pipelines[c.pipeline].training!.epochs as number;
  }

  jobsOf(candidate: string): readonly Job[] {
    return this.byCandidate.get(candidate) ?? [];
  }

  /** The watch job of a candidate judged on epochs (its record may be cut, so its epochs are logged from the record). */
  isWatch(job: Job): boolean {
    const group = this.groupOf.get(job.candidate);
    return group?.resource === 'epochs' && this.byCandidate.get(job.candidate)![0].key === job.key;
  }

  private recorded(job: Job): boolean {
    const r = this.records.get(job.key);
    return r !== undefined && !(r.status === 'failed' && this.retryFailed && !this.retried.has(job.key));
  }

  /** Failed jobs already run again in this run (--retry-failed reruns each once). */
  private readonly retried = new Set<string>();

  private curve(c: Candidate, group: Group): Curve | undefined {
    const jobs = this.byCandidate.get(c.key)!;
    if (group.resource === 'epochs') {
      const watch = jobs[0];
      const record = this.recorded(watch) ? this.records.get(watch.key) : this.held.get(watch.key);
      if (record) return { values: (record.outcome?.epochs ?? []).map((e) => e[this.watched]), ended: true };
      const live = this.running.get(watch.key);
      return live ? { values: [...live.values], ended: false } : undefined;
    }
    const values: number[] = [];
    let ended = true;
    for (const job of jobs) {
      const r = this.recorded(job) ? this.records.get(job.key) : undefined;
      if (!r) {
        ended = false;
        break;
      }
      if (r.status !== 'finished') break;
      values.push(r.outcome?.scores?.[this.plan.select.metric] ?? Number.NaN);
    }
    if (!ended && !jobs.some((j) => this.running.has(j.key)) && values.length === 0) return undefined;
    return { values, ended };
  }

  private decisionsFor(group: Group): GroupDecisions {
    let d = this.decisions.get(group.key);
    if (!d) {
      const members: Member[] = group.candidates.map((c) => ({
        key: c.key,
        maxResource: this.maxResource(c, group.resource),
        curve: this.curve(c, group),
      }));
      // An adaptive search knows the most epochs any of its trials can train before it has them all.
      const searched = this.plan.search?.pipelines[group.candidates[0].pipeline]?.maxEpochs;
      d = new GroupDecisions(group.policy, members, group.resource === 'epochs' ? searched : undefined);
      this.decisions.set(group.key, d);
    }
    return d;
  }

  /** The fate of a candidate under the pruning rule (undefined when nothing prunes it). */
  fate(candidate: string): { fate: Fate; bracket: number; resource: Resource; type: Policy['type'] } | undefined {
    const group = this.groupOf.get(candidate);
    if (!group) return undefined;
    const index = group.candidates.findIndex((c) => c.key === candidate);
    const d = this.decisionsFor(group);
    return { fate: d.fate(index), bracket: d.bracket(index), resource: group.resource, type: group.policy.type };
  }

  /** The next job to run, in plan order; undefined when none can start now. */
  next(): Job | undefined {
    for (;;) {
      const job = this.firstRunnable();
      if (job) return job;
      if (!this.trials) return undefined;
      const dropped = this.trials.dropped().size;
      const added = this.trials.next(this);
      if (added || this.trials.dropped().size !== dropped) this.refresh();
      if (!added) return undefined;
    }
  }

  /** Every job of the candidate is recorded, running or held: none is left to start. */
  private exhausted(c: Candidate): boolean {
    return this.byCandidate.get(c.key)!.every((job) => this.recorded(job) || this.running.has(job.key) || this.held.has(job.key));
  }

  private firstRunnable(): Job | undefined {
    while (this.cursor < this.candidates.length && this.exhausted(this.candidates[this.cursor])) this.cursor++;
    for (let index = this.cursor; index < this.candidates.length; index++) {
      const c = this.candidates[index];
      const jobs = this.byCandidate.get(c.key)!;
      const group = this.groupOf.get(c.key);
      let allowed = jobs.length;
      if (group?.resource === 'fits') {
        const { fate } = this.fate(c.key)!;
        allowed = fate.kind === 'stop' ? 0 : fate.kind === 'open' && fate.waitingAt !== undefined ? fate.waitingAt : jobs.length;
      }
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i];
        if (this.recorded(job) || this.running.has(job.key) || this.held.has(job.key)) continue;
        if (i >= allowed) break;
        if (group?.resource === 'epochs' && i > 0) {
          const watch = this.records.get(jobs[0].key);
          if (!watch || !this.recorded(jobs[0]) || watch.status !== 'finished') break;
        }
        return job;
      }
    }
    return undefined;
  }

  start(job: Job): void {
    if (this.records.get(job.key)?.status === 'failed') this.retried.add(job.key);
    this.deleteRecord(job.key);
    this.running.set(job.key, { job, values: [] });
    this.decisions.clear();
    this.touch(job.candidate);
  }

  get runningCount(): number {
    return this.running.size;
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** A per-epoch metric of a running job. */
  metric(jobKey: string, key: string, value: number, step: number | undefined): void {
    const live = this.running.get(jobKey);
    if (!live || step === undefined || key !== this.watched) return;
    live.values[step - 1] = value;
    if (this.isWatch(live.job)) this.decisions.clear();
  }

  /** A job came back: its record, or undefined when it is held until its fate is final. Call `poll` next. */
  finish(job: Job, result: JobResult, seconds: number): JobRecord | undefined {
    this.running.delete(job.key);
    this.decisions.clear();
    const record: JobRecord = {
      ...jobIdentity(job),
      status: result.ok ? result.outcome.status : 'failed',
      seconds,
      finishedAt: new Date().toISOString(),
    };
    if (result.ok) record.outcome = result.outcome;
    else record.error = result.error;
    if (result.ok && this.isWatch(job)) {
      this.held.set(job.key, record);
      this.touch(job.candidate);
      return undefined;
    }
    this.setRecord(record);
    this.touch(job.candidate);
    return record;
  }

  /** Records that became final and stop orders that became due, after any change. */
  poll(): Poll {
    const out: Poll = { records: [], stops: [] };
    for (const group of this.groups) {
      const d = this.decisionsFor(group);
      group.candidates.forEach((c, index) => {
        const fate = d.fate(index);
        const jobs = this.byCandidate.get(c.key)!;
        if (group.resource === 'epochs') {
          const watch = jobs[0];
          const held = this.held.get(watch.key);
          if (held && fate.kind !== 'open') {
            this.held.delete(watch.key);
            const record = fate.kind === 'stop' ? cutAt(held, fate.at, fate.reason) : held;
            this.setRecord(record);
            this.touch(record.candidate);
            out.records.push(record);
          }
          if (fate.kind === 'stop' && this.running.has(watch.key) && !this.stopsSent.has(watch.key)) {
            this.stopsSent.add(watch.key);
            out.stops.push({ job: watch, order: { epoch: fate.at, reason: fate.reason } });
          }
        } else if (fate.kind === 'stop') {
          const next = jobs[fate.at];
          if (next && !this.records.has(next.key) && !this.running.has(next.key)) {
            const record = notRun(next, fate.reason, fate.at);
            this.setRecord(record);
            this.touch(record.candidate);
            out.records.push(record);
          }
        }
      });
    }
    if (out.records.length) this.decisions.clear();
    if (this.trials) {
      // A trial that reached the search's target drops the trials after it.
      const dropped = this.trials.dropped().size;
      this.trials.ended(this);
      if (this.trials.dropped().size !== dropped) this.refresh();
    }
    return out;
  }

  /** No job of the candidate is running, held, or still to run. */
  settled(candidate: string): boolean {
    const jobs = this.byCandidate.get(candidate) ?? [];
    if (jobs.some((j) => this.running.has(j.key) || this.held.has(j.key))) return false;
    if (jobs.some((j) => this.records.get(j.key)?.status === 'pruned')) return true;
    // A watch job that did not finish: the other folds never start.
    const watch = jobs[0] && this.isWatch(jobs[0]) ? this.records.get(jobs[0].key) : undefined;
    if (watch && this.recorded(jobs[0]) && watch.status !== 'finished') return true;
    return jobs.every((j) => this.recorded(j));
  }

  summary(candidate: Candidate): CandidateSummary {
    return summarizeCandidate(candidate, this.jobsOf(candidate.key), this.records);
  }

  /** `mlspec.search.*` tags of a candidate's runs: the scheduler, its bracket, the rungs it passed, promoted or stopped. */
  searchTags(candidate: string): Record<string, string> {
    const tags: Record<string, string> = {
      'mlspec.search.sampler': this.plan.search
        ? this.plan.search.sampler.type
        : this.plan.params.some((p) => p.source === 'random')
          ? 'random'
          : 'grid',
    };
    const decided = this.fate(candidate);
    tags['mlspec.search.scheduler'] = decided
      ? decided.type
      : this.plan.pruning
        ? `${this.plan.pruning.type} (not applied: fits of a model without epochs)`
        : 'none';
    if (!decided) return tags;
    tags['mlspec.search.resource'] = decided.resource;
    if (decided.type === 'hyperband') tags['mlspec.search.bracket'] = String(decided.bracket);
    const { fate } = decided;
    if (fate.kind === 'stop') {
      tags['mlspec.search.stopped'] = 'true';
      tags['mlspec.search.stopped_at'] = String(fate.at);
      if (fate.rung !== undefined) tags['mlspec.search.rung'] = String(fate.rung);
    } else {
      tags['mlspec.search.stopped'] = 'false';
      tags['mlspec.search.rung'] = String(fate.rungs);
      tags['mlspec.search.promoted'] = String(fate.rungs > 0);
    }
    return tags;
  }
}

/** A watch job's record cut at the epoch it was stopped at: the epochs after it never count. */
function cutAt(record: JobRecord, epoch: number, reason: string): JobRecord {
  const outcome = record.outcome!;
  const epochs = (outcome.epochs ?? []).filter((e) => e.epoch <= epoch);
  return {
    ...record,
    status: 'pruned',
    outcome: {
      status: 'pruned',
      epochs,
      prunedAt: epoch,
      pruneReason: reason,
      stoppedEpoch: epoch,
      epochsTrained: outcome.epochs?.length ?? epoch,
      fitSeconds: outcome.fitSeconds,
      featurizeSeconds: outcome.featurizeSeconds,
      features: outcome.features,
      trainRows: outcome.trainRows,
      evaluationRows: outcome.evaluationRows,
    },
  };
}

/** The record of a fit successive halving decided not to run. */
function notRun(job: Job, reason: string, fits: number): JobRecord {
  return {
    ...jobIdentity(job),
    status: 'pruned',
    outcome: {
      status: 'pruned',
      prunedAt: fits,
      pruneReason: reason,
      fitSeconds: 0,
      featurizeSeconds: 0,
      features: 0,
      trainRows: 0,
      evaluationRows: 0,
    },
    seconds: 0,
    finishedAt: new Date().toISOString(),
    notRun: true,
  };
}
