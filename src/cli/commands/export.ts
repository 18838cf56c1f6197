/** `mlspec export <model> --web DIR`: a static page that classifies typed text in the browser (core/model/export-web.ts). */
import { TOKENS } from '../../core/container';
import { EXIT_OK, InputError } from '../../core/errors';
import type { Logger } from '../../core/plugin';
import { defineCommand, QUIET_FLAG } from '../command';
import { MODEL_ARG_HELP, TRACKING_URI_FLAG } from '../flag-values';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export a trained model as a web page that classifies text in the browser',
  args: '<model>',
  positionals: { min: 1, max: 1 },
  positionalsHelp: 'takes one model',
  flags: {
    web: { type: 'string', value: 'DIR', help: 'write the page, the model and TensorFlow.js (WebAssembly) into DIR (new or empty)' },
    'tracking-uri': TRACKING_URI_FLAG,
    quiet: QUIET_FLAG,
  },
  example: 'mlspec export models:/tweets/1 --web site/',
  details: `${MODEL_ARG_HELP}\nServe DIR with any static web server (browsers do not load it from file://).`,
  inject: [TOKENS.logger],
  create:
    (logger: Logger) =>
    async ({ positionals: [model], flags }) => {
      if (flags.web === undefined) throw new InputError('CLI_USAGE', 'mlspec export needs --web DIR, the folder to write the page into');
      // Loaded here: esbuild and the page's code are needed by this command only.
      const { exportWeb } = await import('../../core/model/export-web');
      const written = await exportWeb({ model, dir: flags.web, trackingUri: flags['tracking-uri'], logger });
      process.stdout.write(
        `exported ${model} to ${written.dir} (open ${written.page} through any static web server, e.g. npx http-server ${written.dir})\n`,
      );
      return EXIT_OK;
    },
});
