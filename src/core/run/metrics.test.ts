import * as fs from 'fs';
import * as path from 'path';
import { evaluate, formatClassificationReport, formatFixed } from './metrics';

/** sklearn's outputs, written by tools/reference/baseline_reference.py. */
interface SklearnMetrics {
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  confusion: number[][];
  reportDict: Record<string, number | { precision: number; recall: number; 'f1-score': number; support: number }>;
  reportText: string;
  reportText4: string;
}
interface MetricsCase extends SklearnMetrics {
  name: string;
  classes: string[];
  yTrue: number[];
  yPred: number[];
}

const fixtures = path.resolve(__dirname, '../../../test/fixtures/baseline');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')) as T;
const cases = readJson<MetricsCase[]>('metrics_cases.json');
const baseline = readJson<{ classes: string[]; yTest: number[]; model: { predictions: number[] }; metrics: SklearnMetrics }>('reference.json');
const allCases: MetricsCase[] = [
  { name: 'notebook baseline predictions', classes: baseline.classes, yTrue: baseline.yTest, yPred: baseline.model.predictions, ...baseline.metrics },
  ...cases,
];

describe('evaluate matches scikit-learn', () => {
  it('covers the edge cases it is meant to', () => {
    const names = allCases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['class 2 never predicted', 'class 4 absent from y_true', 'class 0 absent from both']));
  });

  describe.each(allCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluate(c.yTrue, c.yPred, c.classes);

    it('per-class precision, recall, F1 and support', () => {
      expect(result.report.classes.map((r) => r.label)).toEqual(c.classes);
      expect(result.report.classes.map((r) => r.precision)).toEqual(c.precision);
      expect(result.report.classes.map((r) => r.recall)).toEqual(c.recall);
      expect(result.report.classes.map((r) => r.f1)).toEqual(c.f1);
      expect(result.report.classes.map((r) => r.support)).toEqual(c.support);
    });

    it('accuracy, macro and weighted F1', () => {
      expect(result.accuracy).toBe(c.accuracy);
      expect(result.macroF1).toBeCloseTo(c.macroF1, 15);
      expect(result.weightedF1).toBeCloseTo(c.weightedF1, 15);
    });

    it('the report dict', () => {
      const row = (key: string) => c.reportDict[key] as { precision: number; recall: number; 'f1-score': number; support: number };
      expect(result.report.accuracy).toBe(c.reportDict.accuracy);
      for (const [key, ours] of [
        ['macro avg', result.report.macro],
        ['weighted avg', result.report.weighted],
      ] as const) {
        expect(ours.precision).toBeCloseTo(row(key).precision, 15);
        expect(ours.recall).toBeCloseTo(row(key).recall, 15);
        expect(ours.f1).toBeCloseTo(row(key)['f1-score'], 15);
        expect(ours.support).toBe(row(key).support);
      }
    });

    it('the confusion matrix, rows = true class', () => {
      expect(result.confusion).toEqual(c.confusion);
    });

    it('the classification_report text, 2 and 4 digits', () => {
      expect(formatClassificationReport(result.report)).toBe(c.reportText);
      expect(formatClassificationReport(result.report, 4)).toBe(c.reportText4);
    });
  });

  it('scores 0/0 ratios as 0 (zero_division="warn")', () => {
    const c = cases.find((k) => k.name === 'class 2 never predicted')!;
    const row = evaluate(c.yTrue, c.yPred, c.classes).report.classes[2];
    expect(row.precision).toBe(0);
    expect(row.support).toBeGreaterThan(0);
  });
});

describe('evaluate rejects bad input', () => {
  it('labels outside the classes', () => {
    expect(() => evaluate([0, 3], [0, 1], ['a', 'b'])).toThrow(/true label 3 at position 1/);
    expect(() => evaluate([0, 1], [0, -1], ['a', 'b'])).toThrow(/prediction -1 at position 1/);
    expect(() => evaluate([0, 1], [0, 0.5], ['a', 'b'])).toThrow(/prediction 0.5/);
  });

  it('length mismatch and empty input', () => {
    expect(() => evaluate([0, 1], [0], ['a', 'b'])).toThrow(/1 predictions against 2 true labels/);
    expect(() => evaluate([], [], ['a', 'b'])).toThrow(/empty/);
  });
});

describe('formatFixed rounds like Python', () => {
  it.each([
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [0.625, 2, '0.62'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [0.465, 2, '0.47'], // the double just above 0.465
    [0.47, 4, '0.4700'],
    [1, 2, '1.00'],
    [0, 2, '0.00'],
    [123.456, 1, '123.5'],
    [-0.125, 2, '-0.12'],
    [1e-7, 3, '0.000'],
    [5e-324, 2, '0.00'],
  ])('%p with %p digits → %p', (x, digits, expected) => {
    expect(formatFixed(x, digits)).toBe(expected);
  });
});
