/**
 * The classification_report.txt artifact matches scikit-learn's classification_report text for
 * the same numbers, digit for digit (including values that sit exactly on a rounding tie).
 */
import type { ClassificationReport } from '../../src/core/run/types';
import { formatClassificationReport } from '../../src/core/run/metrics';
import { runPython } from '../helpers/mlflow-server';

jest.setTimeout(120_000);

const SCRIPT = `
import json
import numpy as np
from sklearn.metrics import classification_report

cases = []
rng = np.random.default_rng(7)
names = ["very_negative", "negative", "neutral", "positive", "very_positive"]
for n, k in [(200, 5), (37, 3), (1000, 5), (9, 2)]:
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, k, n))
    cases.append((names[:k], y_true, y_pred))
# Precision 1/8 and 3/8, recall 5/8: exact binary ties at two digits.
cases.append((["a", "b"], np.array([0] * 8 + [1] * 8), np.array([0] * 5 + [1] * 3 + [0] * 3 + [1] * 5)))
cases.append((["x", "yy"], np.array([0, 0, 0, 0, 0, 0, 0, 1]), np.array([0, 1, 1, 1, 1, 1, 1, 1])))

out = []
for labels, y_true, y_pred in cases:
    kwargs = dict(labels=list(range(len(labels))), target_names=labels, zero_division=0)
    out.append({
        "labels": labels,
        "text": classification_report(y_true, y_pred, **kwargs),
        "numbers": classification_report(y_true, y_pred, output_dict=True, **kwargs),
    })
print(json.dumps(out))
`;

interface Case {
  labels: string[];
  text: string;
  numbers: Record<string, { precision: number; recall: number; 'f1-score': number; support: number } | number>;
}

test('classificationReportText reproduces scikit-learn', () => {
  const cases = JSON.parse(runPython(['-c', SCRIPT])) as Case[];
  expect(cases).toHaveLength(6);
  for (const c of cases) {
    const row = (key: string) => c.numbers[key] as { precision: number; recall: number; 'f1-score': number; support: number };
    const report: ClassificationReport = {
      classes: c.labels.map((label) => ({
        label,
        precision: row(label).precision,
        recall: row(label).recall,
        f1: row(label)['f1-score'],
        support: row(label).support,
      })),
      accuracy: c.numbers.accuracy as number,
      macro: {
        precision: row('macro avg').precision,
        recall: row('macro avg').recall,
        f1: row('macro avg')['f1-score'],
        support: row('macro avg').support,
      },
      weighted: {
        precision: row('weighted avg').precision,
        recall: row('weighted avg').recall,
        f1: row('weighted avg')['f1-score'],
        support: row('weighted avg').support,
      },
    };
    expect(formatClassificationReport(report)).toBe(c.text);
  }
});
