/** The public API for plugin authors and programmatic use. */
export * from './core/plugin';
export * from './core/features';
export { InputError, MlspecError, optionError, SpecErrors } from './core/errors';
export { createContainer, services } from './core/container';
export { loadSpec } from './core/spec/load';
export type { ExperimentSpec, PipelineSpec, PluginBlock } from './core/spec/validate';
export type { RunReport, RunListener, PipelineResult } from './core/run/types';
