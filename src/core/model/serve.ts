/**
 * `mlspec serve MODEL`: MLflow's scoring protocol over HTTP, so clients written for
 * `mlflow models serve` work unchanged.
 *
 *   POST /invocations   application/json with exactly one of
 *                         {"dataframe_split": {"columns": [...], "data": [[...], ...]}}
 *                         {"dataframe_records": [{"<text column>": "..."}, ...]}
 *                         {"instances": [...]} / {"inputs": [...]}   (texts, records, or {"<column>": [texts]})
 *                       or text/csv with a header row;
 *                       answers {"predictions": [{"label": ..., "proba_<class>": ...}, ...]}
 *   GET /ping, /health  200 once the model is loaded
 *   GET /version        mlspec's version
 *
 * A bad request (malformed JSON, no or several input fields, the wrong column, a text that is not a
 * string, an empty or oversized body) gets HTTP 400 and `{"error_code": "BAD_REQUEST", "message": …}`,
 * as MLflow's server answers. At most `concurrency` requests are read and scored at once; more
 * wait in line (up to 64 per slot, then 503). SIGTERM/SIGINT stop accepting connections, let the
 * requests in flight finish, then exit.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { parseDelimited } from '../../plugins/datasets/shared/delimited-parser';
import { EXIT_OK } from '../errors';
import type { Logger } from '../plugin';
import { VERSION } from '../version';
import { loadPredictionPipeline, type BackendChoice } from './load-pipeline';
import type { PredictionPipeline } from './prediction-pipeline';
import { outputColumns } from './saved-model';

export interface ServeOptions {
  model: string;
  host: string;
  port: number;
  concurrency: number;
  maxBodyBytes: number;
  backend?: BackendChoice;
  trackingUri?: string;
  logger: Logger;
}

const INPUT_FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];

export class BadRequest extends Error {}

/** The texts a scoring request carries, in order. Throws BadRequest with a message a client can act on. */
export function requestTexts(body: string, contentType: string, column: string): string[] {
  const mime = contentType.split(';')[0].trim().toLowerCase();
  if (body.trim() === '')
    throw new BadRequest(
      'the request body is empty; send a JSON object with one of the fields dataframe_split, dataframe_records, instances, inputs',
    );
  if (mime === 'text/csv') {
    const table = parseDelimited(body, ',');
    const index = table.header.indexOf(column);
    if (index < 0)
      throw new BadRequest(`the CSV has no column "${column}" (its columns: ${table.header.join(', ')}); the model reads texts from "${column}"`);
    return table.rows.map((row) => row[index]);
  }
  if (mime !== 'application/json' && mime !== '') throw new BadRequest(`content type ${mime} is not supported; send application/json or text/csv`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new BadRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequest('the body must be a JSON object with exactly one of the fields dataframe_split, dataframe_records, instances, inputs');
  const fields = INPUT_FIELDS.filter((f) => f in parsed);
  if (fields.length !== 1)
    throw new BadRequest(
      `the body must have exactly one of the fields ${INPUT_FIELDS.join(', ')}; it has ${fields.length ? fields.join(', ') : `only ${Object.keys(parsed).join(', ') || 'none'}`}`,
    );
  const field = fields[0];
  const value = (parsed as Record<string, unknown>)[field];
  const texts = (() => {
    if (field === 'dataframe_split') return splitTexts(value, column);
    if (field === 'dataframe_records') return recordTexts(value, column, field);
    // instances / inputs: a list of texts, a list of records, or a column dictionary.
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    if (Array.isArray(value)) return recordTexts(value, column, field);
    if (value !== null && typeof value === 'object') {
      const columnValues = (value as Record<string, unknown>)[column];
      if (columnValues === undefined)
        throw new BadRequest(
          `${field} has no column "${column}" (it has ${Object.keys(value).join(', ') || 'none'}); the model reads texts from "${column}"`,
        );
      const list = Array.isArray(columnValues) ? columnValues : [columnValues];
      return list.map((t, i) => checkText(t, `${field}.${column}[${i}]`));
    }
    throw new BadRequest(`${field} must be a list of texts, a list of records or a dictionary of columns`);
  })();
  return texts;
}

function checkText(value: unknown, where: string): string {
  if (typeof value !== 'string')
    throw new BadRequest(`${where} is ${value === null ? 'null' : typeof value}, not a string; the model classifies texts`);
  return value;
}

function splitTexts(value: unknown, column: string): string[] {
  const split = value as { columns?: unknown; data?: unknown };
  if (split === null || typeof split !== 'object' || !Array.isArray(split.data))
    throw new BadRequest('dataframe_split must be {"columns": [...], "data": [[...], ...]}');
  const columns = Array.isArray(split.columns) ? split.columns : undefined;
  const index = columns ? columns.indexOf(column) : -1;
  if (index < 0)
    throw new BadRequest(
      `dataframe_split has no column "${column}" (its columns: ${columns ? columns.join(', ') : 'none given'}); the model reads texts from "${column}"`,
    );
  return split.data.map((row, r) => {
    if (!Array.isArray(row) || row.length !== columns!.length)
      throw new BadRequest(`dataframe_split.data[${r}] must be a list of ${columns!.length} values`);
    return checkText(row[index], `dataframe_split.data[${r}][${index}] ("${column}")`);
  });
}

function recordTexts(value: unknown, column: string, field: string): string[] {
  if (!Array.isArray(value)) throw new BadRequest(`${field} must be a list of records`);
  return value.map((record, r) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      throw new BadRequest(`${field}[${r}] must be a record like {"${column}": "some text"}`);
    if (!(column in record))
      throw new BadRequest(
        `${field}[${r}] has no column "${column}" (it has ${Object.keys(record).join(', ') || 'none'}); the model reads texts from "${column}"`,
      );
    return checkText((record as Record<string, unknown>)[column], `${field}[${r}].${column}`);
  });
}

