/**
 * How much work a sweep plan is: model fits per pipeline and model type, and the epochs they train
 * when the pipeline has a `training:` block. A fit is one pipeline trained on one fold with one
 * seed; fits with the same id (a pipeline no trial changes) are counted once, since an executor
 * that keys results by fit id runs them once.
 */
import type { SweepPlan } from './types';

export interface PipelineWork {
  pipeline: string;
  /** The model plugin; a pipeline whose model type is swept has one row per type. */
  model: string;
  /** Distinct settings of this pipeline across the trials. */
  configs: number;
  /** Distinct fits: configs × folds × seeds. */
  fits: number;
  /** Epochs over all distinct fits, when the pipeline trains in epochs. */
  epochs?: number;
  /** An early-stopping regularizer may end fits sooner: `epochs` is then an upper bound. */
  earlyStopping: boolean;
}

export interface WorkEstimate {
  trials: number;
  /** Trials that resolve to the same spec as an earlier one (no work of their own). */
  duplicates: number;
  units: number;
  /** Distinct fits over all pipelines. */
  fits: number;
  /** Fits if every unit refitted every pipeline, changed or not. */
  fitsWithoutReuse: number;
  /** Epochs over all distinct fits of pipelines that train in epochs (undefined when none do). */
  epochs?: number;
  pipelines: PipelineWork[];
}

export function estimateWork(plan: SweepPlan): WorkEstimate {
  const rows = new Map<string, PipelineWork & { configIds: Set<string>; fitIds: Set<string> }>();
  const trials = new Map(plan.trials.map((t) => [t.index, t]));
  let fitsWithoutReuse = 0;
  for (const unit of plan.units) {
    const trial = trials.get(unit.trial)!;
    for (const fit of unit.fits) {
      fitsWithoutReuse++;
      const pipeline = trial.spec.pipelines[fit.pipeline];
      const key = `${fit.pipeline}\0${pipeline.model.type}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          pipeline: fit.pipeline,
          model: pipeline.model.type,
          configs: 0,
          fits: 0,
          earlyStopping: false,
          configIds: new Set(),
          fitIds: new Set(),
        };
        rows.set(key, row);
      }
      row.configIds.add(trial.pipelines[fit.pipeline]);
      if (row.fitIds.has(fit.id)) continue;
      row.fitIds.add(fit.id);
      const epochs = pipeline.training?.epochs;
      if (typeof epochs === 'number') row.epochs = (row.epochs ?? 0) + epochs;
      if (pipeline.regularizers.some((r) => r.type === 'early-stopping')) row.earlyStopping = true;
    }
  }
  const pipelines = [...rows.values()].map(({ configIds, fitIds, ...row }) => ({ ...row, configs: configIds.size, fits: fitIds.size }));
  const withEpochs = pipelines.filter((p) => p.epochs !== undefined);
  const estimate: WorkEstimate = {
    trials: plan.trials.length,
    duplicates: plan.trials.filter((t) => t.duplicateOf !== undefined).length,
    units: plan.units.length,
    fits: pipelines.reduce((sum, p) => sum + p.fits, 0),
    fitsWithoutReuse,
    pipelines,
  };
  if (withEpochs.length) estimate.epochs = withEpochs.reduce((sum, p) => sum + p.epochs!, 0);
  return estimate;
}
