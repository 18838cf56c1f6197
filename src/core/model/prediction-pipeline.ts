/**
 * A saved pipeline rebuilt for inference: its plugins are created from their saved options and
 * given their learned state (`setState`), then texts go tokenizer ▶ featurizer.transform ▶
 * model.predictProba, exactly the calls the runner makes on the test rows after a fit. Nothing
 * here fits, reads a dataset or knows the spec; it runs in Node and, bundled, in the browser.
 */
import { InputError } from '../errors';
import type { Featurizer, JsonValue, Model, PluginContext, PluginDefinition, PluginKind, Tokenizer } from '../plugin';
import type { SavedPipeline } from './pipeline-document';

/** Finds a plugin by kind and `type`: a PluginRegistry, or the browser's short list. */
export interface PluginLookup {
  find(kind: PluginKind, name: string): PluginDefinition | undefined;
}

export interface Predictions {
  /** Index of each row's predicted class in `classes`. */
  labels: Int32Array;
  /** Row-major [rows × classes]. */
  proba: Float64Array;
}

const quietContext: PluginContext = {
  seed: 0,
  baseDir: '.',
  logger: { info() {}, warn() {}, debug() {} },
  log() {},
};

export class PredictionPipeline {
  private constructor(
    readonly saved: SavedPipeline,
    private readonly tokenizer: Tokenizer,
    private readonly featurizer: Featurizer,
    private readonly model: Model,
    /** The model computes with TensorFlow.js: a backend must be chosen before predicting. */
    readonly requiresBackend: boolean,
  ) {}

  get classes(): readonly string[] {
    return this.saved.classes;
  }

  get textColumn(): string {
    return this.saved.textColumn;
  }

  static fromSaved(saved: SavedPipeline, plugins: PluginLookup): PredictionPipeline {
    const create = <T>(kind: PluginKind, block: JsonValue | undefined): { instance: T; def: PluginDefinition } => {
      if (block === null || typeof block !== 'object' || Array.isArray(block) || typeof block.type !== 'string')
        throw new InputError('MODEL_INVALID', `the saved pipeline ${saved.name} has no ${kind} block`);
      const def = plugins.find(kind, block.type);
      if (!def)
        throw new InputError(
          'MODEL_PLUGIN_MISSING',
          `the saved pipeline ${saved.name} needs the ${kind} plugin "${block.type}", which is not installed here; install the plugin package the spec listed under plugins:`,
        );
      const { type: _type, ...options } = block;
      return { instance: def.create(options, quietContext) as T, def };
    };
    const tokenizer = create<Tokenizer>('tokenizer', saved.resolved.tokenizer).instance;
    const featurizer = create<Featurizer>('featurizer', saved.resolved.featurizer).instance;
    const model = create<Model>('model', saved.resolved.model);
    featurizer.setState(saved.featurizer);
    model.instance.setState(saved.model);
    return new PredictionPipeline(saved, tokenizer, featurizer, model.instance, model.def.requiresBackend === true);
  }

  /** Class probabilities and the most likely class of each text (ties go to the first class, as numpy's argmax). */
  predict(texts: readonly string[]): Predictions {
    const n = texts.length;
    const k = this.classes.length;
    if (n === 0) return { labels: new Int32Array(0), proba: new Float64Array(0) };
    const docs = texts.map((t) => this.tokenizer.tokenize(t));
    const proba = this.model.predictProba(this.featurizer.transform(docs));
    if (proba.length !== n * k) throw new Error(`the model gave ${proba.length} probabilities for ${n} texts and ${k} classes`);
    const labels = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[r * k + c] > proba[r * k + best]) best = c;
      labels[r] = best;
    }
    return { labels, proba };
  }

  dispose(): void {
    this.model.dispose?.();
  }
}
