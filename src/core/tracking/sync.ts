/**
 * `mlspec sync <folder>`: replay spooled runs onto a tracker once the server is back. Progress is
 * saved after every record, so a sync that is interrupted (or meets a server that went away
 * again) continues where it stopped without sending anything twice; a run's folder is removed
 * once all its records are on the server.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { readSpool, decodeMetric, writeProgress, type SpooledRun } from './spool';
import type { RunHandle, Tracker } from './tracker';

export interface SyncedRun {
  /** The id the run had in the spool (a server id, or `local-…`). */
  spoolRunId: string;
  /** The run's id on the server. */
  runId: string;
  /** Records applied by this sync. */
  records: number;
  /** False when the spool has no end record (the writing process died): the run stays RUNNING. */
  ended: boolean;
}

export interface SyncResult {
  runs: SyncedRun[];
}

export interface SyncOptions {
  logger?: Logger;
}

/**
 * Upload every spooled run under `folder` (a spool root such as `.mlspec-spool`, or one run's
 * folder) to `tracker`. Runs the server never saw are created first, parents before children.
 * Throws TRACKING_UNREACHABLE when the server is down (progress is kept).
 */
export async function syncSpool(folder: string, tracker: Tracker, options: SyncOptions = {}): Promise<SyncResult> {
  const runs = readSpool(folder);
  for (const run of runs) refuseIfBeingWritten(run);
  if (runs.length > 0) await tracker.check();
  const byId = new Map(runs.map((run) => [run.manifest.runId, run]));
  const serverIds = new Map<string, string>();
  const results: SyncedRun[] = [];
  const syncing = new Set<string>();

  const syncRun = async (run: SpooledRun): Promise<string> => {
    const spoolRunId = run.manifest.runId;
    const finished = serverIds.get(spoolRunId);
    if (finished) return finished;
    syncing.add(spoolRunId);
    const progress = { ...run.progress };
    let handle: RunHandle | undefined;
    let applied = 0;
    for (let index = progress.done; index < run.records.length; index++) {
      const record = run.records[index];
      if (record.type === 'create') {
        const parent = record.parentRunId ? await serverIdOf(record.parentRunId) : undefined;
        const tags = { ...record.tags };
        delete tags['mlflow.parentRunId'];
        delete tags['mlflow.runName'];
        handle = await tracker.startRun({
          experimentId: record.experimentId,
          runName: record.runName,
          parentRunId: parent,
          tags,
          startTime: record.startTime,
          spool: false,
        });
        progress.runId = handle.runId;
      } else {
        handle ??= await tracker.resumeRun(progress.runId ?? spoolRunId, { spool: false });
        await apply(handle, record, run.folder);
      }
      progress.done = index + 1;
      writeProgress(run.folder, progress);
      applied++;
    }
    const runId = progress.runId ?? spoolRunId;
    if (run.manifest.local && !progress.runId) throw new InputError('SPOOL_INVALID', `${run.folder}: a local run without its 'create' record.`);
    const ended = run.records.some((record) => record.type === 'end');
    if (!ended)
      options.logger?.warn(`Spooled run ${spoolRunId} has no end record (its process stopped early); run ${runId} stays RUNNING on the server.`);
    fs.rmSync(run.folder, { recursive: true, force: true });
    serverIds.set(spoolRunId, runId);
    results.push({ spoolRunId, runId, records: applied, ended });
    return runId;
  };

  // A spooled child may name a parent that is itself spooled and local: sync that one first.
  const serverIdOf = async (runId: string): Promise<string> => {
    const known = serverIds.get(runId);
    if (known) return known;
    const parent = byId.get(runId);
    if (!parent) {
      if (runId.startsWith('local-'))
        throw new InputError('SPOOL_INVALID', `A spooled run names parent ${runId}, which was never created on the server and is not in this spool.`);
      return runId;
    }
    if (parent.progress.runId) return parent.progress.runId;
    if (syncing.has(runId)) throw new InputError('SPOOL_INVALID', `Spooled runs name each other as parents (${runId}).`);
    return syncRun(parent);
  };

  for (const run of runs) await syncRun(run);
  removeIfEmpty(path.resolve(folder));
  return { runs: results };
}

async function apply(handle: RunHandle, record: Exclude<SpooledRun['records'][number], { type: 'create' }>, folder: string): Promise<void> {
  switch (record.type) {
    case 'params':
      handle.logParams(record.params);
      break;
    case 'tags':
      handle.setTags(record.tags);
      break;
    case 'metrics':
      for (const metric of record.metrics.map(decodeMetric)) handle.logMetric(metric.key, metric.value, metric.step, metric.timestamp);
      break;
    case 'inputs':
      await handle.logInputs(record.inputs);
      break;
    case 'artifact':
      await handle.logArtifact({ file: path.join(folder, 'artifacts', ...record.artifactPath.split('/')) }, record.artifactPath);
      break;
    case 'end':
      await handle.end(record.status, record.endTime);
      return;
  }
  // Progress is saved after each record: it must really be on the server by then.
  await handle.flush();
}

/** Syncing a spool while its run is still writing to it would upload half a run and then lose the rest. */
function refuseIfBeingWritten(run: SpooledRun): void {
  const { pid, host } = run.manifest;
  if (run.records.some((record) => record.type === 'end')) return;
  if (host !== os.hostname() || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  throw new InputError('SPOOL_IN_USE', `${run.folder} is still being written by process ${pid}; sync it after that run has finished.`);
}

function removeIfEmpty(folder: string): void {
  try {
    if (fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  } catch {
    // Already gone, or not ours to remove.
  }
}
