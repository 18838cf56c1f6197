import { createScheduler } from './schedules';

const rates = (s: ReturnType<typeof createScheduler>, epochs: number) => Array.from({ length: epochs }, (_, i) => s.rateFor(i + 1));

describe('learning-rate schedules', () => {
  it('constant without a schedule', () => {
    expect(rates(createScheduler(0.01, undefined, 3), 3)).toEqual([0.01, 0.01, 0.01]);
  });

  it('step: ×gamma every stepSize epochs', () => {
    const r = rates(createScheduler(1, { type: 'step', stepSize: 2, gamma: 0.5 }, 6), 6);
    expect(r).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('exponential: ×gamma every epoch', () => {
    const r = rates(createScheduler(2, { type: 'exponential', gamma: 0.5 }, 4), 4);
    expect(r).toEqual([2, 1, 0.5, 0.25]);
  });

  it('cosine: from the base rate down to the minimum at tMax (default: the number of epochs)', () => {
    const r = rates(createScheduler(1, { type: 'cosine', tMax: 0, minLearningRate: 0.1 }, 5), 5);
    expect(r[0]).toBe(1);
    expect(r[2]).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos((Math.PI * 2) / 5))) / 2, 12);
    for (let i = 1; i < r.length; i++) expect(r[i]).toBeLessThan(r[i - 1]);
    const explicit = createScheduler(1, { type: 'cosine', tMax: 2, minLearningRate: 0 }, 10);
    expect(explicit.rateFor(3)).toBeCloseTo(0, 12);
  });

  it('reduce-on-plateau: ×factor after more than `patience` epochs without improvement, then cooldown', () => {
    const s = createScheduler(
      1,
      { type: 'reduce-on-plateau', monitor: 'val_loss', mode: 'auto', factor: 0.5, patience: 1, minDelta: 0, cooldown: 1, minLearningRate: 0.3 },
      10,
    );
    const losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
    const seen: number[] = [];
    losses.forEach((loss, i) => {
      seen.push(s.rateFor(i + 1));
      s.observe({ epoch: i + 1, val_loss: loss });
    });
    seen.push(s.rateFor(losses.length + 1));
    // Bad epochs 3 and 4 → halve after epoch 4; the cooldown swallows epoch 5; bad 6 and 7 → halve
    // after epoch 7, floored at minLearningRate 0.3.
    expect(seen).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.3, 0.3]);
  });
});
