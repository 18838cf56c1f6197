/** The console logger: messages go to stderr so stdout stays clean for tables and `mlspec schema`. */
import { phaseProgress } from './phase-progress';
import type { Logger } from './plugin';
import { colorsFor, liveLine } from './terminal';

export function consoleLogger(options: { quiet?: boolean; debug?: boolean } = {}): Logger {
  const colors = colorsFor(process.stderr);
  // A message never lands on a progress bar: the bar is cleared first and redrawn on its next update.
  const write = (text: string) => {
    liveLine.clearForMessage();
    process.stderr.write(`${text}\n`);
  };
  return {
    info: (m) => {
      if (!options.quiet) write(m);
    },
    warn: (m) => write(`${colors.yellow('warning:')} ${m}`),
    debug: (m) => {
      if (options.debug) write(`${colors.dim('debug:')} ${m}`);
    },
    ...(options.quiet ? {} : { progress: (label: string, unit: string) => phaseProgress(label, unit) }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
