/**
 * Classification metrics computed as scikit-learn 1.6 computes them: accuracy_score,
 * precision_recall_fscore_support (zero_division="warn", i.e. 0.0 where a ratio is 0/0),
 * f1_score (macro, weighted), confusion_matrix and classification_report — with every class of
 * the spec listed (sklearn's `labels=range(len(classes))`), so a class absent from both the true
 * and the predicted labels still gets a row of zeros and counts in the macro average.
 */
import { formatFixed } from '../python-format';
import { InputError } from '../errors';
import type { ClassificationReport, ClassReportRow, EvaluationResult } from './types';

export function evaluate(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: string[]): EvaluationResult {
  const K = classes.length;
  if (yTrue.length !== yPred.length) {
    throw new InputError('SHAPE_MISMATCH', `cannot score ${yPred.length} predictions against ${yTrue.length} true labels`);
  }
  if (yTrue.length === 0) throw new InputError('EMPTY_TEST_SET', 'cannot score an empty set of predictions');
  if (K === 0) throw new InputError('NO_CLASSES', 'cannot score predictions without classes');

  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!isClassIndex(t, K)) throw new InputError('LABEL_OUT_OF_RANGE', `true label ${t} at position ${i} is not a class index below ${K}`);
    if (!isClassIndex(p, K)) throw new InputError('LABEL_OUT_OF_RANGE', `prediction ${p} at position ${i} is not a class index below ${K}`);
    confusion[t][p]++;
    if (t === p) correct++;
  }

  const rows: ClassReportRow[] = classes.map((label, c) => {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < K; j++) {
      support += confusion[c][j];
      predicted += confusion[j][c];
    }
    return {
      label,
      precision: ratio(tp, predicted),
      recall: ratio(tp, support),
      // sklearn ≥ 1.3 computes F1 from the counts, not from precision and recall.
      f1: ratio(2 * tp, support + predicted),
      support,
    };
  });

  const n = yTrue.length;
  const accuracy = correct / n;
  const macro = average(rows, () => 1);
  const weighted = average(rows, (r) => r.support);
  const report: ClassificationReport = {
    classes: rows,
    accuracy,
    macro: { ...macro, support: n },
    weighted: { ...weighted, support: n },
  };
  return { accuracy, macroF1: macro.f1, weightedF1: weighted.f1, report, confusion };
}

function isClassIndex(v: number, K: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < K;
}

/** sklearn's _prf_divide with zero_division="warn": 0/0 scores 0.0. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * np.average(values, weights) per metric. Sums run in class order, which is numpy's order for
 * fewer than 8 classes (numpy's pairwise summation can differ in the last bit beyond that).
 */
function average(rows: ClassReportRow[], weight: (r: ClassReportRow) => number): { precision: number; recall: number; f1: number } {
  let total = 0;
  for (const r of rows) total += weight(r);
  // All weights zero (no support at all) falls back to the plain mean, as sklearn's _nanaverage.
  const w = total === 0 ? () => 1 : weight;
  const denominator = total === 0 ? rows.length : total;
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const r of rows) {
    precision += r.precision * w(r);
    recall += r.recall * w(r);
    f1 += r.f1 * w(r);
  }
  return { precision: precision / denominator, recall: recall / denominator, f1: f1 / denominator };
}

/** The report as text, laid out exactly like sklearn's `classification_report(..., digits)`. */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  const lastHeading = 'weighted avg';
  const width = Math.max(...report.classes.map((r) => r.label.length), lastHeading.length, digits);
  const cell = (s: string) => ' ' + s.padStart(9);
  const heading = (s: string) => s.padStart(width) + ' ';
  const row = (label: string, r: Omit<ClassReportRow, 'label'>) =>
    heading(label) + [r.precision, r.recall, r.f1].map((v) => cell(formatFixed(v, digits))).join('') + cell(String(r.support)) + '\n';

  let text = heading('') + headers.map(cell).join('') + '\n\n';
  for (const r of report.classes) text += row(r.label, r);
  text += '\n';
  text += heading('accuracy') + cell('') + cell('') + cell(formatFixed(report.accuracy, digits)) + cell(String(report.macro.support)) + '\n';
  text += row('macro avg', report.macro);
  text += row(lastHeading, report.weighted);
  return text;
}

export { formatFixed };
