/**
 * Errors a person can act on. Every error mlspec raises on purpose is an MlspecError with a stable
 * code; the CLI maps them to exit codes (2 for bad input, 1 for a failed run) and prints them
 * without a stack trace. Factory functions keep the messages in one place (Rollup's `logs.ts` idea).
 */

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** A place in a source file: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export class MlspecError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
    readonly location?: SourceLocation,
  ) {
    super(message);
    this.name = 'MlspecError';
  }
}

/** Bad input: a spec, a data file or a command line that cannot be used as given (exit 2). */
export class InputError extends MlspecError {
  /**
   * The option of the plugin that raised it (e.g. "path"), when the problem is in one option's value:
   * the runner then points at that option in the spec file.
   */
  option?: string;

  constructor(code: string, message: string, location?: SourceLocation) {
    super(code, message, EXIT_BAD_INPUT, location);
    this.name = 'InputError';
  }
}

/** Bad input caused by one option's value: located at that option in the spec by the runner. */
export function optionError(code: string, option: string, message: string): InputError {
  const error = new InputError(code, message);
  error.option = option;
  return error;
}

/** One located problem in a spec file; several are collected and reported together. */
export interface SpecProblem {
  code: string;
  message: string;
  location: SourceLocation;
  /** The source frame (a few lines with a caret), filled in by the spec loader. */
  frame?: string;
}

/** All the problems found in one spec file, reported at once. */
export class SpecErrors extends MlspecError {
  constructor(readonly problems: SpecProblem[]) {
    super('SPEC_INVALID', problems.map(formatProblem).join('\n\n'), EXIT_BAD_INPUT, problems[0]?.location);
    this.name = 'SpecErrors';
  }
}

export function formatProblem(p: SpecProblem): string {
  const head = `${p.location.file}:${p.location.line}:${p.location.col} ${p.code} ${p.message}`;
  return p.frame ? `${head}\n${p.frame}` : head;
}

/** An error raised while a plugin runs, tagged with the plugin that raised it. */
export class PluginError extends MlspecError {
  constructor(kind: string, name: string, phase: string, cause: unknown, exitCode = EXIT_RUN_FAILED) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super('PLUGIN_FAILED', `[${kind} ${name}] ${phase}: ${message}`, exitCode);
    this.name = 'PluginError';
    if (cause instanceof Error) (this as { cause?: unknown }).cause = cause;
  }
}
