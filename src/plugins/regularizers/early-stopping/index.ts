/** early-stopping: stop training when a metric stops improving, optionally restoring the best epoch's weights. */
import { definePlugin } from '../../../core/plugin';
import {
  MONITORED_METRICS,
  monitorNeedsValidation,
  type EarlyStoppingRegularizer,
  type MonitoredMetric,
  type MonitorMode,
} from '../../../core/train/regularizer';

export interface EarlyStoppingOptions {
  monitor: MonitoredMetric;
  mode: MonitorMode;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

export const earlyStoppingRegularizer = definePlugin<EarlyStoppingOptions, EarlyStoppingRegularizer>({
  kind: 'regularizer',
  name: 'early-stopping',
  description: 'Stop training once a metric has not improved for `patience` epochs (Keras semantics).',
  appliesTo: 'epoch-trained-models',
  rules: [({ options, pipeline }) => monitorNeedsValidation(options.monitor, pipeline, 'early-stopping')],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      monitor: {
        type: 'string',
        enum: [...MONITORED_METRICS],
        default: 'val_loss',
        description: 'The per-epoch metric to watch; val_* need training.validation > 0. Test rows (curves) are never used.',
      },
      mode: {
        type: 'string',
        enum: ['auto', 'min', 'max'],
        default: 'auto',
        description: 'Whether lower or higher is better; auto = min for losses, max for accuracies.',
      },
      patience: { type: 'integer', minimum: 1, default: 5, description: 'Epochs in a row without improvement before stopping.' },
      minDelta: { type: 'number', minimum: 0, default: 0, description: 'Smallest change of the metric that counts as an improvement.' },
      restoreBestWeights: {
        type: 'boolean',
        default: true,
        description:
          'At the end of training, put back the weights of the best epoch (when it was not the last), so the model evaluated is the best one.',
      },
    },
  },
  create: (options) => ({ kind: 'early-stopping', ...options }),
});
export default earlyStoppingRegularizer;
