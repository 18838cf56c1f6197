/**
 * The Tracker over an MLflow tracking server. Params, tags and metrics are buffered and sent as
 * log-batch requests (by size or after a short interval); every request is retried with backoff.
 * When the server stays down past the retry budget, the tracker goes offline for good: this and
 * every later record of every run goes, in order, to the spool folder, and spoolInfo() says so.
 * Runs started while offline get a local id and are created on the server by syncSpool.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import type { Logger } from '../plugin';
import { InputError } from '../errors';
import { localArtifactFolder, writeLocalArtifact } from './local-artifacts';
import { MlflowRestClient, ServerUnavailableError, trackingUnreachable, type RetryPolicy } from './mlflow-rest';
import {
  DATASET_CONTEXT_TAG,
  ParamLedger,
  artifactRelPath,
  checkKey,
  checkMetric,
  currentUser,
  cutValue,
  toMlflowDataset,
  type DatasetInput,
  type MetricRecord,
  type ParamRecord,
  type ParamValue,
} from './records';
import { redactUri } from './redact';
import { SpoolWriter, encodeMetric } from './spool';
import type { ArtifactSource, FoundRun, ResumeRunOptions, RunEndStatus, RunHandle, SpoolInfo, StartRunOptions, Tracker } from './tracker';

export interface RestTrackerOptions {
  logger: Logger;
  /** Absolute folder for spooled runs. */
  spoolDir: string;
  retry?: Partial<RetryPolicy>;
  env?: Record<string, string | undefined>;
  flushSize?: number;
  flushIntervalMs?: number;
}

type Operation =
  | { type: 'batch'; params: ParamRecord[]; tags: Record<string, string>; metrics: MetricRecord[] }
  | { type: 'inputs'; inputs: DatasetInput[] }
  | { type: 'artifact'; artifactPath: string; bytes: Uint8Array }
  | { type: 'end'; status: RunEndStatus; endTime: number };

interface RunPlace {
  runId: string;
  experimentId: string;
  artifactUri: string;
  /** Created while offline: the spool must create it on the server. */
  local?: { runName: string; parentRunId?: string; tags: Record<string, string>; startTime: number };
}

export class RestTracker implements Tracker {
  readonly kind = 'rest' as const;
  readonly uri: string;
  readonly client: MlflowRestClient;
  readonly logger: Logger;
  readonly flushSize: number;
  readonly flushIntervalMs: number;
  private offlineReason?: string;
  private readonly spools = new Map<string, SpoolWriter>();
  private readonly experiments = new Map<string, string>();

  constructor(
    uri: string,
    private readonly options: RestTrackerOptions,
  ) {
    this.client = new MlflowRestClient(uri, { retry: options.retry, env: options.env });
    this.uri = redactUri(this.client.uri);
    this.logger = options.logger;
    this.flushSize = options.flushSize ?? 1000;
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
  }

  get offline(): boolean {
    return this.offlineReason !== undefined;
  }

  async check(): Promise<void> {
    await this.client.check();
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    const known = this.experiments.get(name);
    if (known) return known;
    try {
      const experiment = await this.client.getOrCreateExperiment(name);
      checkArtifactLocation(this.uri, experiment.name, experiment.artifact_location);
      this.experiments.set(name, experiment.experiment_id);
      return experiment.experiment_id;
    } catch (error) {
      if (error instanceof ServerUnavailableError) throw trackingUnreachable(this.uri, error.problem);
      throw error;
    }
  }

