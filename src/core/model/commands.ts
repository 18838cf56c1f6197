/**
 * The commands that use a trained model (`predict`, `serve`, `export`), each a small typed entry
 * function called by the CLI with its positional arguments and flags.
 */
import { BACKENDS as BACKEND_CHOICES, type BackendChoice } from '../spec/envelope';
import { EXIT_OK, InputError } from '../errors';
import type { Logger } from '../plugin';

/** Flags these commands (and `run --save-model/--register`) take a value for. */
export const MODEL_VALUE_FLAGS = [
  'save-model',
  'register',
  'output',
  'column',
  'format',
  'batch-size',
  'backend',
  'host',
  'port',
  'concurrency',
  'max-body-bytes',
  'web',
] as const;

export type ModelCommandFlags = Partial<Record<(typeof MODEL_VALUE_FLAGS)[number] | 'tracking-uri', string>>;

export function positiveInteger(flag: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError('CLI_USAGE', `--${flag} takes a whole number from 1 to ${max}; got "${value}"`);
  return n;
}

export function backendFlag(value: string | undefined): BackendChoice | undefined {
  if (value === undefined) return undefined;
  if (!(BACKEND_CHOICES as readonly string[]).includes(value))
    throw new InputError('CLI_USAGE', `--backend ${value} is not one of ${BACKEND_CHOICES.join(', ')}`);
  return value as BackendChoice;
}

export async function modelCommand(
  command: 'predict' | 'serve' | 'export',
  args: string[],
  flags: ModelCommandFlags,
  logger: Logger,
): Promise<number> {
  const trackingUri = flags['tracking-uri'];
  if (command === 'predict') {
    if (args.length !== 2)
      throw new InputError('CLI_USAGE', 'mlspec predict takes a model and an input, e.g. mlspec predict runs:/<run id>/model tweets.tsv');
    const { predict } = await import('./predict');
    const { rows } = await predict({
      model: args[0],
      input: args[1],
      output: flags.output,
      column: flags.column,
      format: flags.format as never,
      batchSize: positiveInteger('batch-size', flags['batch-size'], 256, 1_000_000),
      backend: backendFlag(flags.backend),
      trackingUri,
      logger,
    });
    if (flags.output) logger.info(`predict: ${rows} texts → ${flags.output}`);
    return EXIT_OK;
  }
  if (command === 'serve') {
    if (args.length !== 1) throw new InputError('CLI_USAGE', 'mlspec serve takes one model, e.g. mlspec serve models:/tweets/1 --port 5001');
    const { serveCommand } = await import('./serve');
    return serveCommand({
      model: args[0],
      host: flags.host ?? '127.0.0.1',
      port: positiveInteger('port', flags.port, 5001, 65535),
      concurrency: positiveInteger('concurrency', flags.concurrency, 4, 1024),
      maxBodyBytes: positiveInteger('max-body-bytes', flags['max-body-bytes'], 10 * 1024 * 1024),
      backend: backendFlag(flags.backend),
      trackingUri,
      logger,
    });
  }
  if (args.length !== 1 || !flags.web)
    throw new InputError('CLI_USAGE', 'mlspec export takes one model and --web DIR, e.g. mlspec export models:/tweets/1 --web site/');
  const { exportWeb } = await import('./export-web');
  const written = await exportWeb({ model: args[0], dir: flags.web, trackingUri, logger });
  process.stdout.write(
    `exported ${args[0]} to ${written.dir} (open ${written.page} through any static web server, e.g. npx http-server ${written.dir})\n`,
  );
  return EXIT_OK;
}
