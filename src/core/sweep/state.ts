/**
 * A sweep's state folder — by default `.mlspec-sweeps/<spec name>-<digest of the spec text and the
 * data>/` under the working folder, so running the same command again finds it:
 *
 *   plan.json            the frozen plan (written when the sweep starts; authoritative afterwards)
 *   spec.yaml            the spec text as it was then (workers load it, not the file, which may change)
 *   jobs/<key>.json      one record per finished job: status, held-out scores, epochs, error
 *   refit/<key>.json     the refit of the best candidate
 *   search/trial-<k>.json  adaptive search: trial k's suggested values, id and the history it saw
 *   search/clock.json    adaptive search: seconds of sweeping so far (for `timeout`)
 *   runs-<uri>.json      MLflow run ids by role, per tracking store, so a rerun reattaches to them
 *   report.json          the last report
 *   lock                 the pid of the coordinator using the folder
 *
 * Every file is written whole through a temporary file and a rename: a `kill -9` at any moment
 * leaves either the old file or the new one. Only the coordinator writes here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors';
import { FROZEN_PLAN_FILE, readFrozenPlan, writeFrozenPlan, type SweepPlan } from '../plan';
import { createFileExclusive, writeFileAtomic } from '../tracking/atomic-files';
import type { ParamValue, TrialState } from '../search';
import type { JobRecord, SweepReport } from './types';

/** One suggestion of an adaptive search, as recorded before its fits start. */
export interface SearchTrialRecord {
  number: number;
  params: Record<string, ParamValue>;
  /** The trial id its values resolve to (checked when the sweep is resumed). */
  id: string;
  sampler: string;
  /** The history the sampler was given: every earlier trial's state (and score) as the suggestion saw it. */
  history: Array<{ number: number; state: TrialState; value?: number }>;
  suggestedAt: string;
  /** Why no run can start with these values (the trial counts as failed). */
  invalid?: string;
}

export const STATE_ROOT = '.mlspec-sweeps';
export const SPEC_COPY_FILE = 'spec.yaml';
const JOBS = 'jobs';
const REFITS = 'refit';
const SEARCH = 'search';
const LOCK = 'lock';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `.mlspec-sweeps/<name>-<12 hex digits of sha256(spec text, data digest)>` under `cwd`. */
export function defaultStateDir(cwd: string, specName: string, specText: string, dataDigest: string): string {
  const name = specName.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'sweep';
  return path.join(cwd, STATE_ROOT, `${name}-${sha256(`${specText}\0${dataDigest}`).slice(0, 12)}`);
}

function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 1)}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** MLflow run ids by role ("parent", "candidate:<key>", "job:<key>", "refit:<key>") in one tracking store. */
export class RunRegistry {
  private readonly data: { uri: string; experimentId?: string; runs: Record<string, string>; ended: string[] };

  constructor(
    private readonly file: string,
    uri: string,
  ) {
    const stored = readJson<Partial<RunRegistry['data']>>(file);
    this.data = { uri, runs: stored?.runs ?? {}, ended: stored?.ended ?? [], ...(stored?.experimentId ? { experimentId: stored.experimentId } : {}) };
  }

  get experimentId(): string | undefined {
    return this.data.experimentId;
  }

  set experimentId(id: string | undefined) {
    this.data.experimentId = id;
    writeJson(this.file, this.data);
  }

  get(role: string): string | undefined {
    return this.data.runs[role];
  }

  set(role: string, runId: string): void {
    this.data.runs[role] = runId;
    this.data.ended = this.data.ended.filter((r) => r !== role);
    writeJson(this.file, this.data);
  }

  /** The role's run holds its final result and was ended. */
  markEnded(role: string): void {
    if (this.data.ended.includes(role)) return;
    this.data.ended.push(role);
    writeJson(this.file, this.data);
  }

  isEnded(role: string): boolean {
    return this.data.ended.includes(role);
  }

  /** The role has no run any more (a new one is about to be made for it). */
  forget(role: string): void {
    delete this.data.runs[role];
    this.data.ended = this.data.ended.filter((r) => r !== role);
    writeJson(this.file, this.data);
  }

  /** A rerun of the role (e.g. --retry-failed) will log to its run again. */
  reopen(role: string): void {
    if (!this.data.ended.includes(role)) return;
    this.data.ended = this.data.ended.filter((r) => r !== role);
    writeJson(this.file, this.data);
  }

  roles(): string[] {
    return Object.keys(this.data.runs);
  }
}

