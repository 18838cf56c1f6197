/** One ajv configuration for every schema mlspec compiles: strict, all errors, defaults filled in. */
import Ajv, { type ErrorObject } from 'ajv';
import { didYouMean } from '../did-you-mean';

export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true, useDefaults: true, verbose: true });
}

/** Problem code and message for one ajv error, in words a spec author can act on. */
export function describeAjvError(error: ErrorObject, label: string): { code: string; message: string; at: 'key' | 'value'; extraPath?: string } {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const hint = known.length ? `; known keys: ${known.join(', ')}` : '';
      return { code: 'SPEC_UNKNOWN_KEY', message: `unknown key "${key}" in ${label}${didYouMean(key, known)}${hint}`, at: 'key', extraPath: key };
    }
    case 'required':
      return { code: 'SPEC_MISSING_KEY', message: `${label} is missing the required key "${String(p.missingProperty)}"`, at: 'value' };
    case 'type':
      return { code: 'SPEC_TYPE', message: `${label} must be ${article(String(p.type))} (got ${describe(error.data)})`, at: 'value' };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const hint = typeof error.data === 'string' ? didYouMean(error.data, (p.allowedValues as unknown[]).map(String)) : '';
      return { code: 'SPEC_ENUM', message: `${label} must be one of ${allowed.join(', ')} (got ${describe(error.data)})${hint}`, at: 'value' };
    }
    case 'const':
      return { code: 'SPEC_ENUM', message: `${label} must be ${JSON.stringify(p.allowedValue)} (got ${describe(error.data)})`, at: 'value' };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'SPEC_RANGE', message: `${label} ${error.message} (got ${describe(error.data)})`, at: 'value' };
    case 'alternatives':
      return { code: 'SPEC_INVALID_VALUE', message: `${label} ${error.message} (got ${describe(error.data)})`, at: 'value' };
    case 'propertyNames':
      return { code: 'SPEC_INVALID_NAME', message: `${label} has an invalid name: ${error.message}`, at: 'value' };
    default:
      return { code: 'SPEC_INVALID_VALUE', message: `${label} ${error.message ?? 'is invalid'} (got ${describe(error.data)})`, at: 'value' };
  }
}

function article(type: string): string {
  return (/^[aeiou]/.test(type) ? 'an ' : 'a ') + type.replace(',', ' or ');
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
