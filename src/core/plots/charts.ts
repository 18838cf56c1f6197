/**
 * The notebook's figures as Vega-Lite specs: Part 1's dataset panels, Part 7's training curves,
 * final-accuracy bars and train−test gap, plus a confusion-matrix heatmap. Each builder is a pure
 * function of its input (easy to test, easy to save next to the PNG); the `render*` wrappers draw
 * them with renderVegaLite.
 */
import { textLengthsOf, type TextLengths } from '../run/text-stats';
import { formatFixed } from '../python-format';
import { histogram, mean } from './histogram';
import { renderVegaLite, type RenderedPlot } from './render';
import { measureText } from './text-metrics';

/** A Vega-Lite spec as plain JSON (what renderVegaLite takes and what can be saved beside a plot). */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Size of one panel (the plotting area, without axes and legends). */
const PANEL = { width: 340, height: 230 } as const;

// One colour per model, the same in every chart; red is kept for the baseline, as in the notebook.
const MODEL_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#9d755d', '#72b7b2', '#eeca3b', '#ff9da6', '#bab0ac', '#17becf'];
const BASELINE_COLOR = '#d62728';

const HISTOGRAM_BINS = 30;
const TOP_TOPICS = 10;

function topLevel(spec: VegaLiteSpec): VegaLiteSpec {
  return { $schema: SCHEMA, ...spec };
}

function modelColor(index: number): string {
  return MODEL_COLORS[index % MODEL_COLORS.length];
}

// ---------------------------------------------------------------------------------------------
// Part 1: the dataset

export interface DatasetPanelsInput {
  /** Class names; label i is classes[i]. */
  classes: string[];
  labels: number[];
  /** The texts; or, instead, `textLengths`. */
  texts?: string[];
  /** Each text's length in code points and in words, for a run that no longer holds the texts. */
  textLengths?: TextLengths;
  /** One topic per text (e.g. the Topic column); without it the topic panel is left out. */
  topics?: string[];
}

/** Value counts, largest first; ties keep the order of `order` (pandas' value_counts, stably). */
function countsDescending(values: readonly string[], order: readonly string[]): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>(order.map((v) => [v, 0]));
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);
}