export class SweepState {
  private constructor(
    readonly dir: string,
    readonly plan: SweepPlan,
    /** The folder held a plan already: this run continues that sweep. */
    readonly resumed: boolean,
  ) {}

  /**
   * Open the state folder: continue the sweep frozen there, or freeze `plan` and `specText` into a
   * new one. Takes the folder's lock (a lock left by a coordinator that is gone is taken over).
   */
  static open(dir: string, plan: SweepPlan, specText: string): SweepState {
    mkdirSync(path.join(dir, JOBS), { recursive: true });
    mkdirSync(path.join(dir, REFITS), { recursive: true });
    takeLock(dir);
    try {
      const resumed = readdirSync(dir).includes(FROZEN_PLAN_FILE);
      if (!resumed) {
        writeFileAtomic(path.join(dir, SPEC_COPY_FILE), specText);
        writeFrozenPlan(dir, plan);
        return new SweepState(dir, plan, false);
      }
      const frozen = readFrozenPlan(dir);
      if (frozen.dataDigest !== plan.dataDigest) {
        throw new InputError(
          'SWEEP_DATA_CHANGED',
          `${dir} holds a sweep over other data rows (digest ${frozen.dataDigest.slice(0, 12)}, now ${plan.dataDigest.slice(0, 12)}); use another --state folder`,
        );
      }
      return new SweepState(dir, frozen, true);
    } catch (error) {
      releaseLock(dir);
      throw error;
    }
  }

  /** The spec text frozen with the plan. */
  specText(): string {
    return readFileSync(path.join(this.dir, SPEC_COPY_FILE), 'utf8');
  }

  readJobs(): Map<string, JobRecord> {
    const records = new Map<string, JobRecord>();
    for (const name of readdirSync(path.join(this.dir, JOBS))) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue; // temporary files of an interrupted write
      const record = readJson<JobRecord>(path.join(this.dir, JOBS, name));
      if (record) records.set(record.key, record);
    }
    return records;
  }

  writeJob(record: JobRecord): void {
    writeJson(path.join(this.dir, JOBS, `${record.key}.json`), record);
  }

  readRefit(key: string): JobRecord | undefined {
    return readJson<JobRecord>(path.join(this.dir, REFITS, `${key}.json`));
  }

  writeRefit(record: JobRecord): void {
    writeJson(path.join(this.dir, REFITS, `${record.key}.json`), record);
  }

  /** The suggestions of an adaptive search, in trial order. */
  readSearchTrials(): SearchTrialRecord[] {
    let names: string[];
    try {
      names = readdirSync(path.join(this.dir, SEARCH));
    } catch {
      return [];
    }
    return names
      .filter((n) => /^trial-\d+\.json$/.test(n))
      .map((n) => readJson<SearchTrialRecord>(path.join(this.dir, SEARCH, n))!)
      .sort((a, b) => a.number - b.number);
  }

  writeSearchTrial(record: SearchTrialRecord): void {
    mkdirSync(path.join(this.dir, SEARCH), { recursive: true });
    writeJson(path.join(this.dir, SEARCH, `trial-${record.number}.json`), record);
  }

  /** Seconds of sweeping recorded by earlier runs of this sweep. */
  readSearchClock(): number {
    return readJson<{ seconds: number }>(path.join(this.dir, SEARCH, 'clock.json'))?.seconds ?? 0;
  }

  writeSearchClock(seconds: number): void {
    mkdirSync(path.join(this.dir, SEARCH), { recursive: true });
    writeJson(path.join(this.dir, SEARCH, 'clock.json'), { seconds });
  }

  /** The run ids of this sweep in the tracking store at `uri`. */
  runs(uri: string): RunRegistry {
    return new RunRegistry(path.join(this.dir, `runs-${sha256(uri).slice(0, 12)}.json`), uri);
  }

  writeReport(report: SweepReport): void {
    writeJson(path.join(this.dir, 'report.json'), report);
  }

  close(): void {
    releaseLock(this.dir);
  }
}

function takeLock(dir: string): void {
  const file = path.join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createFileExclusive(file, String(process.pid), dir)) return;
    const holder = Number(readJson<number>(file));
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new InputError('SWEEP_BUSY', `another mlspec (pid ${holder}) is running this sweep in ${dir}; wait for it or stop it first`);
    }
    // Left by a coordinator that was killed: take it over.
    rmSync(file, { force: true });
  }
  throw new InputError('SWEEP_BUSY', `cannot take the lock ${file}`);
}

function releaseLock(dir: string): void {
  const file = path.join(dir, LOCK);
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}
