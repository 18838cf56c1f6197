/**
 * A small typed client for the MLflow REST API 2.0 over Node's global fetch: the endpoints mlspec
 * needs, retries with exponential backoff on connection errors and transient statuses, and
 * credentials from MLFLOW_TRACKING_TOKEN (Bearer) or MLFLOW_TRACKING_USERNAME/_PASSWORD (Basic).
 * Credentials go into request headers only: never into messages, logs or files.
 */
import { redactUri } from './redact';
import { EXIT_RUN_FAILED, InputError, MlspecError } from '../errors';
import { MLFLOW_LIMITS, type MetricRecord, type MlflowDataset, type ParamRecord, type TagRecord } from './records';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Each attempt is abandoned after this long. */
  requestTimeoutMs: number;
  /** Attempts that time out before the server counts as unavailable (default: every attempt may). */
  maxTimeouts?: number;
}

/** 0.5 + 1 + 2 + 4 + 8 s of waiting: a server restart fits, a dead server is given up in ~16 s. */
/**
 * Connection refusals and 5xx are retried with backoff (a restarting server); a request that gets
 * no answer at all is abandoned after requestTimeoutMs and tried at most maxTimeouts times, so a
 * hung server costs about 20 s before records go to the spool, not minutes.
 */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, initialDelayMs: 500, maxDelayMs: 8000, requestTimeoutMs: 10_000, maxTimeouts: 2 };

/** check() must answer quickly: one retry; a first request (a basic-auth server hashing, a loaded machine) may take seconds. */
const CHECK_RETRY: RetryPolicy = { retries: 1, initialDelayMs: 250, maxDelayMs: 250, requestTimeoutMs: 10_000, maxTimeouts: 2 };

/** The statuses MLflow's own client retries (mlflow/utils/rest_utils.py). */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

// ---- Wire types ---------------------------------------------------------------------------------

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time?: number;
  last_update_time?: number;
}

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MlflowRunInfo {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: MlflowRunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowDatasetInput {
  tags: TagRecord[];
  dataset: MlflowDataset;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: ParamRecord[]; tags: TagRecord[] };
  inputs: { dataset_inputs: MlflowDatasetInput[] };
}

export interface MlflowFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface LogBatchRequest {
  metrics: MetricRecord[];
  params: ParamRecord[];
  tags: TagRecord[];
}

// ---- Errors -------------------------------------------------------------------------------------

/** The server answered and refused the request (4xx, or a 5xx that was not transient). */
export class MlflowApiError extends MlspecError {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly endpoint: string,
    serverMessage: string,
  ) {
    super('TRACKING_REJECTED', `MLflow ${endpoint} failed (HTTP ${status} ${errorCode}): ${serverMessage}`, EXIT_RUN_FAILED);
    this.name = 'MlflowApiError';
  }
}

/** The server could not be reached, or kept failing, for the whole retry budget. */
export class ServerUnavailableError extends Error {
  constructor(
    readonly uri: string,
    readonly problem: string,
    readonly attempts: number,
  ) {
    super(`MLflow server ${uri} unavailable after ${attempts} attempt(s): ${problem}`);
    this.name = 'ServerUnavailableError';
  }
}

/** The error the CLI shows when the server does not answer (exit 2). */
export function trackingUnreachable(uri: string, problem: string): InputError {
  return new InputError(
    'TRACKING_UNREACHABLE',
    `The MLflow tracking server at ${uri} does not answer (${problem}). Start it (e.g. \`mlflow server --host 127.0.0.1 --port 5000\`), fix --tracking-uri / MLFLOW_TRACKING_URI / the spec's \`tracking:\`, or track to a local folder with --tracking-uri ./mlruns.`,
  );
}

// ---- Value encoding -----------------------------------------------------------------------------

/** Protobuf JSON writes non-finite doubles as strings; int64 may arrive as strings. */
function wireDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function parseNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : Number(value);
  return NaN;
}

function parseMetric(raw: Record<string, unknown>): MlflowMetric {
  return {
    key: String(raw.key),
    value: parseNumber(raw.value),
    timestamp: parseNumber(raw.timestamp),
    step: raw.step === undefined ? 0 : parseNumber(raw.step),
  };
}

