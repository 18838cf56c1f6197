/**
 * The model plugin behind simple-rnn, lstm and gru: options in `create`, the network built and
 * trained in `fit` (by the shared training loop), probabilities in `predictProba`, and weights
 * plus architecture as JSON state.
 *
 * Dropout rule: the model's `dropout` option is the rate before the output layer; a `dropout`
 * regularizer in the pipeline, when present, replaces it (and the run log says so).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../../../core/backend';
import { InputError } from '../../../core/errors';
import type { Features, IndexSequences } from '../../../core/features';
import {
  definePlugin,
  type FitData,
  type FitSummary,
  type JsonValue,
  type Model,
  type PluginContext,
  type PluginDefinition,
} from '../../../core/plugin';
import { predictNetwork, trainNetwork } from '../../../core/train/loop';
import { resolveTrainingOptions } from '../../../core/train/options';
import { deriveSeed, Rng } from '../../../core/train/random';
import { collectRegularizers } from '../../../core/train/regularizer';
import type { CellType } from './cells';
import { initialWeights, RecurrentNetwork, type RecurrentArchitecture, type RecurrentShape } from './network';
import { recurrentOptionsSchema, type RecurrentModelOptions } from './options';
import { decodeWeights, encodeWeights } from './weights';

const STATE_FORMAT = 'mlspec.recurrent.v1';

interface RecurrentState {
  format: string;
  architecture: RecurrentArchitecture;
  shape: RecurrentShape;
  dropout: number;
  seed: number;
  weights: JsonValue;
}

export class RecurrentModel implements Model {
  private network: RecurrentNetwork | undefined;
  private seed = 0;

  constructor(
    readonly pluginName: string,
    readonly cell: CellType,
    readonly options: Readonly<RecurrentModelOptions>,
  ) {}

  private architecture(): RecurrentArchitecture {
    const { embeddingDim, units, layers, bidirectional, pooling, maskPadding } = this.options;
    return { cell: this.cell, embeddingDim, units, layers, bidirectional, pooling, maskPadding };
  }

  private sequences(x: Features, what: string): IndexSequences {
    if (x.kind !== 'sequences') {
      throw new InputError(
        'FEATURES_MISMATCH',
        `model ${this.pluginName} reads token-id sequences (featurizer index-sequence), but the ${what} features are a ${x.kind} matrix`,
      );
    }
    return x;
  }

  async fit(data: FitData, context: PluginContext): Promise<FitSummary> {
    const train = this.sequences(data.train.x, 'training');
    if (data.validation) this.sequences(data.validation.x, 'validation');
    if (data.curves) this.sequences(data.curves.x, 'curve');
    // The core validated `training:` once, with its defaults; without one (a model used in code) the defaults.
    const options = data.training ?? resolveTrainingOptions(undefined);
    const regularizers = collectRegularizers(data.regularizers);
    let dropout = this.options.dropout;
    if (regularizers.dropout) {
      if (regularizers.dropout.rate !== dropout)
        context.logger.info(`${this.pluginName}: dropout ${regularizers.dropout.rate} from the dropout regularizer replaces the model's ${dropout}`);
      dropout = regularizers.dropout.rate;
    }
    await tf.ready();
    this.dispose();
    this.seed = context.seed;
    const arch = this.architecture();
    const shape: RecurrentShape = { vocabSize: train.vocabSize, nClasses: data.nClasses };
    const weights = initialWeights(arch, shape, new Rng(deriveSeed(context.seed, this.pluginName, 'init')));
    this.network = new RecurrentNetwork(arch, shape, weights, dropout, deriveSeed(context.seed, this.pluginName, 'dropout'));
    const summary = await trainNetwork({
      network: this.network,
      data,
      options,
      regularizers,
      context,
      label: context.scope ?? this.pluginName,
    });
    return { ...summary, info: { ...summary.info, parameters: this.network.parameterCount(), dropout } };
  }

  predictProba(x: Features): Float64Array {
    if (!this.network) throw new Error(`model ${this.pluginName} is not fitted`);
    return predictNetwork(this.network, this.sequences(x, 'prediction'), this.network.shape.nClasses);
  }

  getState(): JsonValue {
    if (!this.network) throw new Error(`model ${this.pluginName} is not fitted`);
    const state: RecurrentState = {
      format: STATE_FORMAT,
      architecture: this.network.arch,
      shape: this.network.shape,
      dropout: this.network.dropoutRate,
      seed: this.seed,
      weights: encodeWeights(this.network.weights()),
    };
    return state as unknown as JsonValue;
  }

  setState(json: JsonValue): void {
    const state = json as unknown as RecurrentState;
    if (state?.format !== STATE_FORMAT) throw new Error(`model ${this.pluginName}: state format ${String(state?.format)} is not ${STATE_FORMAT}`);
    if (state.architecture.cell !== this.cell) throw new Error(`model ${this.pluginName}: the state is of a ${state.architecture.cell} network`);
    this.dispose();
    this.seed = state.seed;
    this.network = new RecurrentNetwork(
      state.architecture,
      state.shape,
      decodeWeights(state.weights),
      state.dropout,
      deriveSeed(state.seed, this.pluginName, 'dropout'),
    );
  }

  /** Free the network's tensors (they are also freed by the next fit or setState). */
  dispose(): void {
    this.network?.dispose();
    this.network = undefined;
  }
}

export function defineRecurrentModel(
  name: string,
  cell: CellType,
  cellName: string,
  description: string,
): PluginDefinition<RecurrentModelOptions, RecurrentModel> {
  return definePlugin<RecurrentModelOptions, RecurrentModel>({
    kind: 'model',
    name,
    description,
    optionsSchema: recurrentOptionsSchema(cellName),
    requiresBackend: true,
    consumes: ['sequences'],
    trainsInEpochs: true,
    create: (options) => new RecurrentModel(name, cell, options),
  });
}
