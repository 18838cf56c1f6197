/**
 * Runs a validated spec: dataset ▶ split ▶ for each fold and pipeline: tokenizer ▶ featurizer ▶
 * model ▶ metrics. Results go out as RunListener events and come back as a RunReport; the runner
 * never knows where they end up (console, JSON, MLflow).
 */
import { performance } from 'node:perf_hooks';
import { InputError, MlspecError } from '../errors';
import { selectRows, type Features } from '../features';
import { selectDocs, toStringDocs, TokenizedDocsBuilder, type TokenizedDocs } from '../tokenized-docs';
import type {
  Dataset,
  Featurizer,
  FitData,
  FitSummary,
  Fold,
  JsonValue,
  LoadedData,
  Logger,
  Model,
  PluginContext,
  PluginKind,
  Splitter,
  Tokenizer,
} from '../plugin';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import { offsetOf, problemAt, type PathSegment } from '../spec/source';
import { SpecErrors } from '../errors';
import type { PipelineSpec, PluginBlock } from '../spec/validate';
import { createPlugin, pluginFailure, pluginStep } from '../spec/create-plugin';
import { evaluate } from './metrics';
import { codePointLength, whitespaceWordCount } from './text-stats';
import type { DatasetSummary, FoldReport, PipelineFinishedInfo, PipelineResult, RunArtifact, RunListener, RunReport } from './types';

/** Several listeners as one, called in order. */
export class ListenerChain {
  constructor(private readonly listeners: readonly RunListener[]) {}

  async emit<K extends keyof RunListener>(event: K, arg: Parameters<NonNullable<RunListener[K]>>[0]): Promise<void> {
    for (const l of this.listeners) {
      const handler = l[event] as ((a: typeof arg) => unknown) | undefined;
      if (handler) await handler.call(l, arg);
    }
  }
}

export interface FitPipelineOptions {
  /** Hear the pipeline's `metric` events (with `fold` as their fold). */
  listeners?: readonly RunListener[];
  /** The fold's index and the number of folds, for events and progress labels; default 0 of 1. */
  fold?: number;
  folds?: number;
  /** Tokenized texts to share between calls on the same data; a fresh cache when absent. */
  tokens?: TokenCache;
  /** No later call reads this pipeline's tokenized texts from `tokens`: they are released once featurized. */
  lastUseOfTokens?: boolean;
  /** The saved model's input example (a text of the fold's test rows), taken before the texts are released. */
  example?: string;
  /** Score the evaluation rows after every epoch (FitData.curves); default: the pipeline's `training.curves`. */
  scoreEveryEpoch?: boolean;
  /** Hears every metric synchronously as the model logs it; an error it throws ends the fit. */
  onMetric?: (key: string, value: number, step?: number) => void;
}

/** One pipeline fitted and scored: its result, its learned state and its class probabilities on the evaluation rows. */
export interface PipelineFit {
  result: PipelineResult;
  fitted: NonNullable<PipelineFinishedInfo['fitted']>;
  /** Row-major [evaluation rows × classes]. */
  proba: Float64Array;
}

export interface RunOutcome {
  report: RunReport;
  /** Plots, by path relative to the report's folder. */
  files: RunArtifact[];
}