/** The predictions as MLflow's server returns a DataFrame: one record per row. */
export function predictionsJson(pipeline: PredictionPipeline, texts: readonly string[]): string {
  const { labels, proba } = pipeline.predict(texts);
  const names = outputColumns(pipeline.classes);
  const k = pipeline.classes.length;
  const rows = Array.from(labels, (label, r) => {
    const row: Record<string, string | number> = { [names[0]]: pipeline.classes[label] };
    for (let c = 0; c < k; c++) row[names[c + 1]] = proba[r * k + c];
    return row;
  });
  return JSON.stringify({ predictions: rows });
}

export interface ScoringServer {
  server: http.Server;
  url: string;
  /** Stop accepting, finish the requests in flight, close. */
  close(): Promise<void>;
}

export async function startScoringServer(
  pipeline: PredictionPipeline,
  options: Omit<ServeOptions, 'model' | 'backend' | 'trackingUri'>,
): Promise<ScoringServer> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const maxWaiting = 64 * options.concurrency;
  const acquire = (): Promise<void> | undefined => {
    if (active < options.concurrency) {
      active++;
      return Promise.resolve();
    }
    if (waiting.length >= maxWaiting) return undefined;
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const send = (res: http.ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(res, status, JSON.stringify({ error_code: code, message }));

  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (url === '/ping' || url === '/health')) return send(res, 200, '\n', 'application/json');
    if (req.method === 'GET' && url === '/version') return send(res, 200, VERSION, 'text/plain');
    if (url !== '/invocations')
      return error(res, 404, 'ENDPOINT_NOT_FOUND', `no endpoint ${req.method} ${url}; POST /invocations, GET /ping, /health, /version`);
    if (req.method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED', '/invocations takes POST');
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      res.setHeader('Connection', 'close');
      req.resume();
      return error(
        res,
        400,
        'BAD_REQUEST',
        `the body is ${declared} bytes, more than ${options.maxBodyBytes} bytes, the most this server takes (--max-body-bytes); send fewer texts per request`,
      );
    }
    const slot = acquire();
    if (!slot) {
      req.resume();
      return error(res, 503, 'TEMPORARILY_UNAVAILABLE', `${options.concurrency} requests are being scored and ${maxWaiting} wait; retry later`);
    }
    void slot.then(() => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          if (!refused) {
            refused = true;
            res.setHeader('Connection', 'close');
            error(
              res,
              400,
              'BAD_REQUEST',
              `the body is more than ${options.maxBodyBytes} bytes, the most this server takes (--max-body-bytes); send fewer texts per request`,
            );
            release();
          }
          return;
        }
        chunks.push(chunk);
      });
      req.on('error', () => {
        if (!refused) {
          refused = true;
          release();
        }
      });
      req.on('end', () => {
        if (refused) return;
        try {
          const texts = requestTexts(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? 'application/json', pipeline.textColumn);
          send(res, 200, predictionsJson(pipeline, texts));
        } catch (e) {
          if (e instanceof BadRequest) error(res, 400, 'BAD_REQUEST', e.message);
          else {
            options.logger.warn(`serve: scoring failed: ${(e as Error).stack ?? e}`);
            error(res, 500, 'INTERNAL_ERROR', `scoring failed: ${(e as Error).message}`);
          }
        } finally {
          release();
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; requests in flight still finish.
        server.closeIdleConnections();
      }),
  };
}

export async function serveCommand(options: ServeOptions): Promise<number> {
  const pipeline = await loadPredictionPipeline(options.model, options);
  let scoring: ScoringServer;
  try {
    scoring = await startScoringServer(pipeline, options);
  } catch (error) {
    pipeline.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const { InputError } = await import('../errors');
      throw new InputError('SERVE_LISTEN', `cannot listen on ${options.host}:${options.port} (${code}); choose another --port or --host`);
    }
    throw error;
  }
  options.logger.info(
    `serving ${options.model} (${pipeline.saved.name}: ${pipeline.classes.length} classes, text column "${pipeline.textColumn}") at ${scoring.url}/invocations`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      options.logger.info(`serve: ${signal}: finishing the requests in flight, then stopping`);
      void scoring.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  pipeline.dispose();
  return EXIT_OK;
}
