/**
 * Delimited text read the way pandas' default C parser reads it (`read_csv`, quotechar '"',
 * doublequote=True, skip_blank_lines=True): a field that starts with a quote runs to the matching
 * closing quote, `""` inside it is one quote, and delimiters and newlines inside it are text;
 * characters after the closing quote are appended to the field; a quote inside an unquoted field is
 * an ordinary character. A line of nothing but spaces and tabs (a tab only when it is not the
 * delimiter) is blank and skipped, as pandas' tokenizer does (its WHITESPACE_LINE state); other
 * whitespace (\v, \f, U+00A0…) makes a row.
 *
 * The parser is incremental: text arrives in chunks of any size (`push`), each record goes to a
 * callback as soon as it is complete, and nothing but the record being read is kept, so a file of
 * any size is read in bounded memory. Fields are sliced from the chunk, not built a character at a
 * time.
 */

export interface ParsedTable {
  header: string[];
  rows: string[][];
  /** 1-based line of the file where each row starts (for error messages). */
  lines: number[];
}

export class DelimitedParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  /** At the start of a field: a quote here opens a quoted field. */
  FieldStart,
  /** In an unquoted field, or after a quoted field's closing quote. */
  Unquoted,
  Quoted,
  /** Just read a quote inside a quoted field: `""` or the closing quote. */
  QuoteInQuoted,
}

/**
 * Reads records from text pushed in chunks. `onRecord` gets each non-blank record's fields and
 * the 1-based line it starts on; the header is the first record.
 */
export class DelimitedRecordReader {
  private state = State.FieldStart;
  private fields: string[] = [];
  /** The current field's text from earlier chunks (or before a `""`). */
  private pending = '';
  /** Whether the current record holds anything that makes it a row: any character but a blank. */
  private recordHasContent = false;
  /** Whether the current record has any characters at all (blank ones included). */
  private recordStarted = false;
  /** A CR ended the last record: a LF right after it belongs to the same line end. */
  private afterCr = false;
  private firstChunk = true;
  private lineNumber = 1;
  private recordLine = 1;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (fields: string[], line: number) => void,
  ) {
    if (delimiter.length !== 1) throw new Error('the delimiter must be one character');
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** The line being read (1-based): where an error found now is. */
  get line(): number {
    return this.lineNumber;
  }

  push(text: string): void {
    let i = 0;
    const n = text.length;
    if (this.firstChunk && n > 0) {
      this.firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.afterCr && i < n) {
      this.afterCr = false;
      if (text.charCodeAt(i) === LF) i++;
    }
    const delimiter = this.delimiter;
    // Start of the current field's text within this chunk.
    let start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.recordHasContent = this.recordStarted = true;
            i++;
            start = i;
            continue;
          }
          // Otherwise the character is the unquoted field's first: read it in that state.
          this.state = State.Unquoted;
          start = i;
          continue;
        case State.Unquoted:
          if (c === delimiter) {
            this.recordHasContent = this.recordStarted = true;
            this.endField(text, start, i);
            i++;
            start = i;
          } else if (c === LF || c === CR) {
            this.endField(text, start, i);
            this.endRecord();
            i++;
            this.lineNumber++;
            this.recordLine = this.lineNumber;
            if (c === CR) {
              if (i === n) this.afterCr = true;
              else if (text.charCodeAt(i) === LF) i++;
            }
            start = i;
          } else {
            this.recordStarted = true;
            if (!this.recordHasContent && !((c === SPACE || c === TAB) && c !== delimiter)) this.recordHasContent = true;
            i++;
          }
          continue;
        case State.Quoted: {
          const q = text.indexOf('"', i);
          const end = q < 0 ? n : q;
          for (let k = text.indexOf('\n', i); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) this.lineNumber++;
          if (q < 0) {
            i = n;
            continue;
          }
          this.pending += text.slice(start, q);
          this.state = State.QuoteInQuoted;
          i = q + 1;
          start = i;
          continue;
        }
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            // `""`: one quote of text, and the quoted field goes on.
            this.pending += '"';
            this.state = State.Quoted;
            i++;
            start = i;
          } else {
            // The closing quote: what follows up to the delimiter is appended to the field.
            this.state = State.Unquoted;
            start = i;
          }
          continue;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.pending += text.slice(start, n);
  }

  /** The end of the text: the last record, and an error if a quoted field is still open. */
  end(): void {
    if (this.state === State.Quoted) {
      throw new DelimitedParseError('a quoted field is not closed before the end of the file (EOF inside string)', this.recordLine);
    }
    if (this.recordStarted || this.pending !== '' || this.fields.length > 0) {
      this.fields.push(this.pending);
      this.pending = '';
      this.finishRecord();
    }
  }

  private endField(text: string, start: number, end: number): void {
    this.fields.push(this.pending === '' ? text.slice(start, end) : this.pending + text.slice(start, end));
    this.pending = '';
    this.state = State.FieldStart;
  }

  private endRecord(): void {
    this.finishRecord();
  }

  private finishRecord(): void {
    const fields = this.fields;
    const keep = this.recordHasContent;
    this.fields = [];
    this.recordHasContent = this.recordStarted = false;
    this.state = State.FieldStart;
    if (keep) this.onRecord(fields, this.recordLine);
  }
}

/** Parses a whole text at once (small files and tests). */
export function parseDelimited(text: string, delimiter: string): ParsedTable {
  const table = new TableCollector();
  const reader = new DelimitedRecordReader(delimiter, table.record);
  reader.push(text);
  reader.end();
  return table.table();
}

/** Collects records into a table: header first, rows padded to the header's width. */
export class TableCollector {
  private header: string[] | null = null;
  private readonly rows: string[][] = [];
  private readonly lines: number[] = [];

  readonly record = (fields: string[], line: number): void => {
    if (this.header === null) {
      this.header = fields;
      return;
    }
    this.rows.push(checkWidth(fields, this.header.length, line));
    this.lines.push(line);
  };

  table(): ParsedTable {
    return { header: this.header ?? [], rows: this.rows, lines: this.lines };
  }
}

/** A data row with the header's width: missing trailing fields are empty, extra ones an error. */
export function checkWidth(fields: string[], width: number, line: number): string[] {
  if (fields.length > width) {
    throw new DelimitedParseError(`expected ${width} fields, saw ${fields.length} (check the delimiter and quoting)`, line);
  }
  while (fields.length < width) fields.push('');
  return fields;
}