export class ExperimentRunner {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly logger: Logger,
    /** Render plots after the run (off in tests that do not look at them). */
    private readonly plots = true,
  ) {}

  /**
   * Run the spec. Listeners hear every step; when the run fails after it started, they hear
   * `runFailed` (so no tracked run is left RUNNING) and the error is rethrown.
   */
  async run(loaded: LoadedSpec, listeners: readonly RunListener[] = [], prepared?: { data: LoadedData; folds: Fold[] }): Promise<RunOutcome> {
    const events = new ListenerChain(listeners);
    let started = false;
    try {
      return await this.runSteps(loaded, events, () => (started = true), prepared);
    } catch (error) {
      if (started) await events.emit('runFailed', { error: error as Error, killed: false });
      throw error;
    }
  }

  /** `prepared`: the data and folds the preflight checks already made (run/preflight.ts), not made again. */
  private async runSteps(
    loaded: LoadedSpec,
    events: ListenerChain,
    markStarted: () => void,
    prepared?: { data: LoadedData; folds: Fold[] },
  ): Promise<RunOutcome> {
    const { spec } = loaded;
    const startedAt = new Date().toISOString();

    const noLog = () => {};
    let data: LoadedData;
    let folds: Fold[];
    if (prepared) ({ data, folds } = prepared);
    else {
      const dataset = this.create<Dataset>(loaded, 'dataset', ['data'], spec.data, noLog);
      data = await this.stepAsync(loaded, 'dataset', ['data'], spec.data, 'load', () => dataset.load());
      folds = this.makeFolds(loaded, data);
    }
    const summary = summarize(data);
    const backend = await this.chooseBackend(loaded);

    markStarted();
    await events.emit('runStarted', {
      name: spec.name,
      description: spec.description,
      specFile: loaded.file,
      specText: loaded.text,
      resolvedSpec: spec as unknown as JsonValue,
      seed: spec.seed,
      backend,
    });
    await events.emit('dataLoaded', summary);

    // The texts are released (data.texts emptied) once every tokenizer has read them, when the
    // dataset counted their lengths for the plot; a tokenizer's output after its last use.
    const keys = Object.values(spec.pipelines).map(tokenizerKey);
    const releaseTexts = data.textLengths ? { expectedKeys: new Set(keys), release: () => (data.texts.length = 0) } : undefined;
    // Each fold's input example for its saved models, kept before the texts may be released.
    const examples = folds.map((fold) => data.texts[fold.test[0]]);
    const tokenized = new TokenCache(data.texts, data.rowNumbers, releaseTexts);
    const lastPipelineOf = new Map<string, string>();
    for (const [name, pipeline] of Object.entries(spec.pipelines)) lastPipelineOf.set(tokenizerKey(pipeline), name);
    const foldReports: FoldReport[] = [];
    for (let f = 0; f < folds.length; f++) {
      const fold = folds[f];
      const pipelines: PipelineResult[] = [];
      for (const [name, pipeline] of Object.entries(spec.pipelines)) {
        const resolved = resolvedPipeline(pipeline);
        await events.emit('pipelineStarted', { pipeline: name, fold: f, folds: folds.length, resolved });
        try {
          const lastUseOfTokens = f === folds.length - 1 && lastPipelineOf.get(tokenizerKey(pipeline)) === name;
          const { result, fitted } = await this.runPipeline(loaded, name, data, fold, events, {
            tokens: tokenized,
            fold: f,
            folds: folds.length,
            lastUseOfTokens,
            example: examples[f],
          });
          pipelines.push(result);
          await events.emit('pipelineFinished', {
            pipeline: name,
            fold: f,
            result,
            fitted,
            trainRows: fold.train.map((i) => data.rowNumbers[i]),
            testRows: fold.test.map((i) => data.rowNumbers[i]),
          });
        } catch (error) {
          await events.emit('pipelineFailed', { pipeline: name, fold: f, error: error as Error });
          throw error;
        }
      }
      foldReports.push({ fold: f, train: fold.train.map((i) => data.rowNumbers[i]), test: fold.test.map((i) => data.rowNumbers[i]), pipelines });
    }

    const body: Omit<RunReport, 'artifacts' | 'finishedAt'> = {
      name: spec.name,
      description: spec.description,
      specFile: loaded.file,
      seed: spec.seed,
      dataset: summary,
      split: { type: spec.split.type, train: foldReports[0].train, test: foldReports[0].test },
      folds: foldReports,
      startedAt,
    };
    // Vega is loaded only when a run draws plots: `validate`, `plan` and `plugins` start faster.
    const files = this.plots ? await (await import('./run-plots')).renderRunPlots({ ...body, artifacts: [], finishedAt: '' }, data) : [];
    await events.emit('artifacts', files);
    const report: RunReport = { ...body, artifacts: files.map((f) => f.path), finishedAt: new Date().toISOString() };
    await events.emit('runFinished', report);
    return { report, files };
  }

  /** The spec's TensorFlow.js backend, chosen once when a pipeline's model computes with one. */
  private async chooseBackend(loaded: LoadedSpec): Promise<string | undefined> {
    const needed = Object.values(loaded.spec.pipelines).some((p) => this.registry.get('model', p.model.type).requiresBackend);
    if (!needed) return undefined;
    try {
      // Loaded only here: runs without neural models never pay for TensorFlow.js.
      const { selectBackend } = await import('../backend');
      const name = await selectBackend(loaded.spec.backend, this.logger);
      return name;
    } catch (error) {
      if (error instanceof InputError) throw this.located(loaded, ['backend'], error);
      throw error;
    }
  }

  private makeFolds(loaded: LoadedSpec, data: LoadedData): Fold[] {
    const splitter = this.create<Splitter>(loaded, 'split', ['split'], loaded.spec.split, () => {});
    const folds = this.step(loaded, 'split', ['split'], loaded.spec.split, 'split', () =>
      splitter.split(data.labels, data.classes.length, data.classes),
    );
    folds.forEach((fold, i) => {
      const which = folds.length > 1 ? ` (fold ${i + 1} of ${folds.length})` : '';
      if (fold.train.length === 0 || fold.test.length === 0) {
        const empty = fold.train.length === 0 ? 'training' : 'test';
        throw this.located(
          loaded,
          ['split'],
          new InputError('SPLIT_EMPTY', `the split leaves the ${empty} set empty${which}; use a test fraction between 0 and 1 or more data rows`),
        );
      }
    });
    return folds;
  }

  /**
   * Fit one pipeline of the spec on `fold.train` (positions into `data`) and score it on
   * `fold.test`: what `run` does for each pipeline and fold, for callers that choose the rows
   * themselves (sweeps: cross-validation folds of the training rows, a refit on all of them).
   * Listeners hear the pipeline's `metric` events; nothing else is emitted.
   */
  async fitPipeline(loaded: LoadedSpec, name: string, data: LoadedData, fold: Fold, options: FitPipelineOptions = {}): Promise<PipelineFit> {
    return this.runPipeline(loaded, name, data, fold, new ListenerChain(options.listeners ?? []), options);
  }

  private async runPipeline(
    loaded: LoadedSpec,
    name: string,
    data: LoadedData,
    fold: Fold,
    events: ListenerChain,
    options: FitPipelineOptions,
  ): Promise<PipelineFit> {
    const pipeline = loaded.spec.pipelines[name];
    if (!pipeline) throw new Error(`the spec has no pipeline "${name}"`);
    const tokens = options.tokens ?? new TokenCache(data.texts, data.rowNumbers);
    const foldIndex = options.fold ?? 0;
    const foldCount = options.folds ?? 1;
    const base: PathSegment[] = ['pipelines', name];
    const pending: Promise<void>[] = [];
    const log = (key: string, value: number, step?: number) => {
      options.onMetric?.(key, value, step);
      pending.push(events.emit('metric', { pipeline: name, fold: foldIndex, key, value, step }));
    };
    const { featurizer, xTrain, xTest, featurizeSeconds } = this.featurizeRows(
      loaded,
      name,
      fold,
      tokens,
      log,
      // A cache made for this call alone is not read again.
      options.lastUseOfTokens === true || !options.tokens,
    );

    const regularizers = pipeline.regularizers.map((block, i) =>
      this.create<unknown>(loaded, 'regularizer', [...base, 'regularizers', i], block, log),
    );
    const model = this.create<Model>(loaded, 'model', [...base, 'model'], pipeline.model, log);
    const yTrain = Int32Array.from(fold.train, (i) => data.labels[i]);
    const yTest = Int32Array.from(fold.test, (i) => data.labels[i]);
    const fitData: FitData = { train: { x: xTrain, y: yTrain }, nClasses: data.classes.length, training: pipeline.training, regularizers };
    this.addValidationRows(loaded, fitData, pipeline, xTrain, yTrain);
    if (options.scoreEveryEpoch ?? pipeline.training?.curves === true) fitData.curves = { x: xTest, y: yTest };

    const fitStart = performance.now();
    const context = this.context(loaded, log, foldCount > 1 ? `${name} (fold ${foldIndex + 1}/${foldCount})` : name);
    let summary: FitSummary;
    let fitSeconds: number;
    let proba: Float64Array;
    let learnedModel: JsonValue;
    try {
      summary = await this.stepAsync(loaded, 'model', [...base, 'model'], pipeline.model, 'fit', () => model.fit(fitData, context));
      fitSeconds = (performance.now() - fitStart) / 1000;
      proba = this.step(loaded, 'model', [...base, 'model'], pipeline.model, 'predict', () => model.predictProba(xTest));
      learnedModel = model.getState();
    } finally {
      // Also when the fit fails or is stopped: a process that fits many pipelines must not keep their tensors.
      model.dispose?.();
    }
    const predictions = argmaxRows(proba, data.classes.length);
    await Promise.all(pending);

    const resolved = resolvedPipeline(pipeline);
    const fitted = { resolved, featurizer: featurizer.getState(), model: learnedModel, example: options.example ?? data.texts[fold.test[0]] };
    const result: PipelineResult = {
      name,
      resolved,
      featurizer: featurizer.summary(),
      evaluation: evaluate(yTest, predictions, data.classes),
      predictions: Array.from(predictions),
      fitSeconds,
      featurizeSeconds,
      epochs: summary.epochs,
      info: summary.info,
    };
    return { result, fitted, proba };
  }

  /**
   * Tokenizes one pipeline's rows (or takes them from `tokens`) and featurizes them. A method of
   * its own so that the tokens are not held by runPipeline's frame while the model trains: only
   * the features are.
   */
  private featurizeRows(
    loaded: LoadedSpec,
    name: string,
    fold: Fold,
    tokens: TokenCache,
    log: PluginContext['log'],
    lastUseOfTokens: boolean,
  ): { featurizer: Featurizer; xTrain: Features; xTest: Features; featurizeSeconds: number } {
    const pipeline = loaded.spec.pipelines[name];
    const base: PathSegment[] = ['pipelines', name];
    const tokenizer = this.create<Tokenizer>(loaded, 'tokenizer', [...base, 'tokenizer'], pipeline.tokenizer, log);
    const key = tokenizerKey(pipeline);
    const docs = this.step(loaded, 'tokenizer', [...base, 'tokenizer'], pipeline.tokenizer, 'tokenize', () =>
      tokens.get(key, (t) => tokenizer.tokenize(t)),
    );

    const featurizeStart = performance.now();
    const featurizer = this.create<Featurizer>(loaded, 'featurizer', [...base, 'featurizer'], pipeline.featurizer, log);
    const trainDocs = selectDocs(docs, fold.train);
    const [xTrain, xTest] = this.step(loaded, 'featurizer', [...base, 'featurizer'], pipeline.featurizer, 'fit/transform', () =>
      featurize(featurizer, featurizer.fitOn === 'all' ? docs : trainDocs, [trainDocs, selectDocs(docs, fold.test)]),
    );
    if (lastUseOfTokens) tokens.release(key);
    const featurizeSeconds = (performance.now() - featurizeStart) / 1000;
    return { featurizer, xTrain, xTest, featurizeSeconds };
  }

  /** A stratified validation set carved from the training rows when `training.validation` asks for one. */
  private addValidationRows(loaded: LoadedSpec, fitData: FitData, pipeline: PipelineSpec, xTrain: Features, yTrain: Int32Array): void {
    const fraction = pipeline.training?.validation;
    if (typeof fraction !== 'number' || fraction <= 0) return;
    const splitter = this.registry.get('split', 'stratified-holdout').create(
      { test: fraction, seed: loaded.spec.seed },
      this.context(loaded, () => {}),
    ) as Splitter;
    const [carve] = splitter.split(Array.from(yTrain), fitData.nClasses);
    fitData.validation = { x: selectRows(xTrain, carve.test), y: Int32Array.from(carve.test, (i) => yTrain[i]) };
    fitData.train = { x: selectRows(xTrain, carve.train), y: Int32Array.from(carve.train, (i) => yTrain[i]) };
  }

  private context(loaded: LoadedSpec, log: PluginContext['log'], scope?: string): PluginContext {
    return { seed: loaded.spec.seed, baseDir: loaded.baseDir, logger: this.logger, log, scope };
  }

  private create<T>(loaded: LoadedSpec, kind: PluginKind, path: PathSegment[], block: PluginBlock, log: PluginContext['log']): T {
    return createPlugin<T>(this.registry, loaded.source, { kind, path, block }, this.context(loaded, log));
  }

  /** Run one plugin step; bad input it reports is located at its block (or option) in the spec. */
  private step<T>(loaded: LoadedSpec, kind: PluginKind, path: PathSegment[], block: PluginBlock, phase: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw pluginFailure(loaded.source, { kind, path, block }, phase, error);
    }
  }

  private async stepAsync<T>(
    loaded: LoadedSpec,
    kind: PluginKind,
    path: PathSegment[],
    block: PluginBlock,
    phase: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    return pluginStep(loaded.source, { kind, path, block }, phase, fn);
  }

  private located(loaded: LoadedSpec, path: PathSegment[], error: InputError, prefix = ''): SpecErrors {
    const problem = problemAt(loaded.source, offsetOf(loaded.source, path), error.code, `${prefix}${error.message}`);
    return new SpecErrors([problem]);
  }
}

