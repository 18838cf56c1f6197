/**
 * The entry point in-process: a command added to the list is dispatched with its flags parsed and
 * the services its `inject` names handed to it by the container (what a new command file relies on).
 */
import { TOKENS } from '../core/container';
import { PluginRegistry } from '../core/registry';
import { defineCommand } from './command';
import { COMMANDS } from './commands';
import { main } from './main';

it('dispatches a new command with its flags and its injected services', async () => {
  const seen: unknown[] = [];
  const greet = defineCommand({
    name: 'greet twice',
    summary: 'say hello',
    args: '<name>',
    positionals: { min: 1, max: 1 },
    flags: { loud: { type: 'boolean', help: 'shout' }, times: { type: 'string', value: 'N', help: 'how often' } },
    example: 'mlspec greet twice world',
    inject: [TOKENS.registry],
    create:
      (registry: PluginRegistry) =>
      ({ positionals, flags }) => {
        seen.push(registry instanceof PluginRegistry, registry.names('model').length > 0, positionals, flags.loud, flags.times);
        return 0;
      },
  });
  expect(await main(['greet', 'twice', 'world', '--loud', '--times=3'], [...COMMANDS, greet])).toBe(0);
  expect(seen).toEqual([true, true, ['world'], true, '3']);
});
