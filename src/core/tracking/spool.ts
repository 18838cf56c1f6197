/**
 * The spool: where the REST tracker keeps a run's records when the server stays down past the
 * retry budget, so nothing logged is lost. One folder per run:
 *
 *   .mlspec-spool/<run_id>/manifest.json   which run, which server, which process writes it
 *   .mlspec-spool/<run_id>/records.jsonl   one record per line, in the order they were logged
 *   .mlspec-spool/<run_id>/artifacts/…     artifact files, referenced by 'artifact' records
 *   .mlspec-spool/<run_id>/progress.json   written by syncSpool: records already uploaded
 *
 * Records are the Tracker's own operations (params, tags, metrics, inputs, artifact, end, and
 * 'create' for a run the server never saw), so a spool can be replayed onto any Tracker.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from './atomic-files';
import type { DatasetInput, MetricRecord } from './records';
import type { RunEndStatus } from './tracker';

export const SPOOL_FORMAT = 'mlspec-spool/1';

export interface SpoolManifest {
  format: typeof SPOOL_FORMAT;
  /** The server's run id, or a local id (`local-…`) for a run the server never created. */
  runId: string;
  /** True when the run must be created on the server when the spool is synced. */
  local: boolean;
  experimentId: string;
  /** The server the records were meant for (credentials removed). */
  trackingUri: string;
  createdAt: string;
  pid: number;
  host: string;
}

/** Metric values as JSON: NaN and ±Infinity as strings, like MLflow's protobuf JSON. */
export interface SpooledMetric extends Omit<MetricRecord, 'value'> {
  value: number | string;
}

export type SpoolRecord =
  | { type: 'create'; experimentId: string; runName: string; parentRunId?: string; tags: Record<string, string>; startTime: number }
  | { type: 'params'; params: Record<string, string> }
  | { type: 'tags'; tags: Record<string, string> }
  | { type: 'metrics'; metrics: SpooledMetric[] }
  | { type: 'inputs'; inputs: DatasetInput[] }
  | { type: 'artifact'; artifactPath: string }
  | { type: 'end'; status: RunEndStatus; endTime: number };

export interface SpoolProgress {
  /** Records (lines of records.jsonl) already applied. */
  done: number;
  /** For a local run: the id the server gave it when the spool was synced. */
  runId?: string;
}

export function encodeMetric(metric: MetricRecord): SpooledMetric {
  const { value } = metric;
  return { ...metric, value: Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
}

export function decodeMetric(metric: SpooledMetric): MetricRecord {
  return { ...metric, value: typeof metric.value === 'number' ? metric.value : Number(metric.value) };
}

/** Appends one run's records to its spool folder. Writes are synchronous: a crash loses nothing. */
export class SpoolWriter {
  readonly folder: string;
  private count = 0;

  constructor(root: string, manifest: Omit<SpoolManifest, 'format' | 'createdAt' | 'pid' | 'host'>) {
    this.folder = path.join(root, manifest.runId);
    fs.mkdirSync(this.folder, { recursive: true });
    const full: SpoolManifest = { format: SPOOL_FORMAT, ...manifest, createdAt: new Date().toISOString(), pid: process.pid, host: os.hostname() };
    writeFileAtomic(path.join(this.folder, 'manifest.json'), `${JSON.stringify(full, null, 2)}\n`);
  }

  get records(): number {
    return this.count;
  }

  append(record: SpoolRecord): void {
    fs.appendFileSync(path.join(this.folder, 'records.jsonl'), `${JSON.stringify(record)}\n`);
    this.count++;
  }

  /** Keeps an artifact's bytes in the spool and records where it belongs. */
  appendArtifact(artifactPath: string, bytes: Uint8Array): void {
    writeFileAtomic(path.join(this.folder, 'artifacts', ...artifactPath.split('/')), bytes, this.folder);
    this.append({ type: 'artifact', artifactPath });
  }
}

export interface SpooledRun {
  folder: string;
  manifest: SpoolManifest;
  records: SpoolRecord[];
  progress: SpoolProgress;
}

/** The spooled runs in `folder`: a spool root (many runs) or one run's folder. */
export function readSpool(folder: string): SpooledRun[] {
  const resolved = path.resolve(folder);
  if (fs.existsSync(path.join(resolved, 'manifest.json'))) return [readSpooledRun(resolved)];
  if (!fs.existsSync(resolved)) return [];
  return fs
    .readdirSync(resolved, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(resolved, entry.name, 'manifest.json')))
    .map((entry) => readSpooledRun(path.join(resolved, entry.name)))
    .sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt));
}

function readSpooledRun(folder: string): SpooledRun {
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as SpoolManifest;
  if (manifest.format !== SPOOL_FORMAT) throw new Error(`${folder}: not an mlspec spool (format ${String(manifest.format)})`);
  const recordsFile = path.join(folder, 'records.jsonl');
  const text = fs.existsSync(recordsFile) ? fs.readFileSync(recordsFile, 'utf8') : '';
  // Every complete record ends with a newline, so the last piece of the split is either empty or
  // a line a killed process never finished: both are dropped.
  const complete = text.split('\n').slice(0, -1);
  const records = complete.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as SpoolRecord);
  const progressFile = path.join(folder, 'progress.json');
  const progress = fs.existsSync(progressFile) ? (JSON.parse(fs.readFileSync(progressFile, 'utf8')) as SpoolProgress) : { done: 0 };
  return { folder, manifest, records, progress };
}

export function writeProgress(folder: string, progress: SpoolProgress): void {
  writeFileAtomic(path.join(folder, 'progress.json'), `${JSON.stringify(progress)}\n`);
}
