import Ajv from 'ajv';
import { collectRegularizers } from '../../../core/train/regularizer';
import earlyStopping from '.';

describe('early-stopping regularizer', () => {
  it('defaults: watch val_loss, patience 5, restore the best weights', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(earlyStopping.optionsSchema);
    const o: Record<string, unknown> = {};
    expect(validate(o)).toBe(true);
    expect(o).toEqual({ monitor: 'val_loss', mode: 'auto', patience: 5, minDelta: 0, restoreBestWeights: true });
    expect(validate({ monitor: 'curve_loss' })).toBe(false);
    const r = earlyStopping.create(o as never, {} as never);
    expect(collectRegularizers([r]).earlyStopping).toEqual({ kind: 'early-stopping', ...o });
  });
});
