import { EarlyStoppingTracker } from './early-stopping';
import type { EarlyStoppingRegularizer } from './regularizer';

const config = (over: Partial<EarlyStoppingRegularizer>): EarlyStoppingRegularizer => ({
  kind: 'early-stopping',
  monitor: 'val_loss',
  mode: 'auto',
  patience: 2,
  minDelta: 0,
  restoreBestWeights: true,
  ...over,
});

function run(tracker: EarlyStoppingTracker, key: string, values: number[]): number | undefined {
  for (let i = 0; i < values.length; i++) {
    if (tracker.observe({ epoch: i + 1, [key]: values[i] }).stop) return i + 1;
  }
  return undefined;
}

describe('EarlyStoppingTracker', () => {
  it('stops after `patience` epochs without a lower loss and remembers the best epoch', () => {
    const t = new EarlyStoppingTracker(config({}));
    expect(run(t, 'val_loss', [1, 0.8, 0.85, 0.9, 0.7])).toBe(4);
    expect(t.bestEpoch).toBe(2);
    expect(t.reason(4)).toContain('val_loss did not improve for 2 epochs');
  });

  it('auto mode maximises accuracies; minDelta ignores tiny gains', () => {
    const t = new EarlyStoppingTracker(config({ monitor: 'val_accuracy', minDelta: 0.05 }));
    expect(run(t, 'val_accuracy', [0.5, 0.52, 0.54, 0.7])).toBe(3);
    expect(t.bestEpoch).toBe(1);
  });

  it('explicit mode overrides the metric name', () => {
    const t = new EarlyStoppingTracker(config({ monitor: 'train_loss', mode: 'max', patience: 1 }));
    expect(run(t, 'train_loss', [1, 2, 1.5])).toBe(3);
    expect(t.bestEpoch).toBe(2);
  });

  it('a missing metric is an error, not a silent non-improvement', () => {
    const t = new EarlyStoppingTracker(config({}));
    expect(() => t.observe({ epoch: 1, train_loss: 1 })).toThrow('val_loss');
  });
});