function parseRunInfo(raw: Record<string, unknown>): MlflowRunInfo {
  return {
    run_id: String(raw.run_id ?? raw.run_uuid),
    experiment_id: String(raw.experiment_id),
    run_name: String(raw.run_name ?? ''),
    user_id: String(raw.user_id ?? ''),
    status: String(raw.status ?? 'RUNNING') as MlflowRunStatus,
    start_time: parseNumber(raw.start_time),
    end_time: raw.end_time === undefined ? undefined : parseNumber(raw.end_time),
    artifact_uri: String(raw.artifact_uri ?? ''),
    lifecycle_stage: String(raw.lifecycle_stage ?? 'active'),
  };
}

function parseRun(raw: any): MlflowRun {
  const data = raw.data ?? {};
  return {
    info: parseRunInfo(raw.info ?? {}),
    data: {
      metrics: (data.metrics ?? []).map(parseMetric),
      params: (data.params ?? []).map((p: any) => ({ key: String(p.key), value: String(p.value ?? '') })),
      tags: (data.tags ?? []).map((t: any) => ({ key: String(t.key), value: String(t.value ?? '') })),
    },
    inputs: { dataset_inputs: raw.inputs?.dataset_inputs ?? [] },
  };
}

// ---- Batching -----------------------------------------------------------------------------------

/**
 * Split records into log-batch requests within MLflow's limits: ≤1000 metrics, ≤100 params,
 * ≤100 tags, ≤1000 entities and ≤1 MB of JSON per request. Params travel in requests of their
 * own: the server refuses a whole request when one param would change, and that must not take
 * metrics and tags down with it.
 */
export function packLogBatches(records: LogBatchRequest): LogBatchRequest[] {
  const batches: LogBatchRequest[] = [];
  let current: LogBatchRequest = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  const caps = { params: MLFLOW_LIMITS.paramsPerBatch, tags: MLFLOW_LIMITS.tagsPerBatch, metrics: MLFLOW_LIMITS.metricsPerBatch };
  const add = <K extends keyof LogBatchRequest>(kind: K, item: LogBatchRequest[K][number]): void => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const count = current.metrics.length + current.params.length + current.tags.length;
    if (count > 0 && (current[kind].length >= caps[kind] || count >= MLFLOW_LIMITS.entitiesPerBatch || bytes + size > MLFLOW_LIMITS.batchBytes)) {
      batches.push(current);
      current = { metrics: [], params: [], tags: [] };
      bytes = 0;
    }
    (current[kind] as unknown[]).push(item);
    bytes += size;
  };
  for (const p of records.params) add('params', p);
  if (current.params.length > 0) {
    batches.push(current);
    current = { metrics: [], params: [], tags: [] };
    bytes = 0;
  }
  for (const t of records.tags) add('tags', t);
  for (const m of records.metrics) add('metrics', m);
  if (current.metrics.length + current.params.length + current.tags.length > 0) batches.push(current);
  return batches;
}

// ---- Client -------------------------------------------------------------------------------------

export interface MlflowRestOptions {
  retry?: Partial<RetryPolicy>;
  /** Where credentials are read from; default process.env. */
  env?: Record<string, string | undefined>;
}

type Query = Record<string, string | number | undefined>;

export class MlflowRestClient {
  /** The server's base URL, without credentials: safe to show. */
  readonly uri: string;
  private readonly base: URL;
  private readonly authorization?: string;
  private readonly policy: RetryPolicy;