  async startRun(options: StartRunOptions): Promise<RunHandle> {
    const spool = options.spool !== false;
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...(options.tags ?? {}), 'mlflow.runName': options.runName })) {
      checkKey('tag', key);
      tags[key] = cutValue('tag', key, value, this.logger);
    }
    if (options.parentRunId) tags['mlflow.parentRunId'] = options.parentRunId;
    const startTime = options.startTime ?? Date.now();
    if (!this.offline) {
      try {
        const info = await this.client.createRun({
          experimentId: options.experimentId,
          runName: options.runName,
          startTime,
          userId: tags['mlflow.user'] ?? currentUser(),
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        });
        return new RestRunHandle(
          this,
          { runId: info.run_id, experimentId: info.experiment_id, artifactUri: info.artifact_uri },
          new ParamLedger(info.run_id),
          spool,
        );
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) throw error;
        this.goOffline(error);
      }
    }
    if (!spool) throw trackingUnreachable(this.uri, this.offlineReason ?? 'offline');
    const runId = `local-${randomUUID().replace(/-/g, '')}`;
    const place: RunPlace = {
      runId,
      experimentId: options.experimentId,
      artifactUri: '',
      local: { runName: options.runName, parentRunId: options.parentRunId, tags, startTime },
    };
    return new RestRunHandle(this, place, new ParamLedger(runId), true);
  }

  async deleteRun(runId: string): Promise<void> {
    try {
      await this.client.deleteRun(runId);
    } catch (error) {
      if (error instanceof ServerUnavailableError) throw trackingUnreachable(this.uri, error.problem);
      throw error;
    }
  }

  async resumeRun(runId: string, options: ResumeRunOptions = {}): Promise<RunHandle> {
    try {
      const run = await this.client.getRun(runId);
      const ledger = new ParamLedger(runId);
      for (const param of run.data.params) ledger.remember(param.key, param.value);
      const latest = new Map(run.data.metrics.map((m) => [m.key, m.value]));
      return new RestRunHandle(
        this,
        { runId, experimentId: run.info.experiment_id, artifactUri: run.info.artifact_uri },
        ledger,
        options.spool !== false,
        latest,
      );
    } catch (error) {
      if (error instanceof ServerUnavailableError) throw trackingUnreachable(this.uri, error.problem);
      throw error;
    }
  }

  /** Offline (the server went away mid-run), nothing can be found: the caller starts new runs. */
  async findRuns(experimentId: string, tag: { key: string; value: string }): Promise<FoundRun[]> {
    if (this.offline) return [];
    const filter = `tags.\`${tag.key}\` = '${tag.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const runs = await this.guard(() => this.client.searchRuns({ experimentIds: [experimentId], filter, orderBy: ['attributes.start_time ASC'] }));
    return runs
      .filter((run) => run.info.lifecycle_stage === 'active')
      .map((run) => ({ runId: run.info.run_id, status: run.info.status, tags: Object.fromEntries(run.data.tags.map((t) => [t.key, t.value])) }));
  }

  async setExperimentTags(experimentId: string, tags: Record<string, string>): Promise<void> {
    if (this.offline) return;
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      await this.guard(() => this.client.setExperimentTag(experimentId, key, value));
    }
  }

  /** A server that stops answering here is bad input (exit 2), named with its URI. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ServerUnavailableError) throw trackingUnreachable(this.uri, error.problem);
      throw error;
    }
  }

  spoolInfo(): SpoolInfo[] {
    return [...this.spools.entries()].map(([runId, writer]) => ({ runId, folder: writer.folder, records: writer.records }));
  }

  /** From now on every record of every run goes to the spool (keeps each run's records in order). */
  goOffline(error: ServerUnavailableError): void {
    if (this.offline) return;
    this.offlineReason = error.problem;
    this.logger.warn(
      `The MLflow server at ${this.uri} stopped answering (${error.problem}). Tracking records are kept in ${this.options.spoolDir}; upload them later with \`mlspec sync ${this.options.spoolDir}\`.`,
    );
  }

  spoolFor(place: RunPlace): SpoolWriter {
    let writer = this.spools.get(place.runId);
    if (!writer) {
      writer = new SpoolWriter(this.options.spoolDir, {
        runId: place.runId,
        local: Boolean(place.local),
        experimentId: place.experimentId,
        trackingUri: this.uri,
      });
      if (place.local) writer.append({ type: 'create', experimentId: place.experimentId, ...place.local });
      this.spools.set(place.runId, writer);
    }
    return writer;
  }

  unreachable(): Error {
    return trackingUnreachable(this.uri, this.offlineReason ?? 'offline');
  }
}

/**
 * Refuses, before any run is created, an experiment whose artifacts mlspec cannot store: only
 * mlflow-artifacts: / http(s): (uploaded through the server) and local paths or file: URIs
 * (written here, as MLflow's client does) are supported; s3:, gs:, wasbs: … need their cloud clients.
 */
function checkArtifactLocation(uri: string, experiment: string, location: string | undefined): void {
  if (!location || MlflowRestClient.isProxiedArtifactUri(location) || localArtifactFolder(location) !== undefined) return;
  throw new InputError(
    'TRACKING_ARTIFACTS_UNSUPPORTED',
    `Experiment '${experiment}' on ${uri} keeps its artifacts at ${redactUri(location)}, which mlspec cannot write to. Start the server with --serve-artifacts (the default) and --artifacts-destination ${redactUri(location.replace(/\/\d+\/?$/, ''))} so artifacts are uploaded through it, or use another experiment (tracking.experiment).`,
  );
}

