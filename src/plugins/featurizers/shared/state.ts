/** Reading featurizer state back from JSON, with errors that say what is wrong with it. */
import { InputError } from '../../../core/errors';
import type { JsonValue } from '../../../core/plugin';

export function stateError(plugin: string, problem: string): InputError {
  return new InputError('FEATURIZER_STATE_INVALID', `${plugin} featurizer state: ${problem}`);
}

export function stateObject(state: JsonValue, plugin: string): { [key: string]: JsonValue } {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw stateError(plugin, 'expected an object');
  return state;
}

export function stateStrings(value: JsonValue | undefined, plugin: string, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw stateError(plugin, `"${field}" must be a list of strings`);
  return value as string[];
}

export function stateNumbers(value: JsonValue | undefined, plugin: string, field: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw stateError(plugin, `"${field}" must be a list of numbers`);
  return value as number[];
}

export function stateNumberRecord(value: JsonValue | undefined, plugin: string, field: string): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'number')) {
    throw stateError(plugin, `"${field}" must be an object of numbers`);
  }
  return value as Record<string, number>;
}