/**
 * Tokenized texts, shared by pipelines whose tokenizer blocks are identical, held as token ids
 * (core/tokenized-docs.ts). A run that knows its tokenizers (`expectedKeys`) lets go of the texts
 * once each has read them, and of a tokenizer's output after its last use (`release`).
 */
export class TokenCache {
  private readonly cache = new Map<string, TokenizedDocs>();
  private readonly tokenizedKeys = new Set<string>();

  constructor(
    /** With `textsDone`, emptied row by row as the last expected tokenizer reads them. */
    private texts: string[],
    /** Each text's 0-based data row in the file, to name the row a tokenizer fails on. */
    private readonly rowNumbers?: readonly number[],
    private readonly textsDone?: { expectedKeys: ReadonlySet<string>; release: () => void },
  ) {}

  get(key: string, tokenize: (text: string) => string[]): TokenizedDocs {
    let docs = this.cache.get(key);
    if (!docs) {
      if (this.tokenizedKeys.has(key)) throw new Error(`the tokens of ${key} were released before their last use`);
      const texts = this.texts;
      const tokenizeRow = (i: number): string[] => {
        try {
          return tokenize(texts[i]);
        } catch (error) {
          throw this.rowError(i, error);
        }
      };
      const builder = new TokenizedDocsBuilder(texts.length, estimatedTokens(texts, tokenize));
      // The last tokenizer to read the texts lets go of each one as it goes, so the texts and their
      // token ids are never both held whole.
      const lastRead = this.textsDone !== undefined && [...this.textsDone.expectedKeys].every((k) => k === key || this.tokenizedKeys.has(k));
      for (let i = 0; i < texts.length; i++) {
        builder.add(tokenizeRow(i));
        if (lastRead) texts[i] = '';
      }
      docs = builder.finish();
      this.cache.set(key, docs);
      this.tokenizedKeys.add(key);
      if (this.textsDone && [...this.textsDone.expectedKeys].every((k) => this.tokenizedKeys.has(k))) {
        this.texts = [];
        this.textsDone.release();
      }
    }
    return docs;
  }

