/**
 * Logs a fitted pipeline to MLflow as a model: an MLflow 3 logged model where the store keeps them
 * (SQLite, a server), the run's `model/` artifacts otherwise (the file store, or a server that went
 * away mid-run, whose records are spooled). Either way `runs:/<run id>/model` finds it.
 */
import type { Logger } from '../plugin';
import { pipelineHyperparameters } from '../tracking/mlflow-listener';
import { currentUser } from '../tracking/records';
import type { RunHandle, Tracker } from '../tracking/tracker';
import { modelStoreFor, type LoggedModelRef } from './model-store';
import { modelFiles, type FittedPipeline } from './saved-model';

export const MODEL_ARTIFACT_PATH = 'model';

export interface LoggedModelResult {
  /** `models:/m-…` for a logged model, `runs:/<id>/model` otherwise. */
  uri: string;
  model?: LoggedModelRef;
}

export async function logModel(tracker: Tracker, run: RunHandle, fit: FittedPipeline, logger: Logger): Promise<LoggedModelResult> {
  const store = modelStoreFor(tracker);
  const offline = tracker.spoolInfo().some((s) => s.runId === run.runId) || run.runId.startsWith('local-');
  if (store.loggedModels && !offline) {
    try {
      const model = await store.createLoggedModel({
        experimentId: run.experimentId,
        runId: run.runId,
        name: MODEL_ARTIFACT_PATH,
        modelType: String((fit.resolved.model as { type?: string } | undefined)?.type ?? 'mlspec'),
        params: pipelineHyperparameters(fit.resolved).params,
        tags: { 'mlflow.user': currentUser(), 'mlflow.source.type': 'LOCAL', 'mlspec.pipeline': fit.name, 'mlspec.version': fit.mlspecVersion },
      });
      await store.writeModelFiles(model, modelFiles(fit, { runId: run.runId, modelId: model.modelId, artifactPath: model.artifactLocation }));
      await store.finalizeLoggedModel(model, run.runId);
      return { uri: `models:/${model.modelId}`, model };
    } catch (error) {
      // The run's artifacts still hold the model: `runs:/<id>/model` finds it there.
      logger.warn(
        `MLflow: could not log ${fit.name} as a logged model (${(error as Error).message}); it is kept in the run's ${MODEL_ARTIFACT_PATH}/ artifacts`,
      );
    }
  }
  for (const file of modelFiles(fit, { runId: run.runId, artifactPath: MODEL_ARTIFACT_PATH })) {
    await run.logArtifact({ bytes: file.bytes }, `${MODEL_ARTIFACT_PATH}/${file.path}`);
  }
  return { uri: `runs:/${run.runId}/${MODEL_ARTIFACT_PATH}` };
}
