/** `mlspec sync <spool-folder>`: upload the runs kept locally while a tracking server was down. */
import fs from 'node:fs';
import { TOKENS } from '../../core/container';
import { EXIT_OK, InputError } from '../../core/errors';
import type { Logger } from '../../core/plugin';
import { chooseTrackingUri, openTracker } from '../../core/tracking/open-tracker';
import { readSpool } from '../../core/tracking/spool';
import { syncSpool } from '../../core/tracking/sync';
import { defineCommand, QUIET_FLAG } from '../command';

export const syncCommand = defineCommand({
  name: 'sync',
  summary: 'upload runs kept locally while a server was down',
  args: '<spool-folder>',
  positionals: { min: 1, max: 1 },
  positionalsHelp: 'takes one spool folder',
  flags: {
    'tracking-uri': { type: 'string', value: 'URI', help: 'where to upload (default: MLFLOW_TRACKING_URI, else the URI the runs were for)' },
    quiet: QUIET_FLAG,
  },
  example: 'mlspec sync .mlspec-spool --tracking-uri http://127.0.0.1:5000',
  inject: [TOKENS.logger],
  create:
    (logger: Logger) =>
    async ({ positionals: [folder], flags }) => {
      if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
        throw new InputError('SPOOL_NOT_FOUND', `${folder} is not a folder; pass the spool folder a run named (default .mlspec-spool)`);
      }
      // The spool's own URI comes last, where a spec's would: the flag and MLFLOW_TRACKING_URI win.
      const { uri } = chooseTrackingUri({ flag: flags['tracking-uri'], spec: readSpool(folder)[0]?.manifest.trackingUri });
      if (!uri)
        throw new InputError('CLI_USAGE', `no tracking store to sync ${folder} to (it holds no spooled runs that name one); pass --tracking-uri`);
      const tracker = openTracker(uri, { logger });
      await tracker.check();
      const result = await syncSpool(folder, tracker, { logger });
      const records = result.runs.reduce((n, r) => n + r.records, 0);
      process.stdout.write(`synced ${result.runs.length} runs (${records} records) from ${folder} to ${tracker.uri}\n`);
      return EXIT_OK;
    },
});
