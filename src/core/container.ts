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
import type { AnyCommand } from '../cli/command';

export const TOKENS = {
  logger: Symbol.for('mlspec.logger'),
  plugins: Symbol.for('mlspec.plugins'),
  registry: Symbol.for('mlspec.registry'),
  trainingSchema: Symbol.for('mlspec.trainingSchema'),
  validator: Symbol.for('mlspec.validator'),
  runner: Symbol.for('mlspec.runner'),
  /** `() => SpecServices`: a registry and validator of their own, for each spec `validate` checks. */
  freshSpecServices: Symbol.for('mlspec.freshSpecServices'),
  /** The CLI's command list (for `mlspec help`). */
  commands: Symbol.for('mlspec.commands'),
} as const;

/** What loading and checking a spec needs. */
export interface SpecServices {
  registry: PluginRegistry;
  validator: SpecValidator;
}

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
  // A spec's `plugins:` are registered into the registry that loads it: checking several specs in
  // one process takes a fresh registry for each, so one file's plugins never leak into the next.
  c.bind<() => SpecServices>(TOKENS.freshSpecServices).toConstantValue(() => {
    const fresh = createContainer(options);
    return { registry: fresh.get<PluginRegistry>(TOKENS.registry), validator: fresh.get<SpecValidator>(TOKENS.validator) };
  });
  return c;
}

/** The id a command's handler is bound to (see bindCommands). */
export function commandId(name: string): symbol {
  return Symbol.for(`mlspec.command.${name}`);
}

/**
 * Bind each command's handler: the container calls the command's `create` with the services its
 * `inject` list names (function injection), so commands never look services up themselves.
 */
export function bindCommands(container: Container, commands: readonly AnyCommand[]): void {
  container.bind<readonly AnyCommand[]>(TOKENS.commands).toConstantValue(commands);
  for (const command of commands) container.bind(commandId(command.name)).toResolvedValue(command.create, command.inject);
}

/** The assembled services, for programmatic use and tests (the CLI's commands are injected instead). */
export function services(container: Container) {
  return {
    logger: container.get<Logger>(TOKENS.logger),
    registry: container.get<PluginRegistry>(TOKENS.registry),
    validator: container.get<SpecValidator>(TOKENS.validator),
    runner: container.get<ExperimentRunner>(TOKENS.runner),
  };
}
