/**
 * The spec's envelope: every key mlspec itself owns. Plugin blocks are only checked here for their
 * `type`; their options are checked in a second step against each plugin's own schema, so a user
 * sees "unknown option `ngram_range` (did you mean `ngramRange`?)" instead of a flood of oneOf noise.
 */
import type { SchemaObject } from 'ajv';
import type { PluginKind } from '../plugin';
import { sweepSchema } from '../plan/sweep-schema';

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** Where each plugin block sits in a spec, and which kind of plugin it names. */
export const PIPELINE_SLOTS: ReadonlyArray<{ key: 'tokenizer' | 'featurizer' | 'model'; kind: PluginKind }> = [
  { key: 'tokenizer', kind: 'tokenizer' },
  { key: 'featurizer', kind: 'featurizer' },
  { key: 'model', kind: 'model' },
];

export function pluginBlockSchema(kind: PluginKind): SchemaObject {
  return {
    type: 'object',
    description: `A ${kind} plugin: \`type\` names it (see \`mlspec plugins\`), the other keys are its options.`,
    required: ['type'],
    properties: { type: { type: 'string', description: `The ${kind} plugin to use.` } },
  };
}

/** The envelope schema; `training` is the schema of a pipeline's `training:` block. */
export function envelopeSchema(training: SchemaObject): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'data', 'pipelines'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'The experiment name (also the MLflow experiment unless tracking.experiment is set).' },
      description: { type: 'string', description: 'What the experiment is for; shown as the MLflow run note.' },
      seed: {
        type: 'integer',
        minimum: 0,
        maximum: 4294967295,
        default: 0,
        description: 'Drives every random choice: split, shuffling, initialisation, dropout.',
      },
      backend: {
        type: 'string',
        enum: [...BACKENDS],
        default: 'auto',
        description: 'TensorFlow.js backend for neural models; auto takes the fastest one installed.',
      },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description: 'Third-party plugins to load: npm package names or paths (relative to this file) of local modules.',
      },
      data: pluginBlockSchema('dataset'),
      split: { ...pluginBlockSchema('split'), default: { type: 'stratified-holdout', test: 0.2 } },
      pipelines: {
        type: 'object',
        minProperties: 1,
        description: 'The pipelines to train and compare, by name.',
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['tokenizer', 'featurizer', 'model'],
          properties: {
            description: { type: 'string', description: 'A label for this pipeline in tables and plots.' },
            tokenizer: pluginBlockSchema('tokenizer'),
            featurizer: pluginBlockSchema('featurizer'),
            model: pluginBlockSchema('model'),
            regularizers: {
              type: 'array',
              items: pluginBlockSchema('regularizer'),
              default: [],
              description: 'Regularizers applied while the model trains.',
            },
            training,
          },
        },
      },
      tracking: {
        type: 'object',
        additionalProperties: false,
        description:
          'Where runs are logged: an MLflow tracking server (http(s)://), a SQLite database (sqlite:///mlflow.db) or a file store (a path).',
        properties: {
          uri: {
            type: 'string',
            minLength: 1,
            description:
              'MLFLOW_TRACKING_URI and --tracking-uri take precedence. Default sqlite:///mlflow.db in the working folder (./mlruns where that folder already holds file-store runs and no mlflow.db).',
          },
          experiment: { type: 'string', minLength: 1, description: 'MLflow experiment name (default: the spec name); created if missing.' },
          enabled: { type: 'boolean', default: true, description: 'Set false to log nothing.' },
        },
      },
      register: {
        description:
          'Register the fitted model in the MLflow Model Registry as a new version of this registered model: a sweep registers its refit best candidate; a run the pipeline named (needed when there are several). --register NAME overrides the name.',
        oneOf: [
          { type: 'string', minLength: 1, maxLength: 256 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 256, description: 'The registered model.' },
              pipeline: { type: 'string', minLength: 1, description: 'Which pipeline of a run to register (not for sweeps).' },
              alias: {
                type: 'string',
                pattern: '^[A-Za-z0-9_-]+$',
                description: 'An alias (e.g. champion) set on the new version: models:/NAME@alias.',
              },
            },
          },
        ],
      },
      sweep: sweepSchema,
    },
  };
}
