/**
 * The leaderboard as a console table, CSV and Markdown: one row per candidate (ranked ones first),
 * its swept values, its validation score as mean ± sd over folds and seeds, and what became of
 * the others (failed with the error, pruned with the reason, not run yet).
 */
import type { JsonValue } from '../plugin';
import type { Colors } from '../terminal';
import { alignColumns } from '../plan/plan-table';
import { formatValue } from '../plan/trial-problems';
import { rowsLabel } from './candidates';
import { VALIDATION_METRICS, type CandidateSummary, type SweepReport, type ValidationMetric } from './types';

const DIGITS = 4;

function cell(value: JsonValue | undefined): string {
  return value === undefined ? '' : formatValue(value, DIGITS);
}

/** Failed and pruned candidates have no score to compare (the CSV keeps their partial numbers). */
function meanSd(c: CandidateSummary, metric: ValidationMetric): string {
  const m = c.status === 'failed' || c.status === 'pruned' ? undefined : c.metrics[metric];
  return m ? `${m.mean.toFixed(DIGITS)} ± ${m.sd.toFixed(DIGITS)}` : '';
}

function statusText(c: CandidateSummary): string {
  if (c.status === 'failed') return `failed: ${c.errors[0]?.code ?? ''}`;
  if (c.status === 'pruned') return 'pruned';
  if (c.status === 'incomplete') return `${c.jobs.finished}/${c.jobs.total} done (partial)`;
  return '';
}

function epochText(value: number | undefined): string {
  return value === undefined ? '' : Number.isInteger(value) ? String(value) : value.toFixed(1);
}

interface Column {
  header: string;
  value(c: CandidateSummary): string;
  numeric: boolean;
  /** May be narrowed to fit a terminal (labels, swept values, status; never the rank or the scores). */
  shrinkable?: boolean;
}

function columns(report: SweepReport): Column[] {
  const { metric } = report.select;
  const several = new Set(report.candidates.map((c) => c.pipeline)).size > 1;
  const epochs = report.candidates.some((c) => c.stoppedEpoch !== undefined);
  const out: Column[] = [
    { header: 'rank', value: (c) => (c.rank === undefined ? '-' : String(c.rank)), numeric: true },
    { header: 'candidate', value: (c) => c.label, numeric: false, shrinkable: true },
    { header: 'id', value: (c) => c.shortKey, numeric: false },
  ];
  if (several) out.push({ header: 'pipeline', value: (c) => c.pipeline, numeric: false, shrinkable: true });
  for (const param of report.params) {
    const numeric = report.candidates.every((c) => c.params[param] === undefined || typeof c.params[param] === 'number');
    out.push({ header: param, value: (c) => cell(c.params[param]), numeric, shrinkable: true });
  }
  out.push({ header: `${metric} (mean ± sd)`, value: (c) => meanSd(c, metric), numeric: true });
  if (metric !== 'val_accuracy') out.push({ header: 'val_accuracy (mean ± sd)', value: (c) => meanSd(c, 'val_accuracy'), numeric: true });
  if (epochs) {
    out.push({ header: 'best epoch', value: (c) => epochText(c.bestEpoch), numeric: true });
    out.push({ header: 'stopped', value: (c) => epochText(c.stoppedEpoch), numeric: true });
  }
  out.push({ header: 'status', value: statusText, numeric: false, shrinkable: true });
  return out;
}

export interface ConsoleTableOptions {
  /** The terminal's width: the table is narrowed to fit (see alignColumns); none for a pipe or a file. */
  width?: number;
  /** Colours: the best candidate's row bold green, failed ones red. */
  colors?: Colors;
}

export function formatLeaderboard(report: SweepReport, options: ConsoleTableOptions = {}): string {
  const cols = columns(report);
  const rows = report.candidates.map((c) => cols.map((col) => col.value(c)));
  const [header, ...lines] = alignColumns(
    cols.map((c) => c.header),
    rows,
    cols.map((c) => (c.numeric ? 'right' : 'left')),
    { maxWidth: options.width, shrinkable: cols.map((c) => c.shrinkable === true) },
  );
  const colors = options.colors;
  if (!colors) return [header, ...lines].join('\n');
  const paint = (c: CandidateSummary, line: string) =>
    c.key === report.best?.key ? colors.bold(colors.green(line)) : c.status === 'failed' ? colors.red(line) : line;
  return [colors.bold(header), ...lines.map((line, i) => paint(report.candidates[i], line))].join('\n');
}

