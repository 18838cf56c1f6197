import { formatFixed } from './python-format';

describe('formatFixed', () => {
  // Expected strings are what Python 3 prints for f'{x:.{digits}f}'.
  const cases: Array<[number, number, string]> = [
    [22.5, 0, '22'],
    [23.5, 0, '24'],
    [0.5, 0, '0'],
    [2.5, 0, '2'],
    [0.25, 1, '0.2'],
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [2.675, 2, '2.67'],
    [1.005, 2, '1.00'],
    [-0.5, 0, '-0'],
    [-1.5, 0, '-2'],
    [-2.5, 0, '-2'],
    [-0, 0, '-0'],
    [132.015, 0, '132'],
    [23.272, 0, '23'],
    [47.0, 1, '47.0'],
    [36.125, 1, '36.1'],
    [1e-300, 1, '0.0'],
    [123456.5, 0, '123456'],
  ];
  it.each(cases)('formats %p with %p decimals as Python does', (value, digits, expected) => {
    expect(formatFixed(value, digits)).toBe(expected);
  });

  it('agrees with toFixed away from exact ties', () => {
    for (const value of [0.1, 1 / 3, 2.345678, 99.95, -7.25001, 1e6 + 0.4]) {
      for (const digits of [0, 1, 2, 3]) expect(formatFixed(value, digits)).toBe(value.toFixed(digits));
    }
  });
});

test('rounds exact binary ties to even and prints nan as Python does', () => {
  expect(formatFixed(0.125, 2)).toBe('0.12');
  expect(formatFixed(0.375, 2)).toBe('0.38');
  expect(formatFixed(0.625, 2)).toBe('0.62');
  expect(formatFixed(2.5, 0)).toBe('2');
  expect(formatFixed(3.5, 0)).toBe('4');
  expect(formatFixed(-0.125, 2)).toBe('-0.12');
  // Not ties in binary: 0.285 is 0.28499999…, 1.005 is 1.00499999…
  expect(formatFixed(0.285, 2)).toBe('0.28');
  expect(formatFixed(1.005, 2)).toBe('1.00');
  expect(formatFixed(0.47, 2)).toBe('0.47');
  expect(formatFixed(1, 2)).toBe('1.00');
  expect(formatFixed(0, 2)).toBe('0.00');
  expect(formatFixed(NaN, 2)).toBe('nan');
});
