import Ajv from 'ajv';
import { InputError } from '../errors';
import { resolveTrainingOptions, trainingOptionsSchema } from './options';

describe('training options', () => {
  it('the schema compiles in ajv strict mode', () => {
    expect(() => new Ajv({ strict: true, useDefaults: true }).compile(trainingOptionsSchema)).not.toThrow();
  });

  it('fills in every default, nested optimizer settings included', () => {
    expect(resolveTrainingOptions(undefined)).toEqual({
      epochs: 10,
      batchSize: 32,
      shuffle: true,
      optimizer: { type: 'adam', learningRate: 0.001, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rho: 0.99 },
      validation: 0,
      curves: false,
      progress: true,
    });
  });

  it('keeps given values and completes a partial optimizer', () => {
    const o = resolveTrainingOptions({ epochs: 30, optimizer: { type: 'sgd', momentum: 0.9 }, curves: true });
    expect(o.epochs).toBe(30);
    expect(o.curves).toBe(true);
    expect(o.optimizer).toEqual({ type: 'sgd', learningRate: 0.001, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rho: 0.99 });
  });

  it('does not modify the block it was given', () => {
    const raw = { epochs: 3 };
    resolveTrainingOptions(raw);
    expect(raw).toEqual({ epochs: 3 });
  });

  it.each([
    [{ epochs: 0 }, 'training.epochs'],
    [{ optimizer: { type: 'adagrad' } }, 'training.optimizer.type'],
    [{ validation: 1 }, 'training.validation'],
    [{ batchsize: 32 }, 'additional properties'],
  ])('rejects %j', (raw, mentioned) => {
    expect(() => resolveTrainingOptions(raw)).toThrow(InputError);
    expect(() => resolveTrainingOptions(raw)).toThrow(mentioned);
  });
});
