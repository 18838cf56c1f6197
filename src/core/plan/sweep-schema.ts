/**
 * The spec's `sweep:` block: which pipeline settings to vary (a grid, random draws, or both), how
 * each trial is scored (k folds of the training rows, repeated over seeds) and how the best one is
 * chosen. The envelope schema includes it, so `mlspec validate` and editors check its shape; what
 * a schema cannot say (paths that exist, low < high, values valid for their plugin) is checked by
 * `planSweep`.
 */
import type { SchemaObject } from 'ajv';
import type { JsonValue } from '../plugin';
import { MAX_NUMPY_SEED } from '../random';

/** Validation metrics a sweep can select on; `val_loss` is minimised, the others maximised. */
export const SELECT_METRICS = ['val_accuracy', 'val_macro_f1', 'val_weighted_f1', 'val_loss'] as const;
export type SelectMetric = (typeof SELECT_METRICS)[number];
export type SelectGoal = 'max' | 'min';

export const PRUNING_TYPES = ['median'] as const;
export type PruningType = (typeof PRUNING_TYPES)[number];

export const DISTRIBUTIONS = ['uniform', 'loguniform', 'int', 'choice'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

/** One random parameter: exactly one of the keys. */
export interface Distribution {
  uniform?: [number, number];
  loguniform?: [number, number];
  int?: [number, number];
  choice?: JsonValue[];
}

/** The `sweep:` block after schema validation (defaults filled in). */
export interface SweepSpec {
  grid?: Record<string, JsonValue[]>;
  random?: { trials: number; params: Record<string, Distribution> };
  folds: number;
  seeds: number | number[];
  select: { metric: SelectMetric; goal?: SelectGoal };
  pruning?: { type: PruningType; warmupEpochs: number; startupTrials: number };
  workers?: number;
}

const PATH_HELP =
  'A dotted path into the spec, starting at a pipeline: pipelines.<name>.<model|featurizer|tokenizer>.<option>, ' +
  'pipelines.<name>.training.<key>, pipelines.<name>.regularizers.<index>.<option>; `…type` swaps the plugin.';

const bounds = (items: SchemaObject, description: string): SchemaObject => ({ type: 'array', items, minItems: 2, maxItems: 2, description });

const distributionSchema: SchemaObject = {
  type: 'object',
  description: 'How this setting is drawn for each random trial: exactly one of uniform, loguniform, int, choice.',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    uniform: bounds({ type: 'number' }, '[low, high]: a number drawn evenly between low and high (numpy uniform).'),
    loguniform: bounds(
      { type: 'number', exclusiveMinimum: 0 },
      '[low, high], both > 0: a number whose logarithm is drawn evenly, for scales such as learning rates.',
    ),
    int: bounds({ type: 'integer' }, '[low, high]: a whole number from low to high, both included.'),
    choice: { type: 'array', minItems: 1, description: 'One of these values, each equally likely.' },
  },
};

export const sweepSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description:
    'A hyperparameter sweep over this spec: each trial is the spec with some pipeline settings changed. ' +
    'Preview the trials with `mlspec plan`.',
  properties: {
    grid: {
      type: 'object',
      minProperties: 1,
      description: `Every combination of these values is a trial (cartesian product, the last path varying fastest). Keys: ${PATH_HELP}`,
      additionalProperties: { type: 'array', minItems: 1, description: 'The values to try, in order.' },
    },
    random: {
      type: 'object',
      additionalProperties: false,
      required: ['trials', 'params'],
      description: 'Random trials; with a grid, every grid combination is combined with `trials` fresh draws. Draws come from the spec seed.',
      properties: {
        trials: { type: 'integer', minimum: 1, description: 'How many random draws (per grid combination when there is a grid).' },
        params: {
          type: 'object',
          minProperties: 1,
          description: `The settings to draw, by path. Keys: ${PATH_HELP}`,
          additionalProperties: distributionSchema,
        },
      },
    },
    folds: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'Score each trial by stratified k-fold cross-validation on the training rows of the spec split (2 or more); ' +
        '0 scores it on one stratified holdout of those training rows (the spec split\'s test fraction, else 0.2). The test rows are never used to choose.',
    },
    seeds: {
      description: 'Repeat every trial with this many seeds (the first is the spec seed), or with exactly these seeds.',
      default: 1,
      anyOf: [
        { type: 'integer', minimum: 1 },
        { type: 'array', items: { type: 'integer', minimum: 0, maximum: MAX_NUMPY_SEED }, minItems: 1, uniqueItems: true },
      ],
    },
    select: {
      type: 'object',
      additionalProperties: false,
      required: ['metric'],
      default: { metric: 'val_accuracy' },
      description: 'How the best trial is chosen: a metric on the validation folds (never the test rows).',
      properties: {
        metric: { type: 'string', enum: [...SELECT_METRICS], description: 'The validation metric, averaged over folds and seeds.' },
        goal: { type: 'string', enum: ['max', 'min'], description: 'Whether higher or lower is better; by default min for val_loss, max otherwise.' },
      },
    },
    pruning: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      description: 'Stop unpromising trials early (models that train in epochs).',
      properties: {
        type: { type: 'string', enum: [...PRUNING_TYPES], description: 'median: stop a trial whose metric is worse than the median of earlier trials at the same epoch.' },
        warmupEpochs: { type: 'integer', minimum: 0, default: 0, description: 'Never prune a trial before this many epochs.' },
        startupTrials: { type: 'integer', minimum: 0, default: 5, description: 'Never prune before this many trials have finished.' },
      },
    },
    workers: { type: 'integer', minimum: 1, description: 'Worker processes to run trials in (the default for --workers).' },
  },
};
