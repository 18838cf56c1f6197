/** The run's results as text tables, the way the notebook prints them. */
import type { DatasetSummary, FoldReport, PipelineResult, RunReport } from './types';
import { formatClassificationReport } from './metrics';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatDatasetSummary(d: DatasetSummary): string {
  const width = Math.max(...d.classes.map((c) => c.length));
  const lines = [
    `DATASET ${d.source}`,
    `  rows                ${d.rows}`,
    `  rows kept (filter)  ${d.keptRows}`,
    `  mean characters     ${d.meanChars.toFixed(1)}`,
    `  mean words          ${d.meanWords.toFixed(1)}`,
    `  class counts`,
    ...d.classes.map((c) => `    ${c.padEnd(width)}  ${String(d.classCounts[c]).padStart(5)}`),
  ];
  return lines.join('\n');
}

export function formatConfusion(confusion: number[][], classes: string[]): string {
  const labels = classes.map((c, i) => `${i} ${c}`);
  const width = Math.max('true \\ pred'.length, ...labels.map((l) => l.length)) + 1;
  const cell = Math.max(5, ...confusion.flat().map((v) => String(v).length + 1));
  const head = `${'true \\ pred'.padEnd(width)}${classes.map((_, j) => String(j).padStart(cell)).join('')}`;
  const rows = confusion.map((row, i) => `${labels[i].padEnd(width)}${row.map((v) => String(v).padStart(cell)).join('')}`);
  return [head, ...rows].join('\n');
}

function formatPipeline(p: PipelineResult, classes: string[]): string {
  const e = p.evaluation;
  const model = (p.resolved.model as { type: string }).type;
  const featurizer = (p.resolved.featurizer as { type: string }).type;
  return [
    `PIPELINE ${p.name}  (${featurizer}: ${p.featurizer.features} features → ${model})`,
    `  test accuracy ${pct(e.accuracy)}   macro-F1 ${e.macroF1.toFixed(4)}   weighted-F1 ${e.weightedF1.toFixed(4)}   fit ${p.fitSeconds.toFixed(2)}s`,
    '',
    indent(formatClassificationReport(e.report, 2), 2),
    '',
    indent(`confusion matrix\n${formatConfusion(e.confusion, classes)}`, 2),
  ].join('\n');
}

const RULE = '='.repeat(70);

function label(p: PipelineResult): string {
  return typeof p.resolved.description === 'string' ? p.resolved.description : p.name;
}

/** The notebook's FINAL COMPARISON table: one row per pipeline. */
export function formatComparison(pipelines: PipelineResult[]): string {
  const width = Math.max(25, ...pipelines.map((p) => label(p).length + 2));
  const lines = [
    RULE,
    'FINAL COMPARISON',
    RULE,
    `${'Model'.padEnd(width)}${'Test Accuracy'.padEnd(15)}${'Macro-F1'.padEnd(10)}Training Time`,
    '-'.repeat(70),
  ];
  for (const p of pipelines) {
    lines.push(
      `${label(p).padEnd(width)}${pct(p.evaluation.accuracy).padStart(7).padEnd(15)}${p.evaluation.macroF1.toFixed(4).padEnd(10)}${`${p.fitSeconds.toFixed(2)}s`.padStart(7)}`,
    );
  }
  return lines.join('\n');
}

/**
 * The notebook's OVERFITTING ANALYSIS: the gap between training and test accuracy at the last
 * epoch, for pipelines that drew learning curves (`training.curves`).
 */
export function formatOverfitting(pipelines: PipelineResult[]): string | undefined {
  const rows = pipelines.flatMap((p) => {
    const last = p.epochs?.[p.epochs.length - 1];
    if (!last || last.train_accuracy === undefined || last.curve_accuracy === undefined) return [];
    return [{ name: label(p), gap: last.train_accuracy - last.curve_accuracy, epoch: last.epoch }];
  });
  if (!rows.length) return undefined;
  const width = Math.max(25, ...rows.map((r) => r.name.length + 2));
  return [
    RULE,
    'OVERFITTING ANALYSIS (Final Train-Test Gap)',
    RULE,
    ...rows.map((r) => `${r.name.padEnd(width)}${pct(r.gap).padStart(7)} gap  (epoch ${r.epoch})`),
  ].join('\n');
}

function formatFold(fold: FoldReport, report: RunReport): string {
  const head = report.folds.length > 1 ? `FOLD ${fold.fold + 1} of ${report.folds.length}: ` : '';
  return [
    `${head}SPLIT ${report.split.type}: train ${fold.train.length}, test ${fold.test.length}`,
    '',
    ...fold.pipelines.map((p) => `${formatPipeline(p, report.dataset.classes)}\n`),
    formatComparison(fold.pipelines),
    ...[formatOverfitting(fold.pipelines)].filter((t): t is string => t !== undefined).map((t) => `\n${t}`),
  ].join('\n');
}

export function formatRunReport(report: RunReport): string {
  return [
    `EXPERIMENT ${report.name}  (seed ${report.seed})`,
    '',
    formatDatasetSummary(report.dataset),
    '',
    ...report.folds.map((f) => formatFold(f, report)),
  ].join('\n');
}

function indent(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');
}
