import Ajv from 'ajv';
import { collectRegularizers } from '../../../core/train/regularizer';
import gradientClipping from '.';

describe('gradient-clipping regularizer', () => {
  it('defaults to clipping the global norm at 1', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(gradientClipping.optionsSchema);
    const o: Record<string, unknown> = {};
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ mode: 'norm', max: 1 });
    expect(validate({ max: 0 })).toBe(false);
    const r = gradientClipping.create({ mode: 'value', max: 0.5 }, {} as never);
    expect(collectRegularizers([r]).gradientClipping).toEqual({ kind: 'gradient-clipping', mode: 'value', max: 0.5 });
  });
});
