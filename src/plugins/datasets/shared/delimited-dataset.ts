/**
 * The `tsv` and `csv` dataset plugins: one implementation, two delimiters. Streams the file, keeps
 * the rows that pass `where`, and maps labels onto the class list (a label outside it is an error
 * naming the row).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MlspecError, optionError } from '../../../core/errors';
import { didYouMean } from '../../../core/did-you-mean';
import { definePlugin, type Dataset, type LoadedData, type PluginContext, type PluginDefinition } from '../../../core/plugin';
import { codePointLength, whitespaceWordCount } from '../../../core/run/text-stats';
import { checkWidth, DelimitedParseError, DelimitedRecordReader, TableCollector, type ParsedTable } from './delimited-parser';
import { InvalidUtf8Error, readUtf8Chunks } from './utf8-chunks';

export interface DelimitedOptions {
  path: string;
  text: string;
  label: string;
  classes?: string[];
  where: Record<string, string | string[]>;
  keepColumns: string[];
}

const optionsSchema = {
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
    let extra: { name: string; index: number }[] = [];
    const column = (name: string, option: string): number => {
      const index = header!.indexOf(name);
      if (index < 0) {
        throw optionError('DATA_COLUMN_MISSING', option, `column "${name}" is not in ${o.path}${didYouMean(name, header!)}; its columns are: ${header!.join(', ')}`);
      }
      return index;
    };

    const texts: string[] = [];
    const labelNames: string[] = [];
    const rowNumbers: number[] = [];
    const lines: number[] = [];
    const columns: Record<string, string[]> = {};
    const digest = new RowDigest();
    let chars = 0;
    let words = 0;
    let totalRows = 0;
    const progress = this.context.logger.progress?.(`reading ${o.path}`, 'rows');

    streamDelimited(file, this.delimiter, (fields, line) => {
      if (header === null) {
        header = fields;
        textCol = column(o.text, 'text');
        labelCol = column(o.label, 'label');
        filters = Object.entries(o.where).map(([name, wanted]) => ({
          index: column(name, `where.${name}`),
          values: new Set(Array.isArray(wanted) ? wanted : [wanted]),
        }));
        extra = o.keepColumns.map((name) => ({ name, index: column(name, 'keepColumns') }));
        for (const { name } of extra) columns[name] = [];
        return;
      }
      const row = checkWidth(fields, header.length, line);
      const r = totalRows++;
      if (progress && (r & 0x3fff) === 0) progress.update(r);
      for (const f of filters) if (!f.values.has(row[f.index])) return;
      const text = row[textCol];
      const label = row[labelCol];
      texts.push(text);
      labelNames.push(label);
      rowNumbers.push(r);
      lines.push(line);
      for (const { name, index } of extra) columns[name].push(row[index]);
      digest.add(r, text, label);
      chars += codePointLength(text);
      words += whitespaceWordCount(text);
    });
    progress?.finish();
    if (header === null) throw optionError('DATA_EMPTY', 'path', `${o.path} is empty: it has no header row`);
    if (texts.length === 0) {
      const described = Object.entries(o.where).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(' and ');
      throw optionError('DATA_EMPTY', 'where', `no rows of ${o.path} match ${described || 'the filter'} (${totalRows} rows read); check the values in \`where\``);
    }

    const classes = o.classes ?? [...new Set(labelNames)].sort();
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const labels = new Array<number>(labelNames.length);
    for (let i = 0; i < labelNames.length; i++) {
      const index = classIndex.get(labelNames[i]);
      if (index === undefined) {
        const label = labelNames[i];
        throw optionError(
          'DATA_LABEL_UNKNOWN',
          'classes',
          `${o.path}:${lines[i]} (data row ${rowNumbers[i]}): label "${label}" is not in the class list [${classes.join(', ')}]${didYouMean(label, classes)}; add it to \`classes\` or filter the row out with \`where\``,
        );
      }
      labels[i] = index;
    }
    return {
      source: o.path,
      texts,
      labels,
      classes,
      rowNumbers,
      totalRows,
      columns,
      digest: digest.hex(),
      textStats: { codePoints: chars, words },
    };
  }
}

/**
 * sha256 of every kept row's `number\ttext\tlabel\n`, fed in blocks of about a megabyte: one
 * update per row would spend more time crossing into the hash than hashing.
 */
class RowDigest {
  private readonly hash = createHash('sha256');
  private block = '';

  add(row: number, text: string, label: string): void {
    this.block += `${row}\t${text}\t${label}\n`;
    if (this.block.length > 1 << 20) this.flush();
  }

  hex(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    this.hash.update(this.block);
    this.block = '';
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
