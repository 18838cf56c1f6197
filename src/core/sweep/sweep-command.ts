/**
 * `mlspec run <spec.yaml>` for a spec with a `sweep:` block: run (or resume) the sweep, print the
 * leaderboard and the best candidate's test score, write --report FILE (with the leaderboard and
 * the plot beside it). Ctrl-C ends every tracked run as KILLED and exits 130; running the same
 * command again continues where the sweep stopped.
 */
import path from 'node:path';
import { EXIT_OK, InputError } from '../errors';
import type { Logger } from '../plugin';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import type { SpecValidator } from '../spec/validate';
import { preflight } from '../run/preflight';
import { writeFileAtomic } from '../tracking/atomic-files';
import { chooseTrackingUri, experimentPage, openCommand, openTracker } from '../tracking/open-tracker';
import { VERSION } from '../version';
import { SweepExecutor } from './executor';
import { formatLeaderboard, formatSummary } from './leaderboard';

export interface SweepFlags {
  workers?: string;
  retryFailed?: boolean;
  state?: string;
  report?: string;
  trackingUri?: string;
  noTracking?: boolean;
  quiet?: boolean;
}

export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError('CLI_USAGE', `--workers takes a whole number of worker processes, 1 or more; got "${value}"`);
  return n;
}

export async function sweepCommand(
  { registry, validator, logger }: { registry: PluginRegistry; validator: SpecValidator; logger: Logger },
  loaded: LoadedSpec,
  flags: SweepFlags,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const workers = parseWorkers(flags.workers);
  const trackingOff = flags.noTracking === true || loaded.spec.tracking?.enabled === false;
  const { uri } = chooseTrackingUri({ flag: flags.trackingUri, spec: loaded.trackingUri });
  const tracker = trackingOff ? undefined : openTracker(uri, { logger });
  // A server that does not answer is bad input, found before any data is read.
  await tracker?.check();
  // Everything knowable without training (data, classes, every trial, folds), before the state
  // folder or a tracked run is written.
  await preflight(loaded, { registry, validator, logger });

  const executor = new SweepExecutor({
    loaded,
    registry,
    validator,
    logger,
    mlspecVersion: VERSION,
    stateDir: flags.state,
    workers,
    retryFailed: flags.retryFailed,
    tracker,
    quiet: flags.quiet,
  });
  const onInterrupt = () => {
    logger.warn('interrupted: stopping the workers and ending the tracked runs as KILLED; run the same command again to continue');
    void executor.interrupt().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const { report, files, exitCode } = await executor.run();
    write(`${formatLeaderboard(report)}\n\n${formatSummary(report)}\n`);
    if (flags.report) {
      for (const f of files) if (f.path !== 'report.json') writeFileAtomic(path.join(path.dirname(path.resolve(flags.report)), f.path), f.bytes);
      writeFileAtomic(path.resolve(flags.report), `${JSON.stringify(report, null, 2)}\n`);
    }
    if (report.tracking) {
      const lines = [`\nMLflow: sweep run ${report.tracking.parentRunId} in ${report.tracking.uri} (experiment ${report.tracking.experimentId})`];
      const command = tracker && openCommand(tracker);
      if (command)
        lines.push(
          `  open it with: ${command}   (then ${experimentPage(report.tracking.experimentId)}; select the trial runs for the parallel-coordinates view)`,
        );
      write(`${lines.join('\n')}\n`);
    }
    return exitCode === 0 ? EXIT_OK : exitCode;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}
