/**
 * The browser side of `mlspec export --web`: bundled with TensorFlow.js's WebAssembly backend into
 * mlspec-web.js, it fetches the exported model (model/pipeline.json and model/weights.bin), rebuilds
 * it with the same plugins and PredictionPipeline that `mlspec predict` uses, and classifies texts
 * entirely in the page. No DOM code here (index.html wires the page), so it compiles with the rest.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { parsePipelineDocument, type PipelineDocument } from '../core/model/pipeline-document';
import { PredictionPipeline, type PluginLookup } from '../core/model/prediction-pipeline';
import type { PluginDefinition, PluginKind } from '../core/plugin';
import chars from '../plugins/tokenizers/chars';
import words from '../plugins/tokenizers/words';
import counts from '../plugins/featurizers/counts';
import hashing from '../plugins/featurizers/hashing';
import indexSequence from '../plugins/featurizers/index-sequence';
import tfidf from '../plugins/featurizers/tfidf';
import gru from '../plugins/models/gru';
import logisticRegression from '../plugins/models/logistic-regression';
import lstm from '../plugins/models/lstm';
import simpleRnn from '../plugins/models/simple-rnn';

/** The plugins a page can run: every built-in tokenizer, featurizer and model. */
export const BROWSER_PLUGINS: readonly PluginDefinition[] = [
  chars,
  words,
  counts,
  hashing,
  indexSequence,
  tfidf,
  gru,
  logisticRegression,
  lstm,
  simpleRnn,
];

const lookup: PluginLookup = {
  find: (kind: PluginKind, name: string) => BROWSER_PLUGINS.find((p) => p.kind === kind && p.name === name),
};

export interface Classification {
  label: string;
  /** Class → probability, in the model's class order. */
  probabilities: Record<string, number>;
  milliseconds: number;
}

export interface Classifier {
  name: string;
  classes: readonly string[];
  backend: string;
  classify(text: string): Classification;
}

/** Loads the model exported beside the page (`base` is the page's folder URL). */
export async function loadClassifier(base: string): Promise<Classifier> {
  setWasmPaths(base);
  await tf.setBackend('wasm');
  await tf.ready();
  const [document, weights] = await Promise.all([
    fetch(`${base}model/pipeline.json`).then((r) => r.json() as Promise<PipelineDocument>),
    fetch(`${base}model/weights.bin`).then((r) => r.arrayBuffer()),
  ]);
  const pipeline = PredictionPipeline.fromSaved(parsePipelineDocument(document, new Uint8Array(weights)), lookup);
  return {
    name: pipeline.saved.name,
    classes: pipeline.classes,
    backend: tf.getBackend(),
    classify(text: string): Classification {
      const started = performance.now();
      const { labels, proba } = pipeline.predict([text]);
      const probabilities: Record<string, number> = {};
      pipeline.classes.forEach((c, i) => (probabilities[c] = proba[i]));
      return { label: pipeline.classes[labels[0]], probabilities, milliseconds: performance.now() - started };
    },
  };
}
