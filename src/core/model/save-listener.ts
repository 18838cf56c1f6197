/**
 * `mlspec run --save-model DIR`: every fitted pipeline saved as a model folder, tracking or not:
 * DIR/<pipeline> (DIR/<pipeline>/fold-<k> when the split has several folds). A sweep saves its
 * refit as DIR/<pipeline>.
 */
import * as path from 'path';
import type { JsonValue } from '../plugin';
import type { DatasetSummary, PipelineFinishedInfo, RunListener, RunStartedInfo } from '../run/types';
import { fittedPipeline, testMetrics } from './fitted';
import { modelFiles, writeModelFolder, type FittedPipeline } from './saved-model';

export class SaveModelListener implements RunListener {
  private spec: JsonValue = null;
  private backend?: string;
  private classes: string[] = [];
  private folds = 1;
  /** The folders written, in order. */
  readonly saved: string[] = [];

  constructor(private readonly dir: string) {}

  runStarted(info: RunStartedInfo): void {
    this.spec = info.resolvedSpec;
    this.backend = info.backend;
  }

  dataLoaded(summary: DatasetSummary): void {
    this.classes = summary.classes;
  }

  pipelineStarted(info: { folds: number }): void {
    this.folds = info.folds;
  }

  pipelineFinished(info: PipelineFinishedInfo): void {
    if (!info.fitted) return;
    const fit = fittedPipeline({
      pipeline: info.pipeline,
      fitted: info.fitted,
      classes: this.classes,
      spec: this.spec,
      backend: this.backend,
      metrics: testMetrics(info.result.evaluation),
    });
    this.save(fit, this.folds > 1 ? path.join(info.pipeline, `fold-${info.fold}`) : info.pipeline);
  }

  save(fit: FittedPipeline, relative: string): string {
    const folder = path.join(this.dir, relative);
    writeModelFolder(folder, modelFiles(fit));
    this.saved.push(folder);
    return folder;
  }
}
