/**
 * What `mlspec plan` prints: the trials (index, short id, swept values only) in aligned columns,
 * the counts (trials × folds × seeds = work units), options dropped by plugin swaps, and an
 * estimate of the work per pipeline.
 */
import type { JsonValue } from '../plugin';
import { estimateWork } from './estimate';
import { formatValue } from './trial-problems';
import type { SweepPlan } from './types';

/** Significant digits of drawn numbers in the table (the plan keeps them exact). */
const TABLE_DIGITS = 4;

type Align = 'left' | 'right';

export interface FitOptions {
  /** The width the table may take (a terminal's columns); none for a pipe or a file. */
  maxWidth?: number;
  /** The columns that may be narrowed (their cells cut with …) to fit, e.g. labels and values, not scores. */
  shrinkable?: boolean[];
}

/** The narrowest a shrinkable column becomes before the lines are cut: its header, or 8 to 16 characters. */
const minShrunk = (header: string) => Math.max(8, Math.min(header.length, 16));

/**
 * Columns padded to their widest cell; numbers right-aligned. Two spaces between columns. Wider
 * than `maxWidth`, the widest shrinkable column loses a character at a time (its cells cut with an
 * ellipsis) down to its header's width (8 to 16); a table still too wide has its lines cut at the width.
 */
export function alignColumns(header: string[], rows: string[][], align: Align[], fit: FitOptions = {}): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const { maxWidth, shrinkable = [] } = fit;
  if (maxWidth !== undefined) {
    const total = () => widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1);
    const least = header.map(minShrunk);
    for (let excess = total() - maxWidth; excess > 0; excess--) {
      let widest = -1;
      for (let c = 0; c < widths.length; c++) if (shrinkable[c] && widths[c] > least[c] && (widest < 0 || widths[c] > widths[widest])) widest = c;
      if (widest < 0) break;
      widths[widest]--;
    }
  }
  const line = (cells: string[]) => {
    const text = cells
      .map((cell, c) => {
        const fitted = cell.length > widths[c] ? `${cell.slice(0, widths[c] - 1)}…` : cell;
        return align[c] === 'right' ? fitted.padStart(widths[c]) : fitted.padEnd(widths[c]);
      })
      .join('  ')
      .trimEnd();
    return maxWidth !== undefined && text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
  };
  return [line(header), ...rows.map(line)];
}

