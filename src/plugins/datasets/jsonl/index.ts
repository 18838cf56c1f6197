/**
 * `jsonl`: one JSON object per line (JSON Lines, pandas' read_json(lines=True)), streamed in
 * chunks like the delimited files: rows are filtered as they are read, the digest and text
 * statistics computed on the way. Fields are looked up by name in each object; a number or boolean
 * is read as its JSON text (a label 5 is the class "5"). Lines of only whitespace are skipped.
 * A line that is not a JSON object, or that lacks the text or label field, is an error naming it.
 */
import path from 'node:path';
import { MlspecError, optionError } from '../../../core/errors';
import { definePlugin, type Dataset, type LoadedData, type PluginContext } from '../../../core/plugin';
import { optionsSchema, type DelimitedOptions } from '../shared/delimited-dataset';
import { KeptRows } from '../shared/kept-rows';
import { InvalidUtf8Error, readUtf8Chunks } from '../shared/utf8-chunks';

export type JsonlOptions = DelimitedOptions;

/** Calls `onLine` with each line of the file (without its line end) and its 1-based number. */
function streamLines(file: string, onLine: (line: string, number: number) => void): void {
  let pending = '';
  let number = 0;
  readUtf8Chunks(file, (text) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const line = pending + text.slice(start, end);
      pending = '';
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line, ++number);
      start = end + 1;
    }
    pending += text.slice(start);
  });
  if (pending !== '') onLine(pending.endsWith('\r') ? pending.slice(0, -1) : pending, ++number);
}

function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return undefined;
}

class JsonlDataset implements Dataset {
  constructor(
    private readonly options: Readonly<JsonlOptions>,
    private readonly context: PluginContext,
  ) {}

  async load(): Promise<LoadedData> {
    const o = this.options;
    const file = path.resolve(this.context.baseDir, o.path);
    const shown = path.relative(process.cwd(), file) || file;
    const kept = new KeptRows(o, this.context);
    const filters = Object.entries(o.where).map(([name, wanted]) => ({ name, values: new Set(Array.isArray(wanted) ? wanted : [wanted]) }));
    const extra: string[] = [];
    let lineNumber = 0; // the last line read
    let rows = 0;
    try {
      streamLines(file, (line, number) => {
        lineNumber = number;
        if (line.trim() === '') return;
        rows++;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (error) {
          throw optionError('DATA_PARSE', 'path', `${o.path}:${number} (data row ${rows - 1}): not a JSON object: ${(error as Error).message}`);
        }
        if (record === null || typeof record !== 'object' || Array.isArray(record)) {
          throw optionError(
            'DATA_PARSE',
            'path',
            `${o.path}:${number} (data row ${rows - 1}): expected a JSON object per line, found ${Array.isArray(record) ? 'an array' : JSON.stringify(record)}`,
          );
        }
        const fields = record as Record<string, unknown>;
        const r = kept.read();
        for (const f of filters) {
          const value = fieldText(fields[f.name]);
          if (value === undefined || !f.values.has(value)) return;
        }
        const text = fieldText(fields[o.text]);
        const label = fieldText(fields[o.label]);
        for (const [value, name, option] of [
          [text, o.text, 'text'],
          [label, o.label, 'label'],
        ] as const) {
          if (value === undefined) {
            const found = fields[name] === undefined ? 'has no' : `has a ${fields[name] === null ? 'null' : typeof fields[name]}`;
            throw optionError(
              'DATA_COLUMN_MISSING',
              option,
              `${o.path}:${number} (data row ${r}) ${found} "${name}" field; each line needs "${name}" as a string (or number); its fields are: ${Object.keys(fields).join(', ')}`,
            );
          }
        }
        for (let k = 0; k < o.keepColumns.length; k++) extra[k] = fieldText(fields[o.keepColumns[k]]) ?? '';
        kept.keep(r, number, text!, label!, extra);
      });
    } catch (e) {
      if (e instanceof MlspecError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw optionError('DATA_FILE_MISSING', 'path', `data file ${shown} does not exist; fix \`path\` (it is relative to the spec file)`);
      if (code === 'EISDIR')
        throw optionError(
          'DATA_FILE_IS_DIRECTORY',
          'path',
          `data file ${shown} is a directory; \`path\` must name a data file in it (relative to the spec file)`,
        );
      if (typeof code === 'string') throw optionError('DATA_FILE_UNREADABLE', 'path', `cannot read data file ${file}: ${(e as Error).message}`);
      if (e instanceof InvalidUtf8Error) {
        throw optionError(
          'DATA_ENCODING',
          'path',
          `${shown}:${lineNumber + 1} (data row ${rows}): ${e.message}; the file must be UTF-8 (pandas refuses it too): re-save it as UTF-8 or fix that byte`,
        );
      }
      throw e;
    }
    return kept.finish();
  }
}

export const jsonl = definePlugin<JsonlOptions, Dataset>({
  kind: 'dataset',
  name: 'jsonl',
  description: 'JSON Lines file: one object per line, fields by name (pandas read_json(lines=True)).',
  optionsSchema,
  exampleOptions: { path: 'data/example.jsonl' },
  create: (options, context) => new JsonlDataset(options, context),
});
export default jsonl;
