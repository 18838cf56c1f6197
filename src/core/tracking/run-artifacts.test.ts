import { Resvg } from '@resvg/resvg-js';
import { confusionMatrixSvg, pyFixed } from './run-artifacts';

test('pyFixed rounds exact binary ties to even, like Python', () => {
  expect(pyFixed(0.125, 2)).toBe('0.12');
  expect(pyFixed(0.375, 2)).toBe('0.38');
  expect(pyFixed(0.625, 2)).toBe('0.62');
  expect(pyFixed(2.5, 0)).toBe('2');
  expect(pyFixed(3.5, 0)).toBe('4');
  expect(pyFixed(-0.125, 2)).toBe('-0.12');
  // Not ties in binary: 0.285 is 0.28499999…, 1.005 is 1.00499999…
  expect(pyFixed(0.285, 2)).toBe('0.28');
  expect(pyFixed(1.005, 2)).toBe('1.00');
  expect(pyFixed(0.47, 2)).toBe('0.47');
  expect(pyFixed(1, 2)).toBe('1.00');
  expect(pyFixed(0, 2)).toBe('0.00');
  expect(pyFixed(NaN, 2)).toBe('nan');
});

test('the confusion-matrix SVG is a valid image with escaped labels', () => {
  const classes = ['neg', 'neu', 'pos & <more>'];
  const svg = confusionMatrixSvg(classes, [[5, 1, 0], [2, 7, 1], [0, 0, 9]], 'lr: confusion');
  expect(svg).toContain('pos &amp; &lt;more&gt;');
  expect(svg).not.toContain('<more>');
  const image = new Resvg(svg).render();
  expect(image.width).toBeGreaterThan(3 * 56);
  expect(image.height).toBeGreaterThan(3 * 56);
  // Darkest cell is the largest count: its text is white.
  expect(svg).toMatch(/fill="white">9<\/text>/);
  expect(svg).toMatch(/fill="black">0<\/text>/);
});
