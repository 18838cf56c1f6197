/**
 * `mlspec run <spec.yaml>`: run a spec and print its results; a spec with a `sweep:` block runs the
 * sweep instead (core/sweep/sweep-command.ts), resuming it when run again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TOKENS } from '../../core/container';
import { EXIT_OK, InputError } from '../../core/errors';
import type { Logger } from '../../core/plugin';
import type { PluginRegistry } from '../../core/registry';
import { sweepOf } from '../../core/plan/expand';
import { formatRunReport } from '../../core/run/console-report';
import { preflight } from '../../core/run/preflight';
import type { ExperimentRunner } from '../../core/run/runner';
import type { RunListener } from '../../core/run/types';
import { loadSpec } from '../../core/spec/load';
import type { ExperimentSpec, SpecValidator } from '../../core/spec/validate';
import { sweepCommand } from '../../core/sweep/sweep-command';
import { writeFileAtomic } from '../../core/tracking/atomic-files';
import { MlflowListener, type TrackingSummary } from '../../core/tracking/mlflow-listener';
import { chooseTrackingUri, experimentPage, openCommand, openTracker } from '../../core/tracking/open-tracker';
import type { Tracker } from '../../core/tracking/tracker';
import { VERSION } from '../../core/version';
import { defineCommand, QUIET_FLAG, type FlagValues } from '../command';

const RUN_FLAGS = {
  report: { type: 'string', value: 'FILE', help: 'write the JSON report to FILE (its tables and plots beside it)' },
  'tracking-uri': { type: 'string', value: 'URI', help: 'MLflow store: sqlite:///FILE, a folder or http(s)://server (default sqlite:///mlflow.db)' },
  'no-tracking': { type: 'boolean', help: 'log nothing to MLflow' },
  workers: { type: 'string', value: 'N', help: "sweep: worker processes (default the sweep's workers, else one per core)" },
  'retry-failed': { type: 'boolean', help: 'sweep: run the trials that failed before again' },
  state: { type: 'string', value: 'DIR', help: 'sweep: the folder its state is kept in, to resume (created when missing)' },
  quiet: QUIET_FLAG,
} as const;

type RunFlags = FlagValues<typeof RUN_FLAGS>;

export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a spec (or its sweep: block) and print the results',
  args: '<spec.yaml>',
  positionals: { min: 1, max: 1 },
  flags: RUN_FLAGS,
  example: 'mlspec run experiments/arsentd-lev/baseline.yaml --report out/report.json',
  details:
    "Every run is logged to MLflow unless --no-tracking; --tracking-uri wins over MLFLOW_TRACKING_URI,\nwhich wins over the spec's tracking.uri. Running a sweep again continues where it stopped.",
  inject: [TOKENS.registry, TOKENS.validator, TOKENS.runner, TOKENS.logger],
  create:
    (registry: PluginRegistry, validator: SpecValidator, runner: ExperimentRunner, logger: Logger) =>
    async ({ positionals: [file], flags }) => {
      checkOutputFlags(flags);
      const loaded = loadSpec(file, registry, validator);
      if (sweepOf(loaded.spec))
        return sweepCommand({ registry, validator, logger }, loaded, {
          workers: flags.workers,
          retryFailed: flags['retry-failed'],
          state: flags.state,
          report: flags.report,
          trackingUri: flags['tracking-uri'],
          noTracking: flags['no-tracking'],
          quiet: flags.quiet,
        });
      const tracking = await openTracking(loaded.spec, loaded.trackingUri, flags, logger);
      // Everything knowable without training, before the first tracked run is written.
      const prepared = await preflight(loaded, { registry, validator, logger });

      // Ctrl-C: end every tracked run as KILLED (never left RUNNING), then exit 130 as shells expect.
      const onInterrupt = () => {
        logger.warn('interrupted: ending the tracked runs as KILLED');
        const done = tracking ? tracking.listener.runFailed({ error: new Error('interrupted'), killed: true }) : Promise.resolve();
        void done.finally(() => process.exit(130));
      };
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
      try {
        const { report, files } = await runner.run(loaded, [progressListener(logger), ...(tracking ? [tracking.listener] : [])], prepared);
        process.stdout.write(`${formatRunReport(report)}\n`);
        if (flags.report !== undefined) {
          for (const f of files) writeFileAtomic(path.join(path.dirname(flags.report), f.path), f.bytes);
          writeFileAtomic(flags.report, `${JSON.stringify(report, null, 2)}\n`);
        }
        if (tracking) process.stdout.write(`\n${formatTrackingSummary(tracking.listener.summary(), tracking.tracker)}\n`);
        return EXIT_OK;
      } finally {
        process.removeListener('SIGINT', onInterrupt);
        process.removeListener('SIGTERM', onInterrupt);
      }
    },
});

/** --report must name a file and --state a folder; refused before anything runs or is written. */
function checkOutputFlags(flags: RunFlags): void {
  const { report, state } = flags;
  if (report !== undefined && isDirectory(report)) {
    throw new InputError(
      'CLI_REPORT_IS_DIRECTORY',
      `--report ${report} is a directory; give a file name for the JSON report, e.g. --report ${path.join(report, 'report.json')}`,
    );
  }
  if (state !== undefined && fs.existsSync(state) && !isDirectory(state)) {
    throw new InputError(
      'CLI_STATE_NOT_DIRECTORY',
      `--state ${state} is a file; give the folder a sweep keeps its state in (it is created when missing)`,
    );
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The tracking store: --tracking-uri wins over MLFLOW_TRACKING_URI, which wins over the spec's
 * `tracking.uri`; then the default store (see core/tracking/open-tracker.ts). A server that does
 * not answer is bad input (exit 2), found before any data is read or any model trained.
 */
async function openTracking(
  spec: ExperimentSpec,
  specUri: string | undefined,
  flags: RunFlags,
  logger: Logger,
): Promise<{ listener: MlflowListener; tracker: Tracker } | undefined> {
  if (flags['no-tracking'] || spec.tracking?.enabled === false) return undefined;
  const { uri } = chooseTrackingUri({ flag: flags['tracking-uri'], spec: specUri });
  const tracker = openTracker(uri, { logger });
  await tracker.check();
  return {
    tracker,
    listener: new MlflowListener({ tracker, mlspecVersion: VERSION, experimentName: spec.tracking?.experiment ?? spec.name, logger }),
  };
}

function formatTrackingSummary(summary: TrackingSummary, tracker: Tracker): string {
  const lines = [
    `MLflow: ${summary.runs.length + 1} runs logged to ${summary.uri} (experiment ${summary.experimentId}, parent run ${summary.parentRunId})`,
  ];
  for (const run of summary.runs) lines.push(`  ${run.name.padEnd(24)} ${run.runId}  ${run.status}`);
  const command = openCommand(tracker);
  if (command) lines.push(`  open them with: ${command}   (then ${experimentPage(summary.experimentId)})`);
  if (summary.spooled.length) {
    const records = summary.spooled.reduce((n, s) => n + s.records, 0);
    lines.push(
      `  the server stayed unreachable: ${records} records of ${summary.spooled.length} runs are kept in ${path.dirname(summary.spooled[0].folder)}`,
    );
    lines.push(`  upload them later with: mlspec sync ${path.dirname(summary.spooled[0].folder)} --tracking-uri ${summary.uri}`);
  }
  return lines.join('\n');
}

/** One line per pipeline as it starts and ends (stderr), so a long run shows where it is. */
function progressListener(logger: Logger): RunListener {
  return {
    dataLoaded: (d) => logger.info(`data: ${d.keptRows} of ${d.rows} rows from ${d.source}`),
    pipelineStarted: (p) => logger.info(`▶ ${p.pipeline}${p.folds > 1 ? ` (fold ${p.fold + 1}/${p.folds})` : ''}`),
    pipelineFinished: (p) =>
      logger.info(`✓ ${p.pipeline}: test accuracy ${(p.result.evaluation.accuracy * 100).toFixed(2)}% (fit ${p.result.fitSeconds.toFixed(2)}s)`),
  };
}
