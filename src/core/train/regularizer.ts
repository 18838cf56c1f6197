/**
 * What regularizer plugins hand to the training loop. A regularizer is a small description of one
 * training behaviour; the loop owns the semantics, so every model trained by it treats, say,
 * early stopping the same way. `penalty` is the open end: any extra loss term over the weights.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import type { OptionProblem, PipelineFacts } from '../plugin';

export type MonitoredMetric = 'train_loss' | 'train_accuracy' | 'val_loss' | 'val_accuracy';
export const MONITORED_METRICS: readonly MonitoredMetric[] = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy'];
/** `auto` means min for losses and max for accuracies. */
export type MonitorMode = 'auto' | 'min' | 'max';

export interface DropoutRegularizer {
  kind: 'dropout';
  /** Fraction of units zeroed in training (PyTorch's Dropout: survivors are scaled by 1/(1-rate)). */
  rate: number;
}

export interface WeightDecayRegularizer {
  kind: 'weight-decay';
  value: number;
  /** false: value·w is added to the gradient (PyTorch Adam/SGD `weight_decay`); true: w ← w − lr·value·w (AdamW). */
  decoupled: boolean;
}

export interface PenaltyRegularizer {
  kind: 'penalty';
  /** Shown in messages and summaries, e.g. "l2". */
  name: string;
  /** A scalar added to the batch loss; it is inside the gradient tape, so it is differentiated. */
  penalty(weights: readonly tf.Variable[]): tf.Scalar;
}

export interface GradientClippingRegularizer {
  kind: 'gradient-clipping';
  /** norm: rescale all gradients together when their global L2 norm exceeds `max`; value: clamp each to [−max, max]. */
  mode: 'norm' | 'value';
  max: number;
}

export type LearningRateSchedule =
  | { type: 'step'; stepSize: number; gamma: number }
  | { type: 'exponential'; gamma: number }
  | { type: 'cosine'; tMax: number; minLearningRate: number }
  | {
      type: 'reduce-on-plateau';
      monitor: MonitoredMetric;
      mode: MonitorMode;
      factor: number;
      patience: number;
      minDelta: number;
      cooldown: number;
      minLearningRate: number;
    };

export interface LearningRateScheduleRegularizer {
  kind: 'lr-schedule';
  schedule: LearningRateSchedule;
}

export interface EarlyStoppingRegularizer {
  kind: 'early-stopping';
  monitor: MonitoredMetric;
  mode: MonitorMode;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement. */
  minDelta: number;
  /** Put back the weights of the best epoch when training ends, if the last epoch was not the best. */
  restoreBestWeights: boolean;
}

export type Regularizer =
  | DropoutRegularizer
  | WeightDecayRegularizer
  | PenaltyRegularizer
  | GradientClippingRegularizer
  | LearningRateScheduleRegularizer
  | EarlyStoppingRegularizer;

const SINGLE_KINDS = ['dropout', 'weight-decay', 'gradient-clipping', 'lr-schedule', 'early-stopping'] as const;
type SingleKind = (typeof SINGLE_KINDS)[number];

/** The pipeline's regularizers, sorted by what they do. */
export interface RegularizerSet {
  dropout?: DropoutRegularizer;
  weightDecay?: WeightDecayRegularizer;
  penalties: PenaltyRegularizer[];
  gradientClipping?: GradientClippingRegularizer;
  lrSchedule?: LearningRateScheduleRegularizer;
  earlyStopping?: EarlyStoppingRegularizer;
}

function isRegularizer(value: unknown): value is Regularizer {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && ((SINGLE_KINDS as readonly string[]).includes(kind) || kind === 'penalty');
}

/**
 * Sort FitData.regularizers; anything that is not a Regularizer, or a second regularizer of a kind
 * that can only be used once (two early stoppings, two schedules, …), is an InputError.
 */
export function collectRegularizers(list: readonly unknown[] | undefined): RegularizerSet {
  const set: RegularizerSet = { penalties: [] };
  const seen = new Set<SingleKind>();
  for (const r of list ?? []) {
    if (!isRegularizer(r)) {
      throw new InputError(
        'REGULARIZER_UNSUPPORTED',
        `a regularizer of this pipeline is not one the training loop understands (expected kind ${[...SINGLE_KINDS, 'penalty'].join(', ')})`,
      );
    }
    if (r.kind === 'penalty') {
      set.penalties.push(r);
      continue;
    }
    if (seen.has(r.kind)) throw new InputError('REGULARIZER_DUPLICATE', `the pipeline lists more than one ${r.kind} regularizer; keep one`);
    seen.add(r.kind);
    switch (r.kind) {
      case 'dropout':
        set.dropout = r;
        break;
      case 'weight-decay':
        set.weightDecay = r;
        break;
      case 'gradient-clipping':
        set.gradientClipping = r;
        break;
      case 'lr-schedule':
        set.lrSchedule = r;
        break;
      case 'early-stopping':
        set.earlyStopping = r;
        break;
    }
  }
  return set;
}

/** min for losses, max for accuracies, unless the mode says otherwise. */
export function resolveMode(monitor: MonitoredMetric, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return monitor.endsWith('_loss') ? 'min' : 'max';
}

/**
 * A rule of regularizers that watch a metric: val_* metrics exist only when the pipeline's
 * `training.validation` carves a validation set. Located at the regularizer's `monitor` option.
 */
export function monitorNeedsValidation(monitor: MonitoredMetric, pipeline: PipelineFacts | undefined, who: string): OptionProblem[] {
  if (!monitor.startsWith('val_') || !pipeline?.training || pipeline.training.validation > 0) return [];
  return [
    {
      code: 'VALIDATION_REQUIRED',
      option: 'monitor',
      message: `${who} monitors ${monitor}, which needs a validation set, but training.validation is 0; set training.validation (e.g. 0.1) or monitor ${monitor.replace('val_', 'train_')}`,
    },
  ];
}
