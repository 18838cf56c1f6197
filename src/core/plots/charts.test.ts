import path from 'node:path';
import { readDelimited } from '../../plugins/datasets/shared/delimited-dataset';
import {
  confusionHeatmap,
  datasetPanels,
  finalAccuracyBars,
  notebookComparison,
  trainingCurves,
  trainTestGap,
  type ModelCurves,
  type VegaLiteSpec,
} from './charts';
import { formatFixed } from '../python-format';
import { pngSize, renderVegaLite } from './render';

/** The pixel size on the SVG root element. */
function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!root) throw new Error('SVG root has no width/height');
  return { width: Number(root[1]), height: Number(root[2]) };
}

const CLASSES = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];

/** The notebook's data: the Lebanese rows of ArSenTD-LEV. */
function lebaneseRows() {
  const table = readDelimited(path.resolve(__dirname, '../../../data/ArSenTD-LEV.tsv'), '\t');
  const col = (name: string) => table.header.indexOf(name);
  const rows = table.rows.filter((r) => r[col('Country')] === 'lebanon');
  return {
    classes: CLASSES,
    labels: rows.map((r) => CLASSES.indexOf(r[col('Sentiment')])),
    texts: rows.map((r) => r[col('Tweet')]),
    topics: rows.map((r) => r[col('Topic')]),
  };
}

function curve(name: string, train: number[], test: number[], key: 'curve_accuracy' | 'val_accuracy' = 'curve_accuracy'): ModelCurves {
  return { name, epochs: train.map((t, i) => ({ epoch: i + 1, train_accuracy: t, [key]: test[i] })) };
}

const MODELS = [
  curve('Simple RNN', [0.35, 0.47, 0.6, 0.68, 0.73], [0.38, 0.415, 0.39, 0.405, 0.375]),
  curve('LSTM', [0.31, 0.39, 0.49, 0.67, 0.77], [0.33, 0.36, 0.31, 0.34, 0.36]),
  curve('GRU', [0.33, 0.42, 0.53, 0.77, 0.8012], [0.35, 0.405, 0.335, 0.415, 0.365]),
];

// Walks a spec and returns every inline data array.
function inlineData(spec: unknown): Array<Record<string, unknown>[]> {
  const found: Array<Record<string, unknown>[]> = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const data = (node as { data?: { values?: unknown } }).data;
      if (data && Array.isArray(data.values)) found.push(data.values as Record<string, unknown>[]);
      Object.values(node).forEach(visit);
    }
  };
  visit(spec);
  return found;
}

function rowsWith(spec: VegaLiteSpec, field: string): Record<string, unknown>[] {
  const arrays = inlineData(spec).filter((values) => values.length > 0 && field in values[0]);
  if (arrays.length === 0) throw new Error(`no data with field ${field}`);
  return arrays.flat();
}

async function expectRenders(spec: VegaLiteSpec, texts: string[]): Promise<void> {
  const first = await renderVegaLite(spec);
  expect(first.warnings).toEqual([]);
  for (const text of texts) expect(first.svg).toContain(text);
  const svg = svgSize(first.svg);
  const png = pngSize(first.png);
  expect(png).toEqual({ width: 2 * svg.width, height: 2 * svg.height });
  expect(svg.width).toBeGreaterThan(300);
  expect(svg.width).toBeLessThan(2000);
  expect(svg.height).toBeGreaterThan(200);
  expect(svg.height).toBeLessThan(1000);
  const again = await renderVegaLite(spec);
  expect(again.png.equals(first.png)).toBe(true);
}