  constructor(uri: string, options: MlflowRestOptions = {}) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new InputError(
        'TRACKING_URI_INVALID',
        `Tracking URI '${redactUri(uri)}' is not a valid URL (check the host and port, e.g. http://127.0.0.1:5000); fix --tracking-uri, MLFLOW_TRACKING_URI or the spec's tracking.uri.`,
      );
    }
    const env = options.env ?? process.env;
    const userInfo = url.username ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
    // fetch refuses URLs with credentials in them; they become a Basic header instead.
    url.username = '';
    url.password = '';
    this.base = url;
    this.uri = redactUri(url.toString()).replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    if (env.MLFLOW_TRACKING_TOKEN) this.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    else if (env.MLFLOW_TRACKING_USERNAME || env.MLFLOW_TRACKING_PASSWORD) {
      this.authorization = basic(env.MLFLOW_TRACKING_USERNAME ?? '', env.MLFLOW_TRACKING_PASSWORD ?? '');
    } else if (userInfo) this.authorization = basic(userInfo.user, userInfo.password);
  }

  /** Fails fast with an InputError when the server does not answer or refuses the credentials. */
  async check(): Promise<void> {
    try {
      await this.call('GET', 'experiments/search', { query: { max_results: 1 } }, CHECK_RETRY);
    } catch (error) {
      if (error instanceof ServerUnavailableError) throw trackingUnreachable(this.uri, error.problem);
      if (error instanceof MlflowApiError && (error.status === 401 || error.status === 403)) {
        throw new InputError(
          'TRACKING_AUTH_FAILED',
          `The MLflow server at ${this.uri} refused the credentials (HTTP ${error.status}). Set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.`,
        );
      }
      if (error instanceof MlflowApiError && error.status === 404) {
        throw new InputError(
          'TRACKING_NOT_MLFLOW',
          `${this.uri} answers, but not as an MLflow tracking server (HTTP 404 for /api/2.0/mlflow/experiments/search). Check the tracking URI.`,
        );
      }
      if (error instanceof MlflowApiError) {
        throw new InputError(
          'TRACKING_REFUSED',
          `The MLflow server at ${this.uri} refused mlspec's first request (HTTP ${error.status} ${error.errorCode}: ${error.message}). Check the tracking URI (a proxy in front of MLflow?) and the server's logs.`,
        );
      }
      throw error;
    }
  }

  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const body = await this.call<{ experiment: MlflowExperiment }>('GET', 'experiments/get-by-name', { query: { experiment_name: name } });
      return { ...body.experiment, experiment_id: String(body.experiment.experiment_id) };
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  async createExperiment(name: string): Promise<string> {
    const body = await this.call<{ experiment_id: string }>('POST', 'experiments/create', { body: { name } });
    return String(body.experiment_id);
  }

  /** Get-or-create that survives another client creating the same experiment at the same time. */
  async getOrCreateExperiment(name: string): Promise<MlflowExperiment> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing;
    try {
      await this.createExperiment(name);
    } catch (error) {
      if (!(error instanceof MlflowApiError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const created = await this.getExperimentByName(name);
    if (!created)
      throw new MlflowApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'experiments/get-by-name', `experiment '${name}' vanished right after it was created`);
    return created;
  }

  async createRun(request: { experimentId: string; runName: string; startTime: number; userId?: string; tags: TagRecord[] }): Promise<MlflowRunInfo> {
    const body = await this.call<{ run: any }>('POST', 'runs/create', {
      body: {
        experiment_id: request.experimentId,
        run_name: request.runName,
        start_time: request.startTime,
        user_id: request.userId,
        tags: request.tags,
      },
    });
    return parseRunInfo(body.run.info);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'experiments/set-experiment-tag', { body: { experiment_id: experimentId, key, value } });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { body: { run_id: runId } });
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.call('POST', 'runs/update', { body: { run_id: runId, status, end_time: endTime } });
  }

  /**
   * Sends any number of records, split into requests within MLflow's log-batch limits. A request
   * the server refuses does not stop the others; the first refusal is thrown at the end.
   */
  async logBatch(runId: string, records: LogBatchRequest): Promise<void> {
    let refusal: MlflowApiError | undefined;
    for (const batch of packLogBatches(records)) {
      try {
        await this.call('POST', 'runs/log-batch', {
          body: {
            run_id: runId,
            metrics: batch.metrics.map((m) => ({ key: m.key, value: wireDouble(m.value), timestamp: m.timestamp, step: m.step })),
            params: batch.params,
            tags: batch.tags,
          },
        });
      } catch (error) {
        if (!(error instanceof MlflowApiError)) throw error;
        refusal ??= error;
      }
    }
    if (refusal) throw refusal;
  }

  async logInputs(runId: string, datasets: MlflowDatasetInput[]): Promise<void> {
    // MLflow's server looks a dataset up, then inserts it: two runs logging the same dataset at
    // once can both miss it, and the second insert fails on the unique key (HTTP 400, seen with
    // MLflow 3.17). Asked again, the server finds the dataset the other request made.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.call('POST', 'runs/log-inputs', { body: { run_id: runId, datasets } });
        return;
      } catch (error) {
        if (
          !(error instanceof MlflowApiError && /UNIQUE constraint|IntegrityError|Duplicate entry|duplicate key/i.test(error.message)) ||
          attempt >= 3
        )
          throw error;
        await sleep(100 * (attempt + 1));
      }
    }
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const body = await this.call<{ run: any }>('GET', 'runs/get', { query: { run_id: runId } });
    return parseRun(body.run);
  }

  /** All runs matching, across pages. */
  async searchRuns(request: { experimentIds: string[]; filter?: string; orderBy?: string[] }): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.call<{ runs?: any[]; next_page_token?: string }>('POST', 'runs/search', {
        body: { experiment_ids: request.experimentIds, filter: request.filter, order_by: request.orderBy, max_results: 1000, page_token: pageToken },
      });
      runs.push(...(body.runs ?? []).map(parseRun));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return runs;
  }

  /** Every value logged for a metric, across pages. */
  async getMetricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    const metrics: MlflowMetric[] = [];
    let pageToken: string | undefined;
    do {
      // MLflow 3.5 returns no metrics at all when max_results is absent; always send it.
      const body = await this.call<{ metrics?: any[]; next_page_token?: string }>('GET', 'metrics/get-history', {
        query: { run_id: runId, metric_key: key, max_results: 25_000, page_token: pageToken },
      });
      const page = (body.metrics ?? []).map(parseMetric);
      metrics.push(...page);
      pageToken = page.length > 0 ? body.next_page_token || undefined : undefined;
    } while (pageToken);
    return metrics;
  }

  async listArtifacts(runId: string, artifactPath?: string): Promise<MlflowFileInfo[]> {
    const body = await this.call<{ files?: MlflowFileInfo[] }>('GET', 'artifacts/list', { query: { run_id: runId, path: artifactPath } });
    return body.files ?? [];
  }

  /** Uploads through the server's artifact proxy (`mlflow server --serve-artifacts`, the default). */
  async uploadArtifact(artifactUri: string, relPath: string, bytes: Uint8Array): Promise<void> {
    const url = this.artifactUrl(artifactUri, relPath);
    await this.send('PUT', url, { body: bytes, contentType: 'application/octet-stream' }, this.policy, 'mlflow-artifacts upload');
  }

  async downloadArtifact(artifactUri: string, relPath: string): Promise<Buffer> {
    const url = this.artifactUrl(artifactUri, relPath);
    const response = await this.send('GET', url, {}, this.policy, 'mlflow-artifacts download');
    return Buffer.from(await response.arrayBuffer());
  }

  /** True when the run's artifact root is one this client can upload to. */
  static isProxiedArtifactUri(artifactUri: string): boolean {
    return /^(mlflow-artifacts:|https?:\/\/)/i.test(artifactUri);
  }

  private artifactUrl(artifactUri: string, relPath: string): URL {
    const encoded = relPath.split('/').map(encodeURIComponent).join('/');
    if (/^https?:\/\//i.test(artifactUri)) return new URL(`${artifactUri.replace(/\/+$/, '')}/${encoded}`);
    const parsed = artifactUri.match(/^mlflow-artifacts:(?:\/\/([^/]*))?(\/.*)?$/i);
    if (!parsed) {
      throw new InputError(
        'TRACKING_ARTIFACTS_UNSUPPORTED',
        `The MLflow server at ${this.uri} stores this run's artifacts at ${artifactUri}, which mlspec cannot write to directly. Start the server with --serve-artifacts (the default) so artifacts are uploaded through it.`,
      );
    }
    const [, netloc, artifactRoot = '/'] = parsed;
    const base = netloc ? new URL(`${this.base.protocol}//${netloc}`) : this.base;
    const root = artifactRoot
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .filter(Boolean)
      .map(encodeURIComponent)
      .join('/');
    return new URL(`${base.toString().replace(/\/+$/, '')}/api/2.0/mlflow-artifacts/artifacts/${root ? `${root}/` : ''}${encoded}`);
  }

  /** Any endpoint under /api/2.0/mlflow/ (logged models, registry), with the same retries and errors. */
  async api<T = unknown>(method: 'GET' | 'POST' | 'PATCH', endpoint: string, request: { query?: Query; body?: unknown } = {}): Promise<T> {
    return this.call<T>(method, endpoint, request);
  }

  private async call<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH',
    endpoint: string,
    request: { query?: Query; body?: unknown },
    policy: RetryPolicy = this.policy,
  ): Promise<T> {
    const url = new URL(`${this.base.toString().replace(/\/+$/, '')}/api/2.0/mlflow/${endpoint}`);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const init = request.body === undefined ? {} : { body: JSON.stringify(request.body), contentType: 'application/json' };
    const response = await this.send(method, url, init, policy, endpoint);
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      // 200 with an HTML page: a login portal, a proxy, or the MLflow UI served at another path.
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new InputError(
        'TRACKING_NOT_MLFLOW',
        `${this.uri} answered ${endpoint} with ${type} (${oneLine(text).slice(0, 80)}), not MLflow's JSON: it is not an MLflow tracking server's API. Check the tracking URI (scheme, host, port, path).`,
      );
    }
  }

  private async send(
    method: string,
    url: URL,
    init: { body?: string | Uint8Array; contentType?: string },
    policy: RetryPolicy,
    endpoint: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (init.contentType) headers['Content-Type'] = init.contentType;
    if (this.authorization) headers.Authorization = this.authorization;
    let problem = '';
    let timeouts = 0;
    let attempts = 0;
    for (let attempt = 0; attempt <= policy.retries; attempt++) {
      if (attempt > 0) await sleep(backoff(policy, attempt - 1));
      attempts++;
      let response: Response;
      try {
        response = await fetch(url, { method, headers, body: init.body, signal: AbortSignal.timeout(policy.requestTimeoutMs) });
      } catch (error) {
        problem = describeFetchError(error, policy.requestTimeoutMs);
        if (isTimeout(error) && ++timeouts >= (policy.maxTimeouts ?? Infinity)) break;
        continue;
      }
      if (response.ok) return response;
      const text = await response.text().catch(() => '');
      if (TRANSIENT_STATUSES.has(response.status)) {
        problem = `HTTP ${response.status}${text ? `: ${oneLine(text)}` : ''}`;
        continue;
      }
      throw apiError(response.status, endpoint, text);
    }
    throw new ServerUnavailableError(this.uri, problem, attempts);
  }
}

