import { flattenParams } from './mlflow-listener';

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
