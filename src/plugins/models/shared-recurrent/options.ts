/** Options shared by the simple-rnn, lstm and gru model plugins. */
import type { SchemaObject } from 'ajv';
import type { Pooling } from './network';

export interface RecurrentModelOptions {
  embeddingDim: number;
  units: number;
  layers: number;
  bidirectional: boolean;
  pooling: Pooling;
  maskPadding: boolean;
  dropout: number;
}

export function recurrentOptionsSchema(cellName: string): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      embeddingDim: { type: 'integer', minimum: 1, default: 64, description: 'Width of the token embedding (padding id 0 embeds to zeros).' },
      units: { type: 'integer', minimum: 1, default: 128, description: `Hidden units of each ${cellName} layer (per direction).` },
      layers: { type: 'integer', minimum: 1, default: 1, description: `Stacked ${cellName} layers; each one reads the previous one's states.` },
      bidirectional: {
        type: 'boolean',
        default: false,
        description: 'Also run each layer from the last token to the first and concatenate both directions.',
      },
      pooling: {
        type: 'string',
        enum: ['last', 'mean', 'max'],
        default: 'last',
        description:
          "How the states over time become one vector: 'last' = the state after the last step (the notebook: after the padding unless maskPadding), 'mean'/'max' = over the real tokens only.",
      },
      maskPadding: {
        type: 'boolean',
        default: false,
        description:
          "Carry the state unchanged through padding steps (like PyTorch packed sequences), so the last state is the one at each row's final token. false runs the cell over the padding, as the notebook does.",
      },
      dropout: {
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.5,
        description:
          'Dropout rate on the pooled vector before the output layer, in training only. A dropout regularizer in the pipeline replaces this value.',
      },
    },
  };
}
