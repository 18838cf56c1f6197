import Ajv from 'ajv';
import { createScheduler } from '../../../core/train/schedules';
import lrSchedule, { type LrScheduleOptions } from '.';

const validate = new Ajv({ strict: true, useDefaults: true }).compile(lrSchedule.optionsSchema);
function resolved(raw: Record<string, unknown>): LrScheduleOptions {
  const o = { ...raw };
  expect(validate(o)).toBe(true);
  return o as unknown as LrScheduleOptions;
}

describe('lr-schedule regularizer', () => {
  it('needs a schedule type', () => {
    expect(validate({})).toBe(false);
    expect(validate({ schedule: 'linear' })).toBe(false);
  });

  it('passes each schedule only its own settings', () => {
    expect(lrSchedule.create(resolved({ schedule: 'step', stepSize: 3 }), {} as never).schedule).toEqual({ type: 'step', stepSize: 3, gamma: 0.1 });
    expect(lrSchedule.create(resolved({ schedule: 'exponential', gamma: 0.9 }), {} as never).schedule).toEqual({ type: 'exponential', gamma: 0.9 });
    expect(lrSchedule.create(resolved({ schedule: 'cosine' }), {} as never).schedule).toEqual({ type: 'cosine', tMax: 0, minLearningRate: 0 });
    expect(lrSchedule.create(resolved({ schedule: 'reduce-on-plateau', monitor: 'train_loss' }), {} as never).schedule).toEqual({
      type: 'reduce-on-plateau',
      monitor: 'train_loss',
      mode: 'auto',
      factor: 0.1,
      patience: 10,
      minDelta: 0.0001,
      cooldown: 0,
      minLearningRate: 0,
    });
  });

  it('drives the scheduler: exponential with gamma 0.5 halves the rate every epoch', () => {
    const { schedule } = lrSchedule.create(resolved({ schedule: 'exponential', gamma: 0.5 }), {} as never);
    const s = createScheduler(0.1, schedule, 3);
    expect([1, 2, 3].map((e) => s.rateFor(e))).toEqual([0.1, 0.05, 0.025]);
  });
});
