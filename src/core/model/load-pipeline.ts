/** A model, wherever it is (see open-model.ts), ready to predict on this machine's TensorFlow.js backend. */
import { createContainer, services } from '../container';
import type { BackendChoice } from '../backend';
import type { Logger } from '../plugin';
import { openModel } from './open-model';
import { PredictionPipeline } from './prediction-pipeline';
import type { SavedPipeline } from './saved-model';

export type { BackendChoice } from '../backend';

export interface LoadPipelineOptions {
  /** Default `auto`: the fastest backend installed, as for training. */
  backend?: BackendChoice;
  trackingUri?: string;
  logger: Logger;
}

export async function loadPredictionPipeline(model: string, options: LoadPipelineOptions): Promise<PredictionPipeline> {
  return pipelineFromSaved(await openModel(model, options), options);
}

export async function pipelineFromSaved(saved: SavedPipeline, options: Omit<LoadPipelineOptions, 'trackingUri'>): Promise<PredictionPipeline> {
  const { registry } = services(createContainer({ logger: options.logger }));
  const modelType = (saved.resolved.model as { type?: string } | undefined)?.type ?? '';
  // The backend is chosen before the model's weights become tensors, so they live on it.
  if (registry.find('model', modelType)?.requiresBackend) {
    const { selectBackend } = await import('../backend');
    await selectBackend(options.backend ?? 'auto', options.logger);
  }
  return PredictionPipeline.fromSaved(saved, registry);
}
