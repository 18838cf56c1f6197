import { flattenParams, pipelineHyperparameters } from './mlflow-listener';

test('options flatten to dotted params; arrays, null and empty objects as JSON text', () => {
  expect(
    flattenParams({
      tokenizer: { type: 'whitespace', lowercase: true, extra: {} },
      featurizer: { type: 'count', ngramRange: [1, 2], vocabulary: { min: 2, max: null } },
      model: { C: 0.5, layers: [{ units: 8 }] },
      seed: 42,
    }),
  ).toEqual({
    'tokenizer.type': 'whitespace',
    'tokenizer.lowercase': 'true',
    'tokenizer.extra': '{}',
    'featurizer.type': 'count',
    'featurizer.ngramRange': '[1,2]',
    'featurizer.vocabulary.min': '2',
    'featurizer.vocabulary.max': 'null',
    'model.C': '0.5',
    'model.layers': '[{"units":8}]',
    seed: '42',
  });
});

test('a pipeline logs its hyperparameters only: the description is the run note, display switches and options the optimizer ignores are left out', () => {
  const resolved = {
    description: 'The notebook LSTM',
    tokenizer: { type: 'chars' },
    model: { type: 'lstm', units: 8 },
    training: {
      epochs: 3,
      progress: false,
      optimizer: { type: 'adam', learningRate: 0.001, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rho: 0.99 },
    },
  };
  const { params, description } = pipelineHyperparameters(resolved);
  expect(description).toBe('The notebook LSTM');
  expect(params).toEqual({
    'tokenizer.type': 'chars',
    'model.type': 'lstm',
    'model.units': '8',
    'training.epochs': '3',
    'training.optimizer.type': 'adam',
    'training.optimizer.learningRate': '0.001',
    'training.optimizer.beta1': '0.9',
    'training.optimizer.beta2': '0.999',
    'training.optimizer.epsilon': '1e-8',
  });
  const sgd = pipelineHyperparameters({ training: { optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9, beta1: 0.9, rho: 0.99 } } });
  expect(sgd.params).toEqual({ 'training.optimizer.type': 'sgd', 'training.optimizer.learningRate': '0.1', 'training.optimizer.momentum': '0.9' });
  expect(sgd.description).toBeUndefined();
  // The resolved spec itself is left untouched (it is also logged whole as spec.yaml).
  expect(resolved.training.progress).toBe(false);
});