/** An attempt abandoned by its timeout (fetch reports it itself, or as the cause of 'fetch failed', by Node version). */
function isTimeout(error: unknown): boolean {
  // Duck-typed: the DOMException fetch throws need not be an instance of this realm's Error.
  const timedOut = (e: unknown) => {
    const { name, message } = (e ?? {}) as { name?: unknown; message?: unknown };
    return name === 'TimeoutError' || name === 'AbortError' || (typeof message === 'string' && /aborted due to timeout/i.test(message));
  };
  return timedOut(error) || timedOut((error as { cause?: unknown } | undefined)?.cause);
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function backoff(policy: RetryPolicy, retry: number): number {
  const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  // A little jitter so several clients of a restarting server do not retry in lockstep.
  return Math.round(delay * (0.8 + 0.4 * Math.random()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function apiError(status: number, endpoint: string, text: string): MlflowApiError {
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    return new MlflowApiError(status, body.error_code ?? `HTTP_${status}`, endpoint, body.message ?? oneLine(text));
  } catch {
    return new MlflowApiError(status, `HTTP_${status}`, endpoint, oneLine(text) || '(empty response)');
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    // undici reports the socket error (ECONNREFUSED, ENOTFOUND, …) as the cause of 'fetch failed'.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.message || cause?.code || error.message;
  }
  return String(error);
}
