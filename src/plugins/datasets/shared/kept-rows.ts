/**
 * What every file dataset does with its rows as they stream past: keep the ones that pass `where`
 * (text, label, extra columns, row and line numbers), and compute the digest and the text
 * statistics on the way, so nothing goes over the texts a second time. `finish` maps labels onto
 * the class list (a label outside it is an error naming the row) and yields the LoadedData.
 */
import { createHash } from 'node:crypto';
import { didYouMean } from '../../../core/did-you-mean';
import { optionError } from '../../../core/errors';
import type { LoadedData, PluginContext } from '../../../core/plugin';
import type { PhaseProgress } from '../../../core/phase-progress';
import { codePointLength, whitespaceWordCount } from '../../../core/run/text-stats';

export interface RowSelection {
  path: string;
  classes?: string[];
  where: Record<string, string | string[]>;
  keepColumns: string[];
}

export class KeptRows {
  private readonly texts: string[] = [];
  private readonly labelNames: string[] = [];
  private readonly rowNumbers: number[] = [];
  private readonly lines: number[] = [];
  private readonly columns: Record<string, string[]> = {};
  private readonly digest = new RowDigest();
  private codePoints = 0;
  private words = 0;
  /** Each kept text's code points and words, for the dataset plot once the texts are released. */
  private readonly rowCodePoints: number[] = [];
  private readonly rowWords: number[] = [];
  /** Rows read, kept or not. */
  rowsRead = 0;
  private readonly progress: PhaseProgress | undefined;

  constructor(
    private readonly options: Readonly<RowSelection>,
    context: PluginContext,
  ) {
    for (const name of options.keepColumns) this.columns[name] = [];
    this.progress = context.logger.progress?.(`reading ${options.path}`, 'rows');
  }

  /** Counts a row read; returns its 0-based data-row number. */
  read(): number {
    const r = this.rowsRead++;
    if (this.progress && (r & 0x3fff) === 0) this.progress.update(r);
    return r;
  }

  /** Keeps data row `row` (on `line` of the file); `extra` in the order of keepColumns. */
  keep(row: number, line: number, text: string, label: string, extra: readonly string[]): void {
    this.texts.push(text);
    this.labelNames.push(label);
    this.rowNumbers.push(row);
    this.lines.push(line);
    const names = this.options.keepColumns;
    for (let k = 0; k < names.length; k++) this.columns[names[k]].push(extra[k]);
    this.digest.add(row, text, label);
    const codePoints = codePointLength(text);
    const words = whitespaceWordCount(text);
    this.rowCodePoints.push(codePoints);
    this.rowWords.push(words);
    this.codePoints += codePoints;
    this.words += words;
  }

  finish(): LoadedData {
    this.progress?.finish();
    const o = this.options;
    if (this.texts.length === 0) {
      const described = Object.entries(o.where)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(' and ');
      throw optionError(
        'DATA_EMPTY',
        'where',
        `no rows of ${o.path} match ${described || 'the filter'} (${this.rowsRead} rows read); check the values in \`where\``,
      );
    }
    const classes = o.classes ?? [...new Set(this.labelNames)].sort();
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const labels = new Array<number>(this.labelNames.length);
    for (let i = 0; i < labels.length; i++) {
      const label = this.labelNames[i];
      const index = classIndex.get(label);
      if (index === undefined) {
        throw optionError(
          'DATA_LABEL_UNKNOWN',
          'classes',
          `${o.path}:${this.lines[i]} (data row ${this.rowNumbers[i]}): label "${label}" is not in the class list [${classes.join(', ')}]${didYouMean(label, classes)}; add it to \`classes\` or filter the row out with \`where\``,
        );
      }
      labels[i] = index;
    }
    return {
      source: o.path,
      texts: this.texts,
      labels,
      classes,
      rowNumbers: this.rowNumbers,
      totalRows: this.rowsRead,
      columns: this.columns,
      digest: this.digest.hex(),
      textStats: { codePoints: this.codePoints, words: this.words },
      textLengths: { codePoints: Int32Array.from(this.rowCodePoints), words: Int32Array.from(this.rowWords) },
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
