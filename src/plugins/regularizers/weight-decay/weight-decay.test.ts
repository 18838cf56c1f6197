import Ajv from 'ajv';
import { collectRegularizers } from '../../../core/train/regularizer';
import weightDecay from '.';

describe('weight-decay regularizer', () => {
  it('needs a value; decoupled defaults to false (PyTorch Adam’s coupled weight_decay)', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(weightDecay.optionsSchema);
    expect(validate({})).toBe(false);
    const o: Record<string, unknown> = { value: 1e-5 };
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ value: 1e-5, decoupled: false });
    const r = weightDecay.create({ value: 1e-5, decoupled: true }, {} as never);
    expect(collectRegularizers([r]).weightDecay).toEqual({ kind: 'weight-decay', value: 1e-5, decoupled: true });
  });
});
