/**
 * The command line, read with Node's own `util.parseArgs` (no dependency, maintained with Node,
 * enough for flat `mlspec <command> [args] [--flags]`; commander or yargs would add a dependency and
 * their own help format for what one table per command does here). It runs in its non-strict mode
 * so the unknown flags come back as tokens: each is refused here with a did-you-mean and, when the
 * flag belongs to another command, which one.
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../core/did-you-mean';
import { InputError } from '../core/errors';
import { GLOBAL_FLAGS, type AnyCommand, type FlagSpecs } from './command';

/** The flags a command accepts: its own and the global ones. */
export function flagsOf(command: AnyCommand): FlagSpecs {
  return { ...command.flags, ...GLOBAL_FLAGS };
}

export interface ParsedCommandLine {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

/**
 * Parse a command's arguments (everything after its name). Unknown or inapplicable flags, a string
 * flag without its value and a value given to a boolean flag are bad input (exit 2).
 */
export function parseCommandLine(command: AnyCommand, args: readonly string[], all: readonly AnyCommand[]): ParsedCommandLine {
  const specs = flagsOf(command);
  const options: ParseArgsConfig['options'] = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}) }]),
  );
  const { tokens } = nodeParseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  const positionals: string[] = [];
  const flags: ParsedCommandLine['flags'] = {};
  for (const [name, s] of Object.entries(specs)) flags[name] = s.type === 'boolean' ? false : undefined;
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option-terminator') continue;
    else {
      const spec = specs[token.name];
      if (!spec) throw unknownFlag(command, token.rawName, token.name, all);
      if (spec.type === 'string') {
        if (token.value === undefined)
          throw new InputError('CLI_USAGE', `${token.rawName} needs a value, e.g. ${token.rawName} ${spec.value ?? 'VALUE'}`);
        flags[token.name] = token.value;
      } else {
        if (token.value !== undefined) throw new InputError('CLI_USAGE', `${token.rawName} takes no value; got "${token.rawName}=${token.value}"`);
        flags[token.name] = true;
      }
    }
  }
  return { positionals, flags };
}

function unknownFlag(command: AnyCommand, raw: string, name: string, all: readonly AnyCommand[]): InputError {
  const usage = `mlspec ${command.name} --help lists its options`;
  if (!raw.startsWith('--')) return new InputError('CLI_USAGE', `unknown option ${raw} for mlspec ${command.name}; ${usage}`);
  const owners = all.filter((c) => c !== command && name in c.flags).map((c) => `mlspec ${c.name}`);
  if (owners.length)
    return new InputError('CLI_USAGE', `--${name} does not apply to mlspec ${command.name} (it is an option of ${owners.join(', ')}); ${usage}`);
  const near = closest(name, Object.keys(flagsOf(command)));
  return new InputError('CLI_USAGE', `unknown option --${name} for mlspec ${command.name}${near ? ` (did you mean --${near}?)` : ''}; ${usage}`);
}