describe('datasetPanels', () => {
  const data = lebaneseRows();
  const spec = datasetPanels(data);

  it('counts sentiments largest first, as the notebook printed them', () => {
    const counts = rowsWith(spec, 'class').map((r) => [r.class, r.count]);
    expect(counts).toEqual([
      ['negative', 336],
      ['neutral', 201],
      ['very_negative', 185],
      ['positive', 181],
      ['very_positive', 97],
    ]);
  });

  it('draws the mean lines the notebook reported (132.0 characters, 23.3 words)', () => {
    const means = rowsWith(spec, 'mean');
    expect(means.map((m) => formatFixed(m.mean as number, 1))).toEqual(['132.0', '23.3']);
    expect(means.map((m) => m.label)).toEqual(['Mean: 132', 'Mean: 23']);
  });

  it('bins each histogram into 30 bins covering every text', () => {
    const bins = rowsWith(spec, 'start');
    expect(bins).toHaveLength(60);
    expect(bins.slice(0, 30).reduce((n, b) => n + (b.count as number), 0)).toBe(data.texts.length);
    expect(bins.slice(30).reduce((n, b) => n + (b.count as number), 0)).toBe(data.texts.length);
  });

  it('shows the ten largest topics in descending order', () => {
    const topics = rowsWith(spec, 'topic');
    expect(topics).toHaveLength(10);
    expect(topics[0]).toEqual({ topic: 'politics', count: data.topics.filter((t) => t === 'politics').length });
    const counts = topics.map((t) => t.count as number);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it('measures length in code points and words as str.split()', () => {
    const small = datasetPanels({ classes: ['a', 'b'], labels: [0, 1], texts: ['😀 ab', ' one  two\tthree\n'] });
    expect((small.concat as unknown[]).length).toBe(3);
    const means = rowsWith(small, 'mean').map((m) => m.mean);
    expect(means).toEqual([(4 + 16) / 2, (2 + 3) / 2]);
  });

  it('rejects mismatched input', () => {
    expect(() => datasetPanels({ classes: CLASSES, labels: [0], texts: ['a', 'b'] })).toThrow(/2 texts but 1 labels/);
    expect(() => datasetPanels({ classes: CLASSES, labels: [7], texts: ['a'] })).toThrow(/label 7/);
  });

  it('renders all four panels', async () => {
    await expectRenders(spec, [
      'Sentiment Distribution',
      'Text Length Distribution',
      'Word Count Distribution',
      'Top 10 Topics',
      'Mean: 132',
      'Mean: 23',
      'very_negative',
      'politics',
    ]);
  });
});

describe('trainingCurves', () => {
  it('plots train and test accuracy in percent, with the baseline', () => {
    const spec = trainingCurves(MODELS, 0.47);
    const points = rowsWith(spec, 'series');
    const gru = points.filter((p) => p.model === 'GRU' && p.epoch === 5);
    expect(gru).toEqual([
      { model: 'GRU', series: 'train', epoch: 5, accuracy: 0.8012 * 100 },
      { model: 'GRU', series: 'test', epoch: 5, accuracy: 0.365 * 100 },
    ]);
    expect(rowsWith(spec, 'accuracy').filter((r) => r.model === 'Baseline')).toEqual([{ model: 'Baseline', accuracy: 47 }]);
  });

  it('falls back to validation accuracy and says so', () => {
    const spec = trainingCurves([curve('CNN', [0.5, 0.6], [0.4, 0.45], 'val_accuracy')]);
    expect(new Set(rowsWith(spec, 'series').map((p) => p.series))).toEqual(new Set(['train', 'validation']));
    expect(JSON.stringify(spec)).not.toContain('Baseline');
  });

  it('rejects percentages and empty input', () => {
    expect(() => trainingCurves([curve('X', [47], [40])])).toThrow(/fraction/);
    expect(() => trainingCurves([])).toThrow(/no models/);
    expect(() => trainingCurves([MODELS[0], MODELS[0]])).toThrow(/distinct/);
    expect(() => trainingCurves([{ ...MODELS[0], name: 'Baseline' }], 0.47)).toThrow(/baselineLabel/);
  });

  it('renders', async () => {
    await expectRenders(trainingCurves(MODELS, 0.47, { baselineLabel: 'Baseline (BoW+LR)' }), [
      'Training Progress vs Baseline',
      'Accuracy (%)',
      'Baseline (BoW+LR)',
      'Simple RNN',
      'train',
      'test',
    ]);
  });
});

describe('finalAccuracyBars', () => {
  const items = [
    { name: 'Baseline (BoW+LR)', accuracy: 0.47, baseline: true },
    { name: 'Simple RNN', accuracy: 0.375 },
    { name: 'LSTM', accuracy: 0.36 },
  ];

  it('labels each bar with its percentage to one decimal', () => {
    const bars = rowsWith(finalAccuracyBars(items), 'text');
    expect(bars.map((b) => b.text)).toEqual(['47.0%', '37.5%', '36.0%']);
    expect(bars.map((b) => b.accuracy)).toEqual([47, 37.5, 36]);
    expect(bars[0].color).toBe('#d62728');
  });

  it('rejects duplicate names', () => {
    expect(() =>
      finalAccuracyBars([
        { name: 'A', accuracy: 0.1 },
        { name: 'A', accuracy: 0.2 },
      ]),
    ).toThrow(/distinct/);
  });

  it('renders', async () => {
    await expectRenders(finalAccuracyBars(items), ['Final Test Accuracy Comparison', '47.0%', '37.5%', 'Simple RNN']);
  });
});

describe('trainTestGap', () => {
  it('is train minus test in percentage points', () => {
    const gaps = rowsWith(trainTestGap(MODELS), 'gap');
    const lstm = gaps.filter((g) => g.model === 'LSTM').map((g) => g.gap as number);
    const expected = [0.31 - 0.33, 0.39 - 0.36, 0.49 - 0.31, 0.67 - 0.34, 0.77 - 0.36].map((g) => g * 100);
    lstm.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 10));
    expect(rowsWith(trainTestGap(MODELS), 'zero')).toEqual([{ zero: 0 }]);
  });

  it('renders', async () => {
    await expectRenders(trainTestGap(MODELS), ['Overfitting Analysis', 'Train − Test Gap', 'GRU']);
  });
});

