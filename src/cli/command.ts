/**
 * What a CLI command is: its name, a one-line summary, its flags (type, placeholder, help), an
 * example, and a factory the container calls with the services the command lists in `inject`
 * (function injection: a command never reaches into the container itself).
 */
import type { ServiceIdentifier } from 'inversify';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** A one-letter alias, e.g. `q` for `-q`. */
  short?: string;
  /** The placeholder shown in help for a string flag, e.g. FILE. */
  value?: string;
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed flags of a command: a string flag is its text or undefined, a boolean one true or false. */
export type FlagValues<F extends FlagSpecs> = { [K in keyof F]: F[K]['type'] extends 'string' ? string | undefined : boolean };

export interface Invocation<F extends FlagSpecs = FlagSpecs> {
  positionals: string[];
  flags: FlagValues<F>;
}

/** The command's body: returns the exit code (errors are thrown and mapped by the entry point). */
export type CommandHandler<F extends FlagSpecs = FlagSpecs> = (invocation: Invocation<F>) => Promise<number> | number;

export interface CommandSpec<F extends FlagSpecs = FlagSpecs, D extends unknown[] = unknown[]> {
  /** As typed, e.g. `run`; a space makes a subcommand name (`sweep status`). */
  name: string;
  summary: string;
  /** The positionals in the usage line, e.g. `<spec.yaml>` or `[native|gpu]`. */
  args: string;
  /** How many positionals the command takes. */
  positionals: { min: number; max: number };
  /** What the positionals should have been, for the error when there are too many or too few. */
  positionalsHelp?: string;
  flags: F;
  example: string;
  /** More help under the flags (a few lines at most). */
  details?: string;
  /** The services `create` receives, in order (tokens from core/container.ts TOKENS). */
  inject: { [K in keyof D]: ServiceIdentifier<D[K]> };
  create: (...services: D) => CommandHandler<F>;
}

/**
 * A command definition, typed from its flags and its injected services. The identity function is
 * there for inference: `flags` and `inject` fix the handler's parameter types.
 */
export function defineCommand<F extends FlagSpecs, D extends unknown[]>(spec: CommandSpec<F, D>): CommandSpec<F, D> {
  return spec;
}

/** Any command, as the command list holds them. */
export type AnyCommand = CommandSpec<any, any>;

/** Flags every command takes. */
export const GLOBAL_FLAGS = {
  debug: { type: 'boolean', help: 'print debug messages' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies FlagSpecs;

/** `-q, --quiet` for the commands that print progress. */
export const QUIET_FLAG = {
  type: 'boolean',
  short: 'q',
  help: 'no progress messages, only results, warnings and errors',
} as const satisfies FlagSpec;
