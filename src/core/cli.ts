/**
 * `mlspec` on the command line. Exit codes: 0 success, 1 a run failed, 2 bad input (a spec, a data
 * file, an option or a tracking server that cannot be used as given). Tables go to stdout, progress
 * and messages to stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createContainer, services } from './container';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_RUN_FAILED, InputError, MlspecError, SpecErrors } from './errors';
import { consoleLogger } from './logger';
import { PLUGIN_KINDS, type Logger, type PluginDefinition, type PluginKind } from './plugin';
import type { RunListener } from './run/types';
import type { ExperimentSpec } from './spec/validate';
import { MlflowListener, type TrackingSummary } from './tracking/mlflow-listener';
import { readSpool } from './tracking/spool';
import type { Tracker } from './tracking/tracker';
import { syncSpool } from './tracking/sync';
import { writeFileAtomic } from './tracking/atomic-files';
import { chooseTrackingUri, experimentPage, openCommand, openTracker } from './tracking/open-tracker';
import { formatRunReport } from './run/console-report';
import { loadSpec } from './spec/load';
import { preflight } from './run/preflight';
import { planCommand } from './plan/plan-command';
import { sweepOf } from './plan/expand';
import { sweepCommand, type SweepFlags } from './sweep/sweep-command';
import { sweepStatusCommand, workerCommand, type WorkerFlags } from './queue/commands';
import { generateExperimentSchema } from './spec/schema';
import { trainingOptionsSchema } from './train/options';
import { VERSION } from './version';

const USAGE = `mlspec ${VERSION} — declarative text-classification experiments

Usage:
  mlspec validate <spec.yaml>...              check specs without training: every problem as file:line:col
                                              (options, pipelines, data, classes, split, every sweep trial)
  mlspec run <spec.yaml> [--report FILE]      run it and print the results
        [--tracking-uri URI] [--no-tracking] [--quiet]
        [--workers N] [--retry-failed] [--state DIR]
                                              a spec with a sweep: block runs the sweep (resumes it when run again)
  mlspec plan <spec.yaml>                     list the trials of its sweep: block and the work; writes nothing
  mlspec plugins [--kind KIND] [--json]       list the registered plugins
  mlspec schema                               print the experiment JSON Schema (for editors)
  mlspec sync <spool-folder> [--tracking-uri URI]
                                              upload runs kept locally while a server was down
  mlspec run <spec.yaml> --queue redis://HOST:PORT/DB [--queue-name NAME]
                                              coordinate a sweep whose fits run on mlspec workers
  mlspec worker --queue redis://HOST:PORT/DB [--queue-name NAME] [--concurrency N]
        [--backend B] [--dir DIR] [--stall-seconds S]
                                              run sweep fits from the queue (any number, any machine)
  mlspec sweep status --queue redis://HOST:PORT/DB [--queue-name NAME]
                                              fits queued, running, stalled, finished, failed per sweep

Exit codes: 0 success, 1 a run failed, 2 bad input.

validate, plan and run load the third-party plugin files a spec lists under \`plugins:\`: they run
that code, so check a spec from someone else before validating it.`;

interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set([
  'report',
  'tracking-uri',
  'kind',
  'workers',
  'state',
  'queue',
  'queue-name',
  'concurrency',
  'backend',
  'dir',
  'stall-seconds',
]);
const BOOLEAN_FLAGS = new Set(['no-tracking', 'quiet', 'json', 'help', 'version', 'debug', 'retry-failed']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') flags.set('help', true);
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (VALUE_FLAGS.has(name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new InputError('CLI_USAGE', `--${name} needs a value`);
        flags.set(name, value);
      } else if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
      else throw new InputError('CLI_USAGE', `unknown option --${name}; see mlspec --help`);
    } else positional.push(a);
  }
  return { positional, flags };
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    const [command, ...rest] = args.positional;
    if (args.flags.has('version')) {
      process.stdout.write(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (!command || args.flags.has('help')) {
      process.stdout.write(`${USAGE}\n`);
      return command || args.flags.has('help') ? EXIT_OK : EXIT_BAD_INPUT;
    }
    const logger = consoleLogger({ quiet: args.flags.has('quiet'), debug: args.flags.has('debug') });
    const container = createContainer({ logger });
    switch (command) {
      case 'validate':
        return await validateCommand(rest, logger);
      case 'run':
        return await runCommand(container, oneFile(rest, 'run'), args.flags);
      case 'sync':
        return await syncCommand(oneFile(rest, 'sync'), args.flags, logger);
      case 'plan':
        return await planCommand(container, oneFile(rest, 'plan'));
      case 'plugins':
        return pluginsCommand(container, args.flags);
      case 'worker':
        return await workerCommand(queueFlags(args.flags), logger);
      case 'sweep':
        if (rest[0] !== 'status' || rest.length !== 1) throw new InputError('CLI_USAGE', 'mlspec sweep status --queue redis://HOST:PORT/DB');
        return await sweepStatusCommand(queueFlags(args.flags), (t) => process.stdout.write(t));
      case 'schema':
        process.stdout.write(`${JSON.stringify(generateExperimentSchema(services(container).registry, trainingOptionsSchema), null, 2)}\n`);
        return EXIT_OK;
      default:
        throw new InputError('CLI_USAGE', `unknown command "${command}"; commands: validate, run, plan, plugins, schema, sync, worker, sweep`);
    }
  } catch (error) {
    return reportError(error);
  }
}

function oneFile(rest: string[], command: string): string {
  if (rest.length !== 1)
    throw new InputError('CLI_USAGE', `mlspec ${command} takes one spec file, e.g. mlspec ${command} experiments/arsentd-lev/baseline.yaml`);
  return rest[0];
}

/**
 * `mlspec validate FILE...`: each file checked as `run` checks it before it writes anything (see
 * run/preflight.ts), in a fresh container so one file's `plugins:` never leak into the next.
 */
