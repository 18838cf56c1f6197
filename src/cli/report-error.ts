/** An error as the user sees it, and the exit code it maps to (0 ok, 1 a run failed, 2 bad input). */
import { EXIT_RUN_FAILED, MlspecError, SpecErrors } from '../core/errors';

export function reportError(error: unknown): number {
  if (error instanceof SpecErrors) {
    // Each problem is already `file:line:col CODE message` with its source frame.
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof MlspecError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_RUN_FAILED;
}