  /** Forgets a tokenizer's output: no later pipeline reads it. */
  release(key: string): void {
    this.cache.delete(key);
  }

  /** A tokenizer that fails on one text (a custom pattern that overflows on a huge cell) is bad input at that row. */
  private rowError(i: number, error: unknown): unknown {
    if (error instanceof MlspecError) return error;
    const row = this.rowNumbers ? `data row ${this.rowNumbers[i]}` : `text ${i}`;
    const length = this.texts[i].length.toLocaleString('en-US');
    return new InputError(
      'TOKENIZE_FAILED',
      `${row} (${length} characters) cannot be tokenized: ${(error as Error).message}; shorten or remove that cell, or use a simpler token pattern`,
    );
  }
}

/**
 * About how many tokens the texts make, from tokens per UTF-16 unit on a sample of them: the token
 * buffer of a large corpus is then allocated once, at its size, rather than grown by copying.
 */
function estimatedTokens(texts: readonly string[], tokenize: (text: string) => string[]): number {
  const sample = Math.min(texts.length, 2000);
  let sampleUnits = 0;
  let sampleTokens = 0;
  for (let k = 0; k < sample; k++) {
    const i = Math.floor((k * texts.length) / sample);
    try {
      sampleTokens += tokenize(texts[i]).length;
      sampleUnits += texts[i].length;
    } catch {
      // Reported, at the first row that fails, by the pass that follows.
    }
  }
  let units = 0;
  for (let i = 0; i < texts.length; i++) units += texts[i].length;
  return Math.ceil((units * sampleTokens * 1.05) / Math.max(sampleUnits, 1)) + 1024;
}

