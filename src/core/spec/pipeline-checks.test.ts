/**
 * The checks between a pipeline's blocks, from what plugins declare: tested through the validator
 * with small made-up plugins, so what is checked is the declarations, not the built-ins.
 */
import { InputError } from '../errors';
import { definePlugin, type PluginDefinition } from '../plugin';
import { PluginRegistry } from '../registry';
import { trainingOptionsSchema } from '../train/options';
import { parseSpecSource } from './source';
import { SpecValidator } from './validate';

const object = (properties: Record<string, object> = {}) => ({ type: 'object', additionalProperties: false, properties });

const plugins: PluginDefinition[] = [
  definePlugin({ kind: 'dataset', name: 'rows', description: 'rows for tests', optionsSchema: object(), create: () => ({}) }),
  definePlugin({ kind: 'split', name: 'half', description: 'a split for tests', optionsSchema: object(), create: () => ({}) }),
  definePlugin({ kind: 'tokenizer', name: 'tok', description: 'a tokenizer for tests', optionsSchema: object(), create: () => ({}) }),
  definePlugin({
    kind: 'featurizer',
    name: 'bag',
    description: 'a csr featurizer for tests',
    produces: 'csr',
    optionsSchema: object({ low: { type: 'integer', default: 1 }, high: { type: 'integer', default: 1 } }),
    rules: [
      ({ options }) =>
        options.low > options.high ? [{ code: 'RANGE_ORDER', option: 'low', message: `low ${options.low} above high ${options.high}` }] : [],
    ],
    create: () => ({}),
  }),
  definePlugin({
    kind: 'featurizer',
    name: 'ids',
    description: 'a sequence featurizer for tests',
    produces: 'sequences',
    optionsSchema: object(),
    create: () => ({}),
  }),
  definePlugin({
    kind: 'model',
    name: 'linear',
    description: 'a csr model for tests',
    consumes: ['csr'],
    optionsSchema: object(),
    create: () => ({}),
  }),
  definePlugin({
    kind: 'model',
    name: 'net',
    description: 'an epoch model for tests',
    consumes: ['sequences', 'csr'],
    trainsInEpochs: true,
    optionsSchema: object({ size: { type: 'integer', default: 2 } }),
    // What `create` refuses is reported by validate too, at the option it names.
    create: (o: { size: number }) => {
      if (o.size === 3) {
        const error = new InputError('SIZE_ODD', 'size 3 is not supported');
        error.option = 'size';
        throw error;
      }
      return {};
    },
  }),
  definePlugin({
    kind: 'regularizer',
    name: 'watch',
    description: 'a regularizer whose rule is about the pipeline',
    appliesTo: 'epoch-trained-models',
    optionsSchema: object(),
    rules: [
      ({ pipeline }) =>
        pipeline?.training?.validation
          ? []
          : [{ code: 'NEEDS_VALIDATION', option: 'training.validation', inPipeline: true, message: 'needs training.validation' }],
    ],
    create: () => ({}),
  }),
];

function problems(pipeline: string): string[] {
  const text = `name: t\ndata: { type: rows }\nsplit: { type: half }\npipelines:\n  p:\n${pipeline}`;
  const { source } = parseSpecSource('t.yaml', text);
  return new SpecValidator(new PluginRegistry(plugins), trainingOptionsSchema)
    .validate(source)
    .problems.map((p) => `${p.location.line}:${p.location.col} ${p.code}`);
}

describe('pipeline checks from plugin declarations', () => {
  it('accepts a pipeline whose blocks fit together', () => {
    expect(problems('    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: linear }\n')).toEqual([]);
    expect(
      problems(
        '    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: net }\n    training: { validation: 0.2 }\n    regularizers: [{ type: watch }]\n',
      ),
    ).toEqual([]);
  });

  it('refuses features the model does not read, at the model type', () => {
    expect(problems('    tokenizer: { type: tok }\n    featurizer: { type: ids }\n    model: { type: linear }\n')).toEqual([
      '8:20 PIPELINE_FEATURES_MISMATCH',
    ]);
  });

  it('refuses training: and regularizers on a model that does not train in epochs', () => {
    expect(
      problems(
        '    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: linear }\n    regularizers: [{ type: watch }]\n    training: { epochs: 3 }\n',
      ),
    ).toEqual([
      '9:28 REGULARIZER_UNSUPPORTED', // and its own rules are not run: it is refused already
      '10:5 TRAINING_UNUSED',
    ]);
  });

  it('runs each block rule, and locates a pipeline-relative problem in the pipeline', () => {
    expect(
      problems(
        '    tokenizer: { type: tok }\n    featurizer: { type: bag, low: 3, high: 1 }\n    model: { type: net }\n    training: { epochs: 2 }\n    regularizers: [{ type: watch }]\n',
      ),
    ).toEqual([
      '7:35 RANGE_ORDER',
      '9:15 NEEDS_VALIDATION', // no `validation` key written: the training block
    ]);
  });

  it('refuses an optimizer setting the chosen optimizer does not read, even when it equals the default', () => {
    expect(
      problems(
        '    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: net }\n    training: { optimizer: { type: adam, momentum: 0 } }\n',
      ),
    ).toEqual(['9:52 OPTION_UNUSED']);
    expect(
      problems(
        '    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: net }\n    training: { optimizer: { type: sgd, momentum: 0.9 } }\n',
      ),
    ).toEqual([]);
  });

  it('reports what create refuses at the option it names', () => {
    expect(problems('    tokenizer: { type: tok }\n    featurizer: { type: bag }\n    model: { type: net, size: 3 }\n')).toEqual(['8:31 SIZE_ODD']);
  });

  it('registers no featurizer, model or regularizer that leaves out a declaration the checks need', () => {
    const [, , , bag, , linear, , watch] = plugins;
    expect(() => new PluginRegistry([{ ...bag, produces: undefined }])).toThrow(/featurizer plugin "bag" must declare `produces`/);
    expect(() => new PluginRegistry([{ ...linear, consumes: [] }])).toThrow(/model plugin "linear" must declare `consumes`/);
    expect(() => new PluginRegistry([{ ...watch, appliesTo: undefined }])).toThrow(/regularizer plugin "watch" must declare `appliesTo/);
  });
});
