/**
 * pipeline.json, the part of a saved model mlspec reads to predict, and its check. No Node
 * modules here: the browser page (export --web) reads models with this file too.
 */
import type { JsonValue } from '../plugin';
import { unpackState } from './tensor-pack';

export const MODEL_FORMAT = 'mlspec-model/1';

/** pipeline.json, as written. */
export interface PipelineDocument {
  format: typeof MODEL_FORMAT;
  mlspecVersion: string;
  name: string;
  backend?: string;
  textColumn: string;
  classes: string[];
  resolved: { [key: string]: JsonValue };
  featurizer: JsonValue;
  model: JsonValue;
  metrics?: Record<string, number>;
  createdAt: string;
}

/** A saved pipeline read back: the document with its learned state unpacked. */
export interface SavedPipeline extends PipelineDocument {
  /** The folder it was read from. */
  folder?: string;
}

/** Checks a pipeline document and unpacks its state (also used by the browser, which fetches the two files). */
export function parsePipelineDocument(document: PipelineDocument, weights: Uint8Array): SavedPipeline {
  if (document?.format !== MODEL_FORMAT) throw new Error(`format ${JSON.stringify(document?.format)}, expected ${MODEL_FORMAT}`);
  if (!Array.isArray(document.classes) || document.classes.length < 2) throw new Error('it lists fewer than two classes');
  if (typeof document.textColumn !== 'string') throw new Error('it names no text column');
  return {
    ...document,
    featurizer: unpackState(document.featurizer, weights),
    model: unpackState(document.model, weights),
  };
}
