/**
 * A small harness for testing plugins (mlspec's own and third-party ones): a PluginContext that
 * records what the plugin logs, and `createPlugin`, which validates options and fills defaults with
 * the same ajv configuration the spec loader uses before calling `create`.
 */
import type { ValidateFunction } from 'ajv';
import type { PluginContext, PluginDefinition } from './plugin';
import { createAjv } from './spec/ajv';

export interface RecordingContext extends PluginContext {
  warnings: string[];
  metrics: Array<{ key: string; value: number; step?: number }>;
}

export function testContext(overrides: Partial<Omit<PluginContext, 'logger' | 'log'>> = {}): RecordingContext {
  const warnings: string[] = [];
  const metrics: RecordingContext['metrics'] = [];
  return {
    seed: 0,
    baseDir: process.cwd(),
    ...overrides,
    warnings,
    metrics,
    logger: { info: () => undefined, warn: (m) => warnings.push(m), debug: () => undefined },
    log: (key, value, step) => metrics.push({ key, value, step }),
  };
}

const validators = new WeakMap<PluginDefinition, ValidateFunction>();

/** Options as the spec loader hands them to `create`: validated, defaults filled in (a copy). */
export function resolvePluginOptions<Options>(def: PluginDefinition<Options>, options: Record<string, unknown> = {}): Options {
  let validate = validators.get(def);
  if (!validate) {
    validate = createAjv().compile(def.optionsSchema);
    validators.set(def, validate);
  }
  const copy = JSON.parse(JSON.stringify(options)) as Record<string, unknown>;
  if (!validate(copy)) throw new Error(`invalid options for ${def.kind} "${def.name}": ${JSON.stringify(validate.errors)}`);
  return copy as Options;
}

export function createPlugin<Options, Instance>(
  def: PluginDefinition<Options, Instance>,
  options: Record<string, unknown> = {},
  context: PluginContext = testContext(),
): Instance {
  return def.create(resolvePluginOptions(def, options), context);
}
