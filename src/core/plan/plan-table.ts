/**
 * What `mlspec plan` prints: the trials (index, short id, swept values only) in aligned columns,
 * the counts (trials × folds × seeds = work units), options dropped by plugin swaps, and an
 * estimate of the work per pipeline.
 */
import { estimateWork } from './estimate';
import { formatValue } from './trial-problems';
import type { SweepPlan } from './types';

/** Significant digits of drawn numbers in the table (the plan keeps them exact). */
const TABLE_DIGITS = 4;

type Align = 'left' | 'right';

/** Columns padded to their widest cell; numbers right-aligned. Two spaces between columns. */
export function alignColumns(header: string[], rows: string[][], align: Align[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatPlanTable(plan: SweepPlan): string {
  const out: string[] = [];
  const work = estimateWork(plan);
  out.push(`sweep plan for ${plan.specFile}`);
  out.push(countsLine(plan, work.units));
  out.push(selectionLine(plan));
  out.push('');
  out.push(...trialTable(plan));
  const dropped = droppedLines(plan);
  if (dropped.length) out.push('', 'options dropped by plugin swaps (the plugin swapped in does not have them):', ...dropped);
  out.push('', ...workLines(plan, work));
  return `${out.join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function countsLine(plan: SweepPlan, units: number): string {
  const duplicates = plan.trials.filter((t) => t.duplicateOf !== undefined).length;
  const trials = `${plural(plan.trials.length, 'trial')}${duplicates ? ` (${duplicates} duplicate${duplicates === 1 ? '' : 's'}, not run)` : ''}`;
  const folds = plan.folds > 0 ? ` × ${plural(plan.folds, 'fold')}` : '';
  const seeds = plan.seeds.length <= 5 ? ` (${plan.seeds.join(', ')})` : '';
  const where = plan.folds > 0 ? '' : '; scored on a stratified holdout of the training rows (no folds)';
  return `${trials}${folds} × ${plural(plan.seeds.length, 'seed')}${seeds} = ${plural(units, 'work unit')}${where}`;
}

function selectionLine(plan: SweepPlan): string {
  const on = plan.folds > 0 ? ` on the validation folds (mean over ${plural(plan.folds, 'fold')} and seeds)` : ' on the holdout of the training rows';
  const pruning = plan.pruning ? `${plan.pruning.type} after ${plural(plan.pruning.warmupEpochs, 'epoch')} and ${plural(plan.pruning.startupTrials, 'finished trial')}` : 'none';
  const workers = plan.workers !== undefined ? `; workers: ${plan.workers}` : '';
  return `select: ${plan.select.metric} (${plan.select.goal})${on}; pruning: ${pruning}${workers}`;
}

function trialTable(plan: SweepPlan): string[] {
  const paths = plan.params.map((p) => p.path);
  const header = ['trial', 'id', ...paths.map((p) => p.replace(/^pipelines\./, ''))];
  const numeric = paths.map((p) => plan.trials.every((t) => typeof t.params[p] === 'number'));
  const anyDuplicate = plan.trials.some((t) => t.duplicateOf !== undefined);
  if (anyDuplicate) header.push('note');
  const rows = plan.trials.map((t) => {
    const cells = [String(t.index), t.shortId, ...paths.map((p) => formatValue(t.params[p], TABLE_DIGITS))];
    if (anyDuplicate) cells.push(t.duplicateOf !== undefined ? `same spec as trial ${t.duplicateOf}` : '');
    return cells;
  });
  const align: Align[] = ['right', 'left', ...numeric.map((n): Align => (n ? 'right' : 'left')), 'left'];
  const lines = alignColumns(header, rows, align);
  if (!paths.length) lines.push('(nothing swept: every trial is the spec as written)');
  return lines;
}

/** One line per dropped option: where and for which trials. */
function droppedLines(plan: SweepPlan): string[] {
  const byPath = new Map<string, number[]>();
  for (const t of plan.trials) for (const path of t.dropped) byPath.set(path, [...(byPath.get(path) ?? []), t.index]);
  return [...byPath].map(([path, trials]) => `  ${path}: ${trials.length === plan.trials.length ? 'every trial' : `trials ${ranges(trials)}`}`);
}

/** "0-5, 8, 10-11" */
export function ranges(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j > i ? `${indices[i]}-${indices[j]}` : String(indices[i]));
    i = j + 1;
  }
  return parts.join(', ');
}

function workLines(plan: SweepPlan, work: ReturnType<typeof estimateWork>): string[] {
  const header = ['pipeline', 'model', 'configs', 'fits', 'epochs'];
  const epochs = (n: number | undefined, bound: boolean) => (n === undefined ? '-' : `${bound ? '≤ ' : ''}${n}`);
  const rows = work.pipelines.map((p) => [p.pipeline, p.model, String(p.configs), String(p.fits), epochs(p.epochs, p.earlyStopping)]);
  const bounded = work.pipelines.some((p) => p.earlyStopping);
  rows.push(['total', '', '', String(work.fits), epochs(work.epochs, bounded)]);
  const per = plan.folds > 0 ? 'fold and seed' : 'seed';
  const lines = [`work (one fit = one pipeline trained on one ${per}):`, ...alignColumns(header, rows, ['left', 'left', 'right', 'right', 'right']).map((l) => `  ${l}`)];
  if (work.fitsWithoutReuse !== work.fits) {
    lines.push(`  ${work.fitsWithoutReuse - work.fits} fits are reused: trials that leave a pipeline unchanged share its fits (${work.fitsWithoutReuse} without reuse)`);
  }
  return lines;
}
