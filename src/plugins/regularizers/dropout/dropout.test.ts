import Ajv from 'ajv';
import { collectRegularizers } from '../../../core/train/regularizer';
import dropout from '.';

describe('dropout regularizer', () => {
  it('validates its options (rate in [0, 1), default 0.5) and describes a dropout rate', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(dropout.optionsSchema);
    const o: Record<string, unknown> = {};
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ rate: 0.5 });
    expect(validate({ rate: 1 })).toBe(false);
    const r = dropout.create({ rate: 0.2 }, {} as never);
    expect(collectRegularizers([r]).dropout).toEqual({ kind: 'dropout', rate: 0.2 });
  });
});