class RestRunHandle implements RunHandle {
  readonly runId: string;
  readonly experimentId: string;
  private params: ParamRecord[] = [];
  private tags: Record<string, string> = {};
  private metrics: MetricRecord[] = [];
  /** Operations go out one at a time, in the order they were logged. */
  private queue: Promise<void> = Promise.resolve();
  /** A refusal from the server for a buffered record, rethrown by the next flush(). */
  private failure?: Error;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly tracker: RestTracker,
    private readonly place: RunPlace,
    private readonly ledger: ParamLedger,
    private readonly spoolAllowed: boolean,
    readonly metricsAtOpen: ReadonlyMap<string, number> = new Map(),
  ) {
    this.runId = place.runId;
    this.experimentId = place.experimentId;
  }

  logParams(params: Record<string, ParamValue>): void {
    this.params.push(...this.ledger.admit(params, this.tracker.logger));
    this.schedule();
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    checkMetric(key, value, step, timestamp);
    this.metrics.push({ key, value, step, timestamp });
    if (this.metrics.length >= this.tracker.flushSize) void this.kick();
    else this.schedule();
  }

  setTags(tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      this.tags[key] = cutValue('tag', key, value, this.tracker.logger);
    }
    this.schedule();
  }

  async logInputs(inputs: DatasetInput[]): Promise<void> {
    if (inputs.length === 0) return;
    void this.kick();
    await this.enqueue({ type: 'inputs', inputs }, false);
  }

  async logArtifact(source: ArtifactSource, artifactPath: string): Promise<void> {
    const rel = artifactRelPath(artifactPath);
    const bytes =
      'file' in source ? fs.readFileSync(source.file) : typeof source.bytes === 'string' ? Buffer.from(source.bytes, 'utf8') : source.bytes;
    void this.kick();
    await this.enqueue({ type: 'artifact', artifactPath: rel, bytes }, false);
  }

  async flush(): Promise<void> {
    await this.kick();
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  async end(status: RunEndStatus, endTime: number = Date.now()): Promise<void> {
    // The run is ended even when a buffered record was refused; the refusal is reported after.
    await this.kick();
    await this.enqueue({ type: 'end', status, endTime }, false);
    await this.flush();
  }

  /** Send what is buffered now; resolves when everything queued so far is delivered. */
  private kick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.params.length > 0 || this.metrics.length > 0 || Object.keys(this.tags).length > 0) {
      const operation: Operation = { type: 'batch', params: this.params, tags: this.tags, metrics: this.metrics };
      this.params = [];
      this.tags = {};
      this.metrics = [];
      void this.enqueue(operation, true);
    }
    return this.queue;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.kick();
    }, this.tracker.flushIntervalMs);
    // A pending flush must not keep the process alive; end() and flush() send what is left.
    this.timer.unref();
  }

  /**
   * Queue an operation. Background ones (buffered records) keep a refusal for the next flush();
   * the others reject to their caller.
   */
  private enqueue(operation: Operation, background: boolean): Promise<void> {
    const delivered = this.queue.then(() => this.deliver(operation));
    this.queue = delivered.catch((error: Error) => {
      if (background) this.failure ??= error;
    });
    return background ? this.queue : delivered;
  }

  private async deliver(operation: Operation): Promise<void> {
    if (!this.tracker.offline && !this.place.local) {
      try {
        await this.send(operation);
        return;
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) throw error;
        this.tracker.goOffline(error);
      }
    }
    if (!this.spoolAllowed) throw this.tracker.unreachable();
    this.spool(operation);
  }

  private async send(operation: Operation): Promise<void> {
    const { client } = this.tracker;
    switch (operation.type) {
      case 'batch':
        await client.logBatch(this.runId, {
          params: operation.params,
          tags: Object.entries(operation.tags).map(([key, value]) => ({ key, value })),
          metrics: operation.metrics,
        });
        return;
      case 'inputs':
        await client.logInputs(
          this.runId,
          operation.inputs.map((input) => ({ tags: [{ key: DATASET_CONTEXT_TAG, value: input.context }], dataset: toMlflowDataset(input) })),
        );
        return;
      case 'artifact': {
        // A local location (`--default-artifact-root /path`, or `file:`): written here, as MLflow's
        // own client does (its LocalArtifactRepository); mlflow-artifacts: and http(s): through the server.
        const folder = MlflowRestClient.isProxiedArtifactUri(this.place.artifactUri) ? undefined : localArtifactFolder(this.place.artifactUri);
        if (folder !== undefined) writeLocalArtifact(folder, { bytes: operation.bytes }, operation.artifactPath);
        else await client.uploadArtifact(this.place.artifactUri, operation.artifactPath, operation.bytes);
        return;
      }
      case 'end':
        await client.updateRun(this.runId, operation.status, operation.endTime);
        return;
    }
  }

  private spool(operation: Operation): void {
    const writer = this.tracker.spoolFor(this.place);
    switch (operation.type) {
      case 'batch':
        if (operation.params.length > 0) writer.append({ type: 'params', params: Object.fromEntries(operation.params.map((p) => [p.key, p.value])) });
        if (Object.keys(operation.tags).length > 0) writer.append({ type: 'tags', tags: operation.tags });
        if (operation.metrics.length > 0) writer.append({ type: 'metrics', metrics: operation.metrics.map(encodeMetric) });
        return;
      case 'inputs':
        writer.append({ type: 'inputs', inputs: operation.inputs });
        return;
      case 'artifact':
        writer.appendArtifact(operation.artifactPath, operation.bytes);
        return;
      case 'end':
        writer.append({ type: 'end', status: operation.status, endTime: operation.endTime });
        return;
    }
  }
}
