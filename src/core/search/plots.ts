/**
 * The search plots of a sweep's parent run: the optimization history (every complete trial's value
 * and the best so far, against the fits spent and against the time since the sweep started) and the
 * parameter importance (random-forest MDI, see importance.ts). Vega-Lite specs drawn by the shared
 * renderer, about 720 px wide at 1× (the width of MLflow's artifact preview).
 */
import { renderVegaLite } from '../plots/render';
import { parameterImportance, type ParameterImportance } from './importance';
import type { Observation, SearchSpace } from './types';

type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Plotting area; with axes and padding the chart is about 720 px wide. */
const WIDTH = 620;

export interface TrialCompletion {
  /** The trial's number (as in Observation). */
  number: number;
  /** When it finished, in seconds since the sweep started. */
  seconds: number;
  /** Fits it used (folds × seeds, fewer when pruned early); failed and pruned trials count too. */
  fits: number;
}

export interface SearchPlotsInput {
  space: SearchSpace;
  observations: readonly Observation[];
  direction: 'maximize' | 'minimize';
  /** What the value is, for the axes (e.g. `val_accuracy`). */
  metric: string;
  /** One entry per finished trial (complete, pruned or failed); every complete trial needs one. */
  completions: readonly TrialCompletion[];
  /** Seeds the importance forest (the spec's seed). */
  seed?: number;
}

interface HistoryPoint {
  trial: number;
  fits: number;
  seconds: number;
  value?: number;
  best?: number;
}

/** Complete trials in the order they finished, with the cumulative fits and best value at that point. */
function historyPoints(input: SearchPlotsInput): HistoryPoint[] {
  const byNumber = new Map(input.observations.map((o) => [o.number, o]));
  const completedAt = new Map(input.completions.map((c) => [c.number, c]));
  for (const o of input.observations) {
    if (o.state === 'complete' && !completedAt.has(o.number)) throw new Error(`search plots: complete trial ${o.number} has no completion time`);
  }
  const ordered = [...input.completions].sort((a, b) => a.seconds - b.seconds || a.number - b.number);
  const better = (a: number, b: number): boolean => (input.direction === 'maximize' ? a > b : a < b);
  const points: HistoryPoint[] = [];
  let fits = 0;
  let best: number | undefined;
  for (const completion of ordered) {
    if (!Number.isFinite(completion.seconds) || completion.seconds < 0)
      throw new Error(
        `search plots: trial ${completion.number} has completion time ${completion.seconds}; need seconds >= 0 since the sweep started`,
      );
    fits += completion.fits;
    const trial = byNumber.get(completion.number);
    if (trial?.state !== 'complete' || typeof trial.value !== 'number' || !Number.isFinite(trial.value)) continue;
    if (best === undefined || better(trial.value, best)) best = trial.value;
    points.push({ trial: trial.number, fits, seconds: completion.seconds, value: trial.value, best });
  }
  return points;
}

function historyPanel(points: readonly HistoryPoint[], x: { field: 'fits' | 'seconds'; title: string }, metric: string): VegaLiteSpec {
  const y = { type: 'quantitative', title: metric, scale: { zero: false } };
  return {
    width: WIDTH,
    height: 220,
    data: { values: points },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 36, color: '#4c78a8', opacity: 0.65 },
        encoding: {
          x: { field: x.field, type: 'quantitative', title: x.title },
          y: { field: 'value', ...y },
          tooltip: [{ field: 'trial' }, { field: 'value' }],
          color: {
            datum: 'trial',
            type: 'nominal',
            scale: { domain: ['trial', 'best so far'], range: ['#4c78a8', '#d62728'] },
            legend: { title: null, orient: 'bottom-right' },
          },
        },
      },
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: x.field, type: 'quantitative' },
          y: { field: 'best', ...y },
          color: { datum: 'best so far', type: 'nominal' },
        },
      },
    ],
  };
}

/** Best value so far against fits spent (top) and against time (bottom). */
export function optimizationHistory(input: SearchPlotsInput): VegaLiteSpec {
  const points = historyPoints(input);
  if (points.length === 0) throw new Error('search plots: no complete trial with a value to plot');
  return {
    $schema: SCHEMA,
    title: `Optimization history (${input.direction === 'maximize' ? 'higher' : 'lower'} ${input.metric} is better)`,
    vconcat: [
      historyPanel(points, { field: 'fits', title: 'Fits finished' }, input.metric),
      historyPanel(points, { field: 'seconds', title: 'Seconds since the sweep started' }, input.metric),
    ],
    spacing: 24,
  };
}

/** Horizontal bars, most important first. */
export function importanceBars(importances: readonly ParameterImportance[], trials: number): VegaLiteSpec {
  const rows = importances.map((p) => ({ parameter: p.name, importance: p.importance, label: p.importance.toFixed(2) }));
  return {
    $schema: SCHEMA,
    title: { text: 'Parameter importance', subtitle: `random-forest mean decrease in impurity, ${trials} complete trials` },
    width: 420,
    height: Math.max(60, 24 * rows.length),
    data: { values: rows },
    encoding: {
      y: { field: 'parameter', type: 'nominal', sort: rows.map((r) => r.parameter), title: null, axis: { labelLimit: 260 } },
      x: { field: 'importance', type: 'quantitative', title: 'Share of explained variance', scale: { domain: [0, 1] } },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/**
 * The PNGs for a sweep's parent run: `search-history.png` always (there must be a complete trial),
 * `search-importance.png` when at least two complete trials differ in value (otherwise no parameter
 * explains anything and the chart would be empty).
 */
export async function renderSearchPlots(input: SearchPlotsInput): Promise<{ file: string; png: Buffer }[]> {
  const plots: { file: string; png: Buffer }[] = [];
  plots.push({ file: 'search-history.png', png: (await renderVegaLite(optimizationHistory(input))).png });
  const complete = input.observations.filter((o) => o.state === 'complete' && typeof o.value === 'number' && Number.isFinite(o.value));
  const importances = parameterImportance(input.space, input.observations, { seed: input.seed ?? 0 });
  if (importances.some((p) => p.importance > 0)) {
    plots.push({ file: 'search-importance.png', png: (await renderVegaLite(importanceBars(importances, complete.length))).png });
  }
  return plots;
}
