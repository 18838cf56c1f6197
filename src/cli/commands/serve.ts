/** `mlspec serve <model>`: MLflow's scoring protocol over HTTP (core/model/serve.ts). */
import { TOKENS } from '../../core/container';
import type { Logger } from '../../core/plugin';
import { serveCommand as serve } from '../../core/model/serve';
import { defineCommand, QUIET_FLAG } from '../command';
import { BACKEND_FLAG, backendFlag, MODEL_ARG_HELP, positiveInteger, TRACKING_URI_FLAG } from '../flag-values';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: "serve a trained model over HTTP with MLflow's scoring protocol (POST /invocations)",
  args: '<model>',
  positionals: { min: 1, max: 1 },
  positionalsHelp: 'takes one model',
  flags: {
    host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', help: 'port to listen on (default 5001)' },
    concurrency: { type: 'string', value: 'N', help: 'requests read and scored at once; more wait in line (default 4)' },
    'max-body-bytes': { type: 'string', value: 'N', help: 'largest request body taken, in bytes (default 10485760); larger ones get 400' },
    backend: BACKEND_FLAG,
    'tracking-uri': TRACKING_URI_FLAG,
    quiet: QUIET_FLAG,
  },
  example: 'mlspec serve models:/tweets/1 --port 5001',
  details: `${MODEL_ARG_HELP}\nPOST /invocations takes dataframe_split, dataframe_records, instances or inputs (JSON) or text/csv;\nGET /ping, /health, /version. SIGTERM finishes the requests in flight, then stops.`,
  inject: [TOKENS.logger],
  create:
    (logger: Logger) =>
    async ({ positionals: [model], flags }) =>
      serve({
        model,
        host: flags.host ?? '127.0.0.1',
        port: positiveInteger('port', flags.port, 5001, 65535),
        concurrency: positiveInteger('concurrency', flags.concurrency, 4, 1024),
        maxBodyBytes: positiveInteger('max-body-bytes', flags['max-body-bytes'], 10 * 1024 * 1024),
        backend: backendFlag(flags.backend),
        trackingUri: flags['tracking-uri'],
        logger,
      }),
});
