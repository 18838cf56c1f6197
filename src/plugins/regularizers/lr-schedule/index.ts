/**
 * lr-schedule: change the learning rate from epoch to epoch, as PyTorch's StepLR, ExponentialLR,
 * CosineAnnealingLR and ReduceLROnPlateau (absolute threshold) do. Each schedule reads only its
 * own options; writing another schedule's option is an error at its key (SCHEDULE_READS).
 */
import { definePlugin } from '../../../core/plugin';
import { unusedOptionProblems, type UsedOnlyBy } from '../../../core/spec/option-rules';
import {
  MONITORED_METRICS,
  monitorNeedsValidation,
  type LearningRateSchedule,
  type LearningRateScheduleRegularizer,
  type MonitoredMetric,
  type MonitorMode,
} from '../../../core/train/regularizer';

export interface LrScheduleOptions {
  schedule: LearningRateSchedule['type'];
  stepSize: number;
  gamma: number;
  tMax: number;
  minLearningRate: number;
  monitor: MonitoredMetric;
  mode: MonitorMode;
  factor: number;
  patience: number;
  minDelta: number;
  cooldown: number;
}

/** The options each schedule reads (see scheduleFromOptions). */
export const SCHEDULE_READS: UsedOnlyBy = {
  discriminator: 'schedule',
  name: (schedule) => `the ${schedule} schedule`,
  reads: {
    step: ['stepSize', 'gamma'],
    exponential: ['gamma'],
    cosine: ['tMax', 'minLearningRate'],
    'reduce-on-plateau': ['monitor', 'mode', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate'],
  },
};

export function scheduleFromOptions(o: Readonly<LrScheduleOptions>): LearningRateSchedule {
  switch (o.schedule) {
    case 'step':
      return { type: 'step', stepSize: o.stepSize, gamma: o.gamma };
    case 'exponential':
      return { type: 'exponential', gamma: o.gamma };
    case 'cosine':
      return { type: 'cosine', tMax: o.tMax, minLearningRate: o.minLearningRate };
    case 'reduce-on-plateau':
      return {
        type: 'reduce-on-plateau',
        monitor: o.monitor,
        mode: o.mode,
        factor: o.factor,
        patience: o.patience,
        minDelta: o.minDelta,
        cooldown: o.cooldown,
        minLearningRate: o.minLearningRate,
      };
  }
}

export const lrScheduleRegularizer = definePlugin<LrScheduleOptions, LearningRateScheduleRegularizer>({
  kind: 'regularizer',
  name: 'lr-schedule',
  description: 'Change the learning rate per epoch: step, exponential, cosine or reduce-on-plateau.',
  appliesTo: 'epoch-trained-models',
  rules: [
    ({ options, written }) => unusedOptionProblems(SCHEDULE_READS, options.schedule, written),
    ({ options, pipeline }) =>
      options.schedule === 'reduce-on-plateau' ? monitorNeedsValidation(options.monitor, pipeline, 'lr-schedule reduce-on-plateau') : [],
  ],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['schedule'],
    properties: {
      schedule: {
        type: 'string',
        enum: ['step', 'exponential', 'cosine', 'reduce-on-plateau'],
        description:
          'step: ×gamma every stepSize epochs; exponential: ×gamma every epoch; cosine: anneal to minLearningRate over tMax epochs; reduce-on-plateau: ×factor when monitor stalls.',
      },
      stepSize: { type: 'integer', minimum: 1, default: 10, description: '(step) Epochs between reductions.' },
      gamma: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: '(step, exponential) Factor applied at each reduction.' },
      tMax: { type: 'integer', minimum: 0, default: 0, description: '(cosine) Epochs of one half-period; 0 = the number of training epochs.' },
      minLearningRate: { type: 'number', minimum: 0, default: 0, description: '(cosine, reduce-on-plateau) Lowest learning rate.' },
      monitor: {
        type: 'string',
        enum: [...MONITORED_METRICS],
        default: 'val_loss',
        description: '(reduce-on-plateau) The metric to watch; val_* need training.validation > 0.',
      },
      mode: {
        type: 'string',
        enum: ['auto', 'min', 'max'],
        default: 'auto',
        description: '(reduce-on-plateau) Whether lower or higher is better; auto = min for losses, max for accuracies.',
      },
      factor: {
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.1,
        description: '(reduce-on-plateau) Factor applied when the metric stalls.',
      },
      patience: {
        type: 'integer',
        minimum: 0,
        default: 10,
        description: '(reduce-on-plateau) Epochs without improvement tolerated before reducing.',
      },
      minDelta: { type: 'number', minimum: 0, default: 0.0001, description: '(reduce-on-plateau) Smallest change that counts as an improvement.' },
      cooldown: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: '(reduce-on-plateau) Epochs to wait after a reduction before counting again.',
      },
    },
  },
  exampleOptions: { schedule: 'cosine' },
  create: (options) => ({ kind: 'lr-schedule', schedule: scheduleFromOptions(options) }),
});
export default lrScheduleRegularizer;
