/**
 * The `tsv` and `csv` dataset plugins: one implementation, two delimiters. Streams the file, keeps
 * the rows that pass `where`, and maps labels onto the class list (a label outside it is an error
 * naming the row).
 */
import path from 'node:path';
import { MlspecError, optionError } from '../../../core/errors';
import { didYouMean } from '../../../core/did-you-mean';
import { definePlugin, type Dataset, type LoadedData, type PluginContext, type PluginDefinition } from '../../../core/plugin';
import { checkWidth, DelimitedParseError, DelimitedRecordReader, TableCollector, type ParsedTable } from './delimited-parser';
import { KeptRows } from './kept-rows';
import { InvalidUtf8Error, readUtf8Chunks } from './utf8-chunks';

export interface DelimitedOptions {
  path: string;
  text: string;
  label: string;
  classes?: string[];
  where: Record<string, string | string[]>;
  keepColumns: string[];
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The data file, relative to the spec file.' },
    text: { type: 'string', default: 'text', description: 'Column holding the text to classify.' },
    label: { type: 'string', default: 'label', description: 'Column holding the class label.' },
    classes: {
      type: 'array',
      items: { type: 'string' },
      minItems: 2,
      uniqueItems: true,
      description: 'The class list, in order (class i is label i). A label outside it is an error. Default: the sorted distinct labels.',
    },
    where: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
      default: {},
      description: 'Keep only rows whose column equals the value (or one of the values), e.g. { Country: lebanon }.',
    },
    keepColumns: {
      type: 'array',
      items: { type: 'string' },
      default: [],
      description: 'Other columns to carry along for summaries and plots (e.g. Topic).',
    },
  },
};

/** The whole file as a table (small files: fixtures, benchmarks). Datasets stream it instead. */
export function readDelimited(file: string, delimiter: string): ParsedTable {
  const table = new TableCollector();
  streamDelimited(file, delimiter, table.record);
  return table.table();
}

/**
 * Streams the file's records (the header first) to `onRecord`, chunk by chunk. A file that is
 * missing, unreadable, badly quoted or not UTF-8 is an error naming the file and the place.
 */
export function streamDelimited(file: string, delimiter: string, onRecord: (fields: string[], line: number) => void): void {
  const shown = path.relative(process.cwd(), file) || file;
  let records = 0;
  const reader = new DelimitedRecordReader(delimiter, (fields, line) => {
    records++;
    onRecord(fields, line);
  });
  try {
    readUtf8Chunks(file, (text) => reader.push(text));
    reader.end();
  } catch (e) {
    if (e instanceof MlspecError) throw e; // the caller's own error about a record
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw optionError('DATA_FILE_MISSING', 'path', `data file ${shown} does not exist; fix \`path\` (it is relative to the spec file)`);
    }
    if (code === 'EISDIR') {
      throw optionError(
        'DATA_FILE_IS_DIRECTORY',
        'path',
        `data file ${shown} is a directory; \`path\` must name a data file in it (relative to the spec file)`,
      );
    }
    if (typeof code === 'string') throw optionError('DATA_FILE_UNREADABLE', 'path', `cannot read data file ${file}: ${(e as Error).message}`);
    if (e instanceof InvalidUtf8Error) {
      // The record holding the bad byte is the next one: the header, or data row records - 1.
      const row = records === 0 ? 'the header' : `data row ${records - 1}`;
      throw optionError(
        'DATA_ENCODING',
        'path',
        `${shown}:${reader.line} (${row}): ${e.message}; the file must be UTF-8 (pandas refuses it too): re-save it as UTF-8 or fix that byte`,
      );
    }
    if (e instanceof DelimitedParseError) throw optionError('DATA_PARSE', 'path', `${file}:${e.line}: ${e.message}`);
    throw e;
  }
}

class DelimitedDataset implements Dataset {
  constructor(
    private readonly options: Readonly<DelimitedOptions>,
    private readonly context: PluginContext,
    private readonly delimiter: string,
  ) {}

  /**
   * One pass over the file: rows are filtered as they are read, and only the kept rows' text,
   * label and extra columns are held; the digest and the text statistics are computed on the way.
   */
  async load(): Promise<LoadedData> {
    const o = this.options;
    const file = path.resolve(this.context.baseDir, o.path);
    let header: string[] | null = null;
    let textCol = -1;
    let labelCol = -1;
    let filters: { index: number; values: Set<string> }[] = [];
    let extra: number[] = [];
    const column = (name: string, option: string): number => {
      const index = header!.indexOf(name);
      if (index < 0) {
        throw optionError(
          'DATA_COLUMN_MISSING',
          option,
          `column "${name}" is not in ${o.path}${didYouMean(name, header!)}; its columns are: ${header!.join(', ')}`,
        );
      }
      return index;
    };
    const kept = new KeptRows(o, this.context);
    const extraValues: string[] = [];

    streamDelimited(file, this.delimiter, (fields, line) => {
      if (header === null) {
        header = fields;
        textCol = column(o.text, 'text');
        labelCol = column(o.label, 'label');
        filters = Object.entries(o.where).map(([name, wanted]) => ({
          index: column(name, `where.${name}`),
          values: new Set(Array.isArray(wanted) ? wanted : [wanted]),
        }));
        extra = o.keepColumns.map((name) => column(name, 'keepColumns'));
        return;
      }
      const row = checkWidth(fields, header.length, line);
      const r = kept.read();
      for (const f of filters) if (!f.values.has(row[f.index])) return;
      for (let k = 0; k < extra.length; k++) extraValues[k] = row[extra[k]];
      kept.keep(r, line, row[textCol], row[labelCol], extraValues);
    });
    if (header === null) throw optionError('DATA_EMPTY', 'path', `${o.path} is empty: it has no header row`);
    return kept.finish();
  }
}

export function delimitedDatasetPlugin(name: 'tsv' | 'csv', delimiter: string, description: string): PluginDefinition<DelimitedOptions, Dataset> {
  return definePlugin<DelimitedOptions, Dataset>({
    kind: 'dataset',
    name,
    description,
    optionsSchema,
    exampleOptions: { path: 'data/example.tsv' },
    create: (options, context) => new DelimitedDataset(options, context, delimiter),
  });
}
