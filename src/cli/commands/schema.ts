/** `mlspec schema`: the experiment JSON Schema, with every registered plugin's options (for editors). */
import { TOKENS } from '../../core/container';
import { EXIT_OK } from '../../core/errors';
import type { PluginRegistry } from '../../core/registry';
import { generateExperimentSchema } from '../../core/spec/schema';
import { trainingOptionsSchema } from '../../core/train/options';
import { defineCommand } from '../command';

export const schemaCommand = defineCommand({
  name: 'schema',
  summary: 'print the experiment JSON Schema (for editors)',
  args: '',
  positionals: { min: 0, max: 0 },
  flags: {},
  example: 'mlspec schema > experiment.schema.json',
  inject: [TOKENS.registry],
  create: (registry: PluginRegistry) => () => {
    process.stdout.write(`${JSON.stringify(generateExperimentSchema(registry, trainingOptionsSchema), null, 2)}\n`);
    return EXIT_OK;
  },
});
