/**
 * `mlspec predict MODEL INPUT`: the label and class probabilities of every text of INPUT.
 *
 * INPUT is a .tsv, .csv (read as the datasets read them) or .jsonl file, or `-`: one text per line
 * on stdin. The output has the input's format and rows, in order: every input column, then
 * `label` and `proba_<class>` per class (as the model's MLflow signature names them; prefixed
 * `predicted_` when the input already has a column of that name). `-` gives TSV with a header.
 * Texts are read and scored in batches (files of any size, bounded memory), with progress on a
 * terminal. Bad input (no such column, a row that is not JSON…) is refused before anything is
 * written; --output FILE appears whole or not at all.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { phaseProgress } from '../phase-progress';
import { streamDelimited } from '../../plugins/datasets/shared/delimited-dataset';
import { readUtf8Chunks } from '../../plugins/datasets/shared/utf8-chunks';
import { loadPredictionPipeline, type BackendChoice } from './load-pipeline';
import type { PredictionPipeline } from './prediction-pipeline';
import { outputColumns } from './saved-model';

export type InputFormat = 'tsv' | 'csv' | 'jsonl' | 'lines';

export interface PredictOptions {
  model: string;
  input: string;
  /** A file to write; stdout when absent. */
  output?: string;
  /** The input's text column; default the model's (its spec's `data.text`). */
  column?: string;
  format?: InputFormat;
  batchSize?: number;
  backend?: BackendChoice;
  trackingUri?: string;
  logger: Logger;
}

export const DEFAULT_BATCH_SIZE = 256;

export function inputFormat(input: string, given?: string): InputFormat {
  if (given !== undefined) {
    if (!['tsv', 'csv', 'jsonl', 'lines'].includes(given))
      throw new InputError('CLI_USAGE', `--format ${given} is not one of tsv, csv, jsonl, lines`);
    return given as InputFormat;
  }
  if (input === '-') return 'lines';
  const ext = path.extname(input).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new InputError(
    'PREDICT_INPUT_FORMAT',
    `cannot tell the format of ${input} from its extension; name it .tsv, .csv or .jsonl, pass --format, or give - for one text per line on stdin`,
  );
}

/** A record of the input: its fields (delimited), its object (jsonl) or its line (lines). */
type Row = { fields: string[] } | { object: Record<string, unknown> } | { line: string };

export async function predict(options: PredictOptions): Promise<{ rows: number }> {
  const format = inputFormat(options.input, options.format);
  if (options.input !== '-' && !fs.existsSync(options.input))
    throw new InputError('PREDICT_INPUT_MISSING', `input file ${options.input} does not exist`);
  if (options.input !== '-' && fs.statSync(options.input).isDirectory())
    throw new InputError('PREDICT_INPUT_MISSING', `input ${options.input} is a folder; give a file`);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pipeline = await loadPredictionPipeline(options.model, options);
  try {
    const writer = new OutputWriter(options.output);
    try {
      const rows = scoreInput(pipeline, format, options, batchSize, writer);
      writer.commit();
      return { rows };
    } catch (error) {
      writer.abandon();
      throw error;
    }
  } finally {
    pipeline.dispose();
  }
}

