/**
 * One way to create a plugin from its spec block and to say where its refusal is. `validate`,
 * `plan` (every trial), the runner and the sweep executor all create plugins; an InputError a
 * plugin raises (in `create`, `load`, `fit`, …) is located at the option it names — a model's
 * `training.*` option at the pipeline's `training:` block — else at the block, and prefixed with
 * the plugin (`[featurizer counts] …`). Other errors are the plugin failing (exit 1).
 */
import { InputError, MlspecError, PluginError, SpecErrors, type SpecProblem } from '../errors';
import type { Dataset, LoadedData, Logger, PluginContext, PluginKind } from '../plugin';
import type { PluginRegistry } from '../registry';
import { offsetOf, problemAt, type PathSegment, type SpecSource } from './source';
import type { PluginBlock } from './validate';

/** A plugin block and where it sits in the spec. */
export interface PluginSite {
  kind: PluginKind;
  path: PathSegment[];
  block: PluginBlock;
}

/** The path in the spec an InputError of the plugin at `site` points at. */
export function errorPath(site: PluginSite, error: InputError): PathSegment[] {
  const option = error.option ? error.option.split('.') : [];
  // A model's problem with its `training:` block is located there, beside the model block.
  if (option[0] === 'training' && site.kind === 'model') return [...site.path.slice(0, -1), ...option];
  return [...site.path, ...option];
}

/**
 * Any error a plugin raised at `phase`, as a located problem. `fallback` is the offset used when
 * an InputError names no option (default: the block).
 */
export function pluginProblem(source: SpecSource, site: PluginSite, phase: string, error: unknown, fallback?: number): SpecProblem {
  const prefix = `[${site.kind} ${site.block.type}] `;
  if (error instanceof InputError) {
    const at = error.option || fallback === undefined ? offsetOf(source, errorPath(site, error)) : fallback;
    return problemAt(source, at, error.code, `${prefix}${error.message}`);
  }
  const code = error instanceof MlspecError ? error.code : 'PLUGIN_FAILED';
  return problemAt(
    source,
    fallback ?? offsetOf(source, site.path),
    code,
    `${prefix}${phase}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** The error to throw for one a plugin raised at `phase`: bad input located in the spec (exit 2), else the plugin failing. */
export function pluginFailure(source: SpecSource, site: PluginSite, phase: string, error: unknown): Error {
  if (error instanceof InputError) return new SpecErrors([pluginProblem(source, site, phase, error)]);
  if (error instanceof MlspecError) return error;
  return new PluginError(site.kind, site.block.type, phase, error);
}

/** Create the plugin at `site` from its block (options validated, defaults filled). */
export function createPlugin<T>(registry: PluginRegistry, source: SpecSource, site: PluginSite, context: PluginContext): T {
  const def = registry.get(site.kind, site.block.type);
  const { type: _type, ...options } = site.block;
  try {
    return def.create(options, context) as T;
  } catch (error) {
    throw pluginFailure(source, site, 'create', error);
  }
}

/** Like createPlugin, but a refusal comes back as a problem, so callers can report every block at once. */
export function tryCreatePlugin(
  registry: PluginRegistry,
  source: SpecSource,
  site: PluginSite,
  context: PluginContext,
  fallback?: number,
): SpecProblem | undefined {
  const def = registry.find(site.kind, site.block.type);
  if (!def) return undefined; // the validator reports unknown types
  const { type: _type, ...options } = site.block;
  try {
    def.create(options, context);
    return undefined;
  } catch (error) {
    return pluginProblem(source, site, 'create', error, fallback);
  }
}

/** Run one step of a plugin; what it raises is located as pluginFailure says. */
export async function pluginStep<T>(source: SpecSource, site: PluginSite, phase: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw pluginFailure(source, site, phase, error);
  }
}

/** The rows of a spec's dataset; a refusal is located at its option in the spec. */
export async function loadSpecData(
  loaded: { source: SpecSource; baseDir: string; spec: { seed: number; data: PluginBlock } },
  registry: PluginRegistry,
  logger: Logger,
): Promise<LoadedData> {
  const site: PluginSite = { kind: 'dataset', path: ['data'], block: loaded.spec.data };
  const dataset = createPlugin<Dataset>(registry, loaded.source, site, { seed: loaded.spec.seed, baseDir: loaded.baseDir, logger, log: () => {} });
  return pluginStep(loaded.source, site, 'load', () => dataset.load());
}
