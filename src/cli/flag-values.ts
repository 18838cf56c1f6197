/** Checks of flag values shared by the model commands (predict, serve). */
import { InputError } from '../core/errors';
import { BACKENDS, type BackendChoice } from '../core/spec/envelope';

export function positiveInteger(flag: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError('CLI_USAGE', `--${flag} takes a whole number from 1 to ${max}; got "${value}"`);
  return n;
}

export function backendFlag(value: string | undefined): BackendChoice | undefined {
  if (value === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new InputError('CLI_USAGE', `--backend ${value} is not one of ${BACKENDS.join(', ')}`);
  return value as BackendChoice;
}

export const MODEL_ARG_HELP =
  'MODEL is a folder (--save-model), runs:/<run id>/model, models:/<name>/<version>, models:/<name>@<alias> or models:/m-<id>;\nURIs are read from --tracking-uri, else MLFLOW_TRACKING_URI, else ./mlflow.db.';

export const TRACKING_URI_FLAG = {
  type: 'string',
  value: 'URI',
  help: 'the MLflow store runs:/ and models:/ URIs are read from (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)',
} as const;

export const BACKEND_FLAG = {
  type: 'string',
  value: 'NAME',
  help: `TensorFlow.js backend for neural models: ${BACKENDS.join(', ')} (default auto)`,
} as const;
