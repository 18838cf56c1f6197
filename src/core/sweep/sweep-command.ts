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
import { checkRedis, parseQueueTarget } from '../queue/connection';
import { SweepExecutor, type RefitHandover } from './executor';
import { planRegistration } from '../model/register';
import { SaveModelListener } from '../model/save-listener';
import { formatLeaderboard, formatSummary } from './leaderboard';
import { colorsFor, lineWidth } from '../terminal';

export interface SweepFlags {
  workers?: string;
  retryFailed?: boolean;
  state?: string;
  report?: string;
  trackingUri?: string;
  noTracking?: boolean;
  quiet?: boolean;
  /** Redis URL: run the fits on `mlspec worker` processes through this queue. */
  queue?: string;
  queueName?: string;
  /** Save the refit's model in DIR/<pipeline>. */
  saveModel?: string;
  /** Register the refit as a new version of this registered model (overrides the spec's register:). */
  register?: string;
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
  const queue = flags.queue !== undefined || flags.queueName !== undefined ? parseQueueTarget(flags.queue, flags.queueName) : undefined;
  const trackingOff = flags.noTracking === true || loaded.spec.tracking?.enabled === false;
  const { uri } = chooseTrackingUri({ flag: flags.trackingUri, spec: loaded.trackingUri });
  const tracker = trackingOff ? undefined : openTracker(uri, { logger });
  // A server that does not answer is bad input, found before any data is read.
  await tracker?.check();
  // So is a Redis that does not answer (exit 2 naming the URL, without its password).
  if (queue) await checkRedis(queue);
  // Everything knowable without training (data, classes, every trial, folds), before the state
  // folder or a tracked run is written.
  await preflight(loaded, { registry, validator, logger });
  const registration = await planRegistration(loaded, flags.register, tracker);
  const saver = flags.saveModel ? new SaveModelListener(flags.saveModel) : undefined;
  const onRefit = async (refit: RefitHandover) => {
    if (saver) write(`model saved: ${saver.save(refit.fit, refit.fit.name)}\n`);
    if (registration && !refit.logged?.model)
      logger.warn(
        `the refit was not registered as ${registration.target.name}: it has no logged model from this invocation (refitted by an earlier one, or the server went away); find its model with the refit run's runs:/<run id>/model`,
      );
    if (registration && tracker && refit.logged?.model) {
      const metric = refit.best.metrics[refit.select.metric as keyof typeof refit.best.metrics];
      await registration.registerRefit(tracker, {
        model: refit.logged.model,
        runId: refit.logged.runId,
        sweepRunId: refit.logged.sweepRunId,
        candidate: refit.best.label,
        select: { metric: refit.select.metric, mean: metric?.mean ?? NaN, sd: metric?.sd ?? NaN, fits: metric?.values.length ?? 0 },
        test: refit.summary.test,
      });
    }
  };

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
    ...(queue ? { queue } : {}),
    onRefit: saver || registration ? onRefit : undefined,
  });
  const onInterrupt = () => {
    logger.warn('interrupted: stopping the workers and ending the tracked runs as KILLED; run the same command again to continue');
    void executor.interrupt().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const { report, files, exitCode } = await executor.run();
    const table = formatLeaderboard(report, { width: lineWidth(process.stdout), colors: colorsFor(process.stdout) });
    write(`${table}\n\n${formatSummary(report)}\n`);
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
