/**
 * The plots of a run, as files: the dataset panels (the notebook's Part 1), a confusion-matrix
 * heatmap per pipeline, and — when pipelines train in epochs — the notebook's training curves,
 * final-accuracy bars and train–test gap. Written beside the report and logged to MLflow.
 */
import type { LoadedData } from '../plugin';
import { renderConfusionHeatmap, renderDatasetPanels, renderFinalAccuracyBars, renderNotebookComparison, type ModelCurves } from '../plots';
import type { RunArtifact, RunReport } from './types';

export async function renderRunPlots(report: RunReport, data: LoadedData): Promise<RunArtifact[]> {
  const files: RunArtifact[] = [];
  const topics = data.columns.Topic;
  const dataset = await renderDatasetPanels({ classes: data.classes, labels: data.labels, texts: data.texts, textLengths: data.textLengths, topics });
  files.push({ path: 'plots/dataset.png', bytes: dataset.png });

  const fold = report.folds[0];
  const suffix = report.folds.length > 1 ? ' (fold 1)' : '';
  for (const p of fold.pipelines) {
    const heatmap = await renderConfusionHeatmap(p.evaluation.confusion, report.dataset.classes, `${p.name}: confusion matrix${suffix}`);
    files.push({ path: `plots/confusion-${p.name}.png`, bytes: heatmap.png });
  }

  // Pipelines that train in epochs get the notebook's comparison; the others are baselines drawn as lines.
  const trained = fold.pipelines.filter((p) => (p.epochs?.length ?? 0) > 0);
  const label = (name: string) => fold.pipelines.find((p) => p.name === name)?.resolved.description ?? name;
  if (trained.length) {
    const models: ModelCurves[] = trained.map((p) => ({ name: String(label(p.name)), epochs: p.epochs!, finalAccuracy: p.evaluation.accuracy }));
    const baseline = fold.pipelines.find((p) => !p.epochs?.length);
    if (baseline) {
      const comparison = await renderNotebookComparison(models, baseline.evaluation.accuracy, { baselineLabel: String(label(baseline.name)) });
      files.push({ path: 'plots/training-comparison.png', bytes: comparison.png });
    }
  }
  const bars = await renderFinalAccuracyBars(
    fold.pipelines.map((p) => ({ name: String(label(p.name)), accuracy: p.evaluation.accuracy, baseline: !p.epochs?.length && trained.length > 0 })),
  );
  files.push({ path: 'plots/final-accuracy.png', bytes: bars.png });
  return files;
}
