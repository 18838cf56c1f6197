import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { PLOT_FONT, installTextMetrics, measureText, plotFontFiles } from './text-metrics';

// The plots need DejaVu Sans (Debian: fonts-dejavu-core); without it text would be measured and drawn differently.
describe('text metrics', () => {
  it('finds the DejaVu Sans regular and bold files', () => {
    const files = plotFontFiles();
    expect(files.regular).toMatch(/DejaVuSans\.ttf$/);
    expect(files.bold).toMatch(/DejaVuSans-Bold\.ttf$/);
  });

  it('measures text as resvg draws it', () => {
    for (const [text, bold] of [
      ['very_negative', false],
      ['Final Test Accuracy Comparison', true],
      ['Baseline (BoW+LR)', false],
    ] as const) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="60"><text x="10" y="40" font-family="${PLOT_FONT}" font-size="20" font-weight="${bold ? 'bold' : 'normal'}">${text}</text></svg>`;
      const files = plotFontFiles();
      const ink = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: [files.regular!, files.bold!] } }).getBBox()!.width;
      // Advance widths include the side bearings the ink box leaves out: a few per cent wider.
      const measured = measureText(text, 20, bold);
      expect(measured).toBeGreaterThanOrEqual(ink);
      expect(measured).toBeLessThan(ink * 1.04);
    }
  });

  it('scales with size, and bold is wider', () => {
    expect(measureText('Accuracy', 22, false)).toBeCloseTo(2 * measureText('Accuracy', 11, false), 10);
    expect(measureText('Accuracy', 11, true)).toBeGreaterThan(measureText('Accuracy', 11, false));
    expect(measureText('iiii', 11, false)).toBeLessThan(measureText('WWWW', 11, false));
    expect(measureText('', 11, false)).toBe(0);
  });

  it("becomes Vega's text width", () => {
    installTextMetrics();
    const width = (vega as unknown as { textMetrics: { width(item: object, text: string): number } }).textMetrics.width;
    expect(width({ fontSize: 12, fontWeight: 'bold' }, ' Overfitting ')).toBeCloseTo(measureText('Overfitting', 12, true), 10);
    expect(width({}, 'abc')).toBeCloseTo(measureText('abc', 11, false), 10); // Vega's default size is 11
  });
});
