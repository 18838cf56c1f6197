/** `mlspec plugins [--kind KIND] [--json]`: the registered plugins, by kind. */
import { TOKENS } from '../../core/container';
import { didYouMean } from '../../core/did-you-mean';
import { EXIT_OK, InputError } from '../../core/errors';
import { PLUGIN_KINDS, type PluginDefinition, type PluginKind } from '../../core/plugin';
import type { PluginRegistry } from '../../core/registry';
import { defineCommand } from '../command';

export const pluginsCommand = defineCommand({
  name: 'plugins',
  summary: 'list the registered plugins',
  args: '',
  positionals: { min: 0, max: 0 },
  flags: {
    kind: { type: 'string', value: 'KIND', help: `only this kind: ${PLUGIN_KINDS.join(', ')}` },
    json: { type: 'boolean', help: 'print JSON with each plugin’s options schema' },
  },
  example: 'mlspec plugins --kind featurizer',
  inject: [TOKENS.registry],
  create:
    (registry: PluginRegistry) =>
    ({ flags }) => {
      const kind = flags.kind;
      if (kind !== undefined && !(PLUGIN_KINDS as readonly string[]).includes(kind)) {
        throw new InputError('CLI_USAGE', `unknown plugin kind "${kind}"${didYouMean(kind, PLUGIN_KINDS)}; kinds: ${PLUGIN_KINDS.join(', ')}`);
      }
      const kinds = kind !== undefined ? [kind as PluginKind] : PLUGIN_KINDS;
      if (flags.json) {
        const list = kinds.flatMap((k) =>
          registry.list(k).map((p) => ({
            kind: p.kind,
            name: p.name,
            description: p.description,
            ...(p.produces ? { produces: p.produces } : {}),
            ...(p.consumes ? { consumes: p.consumes } : {}),
            ...(p.kind === 'model' ? { trainsInEpochs: p.trainsInEpochs === true } : {}),
            ...(p.appliesTo ? { appliesTo: p.appliesTo } : {}),
            options: p.optionsSchema,
          })),
        );
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return EXIT_OK;
      }
      const lines: string[] = [];
      for (const k of kinds) {
        const plugins = registry.list(k);
        if (!plugins.length) continue;
        lines.push(`${k}s:`);
        const width = Math.max(...plugins.map((p) => p.name.length));
        for (const p of plugins) lines.push(`  ${p.name.padEnd(width)}  ${p.description}${capabilities(p)}`);
        lines.push('');
      }
      process.stdout.write(lines.join('\n'));
      return EXIT_OK;
    },
});

/** What a plugin takes and gives, as `mlspec plugins` shows it: which blocks fit together. */
function capabilities(p: PluginDefinition): string {
  if (p.produces) return ` [produces ${p.produces}]`;
  if (p.consumes) return ` [reads ${p.consumes.join(', ')}${p.trainsInEpochs ? '; trains in epochs' : ''}]`;
  if (p.appliesTo) return ' [models that train in epochs]';
  return '';
}
