/**
 * The sweep's plot: the validation score (mean ± sd over folds and seeds) of every finished
 * candidate against each swept setting, one panel per setting, coloured by pipeline. Numbers are
 * drawn on a numeric axis (logarithmic when they span a decade or more, as learning rates and
 * C do), anything else as categories.
 */
import type { JsonValue } from '../plugin';
import { renderVegaLite } from '../plots';
import type { SweepReport } from './types';

const PANEL_WIDTH = 220;
const PANEL_HEIGHT = 170;
const PANELS_PER_ROW = 3;

interface Point {
  label: string;
  pipeline: string;
  value: JsonValue;
  mean: number;
  low: number;
  high: number;
}

function axisFor(values: readonly JsonValue[]): { type: 'quantitative' | 'nominal'; log: boolean } {
  if (!values.every((v) => typeof v === 'number')) return { type: 'nominal', log: false };
  const numbers = values as number[];
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  return { type: 'quantitative', log: min > 0 && max / min >= 10 };
}

/** The Vega-Lite spec, or undefined when nothing was swept or no candidate finished. */
export function validationPlotSpec(report: SweepReport): object | undefined {
  const { metric } = report.select;
  const finished = report.candidates.filter((c) => c.status === 'finished' && c.metrics[metric]);
  const pipelines = [...new Set(report.candidates.map((c) => c.pipeline))];
  const panels: object[] = [];
  for (const param of report.params) {
    const points: Point[] = finished
      .filter((c) => c.params[param] !== undefined)
      .map((c) => {
        const m = c.metrics[metric]!;
        return { label: c.label, pipeline: c.pipeline, value: c.params[param], mean: m.mean, low: m.mean - m.sd, high: m.mean + m.sd };
      });
    if (!points.length) continue;
    const axis = axisFor(points.map((p) => p.value));
    const values = points.map((p) => ({ ...p, value: axis.type === 'nominal' ? JSON.stringify(p.value).replace(/^"|"$/g, '') : p.value }));
    // Padding keeps the points at the ends of a numeric axis off the panel's border.
    const scale = axis.log ? { type: 'log', padding: 14 } : axis.type === 'quantitative' ? { zero: false, padding: 14 } : undefined;
    const x = { field: 'value', type: axis.type, title: param, ...(scale ? { scale } : {}) };
    const color = { field: 'pipeline', type: 'nominal', title: 'Pipeline', scale: { domain: pipelines } };
    panels.push({
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      data: { values },
      layer: [
        { mark: { type: 'rule', opacity: 0.6 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
        {
          mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: `${metric} (mean ± sd)`, scale: { zero: false } },
            color,
            tooltip: [{ field: 'label' }, { field: 'mean', format: '.4f' }],
          },
        },
      ],
    });
  }
  if (!panels.length) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${report.name}: ${metric} on the validation folds against each swept setting`,
    columns: PANELS_PER_ROW,
    concat: panels,
    resolve: { scale: { y: 'shared', x: 'independent' } },
  };
}

/** The plot as a PNG, or undefined when there is nothing to draw. */
export async function renderValidationPlot(report: SweepReport): Promise<Buffer | undefined> {
  const spec = validationPlotSpec(report);
  if (!spec) return undefined;
  return (await renderVegaLite(spec)).png;
}
