/** `mlspec help [command]`: the same text as `mlspec --help` or `mlspec <command> --help`. */
import { TOKENS } from '../../core/container';
import { EXIT_OK } from '../../core/errors';
import type { AnyCommand } from '../command';
import { defineCommand } from '../command';
import { commandHelp, globalHelp } from '../help';
import { findCommand } from '../find-command';

export const helpCommand = defineCommand({
  name: 'help',
  summary: "show a command's options and an example",
  args: '[command]',
  positionals: { min: 0, max: 2 },
  flags: {},
  example: 'mlspec help run',
  inject: [TOKENS.commands],
  create:
    (commands: readonly AnyCommand[]) =>
    ({ positionals }) => {
      if (!positionals.length) {
        process.stdout.write(globalHelp(commands));
        return EXIT_OK;
      }
      const { command } = findCommand(positionals, commands);
      process.stdout.write(commandHelp(command));
      return EXIT_OK;
    },
});
