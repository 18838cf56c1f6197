/**
 * scikit-learn's `LogisticRegression(solver='lbfgs')` on bag-of-words features: the same loss
 * (softmax-loss.ts), the same optimiser settings, the same starting point (zeros), so its
 * predictions are sklearn's.
 *
 * Like sklearn, the model is fitted on the classes present in the training labels (sklearn's
 * `classes_`): a class missing from the training rows gets probability 0 rather than an
 * intercept driven towards -∞, and two present classes give the binomial model sklearn fits.
 */
import { EXIT_RUN_FAILED, InputError, MlspecError, optionError } from '../../../core/errors';
import type { CsrMatrix, Features } from '../../../core/features';
import type { FitData, FitSummary, JsonValue, Model, PluginContext } from '../../../core/plugin';
import { minimizeLbfgs } from '../../../core/optim/lbfgs';
import { createObjective } from './parallel-objective';
import { parameterCount, parameterRows, softmaxProbabilities } from './softmax-loss';

export const PLUGIN_NAME = 'logistic-regression';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (> 0). */
  C: number;
  maxIter: number;
  /** Stop when the largest gradient component is <= tol (sklearn's lbfgs `tol`). */
  tol: number;
  fitIntercept: boolean;
}

/** sklearn passes ftol = 64·eps to L-BFGS-B, so in practice only `tol` (the gradient test) stops it. */
const SKLEARN_FTOL = 64 * 2.220446049250313e-16;
/** sklearn raises L-BFGS-B's line-search budget from 20 to 50 evaluations. */
const SKLEARN_MAX_LINE_SEARCH = 50;
/** sklearn leaves L-BFGS-B's `maxfun` at its default. */
const SKLEARN_MAX_EVALUATIONS = 15000;
const STATE_FORMAT = 'logistic-regression/1';

/** Fits on fewer rows are over before a progress line would be drawn. */
const PROGRESS_MIN_ROWS = 50_000;

/** What a fit learns. `weights` uses softmax-loss.ts's layout, intercepts always included. */
interface Fitted {
  nClasses: number;
  nFeatures: number;
  /** The classes the model was fitted on (present in the training labels), ascending. */
  classes: number[];
  weights: Float64Array;
}

export class LogisticRegressionModel implements Model {
  private fitted: Fitted | undefined;

  constructor(private readonly options: Readonly<LogisticRegressionOptions>) {}

  async fit(data: FitData, context: PluginContext): Promise<FitSummary> {
    const { C, maxIter, tol, fitIntercept } = this.options;
    if (data.regularizers && data.regularizers.length > 0) {
      // Silently ignoring them would report a model that was not trained as the spec says.
      throw new InputError('REGULARIZERS_UNSUPPORTED', `${PLUGIN_NAME} takes no regularizers: its L2 penalty is set by the option C`);
    }
    const x = requireCsr(data.train.x);
    const y = data.train.y;
    if (y.length !== x.rows) throw new InputError('SHAPE_MISMATCH', `${PLUGIN_NAME}: ${x.rows} feature rows but ${y.length} labels`);
    if (x.rows === 0) throw new InputError('EMPTY_TRAINING_SET', `${PLUGIN_NAME}: no training rows`);
    requireFinite(x, 'training');

    const present = new Uint8Array(data.nClasses);
    for (let i = 0; i < y.length; i++) {
      const label = y[i];
      if (!(label >= 0 && label < data.nClasses)) {
        throw new InputError('LABEL_OUT_OF_RANGE', `${PLUGIN_NAME}: training label ${label} (row ${i}) is not a class index below ${data.nClasses}`);
      }
      present[label] = 1;
    }
    const classes: number[] = [];
    for (let c = 0; c < data.nClasses; c++) if (present[c]) classes.push(c);
    if (classes.length < 2) {
      throw new InputError('TOO_FEW_CLASSES', `${PLUGIN_NAME}: the training rows hold only one class (${classes[0]}); at least two are needed`);
    }
    const position = new Int32Array(data.nClasses);
    classes.forEach((c, p) => (position[c] = p));
    const yFit = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) yFit[i] = position[y[i]];

    const objective = createObjective({ x, y: yFit, nClasses: classes.length, fitIntercept, l2: 1 / (C * x.rows) });
    const progress =
      x.rows >= PROGRESS_MIN_ROWS ? context.logger.progress?.(`${context.scope ?? PLUGIN_NAME}: fitting`, 'loss evaluations') : undefined;
    let evaluations = 0;
    let result: ReturnType<typeof minimizeLbfgs>;
    try {
      result = minimizeLbfgs(
        (w, g) => {
          progress?.update(++evaluations);
          return objective.evaluate(w, g);
        },
        new Float64Array(parameterCount(x.cols, classes.length, fitIntercept)),
        {
          memory: 10,
          maxIterations: maxIter,
          maxEvaluations: SKLEARN_MAX_EVALUATIONS,
          gtol: tol,
          ftol: SKLEARN_FTOL,
          maxLineSearchSteps: SKLEARN_MAX_LINE_SEARCH,
        },
      );
    } finally {
      objective.dispose();
      progress?.finish();
    }
    if (result.reason === 'nonFinite') {
      throw optionError(
        'NAN_LOSS',
        'C',
        `${PLUGIN_NAME}: the loss became NaN or infinite after ${result.iterations} iterations; the features may be too large (scale them) or C too high`,
      );
    }
    if (!result.converged) {
      // sklearn's ConvergenceWarning: the model is still usable, but not at the optimum.
      context.logger.warn(
        `${PLUGIN_NAME}: lbfgs failed to converge after ${result.iterations} iterations (${result.message}); ` +
          `increase maxIter or scale the features (largest gradient component ${result.gradientNorm.toExponential(2)}, tol ${tol})`,
      );
    }

