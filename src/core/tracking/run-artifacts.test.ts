import { Resvg } from '@resvg/resvg-js';
import { confusionMatrixSvg } from './run-artifacts';

test('the confusion-matrix SVG is a valid image with escaped labels', () => {
  const classes = ['neg', 'neu', 'pos & <more>'];
  const svg = confusionMatrixSvg(
    classes,
    [
      [5, 1, 0],
      [2, 7, 1],
      [0, 0, 9],
    ],
    'lr: confusion',
  );
  expect(svg).toContain('pos &amp; &lt;more&gt;');
  expect(svg).not.toContain('<more>');
  const image = new Resvg(svg).render();
  expect(image.width).toBeGreaterThan(3 * 56);
  expect(image.height).toBeGreaterThan(3 * 56);
  // Darkest cell is the largest count: its text is white.
  expect(svg).toMatch(/fill="white">9<\/text>/);
  expect(svg).toMatch(/fill="black">0<\/text>/);
});
