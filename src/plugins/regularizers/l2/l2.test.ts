import Ajv from 'ajv';
import * as tf from '@tensorflow/tfjs-core';
import '../../../core/backend';
import { collectRegularizers } from '../../../core/train/regularizer';
import l2 from '.';

describe('l2 regularizer', () => {
  it('needs a value', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(l2.optionsSchema);
    expect(validate({})).toBe(false);
    expect(validate({ value: 0.01 })).toBe(true);
  });

  it('is a penalty value·Σw² over every weight, with gradient 2·value·w', () => {
    const penalty = collectRegularizers([l2.create({ value: 0.5 }, {} as never)]).penalties[0];
    expect(penalty.name).toBe('l2');
    const a = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor2d([[3]]));
    tf.tidy(() => {
      expect(penalty.penalty([a, b]).dataSync()[0]).toBeCloseTo(0.5 * (1 + 4 + 9), 6);
      const { grads } = tf.variableGrads(() => penalty.penalty([a, b]), [a, b]);
      expect(Array.from(grads[a.name].dataSync())).toEqual([1, -2]);
      expect(Array.from(grads[b.name].dataSync())).toEqual([3]);
    });
    a.dispose();
    b.dispose();
  });
});
