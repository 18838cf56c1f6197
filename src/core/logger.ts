/** The console logger: messages go to stderr so stdout stays clean for tables and `mlspec schema`. */
import { phaseProgress } from './phase-progress';
import type { Logger } from './plugin';

export function consoleLogger(options: { quiet?: boolean; debug?: boolean } = {}): Logger {
  return {
    info: (m) => {
      if (!options.quiet) process.stderr.write(`${m}\n`);
    },
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: (m) => {
      if (options.debug) process.stderr.write(`debug: ${m}\n`);
    },
    ...(options.quiet ? {} : { progress: (label: string, unit: string) => phaseProgress(label, unit) }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
