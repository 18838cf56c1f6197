/**
 * Early stopping as Keras defines it: stop once the monitored metric has not improved by more
 * than minDelta for `patience` epochs in a row. The tracker only decides; the training loop keeps
 * the best weights when asked to restore them.
 */
import type { EpochRecord } from '../plugin';
import { resolveMode, type EarlyStoppingRegularizer } from './regularizer';

export interface EarlyStoppingDecision {
  /** This epoch is the best so far (its weights are the ones to keep). */
  improved: boolean;
  /** Training should stop after this epoch. */
  stop: boolean;
}

export class EarlyStoppingTracker {
  private readonly mode: 'min' | 'max';
  private best: number | undefined;
  private wait = 0;
  bestEpoch = 0;

  constructor(readonly config: EarlyStoppingRegularizer) {
    this.mode = resolveMode(config.monitor, config.mode);
  }

  get bestValue(): number | undefined {
    return this.best;
  }

  observe(record: EpochRecord): EarlyStoppingDecision {
    const value = record[this.config.monitor];
    if (value === undefined || Number.isNaN(value))
      throw new Error(`early stopping monitors ${this.config.monitor}, which epoch ${record.epoch} did not report`);
    const { minDelta } = this.config;
    const improved = this.best === undefined || (this.mode === 'min' ? value < this.best - minDelta : value > this.best + minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = record.epoch;
      this.wait = 0;
    } else {
      this.wait++;
    }
    return { improved, stop: this.wait >= this.config.patience };
  }

  /** Why training stopped, for the run summary. */
  reason(stoppedEpoch: number): string {
    const { monitor, patience } = this.config;
    return `${monitor} did not improve for ${patience} epoch${patience === 1 ? '' : 's'} (best ${this.best?.toPrecision(4)} at epoch ${this.bestEpoch}); stopped after epoch ${stoppedEpoch}`;
  }
}
