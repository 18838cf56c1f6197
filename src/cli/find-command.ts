/** Which command the words of a command line name, e.g. `run` or `sweep status`, with did-you-mean. */
import { closest } from '../core/did-you-mean';
import { InputError } from '../core/errors';
import type { AnyCommand } from './command';

/**
 * The command whose name is the longest run of leading `words` (so `sweep status` wins over a
 * `sweep`), and the words after it.
 */
export function findCommand(words: readonly string[], commands: readonly AnyCommand[]): { command: AnyCommand; rest: string[] } {
  let found: AnyCommand | undefined;
  for (const c of commands) {
    const parts = c.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!found || parts.length > found.name.split(' ').length)) found = c;
  }
  if (found) return { command: found, rest: words.slice(found.name.split(' ').length) };
  const typed = words.slice(0, 2).join(' ');
  const near =
    closest(
      words[0],
      commands.map((c) => c.name.split(' ')[0]),
    ) ??
    closest(
      typed,
      commands.map((c) => c.name),
    );
  throw new InputError(
    'CLI_USAGE',
    `unknown command "${words[0]}"${near ? ` (did you mean "${near}"?)` : ''}; commands: ${[...new Set(commands.map((c) => c.name))].join(', ')}; see mlspec --help`,
  );
}
