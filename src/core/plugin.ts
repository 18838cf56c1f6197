/**
 * The plugin contract. A plugin is a plain object made by `definePlugin`: its kind, its YAML `type`
 * name, a one-line description, a JSON Schema for its options, and `create`, which only stores
 * options (scikit-learn's rule) — work happens in fit/transform/predict. Plugins never see the spec,
 * the DI container or the tracker: they get their options and a small PluginContext.
 *
 * A plugin also declares what it takes and gives, so `validate`, `plan` and `run` (before it
 * writes anything) check a pipeline without running it (src/core/spec/pipeline-checks.ts): a
 * featurizer the FeatureKind it `produces`, a model the kinds it `consumes` and whether it
 * `trainsInEpochs` (and so reads `training:` and takes regularizers), a regularizer what it
 * `appliesTo`, and any plugin the `rules` between its options that a schema cannot state. The
 * registry refuses a featurizer, model or regularizer without these declarations.
 */
import type { SchemaObject } from 'ajv';
import type { Features } from './features';
import type { PhaseProgress } from './phase-progress';
import type { TokenizedDocs } from './tokenized-docs';
import type { TextLengths } from './run/text-stats';
import type { TrainingOptions } from './train/options';

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

/**
 * The features a featurizer's `transform` returns and a model's `fit` reads: the `kind` of core's
 * Features ('csr': a sparse matrix, e.g. counts or TF-IDF; 'sequences': padded token ids).
 */
export type FeatureKind = Features['kind'];

/** What a regularizer plugin applies to; today every regularizer acts inside the epoch training loop. */
export type RegularizerTarget = 'epoch-trained-models';

/** What a pipeline around a plugin block looks like, for rules that involve other blocks. */
export interface PipelineFacts {
  /** The pipeline's model, when its `type` is known. */
  model?: { type: string; trainsInEpochs: boolean };
  /** The `training:` block with defaults filled in, when the model trains in epochs. */
  training?: Readonly<TrainingOptions>;
}

/**
 * A problem a rule finds in a block's options. `option` is the dotted path of the option it is
 * at, relative to the block (the block's `type` when absent); `inPipeline: true` makes it relative
 * to the pipeline instead (e.g. "training.validation").
 */
export interface OptionProblem {
  code: string;
  message: string;
  option?: string;
  inPipeline?: boolean;
}

/**
 * A rule between options that a JSON Schema cannot state (ngramRange's order, an option only one
 * schedule uses, a monitored metric that needs a validation set). `written` is the set of option
 * keys the spec writes (defaults are filled into `options`); `pipeline` is set for pipeline blocks.
 * Checked by `validate`, `plan` (every trial) and before `run` writes anything.
 */
export type OptionRule<Options = any> = (input: {
  options: Readonly<Options>;
  written: ReadonlySet<string>;
  pipeline?: PipelineFacts;
}) => OptionProblem[];

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
  /** Featurizers (required): the kind of features `transform` returns. */
  produces?: FeatureKind;
  /** Models (required): the feature kinds `fit` and `predictProba` read. */
  consumes?: readonly FeatureKind[];
  /** Models: trains in epochs, so it reads the pipeline's `training:` block and takes regularizers. */
  trainsInEpochs?: boolean;
  /** Regularizers (required): the models it can be attached to. */
  appliesTo?: RegularizerTarget;
  /** Cross-field rules on the options (see OptionRule). */
  rules?: ReadonlyArray<OptionRule<Options>>;
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
  /** Each kept text's code points and words, when the dataset counted them: the run can then release the texts once tokenized. */
  textLengths?: TextLengths;
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
  /**
   * Partition rows by their class labels (indices into a class list of `nClasses`). `classNames`,
   * when given, are the labels of those indices, for messages that name a class.
   */
  split(labels: readonly number[], nClasses: number, classNames?: readonly string[]): Fold[];
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
  /**
   * Optional: `fit` and `transform` on documents as token ids (core/tokenized-docs.ts), with the
   * same results. The runner uses them when present, so a large corpus is never held as one
   * string array per row; without them it passes string arrays.
   */
  fitTokenized?(docs: TokenizedDocs): void;
  transformTokenized?(docs: TokenizedDocs): Features;
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
  /** The pipeline's `training:` block, validated by the core with defaults filled in, for models that train in epochs. */
  training?: Readonly<TrainingOptions>;
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