function sentimentPanel(classes: readonly string[], labels: readonly number[]): VegaLiteSpec {
  const names = labels.map((label) => {
    const name = classes[label];
    if (name === undefined) throw new Error(`label ${label} has no class (there are ${classes.length} classes)`);
    return name;
  });
  const counts = countsDescending(names, classes).map(({ value, count }) => ({ class: value, count }));
  const x = { field: 'class', type: 'nominal', sort: counts.map((c) => c.class), title: null, axis: { labelAngle: -35, labelFontSize: 11 } };
  return {
    title: 'Sentiment Distribution',
    ...PANEL,
    data: { values: counts },
    encoding: {
      x,
      y: { field: 'count', type: 'quantitative', title: 'Count', scale: { domain: [0, Math.max(1, ...counts.map((c) => c.count)) * 1.1] } },
    },
    layer: [
      { mark: { type: 'bar', color: 'steelblue' } },
      { mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 11 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  };
}

function histogramPanel(values: readonly number[], options: { title: string; axisTitle: string; color: string }): VegaLiteSpec {
  const bins = histogram(values, HISTOGRAM_BINS);
  const average = mean(values);
  const lo = bins[0].start;
  const hi = bins[bins.length - 1].end;
  const tallest = Math.max(...bins.map((b) => b.count));
  // The mean label sits at the top, beside the line, on whichever side has room.
  const labelOnLeft = average > lo + 0.65 * (hi - lo);
  const meanDatum = { mean: average, label: `Mean: ${formatFixed(average, 0)}` };
  return {
    title: options.title,
    ...PANEL,
    layer: [
      {
        data: { values: bins },
        mark: { type: 'rect', color: options.color, stroke: 'black', strokeWidth: 0.6 },
        encoding: {
          x: {
            field: 'start',
            type: 'quantitative',
            title: options.axisTitle,
            scale: { domain: [lo, hi], nice: false, zero: false },
            axis: { grid: false },
          },
          x2: { field: 'end' },
          // Headroom above the tallest bar keeps the mean label clear of the bars.
          y: { field: 'count', type: 'quantitative', title: 'Frequency', scale: { domain: [0, tallest * 1.18] } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: [meanDatum] },
        encoding: { x: { field: 'mean', type: 'quantitative' } },
        layer: [
          { mark: { type: 'rule', color: 'red', strokeDash: [6, 4], strokeWidth: 2 } },
          {
            mark: {
              type: 'text',
              color: 'red',
              fontWeight: 'bold',
              fontSize: 12,
              baseline: 'top',
              align: labelOnLeft ? 'right' : 'left',
              dx: labelOnLeft ? -5 : 5,
              y: 4,
            },
            encoding: { text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}

function topicPanel(topics: readonly string[]): VegaLiteSpec {
  const firstSeen = [...new Set(topics)];
  const all = countsDescending(topics, firstSeen);
  const shown = all.slice(0, TOP_TOPICS).map(({ value, count }) => ({ topic: value, count }));
  return {
    title: all.length > TOP_TOPICS ? `Top ${TOP_TOPICS} Topics` : 'Topics',
    ...PANEL,
    data: { values: shown },
    encoding: {
      y: { field: 'topic', type: 'nominal', sort: shown.map((t) => t.topic), title: null },
      x: { field: 'count', type: 'quantitative', title: 'Count', scale: { domain: [0, Math.max(1, ...shown.map((t) => t.count)) * 1.12] } },
    },
    layer: [
      { mark: { type: 'bar', color: 'plum' } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  };
}

/**
 * Part 1's figure: sentiment counts, text length (code points, as Python's len) and word count
 * (Python's str.split()) histograms with their means, and the top 10 topics — 2×2, or three panels
 * in a row without topics.
 */
export function datasetPanels(input: DatasetPanelsInput): VegaLiteSpec {
  const { classes, labels, topics } = input;
  const lengths = input.textLengths ?? textLengthsOf(input.texts ?? []);
  const count = lengths.codePoints.length;
  if (count === 0) throw new Error('datasetPanels needs at least one text');
  if (labels.length !== count) throw new Error(`datasetPanels got ${count} texts but ${labels.length} labels`);
  if (topics && topics.length !== count) throw new Error(`datasetPanels got ${count} texts but ${topics.length} topics`);
  const panels = [
    sentimentPanel(classes, labels),
    histogramPanel(Array.from(lengths.codePoints), { title: 'Text Length Distribution', axisTitle: 'Text Length (characters)', color: 'coral' }),
    histogramPanel(Array.from(lengths.words), { title: 'Word Count Distribution', axisTitle: 'Word Count', color: 'lightgreen' }),
  ];
  if (topics) panels.push(topicPanel(topics));
  return topLevel({ concat: panels, columns: topics ? 2 : 3, spacing: 36 });
}

// ---------------------------------------------------------------------------------------------
// Part 7: training curves, final accuracies, overfitting

/** One epoch of a model that trains in epochs; accuracies are fractions in [0, 1]. */
export interface EpochAccuracies {
  epoch: number;
  train_accuracy?: number;
  /** Accuracy on the test rows after this epoch (the notebook's test curve). */
  curve_accuracy?: number;
  val_accuracy?: number;
}

export interface ModelCurves {
  name: string;
  epochs: EpochAccuracies[];
  /** The model's evaluated test accuracy; by default the last point of its held-out curve. */
  finalAccuracy?: number;
}

type HeldOut = 'test' | 'validation';

interface CurvePoint {
  model: string;
  series: 'train' | HeldOut;
  epoch: number;
  accuracy: number;
}

function percent(fraction: number, what: string): number {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new Error(`${what} must be a fraction in [0, 1], got ${fraction} (percentages are not accepted)`);
  }
  return fraction * 100;
}

/** Which per-epoch held-out series a model has: its test curve, else its validation curve. */
function heldOutOf(model: ModelCurves): { series: HeldOut; key: 'curve_accuracy' | 'val_accuracy' } | undefined {
  if (model.epochs.some((e) => e.curve_accuracy !== undefined)) return { series: 'test', key: 'curve_accuracy' };
  if (model.epochs.some((e) => e.val_accuracy !== undefined)) return { series: 'validation', key: 'val_accuracy' };
  return undefined;
}

function curvePoints(models: readonly ModelCurves[]): CurvePoint[] {
  if (models.length === 0) throw new Error('no models to plot');
  const names = models.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new Error(`model names must be distinct, got: ${names.join(', ')}`);
  const points: CurvePoint[] = [];
  for (const model of models) {
    const heldOut = heldOutOf(model);
    const epochs = [...model.epochs].sort((a, b) => a.epoch - b.epoch);
    for (const e of epochs) {
      if (e.train_accuracy !== undefined)
        points.push({
          model: model.name,
          series: 'train',
          epoch: e.epoch,
          accuracy: percent(e.train_accuracy, `${model.name} train_accuracy at epoch ${e.epoch}`),
        });
    }
    if (heldOut) {
      for (const e of epochs) {
        const value = e[heldOut.key];
        if (value !== undefined)
          points.push({
            model: model.name,
            series: heldOut.series,
            epoch: e.epoch,
            accuracy: percent(value, `${model.name} ${heldOut.key} at epoch ${e.epoch}`),
          });
      }
    }
  }
  if (points.length === 0) throw new Error('the models have no per-epoch accuracies to plot');
  return points;
}

/** "test", "validation", or "test/validation" when the models differ. */
function heldOutName(models: readonly ModelCurves[]): string {
  const kinds = [...new Set(models.map((m) => heldOutOf(m)?.series).filter((s): s is HeldOut => s !== undefined))];
  return kinds.length === 1 ? kinds[0] : 'test/validation';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// A marker per epoch, as in the notebook, while they stay apart; past that they only blur the lines.
const MAX_MARKED_EPOCHS = 40;

function showMarkers(points: ReadonlyArray<{ epoch: number }>): boolean {
  return new Set(points.map((p) => p.epoch)).size <= MAX_MARKED_EPOCHS;
}

const EPOCH_AXIS = { field: 'epoch', type: 'quantitative', title: 'Epoch', scale: { nice: false }, axis: { tickMinStep: 1, format: 'd' } };

export interface CurveOptions {
  /** Legend label of the baseline line. Default "Baseline". */
  baselineLabel?: string;
  title?: string;
}

function trainingCurvesPanel(models: readonly ModelCurves[], baselineAccuracy: number | undefined, options: CurveOptions): VegaLiteSpec {
  const points = curvePoints(models);
  const names = models.map((m) => m.name);
  const baselineLabel = options.baselineLabel ?? 'Baseline';
  const hasBaseline = baselineAccuracy !== undefined;
  if (hasBaseline && names.includes(baselineLabel))
    throw new Error(`a model is named like the baseline ("${baselineLabel}"); pass another baselineLabel`);
  const series = (['train', 'test', 'validation'] as const).filter((s) => points.some((p) => p.series === s));
  const colorDomain = hasBaseline ? [...names, baselineLabel] : names;
  const colorRange = hasBaseline ? [...names.map((_, i) => modelColor(i)), BASELINE_COLOR] : names.map((_, i) => modelColor(i));
  const seriesScale = (range: Record<string, unknown>) => ({ domain: series, range: series.map((s) => range[s]) });
  const encoding = {
    x: EPOCH_AXIS,
    y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy (%)', scale: { zero: false } },
    color: {
      field: 'model',
      type: 'nominal',
      title: 'Model',
      scale: { domain: colorDomain, range: colorRange },
      legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
    },
    // Train curves are dashed, held-out curves solid, as in the notebook.
    strokeDash: {
      field: 'series',
      type: 'nominal',
      title: 'Curve',
      scale: seriesScale({ train: [6, 3], test: [1, 0], validation: [1, 0] }),
      legend: {
        symbolType: 'stroke',
        symbolSize: 500,
        symbolStrokeWidth: 2,
        symbolStrokeColor: '#444444',
        symbolFillColor: 'transparent',
        symbolOpacity: 1,
      },
    },
  };
  // Train and held-out curves are separate layers so train can be faded with round markers and
  // held-out drawn solid with squares (as encodings, opacity and shape would join the Curve legend).
  const marked = showMarkers(points);
  const layers: VegaLiteSpec[] = [
    {
      data: { values: points.filter((p) => p.series === 'train') },
      mark: { type: 'line', strokeWidth: 2, opacity: 0.55, point: marked && { size: 22, filled: true, opacity: 0.55, shape: 'circle' } },
      encoding,
    },
    {
      data: { values: points.filter((p) => p.series !== 'train') },
      mark: { type: 'line', strokeWidth: 2, point: marked && { size: 24, filled: true, shape: 'square' } },
      encoding,
    },
  ];
  if (hasBaseline) {
    layers.push({
      data: { values: [{ model: baselineLabel, accuracy: percent(baselineAccuracy, 'baselineAccuracy') }] },
      mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 2 },
      encoding: { y: { field: 'accuracy', type: 'quantitative' }, color: { field: 'model', type: 'nominal' } },
    });
  }
  return {
    title: options.title ?? (hasBaseline ? 'Training Progress vs Baseline' : 'Training Progress'),
    ...PANEL,
    layer: layers,
  };
}

/**
 * Per-epoch train accuracy (dashed, faded) and held-out accuracy (solid) for each model, in %,
 * with the baseline's accuracy as a dotted red line. The held-out curve is `curve_accuracy` (the
 * test rows), else `val_accuracy` (labelled "validation").
 */
export function trainingCurves(models: ModelCurves[], baselineAccuracy?: number, options: CurveOptions = {}): VegaLiteSpec {
  return topLevel(trainingCurvesPanel(models, baselineAccuracy, options));
}

export interface AccuracyBar {
  name: string;
  /** A fraction in [0, 1]. */
  accuracy: number;
  /** Drawn in the baseline's red. */
  baseline?: boolean;
}

export interface BarOptions {
  title?: string;
  yTitle?: string;
}

/** Greedy word wrap to `width` pixels at the axis label size, so long names don't collide. */
function wrapLabel(name: string, width: number, fontSize: number): string {
  const lines: string[] = [];
  for (const paragraph of name.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && measureText(candidate, fontSize, false) > width) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

function finalAccuracyPanel(items: readonly AccuracyBar[], options: BarOptions): VegaLiteSpec {
  if (items.length === 0) throw new Error('no accuracies to plot');
  const labelSize = 11;
  const band = PANEL.width / items.length;
  let modelIndex = 0;
  const bars = items.map((item) => ({
    name: item.name,
    label: wrapLabel(item.name, band - 8, labelSize),
    accuracy: percent(item.accuracy, `accuracy of ${item.name}`),
    text: `${formatFixed(item.accuracy * 100, 1)}%`,
    color: item.baseline ? BASELINE_COLOR : modelColor(modelIndex++),
  }));
  const labels = bars.map((b) => b.label);
  if (new Set(labels).size !== labels.length) throw new Error(`bar names must be distinct, got: ${items.map((i) => i.name).join(', ')}`);
  const top = Math.max(...bars.map((b) => b.accuracy));
  return {
    title: options.title ?? 'Final Test Accuracy Comparison',
    ...PANEL,
    data: { values: bars },
    encoding: {
      x: {
        field: 'label',
        type: 'nominal',
        sort: labels,
        title: null,
        axis: { labelAngle: 0, labelFontSize: labelSize, labelExpr: "split(datum.value, '\\n')", labelLimit: 0 },
      },
      y: { field: 'accuracy', type: 'quantitative', title: options.yTitle ?? 'Test Accuracy (%)', scale: { domain: [0, Math.max(1, top * 1.15)] } },
    },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.8, stroke: 'black', strokeWidth: 0.8 },
        encoding: { color: { field: 'color', type: 'nominal', scale: null, legend: null } },
      },
      { mark: { type: 'text', baseline: 'bottom', dy: -3, fontWeight: 'bold', fontSize: 12 }, encoding: { text: { field: 'text' } } },
    ],
  };
}

/** Final accuracies as bars labelled "47.0%"; baseline bars red, models in their curve colours. */
export function finalAccuracyBars(items: AccuracyBar[], options: BarOptions = {}): VegaLiteSpec {
  return topLevel(finalAccuracyPanel(items, options));
}

function trainTestGapPanel(models: readonly ModelCurves[]): VegaLiteSpec {
  const points = curvePoints(models);
  const train = new Map(points.filter((p) => p.series === 'train').map((p) => [`${p.model}\u0000${p.epoch}`, p.accuracy]));
  const gaps = points
    .filter((p) => p.series !== 'train' && train.has(`${p.model}\u0000${p.epoch}`))
    .map((p) => ({ model: p.model, epoch: p.epoch, gap: train.get(`${p.model}\u0000${p.epoch}`)! - p.accuracy }));
  if (gaps.length === 0) throw new Error('no epoch has both a train and a held-out accuracy');
  const names = models.map((m) => m.name);
  const heldOut = heldOutName(models);
  return {
    title: 'Overfitting Analysis',
    ...PANEL,
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: 'black', strokeDash: [5, 4], opacity: 0.5 },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
      {
        data: { values: gaps },
        mark: { type: 'line', strokeWidth: 2, point: showMarkers(gaps) && { size: 22, filled: true } },
        encoding: {
          x: EPOCH_AXIS,
          y: { field: 'gap', type: 'quantitative', title: `Train − ${capitalize(heldOut)} Gap (% points)` },
          color: {
            field: 'model',
            type: 'nominal',
            title: 'Model',
            scale: { domain: names, range: names.map((_, i) => modelColor(i)) },
            legend: { symbolType: 'stroke', symbolStrokeWidth: 3 },
          },
        },
      },
    ],
  };
}

/** Train accuracy minus held-out accuracy per epoch, in percentage points, with a dashed zero line. */
export function trainTestGap(models: ModelCurves[]): VegaLiteSpec {
  return topLevel(trainTestGapPanel(models));
}

function finalAccuracyOf(model: ModelCurves): number {
  if (model.finalAccuracy !== undefined) return model.finalAccuracy;
  const heldOut = heldOutOf(model);
  const last =
    heldOut &&
    [...model.epochs]
      .sort((a, b) => a.epoch - b.epoch)
      .filter((e) => e[heldOut.key] !== undefined)
      .pop();
  if (!heldOut || !last) throw new Error(`model ${model.name} has neither a final accuracy nor a held-out curve`);
  return last[heldOut.key]!;
}

/**
 * Part 7's figure, side by side: training curves against the baseline, final accuracies
 * (baseline first), and the train−test gap.
 */
export function notebookComparison(models: ModelCurves[], baselineAccuracy: number, options: CurveOptions = {}): VegaLiteSpec {
  const baselineLabel = options.baselineLabel ?? 'Baseline';
  const finals = models.map((m) => ({ name: m.name, accuracy: finalAccuracyOf(m) }));
  // Only say "test" when every bar is a test accuracy.
  const allTest = models.every((m) => m.finalAccuracy !== undefined || heldOutOf(m)?.series === 'test');
  const bars = finalAccuracyPanel([{ name: baselineLabel, accuracy: baselineAccuracy, baseline: true }, ...finals], {
    title: allTest ? 'Final Test Accuracy Comparison' : 'Final Accuracy Comparison',
    yTitle: allTest ? 'Test Accuracy (%)' : 'Accuracy (%)',
  });
  return topLevel({
    hconcat: [trainingCurvesPanel(models, baselineAccuracy, { ...options, baselineLabel }), bars, trainTestGapPanel(models)],
    spacing: 28,
    resolve: { scale: { color: 'independent', strokeDash: 'independent' }, legend: { color: 'independent', strokeDash: 'independent' } },
  });
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix

/** Counts per (true, predicted) cell, darker for more; true classes on rows, predictions on columns. */
export function confusionHeatmap(confusion: number[][], classes: string[], title: string): VegaLiteSpec {
  const n = classes.length;
  if (n === 0) throw new Error('confusionHeatmap needs at least one class');
  if (confusion.length !== n || confusion.some((row) => row.length !== n)) {
    throw new Error(`confusionHeatmap needs a ${n}×${n} matrix for ${n} classes`);
  }
  const cells = confusion.flatMap((row, i) => row.map((count, j) => ({ actual: classes[i], predicted: classes[j], count })));
  const largest = Math.max(0, ...cells.map((c) => c.count));
  // Cells past the middle of the colour ramp are dark: write their counts in white.
  const darkFrom = largest / 2;
  const step = Math.max(22, Math.min(56, Math.floor(420 / n)));
  const fontSize = step >= 40 ? 13 : 10;
  return topLevel({
    title,
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classes, title: 'Predicted', axis: { labelAngle: -35, orient: 'bottom' } },
      y: { field: 'actual', type: 'nominal', sort: classes, title: 'True' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: { color: { field: 'count', type: 'quantitative', title: 'Count', scale: { scheme: 'blues', domain: [0, Math.max(1, largest)] } } },
      },
      {
        mark: { type: 'text', fontSize },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${darkFrom}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Rendered

export const renderDatasetPanels = (input: DatasetPanelsInput): Promise<RenderedPlot> => renderVegaLite(datasetPanels(input));
export const renderTrainingCurves = (models: ModelCurves[], baselineAccuracy?: number, options?: CurveOptions): Promise<RenderedPlot> =>
  renderVegaLite(trainingCurves(models, baselineAccuracy, options));
export const renderFinalAccuracyBars = (items: AccuracyBar[], options?: BarOptions): Promise<RenderedPlot> =>
  renderVegaLite(finalAccuracyBars(items, options));
export const renderTrainTestGap = (models: ModelCurves[]): Promise<RenderedPlot> => renderVegaLite(trainTestGap(models));
export const renderNotebookComparison = (models: ModelCurves[], baselineAccuracy: number, options?: CurveOptions): Promise<RenderedPlot> =>
  renderVegaLite(notebookComparison(models, baselineAccuracy, options));
export const renderConfusionHeatmap = (confusion: number[][], classes: string[], title: string): Promise<RenderedPlot> =>
  renderVegaLite(confusionHeatmap(confusion, classes, title));
