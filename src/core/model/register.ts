/**
 * `register: NAME` in the spec (or `--register NAME`): the fitted model becomes a new version of a
 * registered model in MLflow's Model Registry — a sweep's refit best candidate, or the pipeline a
 * run names — with its scores in the version's description and tags, and optionally an alias.
 * Everything that can be refused (no tracking, a store without a registry, an unknown pipeline)
 * is refused before the run starts.
 */
import { InputError } from '../errors';
import type { RunReport } from '../run/types';
import type { LoadedSpec } from '../spec/load';
import { sweepOf } from '../plan/expand';
import type { TrackingSummary } from '../tracking/mlflow-listener';
import type { Tracker } from '../tracking/tracker';
import { modelStoreFor, type LoggedModelRef } from './model-store';

export interface RegistrationTarget {
  name: string;
  /** The run's pipeline to register (runs without a sweep). */
  pipeline?: string;
  alias?: string;
}

/** What a sweep's refit hands the registry. */
export interface RefitRegistration {
  model?: LoggedModelRef;
  runId: string;
  sweepRunId?: string;
  candidate: string;
  select: { metric: string; mean: number; sd: number; fits: number };
  test: { accuracy: number; macroF1: number };
}

export class RegistrationPlan {
  constructor(readonly target: RegistrationTarget) {}

  async registerRun(tracker: Tracker, summary: TrackingSummary, report: RunReport): Promise<number> {
    const run = summary.runs.find((r) => r.name === this.target.pipeline || r.name === `${this.target.pipeline}/fold-0`);
    const result = report.folds[0].pipelines.find((p) => p.name === this.target.pipeline);
    if (!run?.model || !result) throw new InputError('REGISTER_NO_MODEL', `pipeline ${this.target.pipeline} left no logged model to register`);
    const { accuracy, macroF1, weightedF1 } = result.evaluation;
    return this.register(tracker, run.model, run.runId, {
      description: `mlspec pipeline ${this.target.pipeline} of ${report.name} (${report.specFile}), trained on ${report.split.train.length} rows; test accuracy ${pct(accuracy)}, macro F1 ${pct(macroF1)} on ${report.split.test.length} held-out rows.`,
      tags: {
        'mlspec.pipeline': this.target.pipeline!,
        'mlspec.run_id': summary.parentRunId ?? '',
        test_accuracy: String(accuracy),
        test_macro_f1: String(macroF1),
        test_weighted_f1: String(weightedF1),
      },
    });
  }

  async registerRefit(tracker: Tracker, refit: RefitRegistration): Promise<number> {
    if (!refit.model) throw new InputError('REGISTER_NO_MODEL', 'the refit left no logged model to register');
    const { metric, mean, sd, fits } = refit.select;
    return this.register(tracker, refit.model, refit.runId, {
      description: `Refit of the best sweep candidate ${refit.candidate} on all training rows. Cross-validated ${metric}: ${mean.toFixed(4)} ± ${sd.toFixed(4)} over ${fits} fits; test accuracy ${pct(refit.test.accuracy)}, macro F1 ${pct(refit.test.macroF1)}.`,
      tags: {
        'mlspec.candidate': refit.candidate,
        ...(refit.sweepRunId ? { 'mlspec.sweep_run_id': refit.sweepRunId } : {}),
        [`cv_mean_${metric}`]: String(mean),
        [`cv_sd_${metric}`]: String(sd),
        test_accuracy: String(refit.test.accuracy),
        test_macro_f1: String(refit.test.macroF1),
      },
    });
  }

  private async register(
    tracker: Tracker,
    model: LoggedModelRef,
    runId: string,
    text: { description: string; tags: Record<string, string> },
  ): Promise<number> {
    const store = modelStoreFor(tracker);
    const version = await store.createModelVersion({ name: this.target.name, model, runId, ...text });
    if (this.target.alias) await store.setAlias(this.target.name, this.target.alias, version);
    const alias = this.target.alias ? ` (alias @${this.target.alias})` : '';
    process.stdout.write(`registered: models:/${this.target.name}/${version}${alias}\n`);
    return version;
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** The registration the spec and --register ask for, checked; undefined when none is asked for. */
export async function planRegistration(
  loaded: LoadedSpec,
  flag: string | undefined,
  tracker: Tracker | undefined,
): Promise<RegistrationPlan | undefined> {
  const specValue = loaded.spec.register;
  if (flag === undefined && specValue === undefined) return undefined;
  const fromSpec = typeof specValue === 'string' ? { name: specValue } : (specValue ?? { name: '' });
  const target: RegistrationTarget = { ...fromSpec, name: flag ?? fromSpec.name };
  if (!/^[^/@:]{1,256}$/.test(target.name))
    throw new InputError('REGISTER_NAME_INVALID', `registered model name "${target.name}" must be 1 to 256 characters without /, @ or :`);
  if (!tracker)
    throw new InputError(
      'REGISTER_NEEDS_TRACKING',
      `registering ${target.name} needs MLflow tracking; drop --no-tracking (or tracking.enabled: false), or drop --register / register:`,
    );
  // Throws for a store without a registry (the file store).
  const store = modelStoreFor(tracker);
  if (!store.loggedModels)
    throw new InputError(
      'MODEL_REGISTRY_UNSUPPORTED',
      `registering ${target.name} needs MLflow's SQLite store or a tracking server, not ${tracker.uri}; pass --tracking-uri sqlite:///mlflow.db or http://HOST:PORT`,
    );
  if (!sweepOf(loaded.spec)) {
    const names = Object.keys(loaded.spec.pipelines);
    if (target.pipeline === undefined) {
      if (names.length !== 1)
        throw new InputError(
          'REGISTER_WHICH_PIPELINE',
          `the spec has ${names.length} pipelines (${names.join(', ')}); say which to register with register: { name: ${target.name}, pipeline: … }`,
        );
      target.pipeline = names[0];
    } else if (!names.includes(target.pipeline))
      throw new InputError('REGISTER_WHICH_PIPELINE', `register.pipeline ${target.pipeline} is not a pipeline of the spec (${names.join(', ')})`);
  }
  return new RegistrationPlan(target);
}