export function leaderboardMarkdown(report: SweepReport): string {
  const cols = columns(report);
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `| ${cols.map((c) => escape(c.header)).join(' | ')} |`,
    `| ${cols.map((c) => (c.numeric ? '---:' : ':---')).join(' | ')} |`,
    ...report.candidates.map((c) => `| ${cols.map((col) => escape(col.value(c))).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Every number in full precision, one column per swept value and per metric mean and sd. */
export function leaderboardCsv(report: SweepReport): string {
  const header = [
    'rank',
    'candidate',
    'candidate_id',
    'pipeline',
    'trials',
    ...report.params,
    ...VALIDATION_METRICS.flatMap((m) => [`cv_mean_${m}`, `cv_sd_${m}`]),
    'best_epoch',
    'stopped_epoch',
    'jobs_finished',
    'jobs_total',
    'fit_seconds',
    'status',
    'note',
  ];
  const rows = report.candidates.map((c) => [
    c.rank === undefined ? '' : String(c.rank),
    c.label,
    c.key,
    c.pipeline,
    c.trials.join(' '),
    ...report.params.map((p) =>
      c.params[p] === undefined ? '' : typeof c.params[p] === 'string' ? String(c.params[p]) : JSON.stringify(c.params[p]),
    ),
    ...VALIDATION_METRICS.flatMap((m) => [c.metrics[m] ? String(c.metrics[m]!.mean) : '', c.metrics[m] ? String(c.metrics[m]!.sd) : '']),
    c.bestEpoch === undefined ? '' : String(c.bestEpoch),
    c.stoppedEpoch === undefined ? '' : String(c.stoppedEpoch),
    String(c.jobs.finished),
    String(c.jobs.total),
    c.fitSeconds.toFixed(3),
    c.status,
    c.status === 'failed' ? `${c.errors[0]?.code}: ${c.errors[0]?.message}` : (c.pruneReason ?? ''),
  ]);
  return `${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

/** The lines after the table: the best candidate and its test score, then every failure with its error. */
export function formatSummary(report: SweepReport): string {
  const { metric } = report.select;
  const lines: string[] = [];
  const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const by = (status: string) => report.candidates.filter((c) => c.status === status).length;
  lines.push(
    `${counted(report.candidates.length, 'candidate')} from ${counted(report.trials, 'trial')}: ${by('finished')} finished, ${by('failed')} failed, ${by('pruned')} pruned, ${by('incomplete')} not finished`,
  );
  const search = report.search;
  if (search) {
    const cost = `${counted(search.fits, 'fit')}${search.epochs ? `, ${counted(search.epochs, 'epoch')}` : ''}`;
    lines.push(
      `search: ${search.sampler}, pruning ${search.scheduler}; ${cost}${search.ended ? `; ended at ${search.ended}` : ''}` +
        `${search.reproducible ? '' : ' — asynchronous pruning: decisions depended on timing, another run may rank differently'}`,
    );
  }
  const best = report.best;
  if (best) {
    const m = best.metrics[metric]!;
    const values = Object.entries(best.params)
      .map(([k, v]) => `${k}=${cell(v)}`)
      .join(', ');
    lines.push(
      `best: ${best.label} (${best.pipeline}${values ? `; ${values}` : ''}): ${metric} ${m.mean.toFixed(DIGITS)} ± ${m.sd.toFixed(DIGITS)} over ${counted(m.values.length, 'fold')}${report.seeds.length > 1 ? ' and seed' : ''}`,
    );
  } else {
    lines.push('best: none (no candidate finished all its folds)');
  }
  const refit = report.refit;
  if (refit) {
    lines.push(
      `refit on all ${refit.trainRows} training rows, scored once on the ${refit.testRows} test rows: accuracy ${(refit.test.accuracy * 100).toFixed(2)}%, macro F1 ${refit.test.macroF1.toFixed(DIGITS)}, weighted F1 ${refit.test.weightedF1.toFixed(DIGITS)}`,
    );
  }
  if (report.failures.length) {
    lines.push('', `failures (${report.failures.length}; rerun them with --retry-failed):`);
    for (const f of report.failures)
      lines.push(`  ${f.label} ${rowsLabel(f.rows, f.seed, report.seeds.length)}: ${f.error.code} ${f.error.message.split('\n')[0]}`);
  }
  const pruned = report.candidates.filter((c) => c.status === 'pruned');
  if (pruned.length) {
    lines.push('', 'pruned:');
    for (const c of pruned) lines.push(`  ${c.label}: ${c.pruneReason ?? ''}`);
  }
  return lines.join('\n');
}
