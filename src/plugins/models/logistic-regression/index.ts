/**
 * `type: logistic-regression` — scikit-learn's LogisticRegression (lbfgs solver, L2 penalty,
 * multinomial) on bag-of-words features. Defaults are sklearn's except `maxIter`, which follows
 * the notebook's `max_iter=1000` (sklearn's default is 100).
 */
import { definePlugin, type Model } from '../../../core/plugin';
import { LogisticRegressionModel, PLUGIN_NAME, type LogisticRegressionOptions } from './model';

export type { LogisticRegressionOptions } from './model';
export { LogisticRegressionModel } from './model';

export const logisticRegression = definePlugin<LogisticRegressionOptions, Model>({
  kind: 'model',
  name: PLUGIN_NAME,
  description: 'Multinomial logistic regression with an L2 penalty, fitted by L-BFGS (scikit-learn LogisticRegression, solver lbfgs)',
  consumes: ['csr'],
  optionsSchema: {
    type: 'object',
    properties: {
      C: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 1,
        description:
          'Inverse regularisation strength: smaller values penalise the weights more. The penalty is ‖W‖² / (2·C·n) on the mean cross-entropy, as in scikit-learn; intercepts are not penalised.',
      },
      maxIter: {
        type: 'integer',
        minimum: 1,
        default: 1000,
        description:
          "Most L-BFGS iterations. The notebook uses 1000 (scikit-learn's default is 100); a warning is logged when the limit stops the fit.",
      },
      tol: {
        type: 'number',
        minimum: 0,
        default: 0.0001,
        description: "Stop when the largest component of the loss gradient is at most tol (scikit-learn's tol for the lbfgs solver).",
      },
      fitIntercept: {
        type: 'boolean',
        default: true,
        description: 'Learn a per-class intercept (bias).',
      },
    },
    additionalProperties: false,
  },
  create: (options) => new LogisticRegressionModel(options),
});

export default logisticRegression;
