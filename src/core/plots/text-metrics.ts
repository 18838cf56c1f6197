/**
 * Text widths for Vega's layout, measured with the font resvg will draw with.
 *
 * Headless Vega has no canvas to measure text, so by default it guesses 0.8 em per character —
 * far wider than DejaVu Sans (about 0.55 em), which leaves big gaps between axis labels and titles
 * and makes legends too wide. We read the real advance widths from the DejaVu Sans font files
 * (their `cmap` and `hmtx` tables) and hand Vega a width function, as vl-convert does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vega from 'vega';

/** The one font every chart uses; CI installs it (Debian's fonts-dejavu-core). */
export const PLOT_FONT = 'DejaVu Sans';

const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

// Where operating systems keep fonts; the same places resvg's system font scan looks.
function fontDirectories(): string[] {
  const home = os.homedir();
  return [
    '/usr/share/fonts',
    '/usr/local/share/fonts',
    path.join(home, '.local/share/fonts'),
    path.join(home, '.fonts'),
    '/Library/Fonts',
    '/System/Library/Fonts',
    'C:\\Windows\\Fonts',
  ];
}

function findFile(name: string, dir: string, depth: number): string | undefined {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const direct = entries.find((e) => e.isFile() && e.name === name);
  if (direct) return path.join(dir, direct.name);
  if (depth === 0) return undefined;
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const found = findFile(name, path.join(dir, e.name), depth - 1);
    if (found) return found;
  }
  return undefined;
}

let fontPaths: { regular?: string; bold?: string } | undefined;

/** Paths of the DejaVu Sans regular and bold files on this machine (either may be missing). */
export function plotFontFiles(): { regular?: string; bold?: string } {
  if (!fontPaths) {
    const dirs = fontDirectories().filter((d) => existsSync(d));
    const locate = (name: string) => dirs.map((d) => findFile(name, d, 4)).find((p) => p !== undefined);
    fontPaths = { regular: locate(FONT_FILES.regular), bold: locate(FONT_FILES.bold) };
  }
  return fontPaths;
}

/** Advance widths of a TrueType font, in em, by code point. */
export class FontAdvances {
  private readonly cache = new Map<number, number>();
  private readonly unitsPerEm: number;
  private readonly numberOfHMetrics: number;
  private readonly hmtx: number;
  private readonly glyphOf: (codePoint: number) => number;

  constructor(private readonly data: Buffer) {
    const tables = new Map<string, number>();
    const count = data.readUInt16BE(4);
    for (let i = 0; i < count; i++) {
      const record = 12 + 16 * i;
      tables.set(data.toString('latin1', record, record + 4), data.readUInt32BE(record + 8));
    }
    const table = (tag: string): number => {
      const offset = tables.get(tag);
      if (offset === undefined) throw new Error(`font has no ${tag} table`);
      return offset;
    };
    this.unitsPerEm = data.readUInt16BE(table('head') + 18);
    this.numberOfHMetrics = data.readUInt16BE(table('hhea') + 34);
    this.hmtx = table('hmtx');
    this.glyphOf = this.readCmap(table('cmap'));
  }

  /** Width of a code point in em; `undefined` when the font has no glyph for it. */
  advance(codePoint: number): number | undefined {
    let width = this.cache.get(codePoint);
    if (width === undefined) {
      const glyph = this.glyphOf(codePoint);
      if (glyph === 0) return undefined;
      const metric = Math.min(glyph, this.numberOfHMetrics - 1);
      width = this.data.readUInt16BE(this.hmtx + 4 * metric) / this.unitsPerEm;
      this.cache.set(codePoint, width);
    }
    return width;
  }

  // Prefers the full-Unicode subtable (format 12), else the BMP one (format 4).
  private readCmap(cmap: number): (codePoint: number) => number {
    const d = this.data;
    const subtables: Array<{ format: number; offset: number }> = [];
    for (let i = 0; i < d.readUInt16BE(cmap + 2); i++) {
      const record = cmap + 4 + 8 * i;
      const platform = d.readUInt16BE(record);
      const offset = cmap + d.readUInt32BE(record + 4);
      if (platform === 0 || platform === 3) subtables.push({ format: d.readUInt16BE(offset), offset });
    }
    const f12 = subtables.find((s) => s.format === 12);
    if (f12) {
      const groups = d.readUInt32BE(f12.offset + 12);
      return (c) => {
        for (let g = 0; g < groups; g++) {
          const at = f12.offset + 16 + 12 * g;
          const start = d.readUInt32BE(at);
          if (c >= start && c <= d.readUInt32BE(at + 4)) return d.readUInt32BE(at + 8) + (c - start);
        }
        return 0;
      };
    }
    const f4 = subtables.find((s) => s.format === 4);
    if (!f4) throw new Error('font has no Unicode cmap subtable');
    const segments = d.readUInt16BE(f4.offset + 6) / 2;
    const ends = f4.offset + 14;
    const starts = ends + 2 * segments + 2;
    const deltas = starts + 2 * segments;
    const rangeOffsets = deltas + 2 * segments;
    return (c) => {
      if (c > 0xffff) return 0;
      for (let s = 0; s < segments; s++) {
        if (d.readUInt16BE(ends + 2 * s) < c) continue;
        const start = d.readUInt16BE(starts + 2 * s);
        if (start > c) return 0;
        const delta = d.readInt16BE(deltas + 2 * s);
        const rangeOffset = d.readUInt16BE(rangeOffsets + 2 * s);
        if (rangeOffset === 0) return (c + delta) & 0xffff;
        const glyph = d.readUInt16BE(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
        return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
      }
      return 0;
    };
  }
}

// For characters the font lacks (resvg then falls back to another system font): an average
// Latin width, and a full em for wide scripts and emoji.
function fallbackAdvance(codePoint: number): number {
  return codePoint >= 0x2e80 ? 1 : 0.6;
}

/** Width in pixels of `text` at `fontSize`, with kerning ignored. */
export function measureText(text: string, fontSize: number, bold: boolean): number {
  const font = loadedFonts()[bold ? 'bold' : 'regular'] ?? loadedFonts().regular;
  let em = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    em += font?.advance(c) ?? fallbackAdvance(c);
  }
  return em * fontSize;
}

let fonts: { regular?: FontAdvances; bold?: FontAdvances } | undefined;

function loadedFonts(): { regular?: FontAdvances; bold?: FontAdvances } {
  if (!fonts) {
    const files = plotFontFiles();
    const load = (file?: string) => (file ? new FontAdvances(readFileSync(file)) : undefined);
    fonts = { regular: load(files.regular), bold: load(files.bold) };
  }
  return fonts;
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (weight === 'bold' || weight === 'bolder') return true;
  const n = Number(weight);
  return Number.isFinite(n) && n >= 600;
}

/**
 * Point Vega's text measurement at the plot font. The width is of the text as given: Vega's own
 * truncation (labelLimit) measures prefixes through this same function, so it must not truncate.
 */
export function installTextMetrics(): void {
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  metrics.width = (item: TextItem, text?: unknown): number => {
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const value = text == null ? '' : String(text).trim();
    return size <= 0 || !value ? 0 : measureText(value, size, isBold(item.fontWeight));
  };
}
