/**
 * Delimited text read the way pandas' default C parser reads it (`read_csv`, quotechar '"',
 * doublequote=True, skip_blank_lines=True): a field that starts with a quote runs to the matching
 * closing quote, `""` inside it is one quote, and delimiters and newlines inside it are text;
 * characters after the closing quote are appended to the field; a quote inside an unquoted field is
 * an ordinary character.
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

export function parseDelimited(text: string, delimiter: string): ParsedTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  const starts: number[] = [];
  let field = '';
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  let fieldStarted = false; // whether the current record has any content yet (blank lines are skipped)
  let atFieldStart = true; // a quote opens a quoted field only here

  const endField = () => {
    record.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRecord = () => {
    endField();
    if (fieldStarted) {
      records.push(record);
      starts.push(recordLine);
    }
    record = [];
    fieldStarted = false;
  };

  while (i < n) {
    const c = text[i];
    if (c === '"' && atFieldStart) {
      fieldStarted = true;
      atFieldStart = false;
      i++;
      for (;;) {
        if (i >= n) throw new DelimitedParseError('a quoted field is not closed before the end of the file (EOF inside string)', recordLine);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      continue;
    }
    if (c === delimiter) {
      fieldStarted = true;
      endField();
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
    } else {
      fieldStarted = true;
      atFieldStart = false;
      field += c;
      i++;
    }
  }
  if (fieldStarted || field !== '') endRecord();

  if (records.length === 0) return { header: [], rows: [], lines: [] };
  const [header, ...rows] = records;
  const lines = starts.slice(1);
  rows.forEach((row, r) => {
    if (row.length > header.length) {
      throw new DelimitedParseError(`expected ${header.length} fields, saw ${row.length} (check the delimiter and quoting)`, lines[r]);
    }
    while (row.length < header.length) row.push('');
  });
  return { header, rows, lines };
}