/** The key pipelines share tokenized texts under: their tokenizer block. */
export function tokenizerKey(pipeline: PipelineSpec): string {
  return JSON.stringify(pipeline.tokenizer);
}

/** Fits the featurizer on `fitDocs` and transforms each of `transformed`, on token ids when it reads them. */
function featurize(featurizer: Featurizer, fitDocs: TokenizedDocs, transformed: TokenizedDocs[]): Features[] {
  if (featurizer.fitTokenized && featurizer.transformTokenized) {
    featurizer.fitTokenized(fitDocs);
    return transformed.map((docs) => featurizer.transformTokenized!(docs));
  }
  featurizer.fit(toStringDocs(fitDocs));
  return transformed.map((docs) => featurizer.transform(toStringDocs(docs)));
}

function resolvedPipeline(pipeline: PipelineSpec): { [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify(pipeline)) as { [key: string]: JsonValue };
}

export function argmaxRows(proba: Float64Array, nClasses: number): Int32Array {
  const rows = proba.length / nClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (proba[r * nClasses + c] > proba[r * nClasses + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function summarize(data: LoadedData): DatasetSummary {
  const classCounts: Record<string, number> = Object.fromEntries(data.classes.map((c) => [c, 0]));
  data.labels.forEach((l) => classCounts[data.classes[l]]++);
  const n = data.texts.length;
  return {
    source: data.source,
    rows: data.totalRows,
    keptRows: n,
    classes: data.classes,
    classCounts,
    meanChars: (data.textStats?.codePoints ?? data.texts.reduce((s, t) => s + codePointLength(t), 0)) / n,
    meanWords: (data.textStats?.words ?? data.texts.reduce((s, t) => s + whitespaceWordCount(t), 0)) / n,
    digest: data.digest,
  };
}