    const P = parameterRows(classes.length);
    const weights = new Float64Array((x.cols + 1) * P);
    weights.set(result.x);
    this.fitted = { nClasses: data.nClasses, nFeatures: x.cols, classes, weights };
    return {
      info: {
        iterations: result.iterations,
        converged: result.converged,
        finalLoss: result.f,
        stopReason: result.reason,
        evaluations: result.evaluations,
        threads: objective.threads,
      },
    };
  }

  predictProba(features: Features): Float64Array {
    const fitted = this.requireFitted();
    const x = requireCsr(features);
    if (x.cols !== fitted.nFeatures) {
      throw new InputError('SHAPE_MISMATCH', `${PLUGIN_NAME}: the model was fitted on ${fitted.nFeatures} features but got ${x.cols}`);
    }
    requireFinite(x, 'prediction');
    const K = fitted.classes.length;
    const proba = softmaxProbabilities(fitted.weights, x, K, true);
    if (K === fitted.nClasses) return proba;
    // Spread the fitted classes' columns over all classes; the others keep probability 0.
    const out = new Float64Array(x.rows * fitted.nClasses);
    for (let i = 0; i < x.rows; i++) {
      for (let p = 0; p < K; p++) out[i * fitted.nClasses + fitted.classes[p]] = proba[i * K + p];
    }
    return out;
  }

  /**
   * `coef` and `intercept` are shaped as sklearn's `coef_` [rows × features] and `intercept_`:
   * one row per fitted class, or a single row (for the second class) when two classes were fitted.
   */
  getState(): JsonValue {
    const { nClasses, nFeatures, classes, weights } = this.requireFitted();
    const P = parameterRows(classes.length);
    const coef: number[][] = [];
    for (let p = 0; p < P; p++) {
      const row = new Array<number>(nFeatures);
      for (let j = 0; j < nFeatures; j++) row[j] = weights[j * P + p];
      coef.push(row);
    }
    const intercept = Array.from(weights.subarray(nFeatures * P));
    return { format: STATE_FORMAT, nClasses, nFeatures, classes, coef, intercept };
  }

  setState(state: JsonValue): void {
    const bad = (why: string) => new InputError('STATE_INVALID', `${PLUGIN_NAME}: cannot restore the model state: ${why}`);
    if (!state || typeof state !== 'object' || Array.isArray(state)) throw bad('expected an object');
    if (state.format !== STATE_FORMAT) throw bad(`format is ${JSON.stringify(state.format)}, expected "${STATE_FORMAT}"`);
    const { nClasses, nFeatures, classes, coef, intercept } = state;
    if (!isCount(nClasses) || nClasses < 2) throw bad('nClasses must be an integer >= 2');
    if (!isCount(nFeatures)) throw bad('nFeatures must be a non-negative integer');
    if (
      !Array.isArray(classes) ||
      classes.length < 2 ||
      classes.some((c, i) => !isCount(c) || c >= nClasses || (i > 0 && c <= (classes[i - 1] as number)))
    ) {
      throw bad('classes must be at least two ascending class indices below nClasses');
    }
    const P = parameterRows(classes.length);
    if (!Array.isArray(coef) || coef.length !== P) throw bad(`coef must have ${P} rows`);
    if (!Array.isArray(intercept) || intercept.length !== P || !intercept.every(isFiniteNumber)) throw bad(`intercept must hold ${P} finite numbers`);
    const weights = new Float64Array((nFeatures + 1) * P);
    coef.forEach((row, p) => {
      if (!Array.isArray(row) || row.length !== nFeatures || !row.every(isFiniteNumber))
        throw bad(`coef row ${p} must hold ${nFeatures} finite numbers`);
      for (let j = 0; j < nFeatures; j++) weights[j * P + p] = row[j] as number;
    });
    for (let p = 0; p < P; p++) weights[nFeatures * P + p] = intercept[p] as number;
    this.fitted = { nClasses, nFeatures, classes: classes as number[], weights };
  }

  private requireFitted(): Fitted {
    if (!this.fitted)
      throw new MlspecError('NOT_FITTED', `${PLUGIN_NAME}: the model has not been fitted (call fit or setState first)`, EXIT_RUN_FAILED);
    return this.fitted;
  }
}

function requireCsr(x: Features): CsrMatrix {
  if (x.kind !== 'csr') {
    throw new InputError(
      'FEATURES_UNSUPPORTED',
      `${PLUGIN_NAME} needs bag-of-words features (a sparse matrix), but the featurizer produced token-id sequences; use a bag-of-words featurizer with this model`,
    );
  }
  return x;
}

function requireFinite(x: CsrMatrix, what: string): void {
  for (let i = 0; i < x.rows; i++) {
    for (let k = x.indptr[i]; k < x.indptr[i + 1]; k++) {
      if (!Number.isFinite(x.data[k])) {
        throw new MlspecError(
          'NAN_FEATURES',
          `${PLUGIN_NAME}: the ${what} features hold ${x.data[k]} at row ${i}, column ${x.indices[k]}; features must be finite numbers`,
          EXIT_RUN_FAILED,
        );
      }
    }
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}
