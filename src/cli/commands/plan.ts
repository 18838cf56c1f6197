/** `mlspec plan <spec.yaml>`: the trials of a spec's sweep and the work; writes nothing (core/plan/plan-command.ts). */
import { TOKENS } from '../../core/container';
import type { Logger } from '../../core/plugin';
import { planCommand } from '../../core/plan/plan-command';
import type { PluginRegistry } from '../../core/registry';
import type { SpecValidator } from '../../core/spec/validate';
import { defineCommand, QUIET_FLAG } from '../command';

export const planCommandSpec = defineCommand({
  name: 'plan',
  summary: "list the trials of a spec's sweep: block and the work; writes nothing",
  args: '<spec.yaml>',
  positionals: { min: 1, max: 1 },
  flags: { quiet: QUIET_FLAG },
  example: 'mlspec plan experiments/arsentd-lev/sweep.yaml',
  details: 'Reads the dataset (its digest is part of every trial id) and checks every trial as validate does.',
  inject: [TOKENS.registry, TOKENS.validator, TOKENS.logger],
  create:
    (registry: PluginRegistry, validator: SpecValidator, logger: Logger) =>
    ({ positionals: [file] }) =>
      planCommand({ registry, validator, logger }, file),
});
