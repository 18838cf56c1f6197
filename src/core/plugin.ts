/**
 * The plugin contract. A plugin is a plain object made by `definePlugin`: its kind, its YAML `type`
 * name, a one-line description, a JSON Schema for its options, and `create`, which only stores
 * options (scikit-learn's rule) — work happens in fit/transform/predict. Plugins never see the spec,
 * the DI container or the tracker: they get their options and a small PluginContext.
 */
import type { SchemaObject } from 'ajv';
import type { Features } from './features';
import type { PhaseProgress } from './phase-progress';

export const PLUGIN_KINDS = ['dataset', 'split', 'tokenizer', 'featurizer', 'model', 'regularizer'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Progress of a long phase (reading, featurizing, fitting); absent when nothing should be drawn. */
  progress?(label: string, unit: string): PhaseProgress;
}

export interface PluginContext {
  /** The spec's seed. Plugins derive every random stream they need from it. */
  readonly seed: number;
  /** Folder of the spec file: relative paths in options resolve against it. */
  readonly baseDir: string;
  readonly logger: Logger;
  /** Where the instance works, for messages and progress (e.g. the pipeline name, with its fold). */
  readonly scope?: string;
  /** Record a metric (per-epoch ones with `step`); the core forwards it to the tracker. */
  log(metric: string, value: number, step?: number): void;
}

export interface PluginDefinition<Options = any, Instance = unknown> {
  kind: PluginKind;
  /** The YAML `type`, kebab-case. */
  name: string;
  /** One line, shown by `mlspec plugins`. */
  description: string;
  /** JSON Schema of the options (without `type`); `default`s are filled in by validation. */
  optionsSchema: SchemaObject;
  create(options: Readonly<Options>, context: PluginContext): Instance;
  /** The plugin computes with TensorFlow.js: the spec's `backend:` is chosen before it runs. */
  requiresBackend?: boolean;
  /**
   * Options for the conformance test (defaults are used when absent). Only needed when the
   * plugin has required options.
   */
  exampleOptions?: Record<string, unknown>;
}

export function definePlugin<Options, Instance>(def: PluginDefinition<Options, Instance>): PluginDefinition<Options, Instance> {
  return def;
}

/** Learned state kept apart from options; it must survive a JSON round trip. */
export interface Stateful {
  getState(): JsonValue;
  setState(state: JsonValue): void;
}

// ---- Instances, by kind -------------------------------------------------------------------------

/** What a dataset plugin yields: the kept rows, in file order. */
export interface LoadedData {
  /** The file the rows came from, as given in the spec. */
  source: string;
  texts: string[];
  /** Index of each row's label in `classes`. */
  labels: number[];
  classes: string[];
  /** 0-based data-row number of each kept row in the source file (header excluded). */
  rowNumbers: number[];
  /** Rows in the file before any filter. */
  totalRows: number;
  /** Other columns of the kept rows, for summaries and plots. */
  columns: Record<string, string[]>;
  /** sha256 (hex) of the kept rows' text and label: identifies the data a result was made from. */
  digest: string;
  /**
   * Totals over the kept texts, when the dataset counted them while reading (Python's len(str) and
   * len(str.split())); otherwise the run counts them from `texts`.
   */
  textStats?: { codePoints: number; words: number };
}

export interface Dataset {
  load(): Promise<LoadedData>;
}

/** One train/test partition, as positions into LoadedData's arrays, in the order the split made them. */
export interface Fold {
  train: number[];
  test: number[];
}

export interface Splitter {
  /** Partition rows by their class labels (indices into a class list of `nClasses`). */
  split(labels: readonly number[], nClasses: number): Fold[];
}

export interface Tokenizer {
  tokenize(text: string): string[];
}

export interface FeaturizerSummary {
  /** Number of features (columns) or vocabulary ids the featurizer produces. */
  features: number;
  [key: string]: number | string;
}

export interface Featurizer extends Stateful {
  /**
   * Which rows `fit` sees: the training rows (the default, no leakage) or every row of the dataset
   * (what some notebooks do for character vocabularies; labels are never used).
   */
  readonly fitOn?: 'train' | 'all';
  fit(docs: readonly string[][]): void;
  transform(docs: readonly string[][]): Features;
  summary(): FeaturizerSummary;
}

/** Labelled features handed to a model. */
export interface LabelledFeatures {
  x: Features;
  y: Int32Array;
}

export interface FitData {
  train: LabelledFeatures;
  nClasses: number;
  /** Rows carved from the training rows for early stopping / model selection, when the spec asks. */
  validation?: LabelledFeatures;
  /** Rows scored per epoch only to draw learning curves (the notebook's test curves). */
  curves?: LabelledFeatures;
  /** The pipeline's `training:` block after validation, for models that train in epochs. */
  training?: { readonly [key: string]: JsonValue };
  /** Instances made by the pipeline's `regularizers:` plugins, in spec order. */
  regularizers?: readonly unknown[];
}

export interface EpochRecord {
  epoch: number;
  [metric: string]: number;
}

export interface FitSummary {
  /** Per-epoch records for models that train in epochs. */
  epochs?: EpochRecord[];
  /** Model-specific facts worth reporting (iterations, converged, stop reason, …). */
  info?: Record<string, number | string | boolean>;
}

export interface Model extends Stateful {
  fit(data: FitData, context: PluginContext): Promise<FitSummary>;
  /** Class probabilities, row-major [rows × nClasses]. */
  predictProba(x: Features): Float64Array;
  /** Frees what the model holds outside the JS heap (tensors); called once its results are taken. */
  dispose?(): void;
}
