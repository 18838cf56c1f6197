/**
 * The command list: `mlspec --help` shows the commands in this order.
 *
 * Adding a command is one new file plus one line here:
 *   1. src/cli/commands/<name>.ts exporting `defineCommand({ name, summary, args, positionals, flags,
 *      example, inject, create })` — `flags` declares every flag it takes (type, placeholder, help;
 *      anything else is refused with exit 2), `inject` lists the services it needs as container
 *      tokens (core/container.ts TOKENS; bind a new service there), and `create(...services)` returns
 *      the handler, `({ positionals, flags }) => exitCode`. Throw InputError for bad input (exit 2).
 *   2. Its import and its entry in COMMANDS below. A subcommand is a name with a space
 *      (`sweep status`); a flag on an existing command goes into that command's `flags`.
 * test/integration/cli.test.ts checks that every command has help, an example and a summary.
 */
import type { AnyCommand } from '../command';
import { helpCommand } from './help';
import { planCommandSpec } from './plan';
import { pluginsCommand } from './plugins';
import { runCommand } from './run';
import { schemaCommand } from './schema';
import { syncCommand } from './sync';
import { validateCommand } from './validate';

export const COMMANDS: readonly AnyCommand[] = [
  validateCommand,
  runCommand,
  planCommandSpec,
  pluginsCommand,
  schemaCommand,
  syncCommand,
  helpCommand,
];