function scoreInput(pipeline: PredictionPipeline, format: InputFormat, options: PredictOptions, batchSize: number, out: OutputWriter): number {
  const column = options.column ?? pipeline.textColumn;
  const classes = pipeline.classes;
  const progress = phaseProgress(`predict ${path.basename(options.input)}`, 'texts');
  let batch: { row: Row; text: string }[] = [];
  let done = 0;
  let header: string[] = [];
  let ours: string[] = outputColumns(classes);
  const delimiter = format === 'csv' ? ',' : '\t';

  const flush = () => {
    if (batch.length === 0) return;
    const { labels, proba } = pipeline.predict(batch.map((b) => b.text));
    const k = classes.length;
    const lines: string[] = [];
    batch.forEach((b, r) => {
      const values: Array<string | number> = [classes[labels[r]], ...Array.from(proba.subarray(r * k, (r + 1) * k))];
      if ('object' in b.row) {
        const record: Record<string, unknown> = { ...b.row.object };
        ours.forEach((name, i) => (record[name] = values[i]));
        lines.push(JSON.stringify(record));
      } else {
        const fields = 'fields' in b.row ? b.row.fields : [];
        lines.push([...fields, ...values.map(String)].map((f) => quoteField(f, delimiter)).join(delimiter));
      }
    });
    out.write(`${lines.join('\n')}\n`);
    done += batch.length;
    batch = [];
    progress.update(done);
  };
  const add = (row: Row, text: string) => {
    batch.push({ row, text });
    if (batch.length >= batchSize) flush();
  };
  const shown = options.input === '-' ? 'stdin' : options.input;

  if (format === 'lines') {
    const text = fs.readFileSync(options.input === '-' ? 0 : options.input, 'utf8');
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    out.write(`${ours.join('\t')}\n`);
    for (const line of lines) add({ line }, line);
  } else if (format === 'jsonl') {
    let lineNo = 0;
    let pending = '';
    let named = false;
    const takeLine = (line: string) => {
      lineNo++;
      if (line.trim() === '') return;
      let object: unknown;
      try {
        object = JSON.parse(line);
      } catch (error) {
        throw new InputError('PREDICT_INPUT_PARSE', `${shown}:${lineNo}: not a JSON object (${(error as Error).message})`);
      }
      if (object === null || typeof object !== 'object' || Array.isArray(object))
        throw new InputError('PREDICT_INPUT_PARSE', `${shown}:${lineNo}: not a JSON object`);
      const text = (object as Record<string, unknown>)[column];
      if (typeof text !== 'string')
        throw new InputError(
          'PREDICT_COLUMN_MISSING',
          `${shown}:${lineNo}: ${text === undefined ? `has no "${column}" field` : `"${column}" is not a string`}; the model reads texts from "${column}" (--column to choose another field)`,
        );
      // The first record decides the output names, so every record gets the same ones.
      if (!named) {
        named = true;
        if (ours.some((name) => name in (object as object))) ours = ours.map((n) => `predicted_${n}`);
      }
      add({ object: object as Record<string, unknown> }, text);
    };
    readUtf8Chunks(options.input, (chunk) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) takeLine(part.replace(/\r$/, ''));
    });
    if (pending !== '') takeLine(pending.replace(/\r$/, ''));
  } else {
    let textIndex = -1;
    streamDelimited(options.input, delimiter, (fields, line) => {
      if (textIndex < 0) {
        header = fields;
        textIndex = header.indexOf(column);
        if (textIndex < 0)
          throw new InputError(
            'PREDICT_COLUMN_MISSING',
            `${shown} has no column "${column}" (its columns: ${header.join(', ')}); the model reads texts from "${column}": pass --column NAME`,
          );
        if (ours.some((name) => header.includes(name))) ours = ours.map((n) => `predicted_${n}`);
        out.write(`${[...header, ...ours].map((f) => quoteField(f, delimiter)).join(delimiter)}\n`);
        return;
      }
      if (fields.length > header.length)
        throw new InputError(
          'PREDICT_INPUT_PARSE',
          `${shown}:${line}: ${fields.length} fields, the header has ${header.length} (check the delimiter and quoting)`,
        );
      while (fields.length < header.length) fields.push('');
      add({ fields }, fields[textIndex]);
    });
    if (textIndex < 0) throw new InputError('PREDICT_INPUT_PARSE', `${shown} is empty: it has no header row`);
  }
  flush();
  progress.finish();
  return done;
}

/** A field as pandas' to_csv writes it: quoted when it holds the delimiter, a quote or a line break. */
function quoteField(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** stdout, or a file that appears whole at the end (a temporary file beside it, renamed). */
class OutputWriter {
  private readonly fd: number;
  private readonly temp?: string;

  constructor(private readonly target?: string) {
    if (target === undefined || target === '-') {
      this.fd = 1;
      return;
    }
    if (fs.existsSync(target) && fs.statSync(target).isDirectory())
      throw new InputError('CLI_USAGE', `--output ${target} is a folder; give a file name`);
    this.temp = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${process.pid}.tmp`);
    this.fd = fs.openSync(this.temp, 'w');
  }

  write(text: string): void {
    fs.writeSync(this.fd, text);
  }

  commit(): void {
    if (this.temp === undefined) return;
    fs.closeSync(this.fd);
    fs.renameSync(this.temp, this.target!);
  }

  abandon(): void {
    if (this.temp === undefined) return;
    fs.closeSync(this.fd);
    fs.rmSync(this.temp, { force: true });
  }
}
