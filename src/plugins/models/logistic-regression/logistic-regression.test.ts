/**
 * The plugin against scikit-learn 1.6.1 on the notebook's exact feature matrices
 * (test/fixtures/baseline, written by tools/reference/baseline_reference.py).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import type { CsrMatrix, IndexSequences } from '../../../core/features';
import { selectRows } from '../../../core/features';
import type { JsonValue, Logger, PluginContext } from '../../../core/plugin';
import defaultExport, { logisticRegression, type LogisticRegressionOptions } from './index';

interface SklearnFit {
  nIter: number;
  predictions: number[];
  proba: number[][];
  coef: number[][];
  intercept: number[];
}
interface Reference {
  classes: string[];
  yTrain: number[];
  yTest: number[];
  model: SklearnFit & { C: number; maxIter: number };
  variants: Record<'0.1' | '10.0' | 'noIntercept', { nIter: number; predictions: number[]; accuracy: number }>;
  subsets: Record<'binary' | 'withoutClass4', SklearnFit & { trainRows: number[]; classes: number[] }>;
  metrics: { accuracy: number };
}

const fixtures = path.resolve(__dirname, '../../../../test/fixtures/baseline');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')) as T;

function readCsr(file: string): CsrMatrix {
  const j = readJson<{ rows: number; cols: number; indptr: number[]; indices: number[]; data: number[] }>(file);
  return {
    kind: 'csr',
    rows: j.rows,
    cols: j.cols,
    indptr: Int32Array.from(j.indptr),
    indices: Int32Array.from(j.indices),
    data: Float64Array.from(j.data),
  };
}

const ref = readJson<Reference>('reference.json');
const xTrain = readCsr('x_train.json');
const xTest = readCsr('x_test.json');
const yTrain = Int32Array.from(ref.yTrain);
const K = ref.classes.length;

function context(): PluginContext & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
  return { seed: 42, baseDir: __dirname, logger, log: () => undefined, warnings };
}

const defaults: LogisticRegressionOptions = { C: 1, maxIter: 1000, tol: 1e-4, fitIntercept: true };
const create = (options: Partial<LogisticRegressionOptions> = {}) => logisticRegression.create({ ...defaults, ...options }, context());

function argmaxRows(proba: Float64Array, nClasses: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < proba.length; o += nClasses) {
    let best = 0;
    for (let k = 1; k < nClasses; k++) if (proba[o + k] > proba[o + best]) best = k;
    out.push(best);
  }
  return out;
}

const agreement = (a: number[], b: number[]) => a.filter((v, i) => v === b[i]).length;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const flat = (rows: number[][]) => rows.flat();

describe('logistic-regression matches scikit-learn on the notebook baseline', () => {
  const ctx = context();
  const model = logisticRegression.create(defaults, ctx);
  let info: Record<string, number | string | boolean> | undefined;
  let proba: Float64Array;

  beforeAll(async () => {
    info = (await model.fit({ train: { x: xTrain, y: yTrain }, nClasses: K }, ctx)).info;
    proba = model.predictProba(xTest);
  });

  it('predicts sklearn’s class for every test row (200 of 200)', () => {
    const ours = argmaxRows(proba, K);
    expect(ours).toHaveLength(200);
    expect(agreement(ours, ref.model.predictions)).toBe(200);
  });

  it('has sklearn’s accuracy, 0.465 (printed 0.47)', () => {
    const ours = argmaxRows(proba, K);
    const accuracy = agreement(ours, ref.yTest) / ref.yTest.length;
    expect(accuracy).toBe(ref.metrics.accuracy);
    expect(accuracy).toBeCloseTo(0.465, 12);
  });

  it('reaches sklearn’s coefficients, intercepts and probabilities to 1e-10', () => {
    const state = model.getState() as { coef: number[][]; intercept: number[] };
    expect(maxAbsDiff(flat(state.coef), flat(ref.model.coef))).toBeLessThan(1e-10);
    expect(maxAbsDiff(state.intercept, ref.model.intercept)).toBeLessThan(1e-10);
    expect(maxAbsDiff(proba, flat(ref.model.proba))).toBeLessThan(1e-10);
  });

  it('converges in sklearn’s number of iterations, without a warning', () => {
    expect(info).toMatchObject({ converged: true, stopReason: 'gtol' });
    expect(Math.abs((info!.iterations as number) - ref.model.nIter)).toBeLessThanOrEqual(2);
    expect(info!.finalLoss).toBeGreaterThan(0);
    expect(ctx.warnings).toEqual([]);
  });

  it('returns probabilities as [rows × classes] that sum to one', () => {
    expect(proba).toBeInstanceOf(Float64Array);
    expect(proba.length).toBe(xTest.rows * K);
    for (let i = 0; i < xTest.rows; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += proba[i * K + k];
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('survives a JSON round trip of its state and predicts identically', () => {
    const json = JSON.parse(JSON.stringify(model.getState())) as JsonValue;
    const restored = logisticRegression.create(defaults, context());
    restored.setState(json);
    expect(restored.getState()).toEqual(model.getState());
    expect(Array.from(restored.predictProba(xTest))).toEqual(Array.from(proba));
  });
});

describe('logistic-regression matches scikit-learn’s penalty scaling and options', () => {
  it.each([
    ['C=0.1', { C: 0.1 }, '0.1'],
    ['C=10', { C: 10 }, '10.0'],
    ['fitIntercept=false', { fitIntercept: false }, 'noIntercept'],
  ] as const)('%s: the same 200 predictions as sklearn', async (_name, options, key) => {
    const model = create(options);
    const { info } = await model.fit({ train: { x: xTrain, y: yTrain }, nClasses: K }, context());
    expect(agreement(argmaxRows(model.predictProba(xTest), K), ref.variants[key].predictions)).toBe(200);
    expect(Math.abs((info!.iterations as number) - ref.variants[key].nIter)).toBeLessThanOrEqual(2);
  });

  it('without intercepts, the state holds zero intercepts', async () => {
    const model = create({ fitIntercept: false });
    await model.fit({ train: { x: xTrain, y: yTrain }, nClasses: K }, context());
    expect((model.getState() as { intercept: number[] }).intercept).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('logistic-regression fits only the classes present in training, as sklearn', () => {
  it.each(['binary', 'withoutClass4'] as const)('%s', async (key) => {
    const subset = ref.subsets[key];
    const x = selectRows(xTrain, subset.trainRows);
    const y = Int32Array.from(subset.trainRows, (r) => yTrain[r]);
    const model = create();
    await model.fit({ train: { x, y }, nClasses: K }, context());
    const proba = model.predictProba(xTest);
    expect(proba.length).toBe(xTest.rows * K);
    // Columns of classes the model never saw are zero; the others are sklearn's predict_proba.
    for (let i = 0; i < xTest.rows; i++) {
      for (let k = 0; k < K; k++) {
        const p = subset.classes.indexOf(k);
        if (p < 0) expect(proba[i * K + k]).toBe(0);
        else expect(Math.abs(proba[i * K + k] - subset.proba[i][p])).toBeLessThan(1e-9);
      }
    }
    expect(agreement(argmaxRows(proba, K), subset.predictions)).toBe(200);
    const state = model.getState() as { coef: number[][]; intercept: number[]; classes: number[] };
    expect(state.classes).toEqual(subset.classes);
    expect(state.coef).toHaveLength(subset.coef.length); // one row for two classes, as sklearn's coef_
    expect(maxAbsDiff(flat(state.coef), flat(subset.coef))).toBeLessThan(1e-9);
  });
});

describe('logistic-regression errors and warnings', () => {
  const small = selectRows(
    xTrain,
    Array.from({ length: 50 }, (_, i) => i),
  ) as CsrMatrix;
  const smallY = yTrain.subarray(0, 50);

  const withValue = (x: CsrMatrix, value: number): CsrMatrix => {
    const data = Float64Array.from(x.data);
    data[3] = value;
    return { ...x, data };
  };

  it.each([NaN, Infinity])('rejects %p in the training features (NAN_FEATURES, naming the plugin)', async (value) => {
    await expect(create().fit({ train: { x: withValue(small, value), y: smallY }, nClasses: K }, context())).rejects.toMatchObject({
      code: 'NAN_FEATURES',
      message: expect.stringMatching(/^logistic-regression: .*row \d+, column \d+/),
    });
  });

  it('rejects NaN in the features it predicts on', async () => {
    const model = create();
    await model.fit({ train: { x: small, y: smallY }, nClasses: K }, context());
    expect(() => model.predictProba(withValue(xTest, NaN))).toThrow(expect.objectContaining({ code: 'NAN_FEATURES' }));
  });

  it('stops with NAN_LOSS when the loss overflows', async () => {
    const x: CsrMatrix = { ...small, data: small.data.map(() => 1e308) };
    await expect(create().fit({ train: { x, y: smallY }, nClasses: K }, context())).rejects.toMatchObject({
      code: 'NAN_LOSS',
      message: expect.stringMatching(/^logistic-regression: /),
    });
  });

  it('asks for bag-of-words features when given token-id sequences', async () => {
    const sequences: IndexSequences = { kind: 'sequences', rows: 2, length: 3, ids: new Int32Array(6), lengths: new Int32Array(2), vocabSize: 4 };
    await expect(create().fit({ train: { x: sequences, y: new Int32Array(2) }, nClasses: 2 }, context())).rejects.toMatchObject({
      code: 'FEATURES_UNSUPPORTED',
      message: expect.stringMatching(/bag-of-words/),
    });
  });

  it('warns, like sklearn’s ConvergenceWarning, when maxIter stops the fit', async () => {
    const ctx = context();
    const model = logisticRegression.create({ ...defaults, maxIter: 5 }, ctx);
    const { info } = await model.fit({ train: { x: xTrain, y: yTrain }, nClasses: K }, ctx);
    expect(info).toMatchObject({ iterations: 5, converged: false, stopReason: 'maxIterations' });
    expect(ctx.warnings).toHaveLength(1);
    expect(ctx.warnings[0]).toMatch(/^logistic-regression: lbfgs failed to converge after 5 iterations/);
  });

  it('refuses regularizers (its penalty is C) rather than ignoring them', async () => {
    await expect(create().fit({ train: { x: small, y: smallY }, nClasses: K, regularizers: [{}] }, context())).rejects.toMatchObject({
      code: 'REGULARIZERS_UNSUPPORTED',
    });
    await expect(create().fit({ train: { x: small, y: smallY }, nClasses: K, regularizers: [] }, context())).resolves.toBeDefined();
  });

  it('needs at least two classes in the training rows', async () => {
    await expect(create().fit({ train: { x: small, y: new Int32Array(50).fill(2) }, nClasses: K }, context())).rejects.toMatchObject({
      code: 'TOO_FEW_CLASSES',
    });
  });

  it('rejects labels outside the classes and mismatched shapes', async () => {
    const y = Int32Array.from(smallY);
    y[7] = K;
    await expect(create().fit({ train: { x: small, y }, nClasses: K }, context())).rejects.toMatchObject({ code: 'LABEL_OUT_OF_RANGE' });
    await expect(create().fit({ train: { x: small, y: smallY.subarray(0, 10) }, nClasses: K }, context())).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
    });
  });

  it('refuses to predict before fit, or on a different number of features', async () => {
    const model = create();
    expect(() => model.predictProba(xTest)).toThrow(expect.objectContaining({ code: 'NOT_FITTED' }));
    await model.fit({ train: { x: small, y: smallY }, nClasses: K }, context());
    expect(() => model.predictProba({ ...xTest, cols: 999 })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });

  it('rejects a malformed state', async () => {
    const model = create();
    await model.fit({ train: { x: small, y: smallY }, nClasses: K }, context());
    const state = model.getState() as { [key: string]: JsonValue };
    const restored = create();
    expect(() => restored.setState({ ...state, coef: [[1, 2]] })).toThrow(expect.objectContaining({ code: 'STATE_INVALID' }));
    expect(() => restored.setState({ ...state, format: 'other' })).toThrow(/format/);
    expect(() => restored.setState({ ...state, classes: [0] })).toThrow(/classes/);
    expect(() => restored.setState([])).toThrow(/object/);
  });
});

describe('logistic-regression plugin definition', () => {
  it('is the default export and the named export', () => {
    expect(defaultExport).toBe(logisticRegression);
    expect(logisticRegression).toMatchObject({ kind: 'model', name: 'logistic-regression' });
  });

  it('has an options schema ajv accepts in strict mode, with sklearn-like defaults', () => {
    const ajv = new Ajv({ strict: true, useDefaults: true, allErrors: true });
    const validate = ajv.compile(logisticRegression.optionsSchema);
    const options = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ C: 1, maxIter: 1000, tol: 1e-4, fitIntercept: true });
    expect(validate({ C: 0 })).toBe(false);
    expect(validate({ maxIter: 2.5 })).toBe(false);
    expect(validate({ solver: 'lbfgs' })).toBe(false);
    for (const property of Object.values(logisticRegression.optionsSchema.properties as Record<string, { description?: string }>)) {
      expect(property.description).toEqual(expect.any(String));
    }
  });
});
