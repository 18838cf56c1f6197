/** The FittedPipeline a run or a sweep's refit hands to the model writers, from what they already know. */
import type { JsonValue } from '../plugin';
import { VERSION } from '../version';
import type { FittedPipeline } from './saved-model';

export interface FittedParts {
  /** The pipeline's name in the spec. */
  pipeline: string;
  fitted: { resolved: { [key: string]: JsonValue }; featurizer: JsonValue; model: JsonValue; example?: string };
  classes: string[];
  /** The resolved spec (its `data.text` names the input column). */
  spec: JsonValue;
  backend?: string;
  metrics?: Record<string, number>;
}

export function fittedPipeline(parts: FittedParts): FittedPipeline {
  const data = (parts.spec as { data?: { text?: unknown } } | null)?.data;
  return {
    name: parts.pipeline,
    resolved: parts.fitted.resolved,
    featurizer: parts.fitted.featurizer,
    model: parts.fitted.model,
    classes: parts.classes,
    textColumn: typeof data?.text === 'string' ? data.text : 'text',
    spec: parts.spec,
    mlspecVersion: VERSION,
    backend: parts.backend,
    example: parts.fitted.example,
    metrics: parts.metrics,
  };
}

/** The scores kept with a saved model. */
export function testMetrics(evaluation: { accuracy: number; macroF1: number; weightedF1: number }): Record<string, number> {
  return { test_accuracy: evaluation.accuracy, test_macro_f1: evaluation.macroF1, test_weighted_f1: evaluation.weightedF1 };
}
