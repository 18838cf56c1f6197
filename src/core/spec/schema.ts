/**
 * The experiment JSON Schema for editors (yaml-language-server): the envelope with every plugin
 * block expanded to the registered plugins' own option schemas, so editors complete `type` names
 * and each plugin's options. Committed as schemas/experiment.schema.json; a test fails when stale.
 */
import type { SchemaObject } from 'ajv';
import type { PluginKind } from '../plugin';
import type { PluginRegistry } from '../registry';
import { envelopeSchema } from './envelope';

export function pluginBlockForEditors(registry: PluginRegistry, kind: PluginKind): SchemaObject {
  const plugins = registry.list(kind);
  if (!plugins.length)
    return { type: 'object', required: ['type'], properties: { type: { type: 'string', description: `The ${kind} plugin to use.` } } };
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: plugins.map((p) => p.name), description: `The ${kind} plugin to use.` } },
    allOf: plugins.map((p) => ({
      if: { properties: { type: { const: p.name } } },
      then: {
        description: p.description,
        ...p.optionsSchema,
        properties: { type: { const: p.name, description: p.description }, ...(p.optionsSchema.properties ?? {}) },
      },
    })),
  };
}

export function generateExperimentSchema(registry: PluginRegistry, trainingSchema: SchemaObject): SchemaObject {
  const schema = envelopeSchema(trainingSchema);
  const props = schema.properties;
  props.data = { ...pluginBlockForEditors(registry, 'dataset'), description: props.data.description };
  props.split = { ...pluginBlockForEditors(registry, 'split'), default: props.split.default, description: props.split.description };
  const pipeline = props.pipelines.additionalProperties;
  for (const [key, kind] of [
    ['tokenizer', 'tokenizer'],
    ['featurizer', 'featurizer'],
    ['model', 'model'],
  ] as const) {
    pipeline.properties[key] = pluginBlockForEditors(registry, kind);
  }
  pipeline.properties.regularizers = { ...pipeline.properties.regularizers, items: pluginBlockForEditors(registry, 'regularizer') };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://mlspec.dev/schemas/experiment.schema.json',
    title: 'mlspec experiment',
    description: 'An mlspec experiment: data, split, pipelines to compare, and where runs are tracked.',
    ...schema,
  };
}
