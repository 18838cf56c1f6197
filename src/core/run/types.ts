/**
 * What a run produces (the report) and the events it emits while running (RunListener). The
 * console table, the JSON report and MLflow tracking are all listeners or readers of these types,
 * so the runner never knows where its results go.
 */
import type { EpochRecord, FeaturizerSummary, JsonValue } from '../plugin';

export interface ClassReportRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** scikit-learn's classification_report, as numbers. */
export interface ClassificationReport {
  classes: ClassReportRow[];
  accuracy: number;
  macro: Omit<ClassReportRow, 'label'>;
  weighted: Omit<ClassReportRow, 'label'>;
}

export interface EvaluationResult {
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  report: ClassificationReport;
  /** confusion[i][j]: rows of true class i predicted as class j (class order of the spec). */
  confusion: number[][];
}

export interface DatasetSummary {
  source: string;
  rows: number;
  keptRows: number;
  classes: string[];
  classCounts: Record<string, number>;
  meanChars: number;
  meanWords: number;
  digest: string;
}

export interface PipelineResult {
  name: string;
  /** The pipeline's plugin options after defaults, as validated. */
  resolved: { [key: string]: JsonValue };
  featurizer: FeaturizerSummary;
  evaluation: EvaluationResult;
  /** Test-set predictions (class indices), in split order. */
  predictions: number[];
  fitSeconds: number;
  featurizeSeconds: number;
  epochs?: EpochRecord[];
  info?: Record<string, number | string | boolean>;
}

export interface FoldReport {
  fold: number;
  /** 0-based data-row numbers of the source file (header excluded), in split order. */
  train: number[];
  test: number[];
  pipelines: PipelineResult[];
}

/** A file a run produced (a plot), by its path relative to the run's output folder. */
export interface RunArtifact {
  path: string;
  bytes: Buffer | string;
}

export interface RunReport {
  name: string;
  description?: string;
  specFile: string;
  seed: number;
  dataset: DatasetSummary;
  /** The first (for a holdout, the only) fold's split, as data-row numbers. */
  split: { type: string; train: number[]; test: number[] };
  folds: FoldReport[];
  /** Plots and other files the run produced, relative to the report's folder. */
  artifacts: string[];
  startedAt: string;
  finishedAt: string;
}

export interface RunStartedInfo {
  name: string;
  description?: string;
  specFile: string;
  specText: string;
  resolvedSpec: JsonValue;
  seed: number;
  /** The TensorFlow.js backend in use, when a pipeline needs one. */
  backend?: string;
}

export interface PipelineFinishedInfo {
  pipeline: string;
  fold: number;
  result: PipelineResult;
  trainRows: number[];
  testRows: number[];
  /**
   * The fitted pipeline: its resolved options, the featurizer's and model's learned state (JSON),
   * and one text of the evaluation rows (the saved model's input example).
   */
  fitted?: { resolved: { [key: string]: JsonValue }; featurizer: JsonValue; model: JsonValue; example?: string };
}

/** Events a run emits, in order. Every method may be async; the runner awaits them. */
export interface RunListener {
  runStarted?(info: RunStartedInfo): Promise<void> | void;
  dataLoaded?(summary: DatasetSummary): Promise<void> | void;
  pipelineStarted?(info: { pipeline: string; fold: number; folds: number; resolved: { [key: string]: JsonValue } }): Promise<void> | void;
  /** A metric while a pipeline trains (per epoch when `step` is given). */
  metric?(info: { pipeline: string; fold: number; key: string; value: number; step?: number }): Promise<void> | void;
  pipelineFinished?(info: PipelineFinishedInfo): Promise<void> | void;
  pipelineFailed?(info: { pipeline: string; fold: number; error: Error }): Promise<void> | void;
  /** Files the run produced (plots), before runFinished. */
  artifacts?(files: RunArtifact[]): Promise<void> | void;
  runFinished?(report: RunReport): Promise<void> | void;
  /** The run stopped early: a failure, or an interrupt (`killed`). */
  runFailed?(info: { error: Error; killed: boolean }): Promise<void> | void;
}
