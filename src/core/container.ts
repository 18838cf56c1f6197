/**
 * The composition root: the only file that imports inversify. Everything mlspec assembles — the
 * plugin registry, the spec validator, the runner, the logger — is bound here; plugins never see the
 * container and receive only their options and a PluginContext.
 */
import { Container } from 'inversify';
import type { SchemaObject } from 'ajv';
import { builtinPlugins } from '../plugins';
import { consoleLogger } from './logger';
import type { Logger, PluginDefinition } from './plugin';
import { PluginRegistry } from './registry';
import { ExperimentRunner } from './run/runner';
import { SpecValidator } from './spec/validate';
import { trainingOptionsSchema } from './train/options';

export const TOKENS = {
  logger: Symbol.for('mlspec.logger'),
  plugins: Symbol.for('mlspec.plugins'),
  registry: Symbol.for('mlspec.registry'),
  trainingSchema: Symbol.for('mlspec.trainingSchema'),
  validator: Symbol.for('mlspec.validator'),
  runner: Symbol.for('mlspec.runner'),
} as const;

export interface ContainerOptions {
  logger?: Logger;
  /** Plugins to register instead of the built-ins (tests). */
  plugins?: readonly PluginDefinition[];
}

export function createContainer(options: ContainerOptions = {}): Container {
  const c = new Container({ defaultScope: 'Singleton' });
  c.bind<Logger>(TOKENS.logger).toConstantValue(options.logger ?? consoleLogger());
  c.bind<readonly PluginDefinition[]>(TOKENS.plugins).toConstantValue(options.plugins ?? builtinPlugins);
  c.bind<SchemaObject>(TOKENS.trainingSchema).toConstantValue(trainingOptionsSchema);
  c.bind<PluginRegistry>(TOKENS.registry).toDynamicValue((ctx) => new PluginRegistry(ctx.get<readonly PluginDefinition[]>(TOKENS.plugins)));
  c.bind<SpecValidator>(TOKENS.validator).toDynamicValue((ctx) => new SpecValidator(ctx.get(TOKENS.registry), ctx.get(TOKENS.trainingSchema)));
  c.bind<ExperimentRunner>(TOKENS.runner).toDynamicValue((ctx) => new ExperimentRunner(ctx.get(TOKENS.registry), ctx.get(TOKENS.logger)));
  return c;
}

/** The assembled services a command needs. */
export function services(container: Container) {
  return {
    logger: container.get<Logger>(TOKENS.logger),
    registry: container.get<PluginRegistry>(TOKENS.registry),
    validator: container.get<SpecValidator>(TOKENS.validator),
    runner: container.get<ExperimentRunner>(TOKENS.runner),
  };
}
