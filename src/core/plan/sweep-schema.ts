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
import { samplerConfigSchema, type SamplerConfig } from '../search';

/** Validation metrics a sweep can select on; `val_loss` is minimised, the others maximised. */
export const SELECT_METRICS = ['val_accuracy', 'val_macro_f1', 'val_weighted_f1', 'val_loss'] as const;
export type SelectMetric = (typeof SELECT_METRICS)[number];
export type SelectGoal = 'max' | 'min';

export const PRUNING_TYPES = ['median', 'successive-halving', 'asha', 'hyperband'] as const;
export type PruningType = (typeof PRUNING_TYPES)[number];

/** `sweep.pruning` after schema validation (defaults filled in). */
export interface PruningSpec {
  type: PruningType;
  warmupEpochs: number;
  startupTrials: number;
  /** Successive halving / Hyperband: keep the best 1/reductionFactor at each rung. */
  reductionFactor?: number;
  /** The resource of the first rung (epochs, or fits for models that do not train in epochs). */
  minResource?: number;
  /** The resource of a full trial; default the pipeline's epochs (or its folds × seeds). */
  maxResource?: number;
  /** Hyperband: number of brackets; default all of them (log_η(max/min) + 1). */
  brackets?: number;
  /** Decide against whatever has finished when a decision is due, without waiting: faster, not reproducible. */
  asynchronous?: boolean;
}

/** `sweep.search` after schema validation (defaults filled in). */
export interface SearchSpec {
  sampler: SamplerConfig;
  space: Record<string, SearchDimensionSpec>;
  trials?: number;
  maxFits?: number;
  timeout?: number;
  target?: number;
  concurrentTrials: number;
}

/** One dimension of `sweep.search.space`: exactly one of uniform, loguniform, int, choice, with options. */
export interface SearchDimensionSpec extends Distribution {
  step?: number;
  log?: boolean;
  when?: Record<string, JsonValue[]>;
}

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
  search?: SearchSpec;
  folds: number;
  seeds: number | number[];
  select: { metric: SelectMetric; goal?: SelectGoal };
  pruning?: PruningSpec;
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

const searchDimensionSchema: SchemaObject = {
  type: 'object',
  description:
    'One dimension of the search space: exactly one of uniform, loguniform, int, choice; `step` keeps numbers on a grid, ' +
    '`log: true` draws an int on a log scale, `when` makes the dimension exist only when earlier ones took given values.',
  additionalProperties: false,
  properties: {
    ...(distributionSchema.properties as Record<string, SchemaObject>),
    step: { type: 'number', exclusiveMinimum: 0, description: 'Values low + k·step only (uniform or int).' },
    log: { type: 'boolean', description: 'int only: draw on a log scale (low >= 1); loguniform is the float form.' },
    when: {
      type: 'object',
      minProperties: 1,
      description: 'A conditional dimension: it exists only when each named dimension (listed before this one) took one of these values.',
      additionalProperties: { type: 'array', minItems: 1 },
    },
  },
};

const searchSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['space'],
  description:
    'Adaptive search: a sampler suggests each trial from the results of the trials before it, within a budget. ' +
    'Replaces grid and random; `mlspec plan` checks every value the space can produce before anything runs.',
  properties: {
    sampler: { ...samplerConfigSchema, default: { type: 'random' } },
    space: {
      type: 'object',
      minProperties: 1,
      description: `The dimensions to search, by path, in order (a \`when\` may name only earlier ones). Keys: ${PATH_HELP}`,
      additionalProperties: searchDimensionSchema,
    },
    trials: { type: 'integer', minimum: 1, description: 'Budget: at most this many trials.' },
    maxFits: {
      type: 'integer',
      minimum: 1,
      description: 'Budget: start no trial that could take the fits past this many (a running trial counts at its most).',
    },
    timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      description:
        'Budget: start no trial after this many seconds of sweeping (summed over resumes). Depends on the machine’s speed, so not reproducible.',
    },
    target: { type: 'number', description: 'Stop at the first trial (in trial order) whose score reaches this value; later trials are dropped.' },
    concurrentTrials: {
      type: 'integer',
      minimum: 1,
      default: 4,
      description:
        'Trials that may run before the sampler sees their results: trial k is suggested from the finished trials before k − concurrentTrials, ' +
        'the ones after them passed as running. Fixed here, not by --workers, so any worker count gives the same trials; more workers than this wait.',
    },
  },
};

export const sweepSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description:
    'A hyperparameter sweep over this spec: each trial is the spec with some pipeline settings changed. ' + 'Preview the trials with `mlspec plan`.',
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
    search: searchSchema,
    folds: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'Score each trial by stratified k-fold cross-validation on the training rows of the spec split (2 or more); ' +
        "0 scores it on one stratified holdout of those training rows (the spec split's test fraction, else 0.2). The test rows are never used to choose.",
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
      description:
        'Stop unpromising trials early. The resource is epochs (of the first fold) for models that train in epochs, and fits (folds × seeds) for the others. ' +
        'Every decision compares a trial with the trials before it in trial order, so any worker count and any resume give the same leaderboard.',
      properties: {
        type: {
          type: 'string',
          enum: [...PRUNING_TYPES],
          description:
            'median: stop a trial whose best score so far is worse than the median of the finished earlier trials at that epoch (epoch models only); ' +
            'successive-halving (= asha): at each rung (minResource·reductionFactor^i) keep a trial only if it is in the best 1/reductionFactor of the trials before it at that rung; ' +
            'hyperband: successive halving in brackets that start at larger rungs, trials dealt to brackets in turn.',
        },
        warmupEpochs: { type: 'integer', minimum: 0, default: 0, description: 'median: never prune a trial before this many epochs.' },
        startupTrials: { type: 'integer', minimum: 0, default: 5, description: 'median: never prune before this many earlier trials have finished.' },
        reductionFactor: {
          type: 'integer',
          minimum: 2,
          description: 'successive-halving, hyperband: keep the best 1/reductionFactor at each rung (default 3).',
        },
        minResource: { type: 'integer', minimum: 1, description: 'successive-halving, hyperband: the resource of the first rung (default 1).' },
        maxResource: {
          type: 'integer',
          minimum: 1,
          description: 'successive-halving, hyperband: the resource of a full trial (default: the pipeline’s epochs, or its fits).',
        },
        brackets: { type: 'integer', minimum: 1, description: 'hyperband: how many brackets (default: all, log_η(max/min) + 1).' },
        asynchronous: {
          type: 'boolean',
          description:
            'Decide against whatever has finished when a decision is due instead of waiting for earlier trials: never idle, but the result depends on timing (not reproducible).',
        },
      },
    },
    workers: { type: 'integer', minimum: 1, description: 'Worker processes to run trials in (the default for --workers).' },
  },
};
