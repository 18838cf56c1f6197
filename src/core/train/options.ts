/**
 * The pipeline's `training:` block: how models that learn in epochs are trained. It belongs to the
 * core: `trainingOptionsSchema` is part of the spec envelope (validated once, defaults filled in),
 * `trainingRules` checks what the schema cannot (an option the chosen optimizer does not read),
 * and the runner hands the typed block to models in FitData.training. `resolveTrainingOptions`
 * fills in defaults when a model is used without a spec.
 */
import Ajv, { type SchemaObject } from 'ajv';
import { InputError } from '../errors';
import type { JsonValue, OptionProblem } from '../plugin';
import { unusedOptionProblems, type UsedOnlyBy } from '../spec/option-rules';

export const OPTIMIZER_TYPES = ['adam', 'adamw', 'sgd', 'rmsprop'] as const;
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];

/** Training options that change what is shown, not what is learned. */
export const DISPLAY_ONLY_TRAINING_OPTIONS: readonly (keyof TrainingOptions)[] = ['progress'];

export interface OptimizerOptions {
  type: OptimizerType;
  learningRate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  rho: number;
}

export interface TrainingOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerOptions;
  validation: number;
  curves: boolean;
  progress: boolean;
  shuffle: boolean;
}

export const trainingOptionsSchema: SchemaObject = {
  type: 'object',
  description: 'How models that learn in epochs (simple-rnn, lstm, gru, …) are trained.',
  additionalProperties: false,
  properties: {
    epochs: { type: 'integer', minimum: 1, default: 10, description: 'Passes over the training rows.' },
    batchSize: { type: 'integer', minimum: 1, default: 32, description: 'Rows per gradient step.' },
    shuffle: { type: 'boolean', default: true, description: 'Reshuffle the training rows every epoch (from the spec seed).' },
    optimizer: {
      type: 'object',
      description: 'The optimizer and its settings (PyTorch semantics). Weight decay is a regularizer: see the weight-decay regularizer.',
      additionalProperties: false,
      required: ['type'],
      default: { type: 'adam' },
      properties: {
        type: {
          type: 'string',
          enum: [...OPTIMIZER_TYPES],
          description: 'adam, adamw (Adam with decoupled weight decay), sgd (with optional momentum) or rmsprop.',
        },
        learningRate: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 0.001,
          description: 'Step size (the starting one when an lr-schedule regularizer is used).',
        },
        momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0, description: 'Momentum for sgd and rmsprop (0 = none).' },
        beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'Adam/AdamW decay of the first-moment average.' },
        beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Adam/AdamW decay of the second-moment average.' },
        epsilon: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 1e-8,
          description: 'Added to the denominator of adam, adamw and rmsprop for numerical stability.',
        },
        rho: {
          type: 'number',
          minimum: 0,
          exclusiveMaximum: 1,
          default: 0.99,
          description: "RMSprop's decay of the squared-gradient average (PyTorch's alpha).",
        },
      },
    },
    validation: {
      type: 'number',
      minimum: 0,
      exclusiveMaximum: 1,
      default: 0,
      description:
        'Fraction of the training rows held out (stratified) to report val_loss/val_accuracy each epoch and drive early stopping; 0 = none.',
    },
    curves: {
      type: 'boolean',
      default: false,
      description:
        "Also score the test rows after every epoch, only to draw learning curves (the notebook's test accuracy per epoch); never used for decisions.",
    },
    progress: { type: 'boolean', default: true, description: 'Show a progress bar (a TTY) or one line per epoch (otherwise) on stderr.' },
  },
};

/** Which optimizer settings each optimizer reads (see optimizers.ts); any other written one is an error. */
export const OPTIMIZER_READS: UsedOnlyBy = {
  discriminator: 'type',
  prefix: 'optimizer',
  reads: {
    adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
    adamw: ['learningRate', 'beta1', 'beta2', 'epsilon'],
    sgd: ['learningRate', 'momentum'],
    rmsprop: ['learningRate', 'momentum', 'epsilon', 'rho'],
  },
};

/**
 * What the schema cannot say about a `training:` block: `written` is the block as the spec writes
 * it (before defaults). Problems are located relative to the block (e.g. "optimizer.momentum").
 */
export function trainingRules(written: { readonly [key: string]: unknown }): OptionProblem[] {
  const optimizer = written.optimizer;
  if (typeof optimizer !== 'object' || optimizer === null || Array.isArray(optimizer)) return [];
  const type = (optimizer as Record<string, unknown>).type;
  return typeof type === 'string' ? unusedOptionProblems(OPTIMIZER_READS, type, Object.keys(optimizer)) : [];
}

let validate: ReturnType<Ajv['compile']> | undefined;

/** The validated training options with defaults filled in; `raw` is the pipeline's `training:` block. */
export function resolveTrainingOptions(raw: { readonly [key: string]: JsonValue } | Readonly<Partial<TrainingOptions>> | undefined): TrainingOptions {
  validate ??= new Ajv({ strict: true, useDefaults: true, allErrors: true }).compile(trainingOptionsSchema);
  const copy = JSON.parse(JSON.stringify(raw ?? {})) as Record<string, unknown>;
  if (!validate(copy)) {
    const problems = (validate.errors ?? []).map((e) => `training${e.instancePath.replace(/\//g, '.')} ${e.message}`).join('; ');
    throw new InputError('TRAINING_OPTIONS_INVALID', `invalid training options: ${problems}`);
  }
  return copy as unknown as TrainingOptions;
}
