/**
 * The `tsv` and `csv` dataset plugins: one implementation, two delimiters. Reads the file, keeps
 * the rows that pass `where`, and maps labels onto the class list (a label outside it is an error
 * naming the row).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { optionError } from '../../../core/errors';
import { didYouMean } from '../../../core/did-you-mean';
import { definePlugin, type Dataset, type LoadedData, type PluginContext, type PluginDefinition } from '../../../core/plugin';
import { DelimitedParseError, parseDelimited } from './delimited-parser';

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

export function readDelimited(file: string, delimiter: string): ReturnType<typeof parseDelimited> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw optionError('DATA_FILE_MISSING', 'path', `data file ${path.relative(process.cwd(), file)} does not exist; fix \`path\` (it is relative to the spec file)`);
    }
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') {
      throw optionError('DATA_FILE_IS_DIRECTORY', 'path', `data file ${path.relative(process.cwd(), file) || '.'} is a directory; \`path\` must name a data file in it (relative to the spec file)`);
    }
    throw optionError('DATA_FILE_UNREADABLE', 'path', `cannot read data file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseDelimited(text, delimiter);
  } catch (e) {
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

  async load(): Promise<LoadedData> {
    const o = this.options;
    const file = path.resolve(this.context.baseDir, o.path);
    const table = readDelimited(file, this.delimiter);
    const column = (name: string, option: string): number => {
      const index = table.header.indexOf(name);
      if (index < 0) {
        throw optionError('DATA_COLUMN_MISSING', option, `column "${name}" is not in ${o.path}${didYouMean(name, table.header)}; its columns are: ${table.header.join(', ')}`);
      }
      return index;
    };
    const textCol = column(o.text, 'text');
    const labelCol = column(o.label, 'label');
    const filters = Object.entries(o.where).map(([name, wanted]) => ({
      index: column(name, `where.${name}`),
      values: new Set(Array.isArray(wanted) ? wanted : [wanted]),
    }));
    const extra = o.keepColumns.map((name) => ({ name, index: column(name, 'keepColumns') }));

    const kept: number[] = [];
    table.rows.forEach((row, r) => {
      if (filters.every((f) => f.values.has(row[f.index]))) kept.push(r);
    });
    if (kept.length === 0) {
      const described = Object.entries(o.where).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(' and ');
      throw optionError('DATA_EMPTY', 'where', `no rows of ${o.path} match ${described || 'the filter'} (${table.rows.length} rows read); check the values in \`where\``);
    }

    const classes = o.classes ?? [...new Set(kept.map((r) => table.rows[r][labelCol]))].sort();
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const labels = kept.map((r) => {
      const label = table.rows[r][labelCol];
      const index = classIndex.get(label);
      if (index === undefined) {
        throw optionError(
          'DATA_LABEL_UNKNOWN',
          'classes',
          `${o.path}:${table.lines[r]} (data row ${r}): label "${label}" is not in the class list [${classes.join(', ')}]${didYouMean(label, classes)}; add it to \`classes\` or filter the row out with \`where\``,
        );
      }
      return index;
    });
    const texts = kept.map((r) => table.rows[r][textCol]);
    const columns: Record<string, string[]> = {};
    for (const { name, index } of extra) columns[name] = kept.map((r) => table.rows[r][index]);

    const digest = createHash('sha256');
    kept.forEach((r, i) => digest.update(`${r}\t${texts[i]}\t${classes[labels[i]]}\n`));
    return { source: o.path, texts, labels, classes, rowNumbers: kept, totalRows: table.rows.length, columns, digest: digest.digest('hex') };
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