describe('notebookComparison', () => {
  it('puts the three panels side by side, baseline first among the bars', () => {
    const spec = notebookComparison([...MODELS.slice(0, 2), { ...MODELS[2], finalAccuracy: 0.4 }], 0.47, { baselineLabel: 'Baseline (BoW+LR)' });
    expect((spec.hconcat as unknown[]).length).toBe(3);
    const bars = rowsWith(spec, 'text');
    expect(bars.map((b) => [b.name, b.text])).toEqual([
      ['Baseline (BoW+LR)', '47.0%'],
      ['Simple RNN', '37.5%'],
      ['LSTM', '36.0%'],
      ['GRU', '40.0%'], // its own final accuracy wins over the last curve point
    ]);
  });

  it('renders', async () => {
    await expectRenders(notebookComparison(MODELS, 0.47), [
      'Training Progress vs Baseline',
      'Final Test Accuracy Comparison',
      'Overfitting Analysis',
      '47.0%',
    ]);
  });
});

describe('confusionHeatmap', () => {
  const confusion = [
    [14, 15, 3, 4, 1],
    [9, 41, 9, 6, 2],
    [3, 13, 17, 5, 2],
    [2, 10, 5, 15, 4],
    [1, 4, 2, 6, 7],
  ];

  it('has one cell per (true, predicted) pair, white text on the dark ones', () => {
    const spec = confusionHeatmap(confusion, CLASSES, 'Baseline — test set');
    const cells = rowsWith(spec, 'predicted');
    expect(cells).toHaveLength(25);
    expect(cells.find((c) => c.actual === 'negative' && c.predicted === 'very_negative')).toEqual({
      actual: 'negative',
      predicted: 'very_negative',
      count: 9,
    });
    expect(JSON.stringify(spec)).toContain('datum.count > 20.5');
  });

  it('rejects a matrix of the wrong shape', () => {
    expect(() => confusionHeatmap([[1, 2]], CLASSES, 't')).toThrow(/5×5/);
  });

  it('renders', async () => {
    await expectRenders(confusionHeatmap(confusion, CLASSES, 'Baseline — test set'), [
      'Baseline — test set',
      'Predicted',
      'True',
      '>41<',
      'very_positive',
    ]);
  });
});
