/**
 * What mlspec writes to a terminal: colours (picocolors) only where they help and only where they
 * are wanted, the width tables may take, and the one live line (a progress bar) that messages must
 * clear before they print.
 *
 * Colour: NO_COLOR (any non-empty value) turns it off, always (https://no-color.org); otherwise
 * FORCE_COLOR turns it on ("0" or "false" turn it off, as in Node); otherwise only a terminal that
 * is not TERM=dumb gets colour — never a pipe, a file or a CI log.
 */
import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

export interface TerminalStream {
  isTTY?: boolean;
  columns?: number;
}

export function colorEnabled(stream: TerminalStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase());
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The colour functions for what goes to `stream` (plain identity functions when colour is off). */
export function colorsFor(stream: TerminalStream, env: NodeJS.ProcessEnv = process.env): Colors {
  return picocolors.createColors(colorEnabled(stream, env));
}

/** Columns a line may take on `stream`: the terminal's width, or undefined (no limit) for a pipe or file. */
export function lineWidth(stream: TerminalStream): number | undefined {
  // Some terminals (and `script`) report 0 columns: then there is no width to keep to.
  return stream.isTTY === true && stream.columns ? stream.columns : undefined;
}

/** `text` cut to `width` characters, the last one an ellipsis when anything was cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * The line a progress display redraws in place on stderr. A display registers itself while its line
 * is drawn; a message (the logger's) clears that line first so it never lands on the bar, and the
 * display draws its line again on its next update.
 */
export interface LiveLine {
  clear(): void;
}

let live: LiveLine | undefined;

export const liveLine = {
  shown(line: LiveLine): void {
    live = line;
  },
  hidden(line: LiveLine): void {
    if (live === line) live = undefined;
  },
  /** Clear whatever live line is drawn, before a message is printed. */
  clearForMessage(): void {
    live?.clear();
  },
};
