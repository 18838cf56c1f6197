/**
 * `mlspec` on the command line: parse, dispatch, map errors to exit codes — nothing else. Exit codes:
 * 0 success, 1 a run failed, 2 bad input (a spec, a data file, an option or a tracking server that
 * cannot be used as given). Tables go to stdout, progress and messages to stderr. The commands are
 * in ./commands (one file each, listed in ./commands/index.ts).
 */
import { bindCommands, commandId, createContainer } from '../core/container';
import { EXIT_BAD_INPUT, EXIT_OK, InputError } from '../core/errors';
import { consoleLogger } from '../core/logger';
import { VERSION } from '../core/version';
import type { AnyCommand, CommandHandler, Invocation } from './command';
import { COMMANDS } from './commands';
import { findCommand } from './find-command';
import { commandHelp, globalHelp } from './help';
import { parseCommandLine } from './parse';
import { reportError } from './report-error';

export async function main(argv: readonly string[], commands: readonly AnyCommand[] = COMMANDS): Promise<number> {
  try {
    // The command is the first word that is not a flag; flags may come before or after it.
    const at = argv.findIndex((a) => !a.startsWith('-'));
    if (at < 0) return noCommand(argv, commands);
    const { command, rest } = findCommand(argv.slice(at), commands);
    const { positionals, flags } = parseCommandLine(command, [...argv.slice(0, at), ...rest], commands);
    if (flags.help) {
      process.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    const { min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      const what = command.positionalsHelp ?? (max === 0 ? 'takes no arguments' : 'takes one spec file');
      throw new InputError('CLI_USAGE', `mlspec ${command.name} ${what}, e.g. ${command.example}`);
    }
    const logger = consoleLogger({ quiet: flags.quiet === true, debug: flags.debug === true });
    const container = createContainer({ logger });
    bindCommands(container, commands);
    const handler = container.get<CommandHandler>(commandId(command.name));
    // parseCommandLine gave every declared flag its typed value (string | undefined, or boolean).
    return await handler({ positionals, flags: flags as Invocation['flags'] });
  } catch (error) {
    return reportError(error);
  }
}

/** `mlspec`, `mlspec --help`, `mlspec -V`: no command named. */
function noCommand(argv: readonly string[], commands: readonly AnyCommand[]): number {
  if (argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version')) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    process.stdout.write(globalHelp(commands));
    return EXIT_OK;
  }
  if (argv.length) throw new InputError('CLI_USAGE', `unknown option ${argv[0]} without a command; see mlspec --help`);
  process.stdout.write(globalHelp(commands));
  return EXIT_BAD_INPUT;
}
