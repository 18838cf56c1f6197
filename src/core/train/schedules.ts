/**
 * Learning-rate schedules, stepped once per epoch as PyTorch's schedulers usually are. Epochs are
 * 1-based: epoch 1 always uses the base learning rate.
 */
import type { EpochRecord } from '../plugin';
import { resolveMode, type LearningRateSchedule } from './regularizer';

export interface LearningRateScheduler {
  /** The learning rate for `epoch` (called once, before the epoch runs). */
  rateFor(epoch: number): number;
  /** The metrics of a finished epoch (reduce-on-plateau decides from them). */
  observe(record: EpochRecord): void;
}

class Constant implements LearningRateScheduler {
  constructor(private readonly base: number) {}
  rateFor(): number {
    return this.base;
  }
  observe(): void {}
}

/** StepLR: base·γ^⌊(epoch−1)/stepSize⌋. */
class Step implements LearningRateScheduler {
  constructor(
    private readonly base: number,
    private readonly stepSize: number,
    private readonly gamma: number,
  ) {}
  rateFor(epoch: number): number {
    return this.base * this.gamma ** Math.floor((epoch - 1) / this.stepSize);
  }
  observe(): void {}
}

/** ExponentialLR: base·γ^(epoch−1). */
class Exponential implements LearningRateScheduler {
  constructor(
    private readonly base: number,
    private readonly gamma: number,
  ) {}
  rateFor(epoch: number): number {
    return this.base * this.gamma ** (epoch - 1);
  }
  observe(): void {}
}

/** CosineAnnealingLR: min + (base−min)·(1 + cos(π·(epoch−1)/tMax))/2. */
class Cosine implements LearningRateScheduler {
  constructor(
    private readonly base: number,
    private readonly tMax: number,
    private readonly min: number,
  ) {}
  rateFor(epoch: number): number {
    return this.min + ((this.base - this.min) * (1 + Math.cos((Math.PI * (epoch - 1)) / this.tMax))) / 2;
  }
  observe(): void {}
}

/** ReduceLROnPlateau with an absolute threshold: multiply by `factor` after `patience` epochs without improvement. */
class ReduceOnPlateau implements LearningRateScheduler {
  private rate: number;
  private best: number | undefined;
  private badEpochs = 0;
  private cooldownLeft = 0;
  private readonly mode: 'min' | 'max';

  constructor(
    base: number,
    private readonly s: Extract<LearningRateSchedule, { type: 'reduce-on-plateau' }>,
  ) {
    this.rate = base;
    this.mode = resolveMode(s.monitor, s.mode);
  }

  rateFor(): number {
    return this.rate;
  }

  observe(record: EpochRecord): void {
    const value = record[this.s.monitor];
    if (value === undefined) return;
    const improved = this.best === undefined || (this.mode === 'min' ? value < this.best - this.s.minDelta : value > this.best + this.s.minDelta);
    if (improved) {
      this.best = value;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.s.patience) {
      this.rate = Math.max(this.rate * this.s.factor, this.s.minLearningRate);
      this.cooldownLeft = this.s.cooldown;
      this.badEpochs = 0;
    }
  }
}

/** The scheduler for `schedule` (a constant rate when there is none); `epochs` sizes cosine's default period. */
export function createScheduler(base: number, schedule: LearningRateSchedule | undefined, epochs: number): LearningRateScheduler {
  if (!schedule) return new Constant(base);
  switch (schedule.type) {
    case 'step':
      return new Step(base, schedule.stepSize, schedule.gamma);
    case 'exponential':
      return new Exponential(base, schedule.gamma);
    case 'cosine':
      return new Cosine(base, schedule.tMax > 0 ? schedule.tMax : epochs, schedule.minLearningRate);
    case 'reduce-on-plateau':
      return new ReduceOnPlateau(base, schedule);
  }
}
