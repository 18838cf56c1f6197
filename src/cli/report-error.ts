/** An error as the user sees it, and the exit code it maps to (0 ok, 1 a run failed, 2 bad input). */
import { EXIT_RUN_FAILED, MlspecError, SpecErrors } from '../core/errors';
import { colorsFor, liveLine } from '../core/terminal';

export function reportError(error: unknown): number {
  const colors = colorsFor(process.stderr);
  liveLine.clearForMessage();
  if (error instanceof SpecErrors) {
    // Each problem is already `file:line:col CODE message` with its source frame: the place bold,
    // the code red.
    const text = error.message.replace(
      /^(\S+:\d+:\d+) ([A-Z][A-Z0-9_]*) /gm,
      (_, place: string, code: string) => `${colors.bold(place)} ${colors.red(code)} `,
    );
    process.stderr.write(`${text}\n`);
    return error.exitCode;
  }
  if (error instanceof MlspecError) {
    process.stderr.write(`${colors.red(`error ${error.code}:`)} ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${colors.red(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  return EXIT_RUN_FAILED;
}
