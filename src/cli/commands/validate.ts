/**
 * `mlspec validate FILE...`: each file checked as `run` checks it before it writes anything (see
 * core/run/preflight.ts), with a registry of its own so one file's `plugins:` never leak into the next.
 */
import { TOKENS, type SpecServices } from '../../core/container';
import { EXIT_OK } from '../../core/errors';
import type { Logger } from '../../core/plugin';
import { preflight } from '../../core/run/preflight';
import { loadSpec } from '../../core/spec/load';
import { defineCommand, QUIET_FLAG } from '../command';
import { reportError } from '../report-error';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'check specs without training: every problem as file:line:col',
  args: '<spec.yaml>...',
  positionals: { min: 1, max: Infinity },
  positionalsHelp: 'takes one or more spec files',
  flags: { quiet: QUIET_FLAG },
  example: 'mlspec validate experiments/arsentd-lev/*.yaml',
  details:
    'Checks the options, pipelines, data, classes, split and every sweep trial; a valid spec gets one\nline, an invalid one every problem with its place. Exit 2 when any file is invalid.',
  inject: [TOKENS.freshSpecServices, TOKENS.logger],
  create:
    (freshSpecServices: () => SpecServices, logger: Logger) =>
    async ({ positionals: files }) => {
      let exit = EXIT_OK;
      for (const file of files) {
        try {
          const { registry, validator } = freshSpecServices();
          const loaded = loadSpec(file, registry, validator);
          const { plan } = await preflight(loaded, { registry, validator, logger });
          const names = Object.keys(loaded.spec.pipelines);
          // An adaptive search has no trials before it runs: say what it will search instead.
          const trials = plan?.search
            ? `; sweep: ${plan.search.sampler.type} search over ${plan.search.space.parameters.length} setting${plan.search.space.parameters.length === 1 ? '' : 's'} (mlspec plan shows its budget)`
            : plan
              ? `; sweep: ${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'}, ${plan.units.length} job${plan.units.length === 1 ? '' : 's'}`
              : '';
          process.stdout.write(`${file}: valid (${names.length} pipeline${names.length === 1 ? '' : 's'}: ${names.join(', ')}${trials})\n`);
        } catch (error) {
          exit = Math.max(exit, reportError(error));
        }
      }
      return exit;
    },
});