export function formatPlanTable(plan: SweepPlan): string {
  if (plan.search) return formatSearchPlan(plan);
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

/** How a pruning rule reads in one line. */
export function pruningText(pruning: SweepPlan['pruning']): string {
  if (!pruning) return 'none';
  if (pruning.type === 'median')
    return `median after ${plural(pruning.warmupEpochs, 'epoch')} and ${plural(pruning.startupTrials, 'finished trial')}${pruning.asynchronous ? ', asynchronous (not reproducible)' : ''}`;
  const eta = pruning.reductionFactor ?? 3;
  const parts = [`keep the best 1/${eta} at rungs ${pruning.minResource ?? 1}·${eta}^i`];
  if (pruning.maxResource !== undefined) parts.push(`up to ${pruning.maxResource}`);
  if (pruning.type === 'hyperband') parts.push(pruning.brackets !== undefined ? `${plural(pruning.brackets, 'bracket')}` : 'all brackets');
  parts.push(pruning.asynchronous ? 'asynchronous (not reproducible)' : 'decided in trial order');
  return `${pruning.type === 'asha' ? 'successive-halving (asha)' : pruning.type}: ${parts.join(', ')}`;
}

function selectionLine(plan: SweepPlan): string {
  const on = plan.folds > 0 ? ` on the validation folds (mean over ${plural(plan.folds, 'fold')} and seeds)` : ' on the holdout of the training rows';
  const pruning = pruningText(plan.pruning);
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
  for (let i = 0; i < indices.length;) {
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
  const lines = [
    `work (one fit = one pipeline trained on one ${per}):`,
    ...alignColumns(header, rows, ['left', 'left', 'right', 'right', 'right']).map((l) => `  ${l}`),
  ];
  if (work.fitsWithoutReuse !== work.fits) {
    lines.push(
      `  ${work.fitsWithoutReuse - work.fits} fits are reused: trials that leave a pipeline unchanged share its fits (${work.fitsWithoutReuse} without reuse)`,
    );
  }
  return lines;
}

/** A dimension as a person reads it: `int 4…8 step 4`, `log 0.001…0.1`, `lstm | gru`. */
function dimensionText(d: import('../search').Dimension): string {
  if (d.type === 'categorical') return d.choices.map((c) => formatValue(c as JsonValue, TABLE_DIGITS)).join(' | ');
  const range = `${formatValue(d.low, TABLE_DIGITS)}…${formatValue(d.high, TABLE_DIGITS)}`;
  return `${d.type}${d.log ? ' log' : ''} ${range}${d.step !== undefined ? ` step ${formatValue(d.step, TABLE_DIGITS)}` : ''}`;
}

/**
 * An adaptive search has no trials before it runs: the plan shows the space, the sampler, the
 * budget, and bounds on the fits and epochs the budget allows.
 */
function formatSearchPlan(plan: SweepPlan): string {
  const search = plan.search!;
  const out: string[] = [`sweep plan for ${plan.specFile}`];
  const sampler = Object.entries(search.sampler)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  out.push(
    `adaptive search: sampler ${search.sampler.type}${sampler.length ? ` (${sampler.join(', ')})` : ''}; trial k is suggested from the finished trials before k − ${search.concurrentTrials} (concurrentTrials)`,
  );
  const startup = (search.sampler as Record<string, unknown>).startupTrials ?? (search.sampler as Record<string, unknown>).nStartupTrials;
  if (typeof startup === 'number') out.push(`startup trials: the first ${startup} are drawn at random`);
  const budget: string[] = [];
  if (search.budget.trials !== undefined) budget.push(plural(search.budget.trials, 'trial'));
  if (search.budget.maxFits !== undefined) budget.push(`at most ${plural(search.budget.maxFits, 'fit')}`);
  if (search.budget.timeout !== undefined) budget.push(`${search.budget.timeout} s (depends on the machine: not reproducible)`);
  if (search.budget.target !== undefined)
    budget.push(`stop at ${plan.select.metric} ${plan.select.goal === 'max' ? '>=' : '<='} ${search.budget.target}`);
  out.push(`budget: ${budget.join(', ')}`);
  out.push(selectionLine(plan));
  out.push('', 'space (in order; a conditional dimension exists only when its condition holds):');
  const rows = search.space.parameters.map((p) => [
    p.name.replace(/^pipelines\./, ''),
    dimensionText(p.dimension),
    p.when
      ? Object.entries(p.when)
          .map(([k, v]) => `${k.replace(/^pipelines\./, '')} in ${v.map((x) => formatValue(x as JsonValue)).join(', ')}`)
          .join('; ')
      : '',
  ]);
  out.push(...alignColumns(['dimension', 'values', 'when'], rows, ['left', 'left', 'left']).map((l) => `  ${l}`));
  out.push(
    `  checked: ${plural(search.probes, 'trial')} setting every choice and both ends of every range, each resolved and validated like a spec file`,
  );
  out.push('', ...searchBounds(plan));
  return `${out.join('\n')}\n`;
}

/** The most fits and epochs the budget allows (and the least a trial costs under successive halving). */
function searchBounds(plan: SweepPlan): string[] {
  const search = plan.search!;
  const perPipeline = Math.max(1, plan.folds) * plan.seeds.length;
  const trials = search.budget.trials;
  const lines = [`work bounds (one fit = one pipeline trained on one ${plan.folds > 0 ? 'fold and seed' : 'seed'}):`];
  const header = ['pipeline', 'model', 'fits per trial', 'epochs per fit', trials !== undefined ? `fits for ${plural(trials, 'trial')}` : 'fits'];
  const rows: string[][] = [];
  let fits = 0;
  let epochs = 0;
  let unbounded = trials === undefined;
  for (const [name, p] of Object.entries(search.pipelines)) {
    const count = p.searched ? (trials !== undefined ? trials * perPipeline : undefined) : perPipeline;
    if (count !== undefined) fits += count;
    if (count !== undefined && p.maxEpochs !== undefined) epochs += count * p.maxEpochs;
    if (count === undefined) unbounded = true;
    rows.push([
      name,
      p.models.join(' | '),
      p.searched ? String(perPipeline) : `${perPipeline} (once: not searched)`,
      p.maxEpochs !== undefined ? `≤ ${p.maxEpochs}` : '-',
      count === undefined ? '-' : `≤ ${count}`,
    ]);
  }
  lines.push(...alignColumns(header, rows, ['left', 'left', 'right', 'right', 'right']).map((l) => `  ${l}`));
  const maxFits = search.budget.maxFits;
  const fitBound = unbounded ? maxFits : maxFits !== undefined ? Math.min(fits, maxFits) : fits;
  const longest = Math.max(0, ...Object.values(search.pipelines).map((p) => p.maxEpochs ?? 0));
  if (maxFits !== undefined) epochs = Math.min(epochs, maxFits * longest);
  lines.push(
    `  at most ${fitBound === undefined ? 'unbounded (timeout only)' : plural(fitBound, 'fit')}${!unbounded && epochs ? ` and ${plural(epochs, 'epoch')} (no trial stopped early)` : ''}`,
  );
  const pruning = plan.pruning;
  if (pruning && pruning.type !== 'median' && trials !== undefined) {
    const min = pruning.minResource ?? 1;
    // A trial of a model that trains in epochs is judged on one fit; the others on their first `min` fits.
    const least = Object.values(search.pipelines).reduce(
      (n, p) => n + (!p.searched ? perPipeline : trials * (p.maxEpochs !== undefined ? 1 : Math.min(min, perPipeline))),
      0,
    );
    lines.push(
      `  at least ${plural(least, 'fit')} (every trial runs its first rung: ${plural(min, 'epoch')} of its first fold, or ${plural(min, 'fit')})`,
    );
  }
  return lines;
}
