/**
 * Vega-Lite spec → SVG → PNG, entirely in Node: vega-lite compiles, a headless vega View
 * (renderer 'none') writes the SVG, resvg rasterises it. No browser, no canvas package, no network.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { PLOT_FONT, installTextMetrics, plotFontFiles } from './text-metrics';

export interface RenderedPlot {
  svg: string;
  png: Buffer;
  /** Vega-Lite/Vega warnings (collected rather than printed, so a run's console stays clean). */
  warnings: string[];
}

/** Rasterise at twice the SVG's size so text and thin lines stay sharp on high-density screens. */
const PNG_SCALE = 2;

/** Every chart's base look; a spec's own `config` wins over these. */
export const BASE_CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 14, anchor: 'middle' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#bbbbbb' },
} as const;

// Specs carry their data inline; a chart that asks for a URL is a bug, never a download. Vega
// only logs a failed load and draws an empty chart, so refusals are recorded and fail the render.
function offlineLoader(refused: string[]): vega.Loader {
  const refuse = async (uri: string): Promise<never> => {
    refused.push(uri);
    throw new Error(`plots render offline; pass the data inline instead of loading "${uri}"`);
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

function withBaseConfig(spec: object): TopLevelSpec {
  const own = (spec as { config?: Record<string, unknown> }).config ?? {};
  const config: Record<string, unknown> = { ...BASE_CONFIG };
  for (const [key, value] of Object.entries(own)) {
    const base = config[key];
    config[key] = isPlainObject(base) && isPlainObject(value) ? { ...base, ...value } : value;
  }
  return { ...spec, config } as unknown as TopLevelSpec;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Vega and Vega-Lite log problems instead of throwing; collect them so errors can fail the render.
function collectingLogger(messages: { warnings: string[]; errors: string[] }): vega.LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method: string, level: string, input: readonly unknown[]) => {
    const text = [...input].map((part) => (part instanceof Error ? part.message : String(part))).join(' ');
    (level === 'ERROR' ? messages.errors : messages.warnings).push(text);
  });
}

/** Compile a Vega-Lite spec (with the base config) to a Vega spec, collecting warnings. */
export function compileVegaLite(spec: object): { vega: vega.Spec; warnings: string[] } {
  const messages = { warnings: [] as string[], errors: [] as string[] };
  const compiled = compile(withBaseConfig(spec), { logger: collectingLogger(messages) }).spec;
  if (messages.errors.length > 0) throw new Error(`Vega-Lite could not compile the chart: ${messages.errors.join('; ')}`);
  return { vega: compiled, warnings: messages.warnings };
}

/** Render a Vega-Lite spec to an SVG string and a PNG (2× the SVG's pixel size). */
export async function renderVegaLite(spec: object): Promise<RenderedPlot> {
  installTextMetrics();
  const compiled = compileVegaLite(spec);
  const messages = { warnings: compiled.warnings, errors: [] as string[] };
  const refused: string[] = [];
  const view = new vega.View(vega.parse(compiled.vega), { renderer: 'none', loader: offlineLoader(refused), logger: collectingLogger(messages) });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0)
      throw new Error(`plots render offline, but the chart asked to load ${refused.map((u) => `"${u}"`).join(', ')}; pass its data inline`);
    if (messages.errors.length > 0) throw new Error(`Vega could not draw the chart: ${messages.errors.join('; ')}`);
    const fonts = plotFontFiles();
    const png = new Resvg(svg, {
      font: {
        loadSystemFonts: true,
        // Named explicitly too, so the font Vega measured with is the one drawn even where fontconfig would pick another.
        fontFiles: [fonts.regular, fonts.bold].filter((f): f is string => f !== undefined),
        defaultFontFamily: PLOT_FONT,
        sansSerifFamily: PLOT_FONT,
      },
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      background: 'white',
      logLevel: 'off',
    })
      .render()
      .asPng();
    return { svg, png, warnings: messages.warnings };
  } finally {
    view.finalize();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The pixel size a PNG declares (its IHDR chunk), e.g. for width/height attributes in a report. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: the first chunk is not IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