async function validateCommand(files: string[], logger: Logger): Promise<number> {
  if (!files.length)
    throw new InputError('CLI_USAGE', 'mlspec validate takes one or more spec files, e.g. mlspec validate experiments/arsentd-lev/baseline.yaml');
  let exit = EXIT_OK;
  for (const file of files) {
    try {
      const { registry, validator } = services(createContainer({ logger }));
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
}

/** --report must name a file and --state a folder; refused before anything runs or is written. */
function checkOutputFlags(flags: ParsedArgs['flags']): void {
  const report = flags.get('report');
  if (typeof report === 'string' && isDirectory(report)) {
    throw new InputError(
      'CLI_REPORT_IS_DIRECTORY',
      `--report ${report} is a directory; give a file name for the JSON report, e.g. --report ${path.join(report, 'report.json')}`,
    );
  }
  const state = flags.get('state');
  if (typeof state === 'string' && fs.existsSync(state) && !isDirectory(state)) {
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

async function runCommand(container: ReturnType<typeof createContainer>, file: string, flags: ParsedArgs['flags']): Promise<number> {
  const { registry, validator, runner, logger } = services(container);
  checkOutputFlags(flags);
  const loaded = loadSpec(file, registry, validator);
  if (sweepOf(loaded.spec)) return sweepCommand(container, loaded, sweepFlags(flags));
  const reportFile = flags.get('report');
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
    if (typeof reportFile === 'string') {
      for (const f of files) writeFileAtomic(path.join(path.dirname(reportFile), f.path), f.bytes);
      writeFileAtomic(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    }
    if (tracking) process.stdout.write(`\n${formatTrackingSummary(tracking.listener.summary(), tracking.tracker)}\n`);
    return EXIT_OK;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}

function sweepFlags(flags: ParsedArgs['flags']): SweepFlags {
  const text = (name: string) => (typeof flags.get(name) === 'string' ? (flags.get(name) as string) : undefined);
  return {
    workers: text('workers'),
    retryFailed: flags.has('retry-failed'),
    state: text('state'),
    report: text('report'),
    trackingUri: text('tracking-uri'),
    noTracking: flags.has('no-tracking'),
    quiet: flags.has('quiet'),
    queue: text('queue'),
    queueName: text('queue-name'),
  };
}

function queueFlags(flags: ParsedArgs['flags']): WorkerFlags {
  const text = (name: string) => (typeof flags.get(name) === 'string' ? (flags.get(name) as string) : undefined);
  return {
    queue: text('queue'),
    queueName: text('queue-name'),
    concurrency: text('concurrency'),
    backend: text('backend'),
    dir: text('dir'),
    stallSeconds: text('stall-seconds'),
  };
}

/**
 * The tracking store: --tracking-uri wins over MLFLOW_TRACKING_URI, which wins over the spec's
 * `tracking.uri`; then the default store (see tracking/open-tracker.ts). A server that does not answer is bad input (exit 2), found
 * before any data is read or any model trained.
 */
async function openTracking(
  spec: ExperimentSpec,
  specUri: string | undefined,
  flags: ParsedArgs['flags'],
  logger: Logger,
): Promise<{ listener: MlflowListener; tracker: Tracker } | undefined> {
  if (flags.has('no-tracking') || spec.tracking?.enabled === false) return undefined;
  const flag = flags.get('tracking-uri');
  const { uri } = chooseTrackingUri({ flag: typeof flag === 'string' ? flag : undefined, spec: specUri });
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

async function syncCommand(folder: string, flags: ParsedArgs['flags'], logger: Logger): Promise<number> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new InputError('SPOOL_NOT_FOUND', `${folder} is not a folder; pass the spool folder a run named (default .mlspec-spool)`);
  }
  const flag = flags.get('tracking-uri');
  // The spool's own URI comes last, where a spec's would: the flag and MLFLOW_TRACKING_URI win.
  const { uri } = chooseTrackingUri({ flag: typeof flag === 'string' ? flag : undefined, spec: readSpool(folder)[0]?.manifest.trackingUri });
  if (!uri) throw new InputError('CLI_USAGE', `no tracking store to sync ${folder} to (it holds no spooled runs that name one); pass --tracking-uri`);
  const tracker = openTracker(uri, { logger });
  await tracker.check();
  const result = await syncSpool(folder, tracker, { logger });
  const records = result.runs.reduce((n, r) => n + r.records, 0);
  process.stdout.write(`synced ${result.runs.length} runs (${records} records) from ${folder} to ${tracker.uri}\n`);
  return EXIT_OK;
}

function pluginsCommand(container: ReturnType<typeof createContainer>, flags: ParsedArgs['flags']): number {
  const { registry } = services(container);
  const kind = flags.get('kind');
  if (typeof kind === 'string' && !(PLUGIN_KINDS as readonly string[]).includes(kind)) {
    throw new InputError('CLI_USAGE', `unknown plugin kind "${kind}"; kinds: ${PLUGIN_KINDS.join(', ')}`);
  }
  const kinds = typeof kind === 'string' ? [kind as PluginKind] : PLUGIN_KINDS;
  if (flags.has('json')) {
    const list = kinds.flatMap((k) =>
      registry.list(k).map((p) => ({
        kind: p.kind,
        name: p.name,
        description: p.description,
        ...(p.produces ? { produces: p.produces } : {}),
        ...(p.consumes ? { consumes: p.consumes } : {}),
        ...(p.kind === 'model' ? { trainsInEpochs: p.trainsInEpochs === true } : {}),
        ...(p.appliesTo ? { appliesTo: p.appliesTo } : {}),
        options: p.optionsSchema,
      })),
    );
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines: string[] = [];
  for (const k of kinds) {
    const plugins = registry.list(k);
    if (!plugins.length) continue;
    lines.push(`${k}s:`);
    const width = Math.max(...plugins.map((p) => p.name.length));
    for (const p of plugins) lines.push(`  ${p.name.padEnd(width)}  ${p.description}${capabilities(p)}`);
    lines.push('');
  }
  process.stdout.write(lines.join('\n'));
  return EXIT_OK;
}

/** What a plugin takes and gives, as `mlspec plugins` shows it: which blocks fit together. */
function capabilities(p: PluginDefinition): string {
  if (p.produces) return ` [produces ${p.produces}]`;
  if (p.consumes) return ` [reads ${p.consumes.join(', ')}${p.trainsInEpochs ? '; trains in epochs' : ''}]`;
  if (p.appliesTo) return ' [models that train in epochs]';
  return '';
}

function reportError(error: unknown): number {
  if (error instanceof SpecErrors) {
    // Each problem is already `file:line:col CODE message` with its source frame.
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof MlspecError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_RUN_FAILED;
}
