/**
 * The plugin registry: every plugin by kind and YAML `type`. Built-ins are registered by the
 * container; third-party plugins are added only when a spec's `plugins:` list names them.
 */
import { InputError } from './errors';
import { didYouMean } from './did-you-mean';
import { PLUGIN_KINDS, type FeatureKind, type PluginDefinition, type PluginKind } from './plugin';

export class PluginRegistry {
  private readonly byKind = new Map<PluginKind, Map<string, PluginDefinition>>();

  constructor(definitions: readonly PluginDefinition[] = []) {
    for (const kind of PLUGIN_KINDS) this.byKind.set(kind, new Map());
    for (const d of definitions) this.register(d);
  }

  register(def: PluginDefinition): void {
    const table = this.byKind.get(def.kind);
    if (!table)
      throw new InputError('PLUGIN_KIND_UNKNOWN', `plugin "${def.name}" has unknown kind "${def.kind}"; kinds are ${PLUGIN_KINDS.join(', ')}`);
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(def.name)) {
      throw new InputError('PLUGIN_NAME_INVALID', `plugin name "${def.name}" must be kebab-case (e.g. "my-model")`);
    }
    if (table.has(def.name)) throw new InputError('PLUGIN_DUPLICATE', `a ${def.kind} plugin named "${def.name}" is already registered`);
    const missing = missingCapability(def);
    if (missing)
      throw new InputError(
        'PLUGIN_CAPABILITY_MISSING',
        `${def.kind} plugin "${def.name}" must declare ${missing}, so pipelines can be checked before anything runs`,
      );
    table.set(def.name, def);
  }

  has(kind: PluginKind, name: string): boolean {
    return this.byKind.get(kind)!.has(name);
  }

  /** The plugin, or undefined; see `unknownMessage` for the error text. */
  find(kind: PluginKind, name: string): PluginDefinition | undefined {
    return this.byKind.get(kind)!.get(name);
  }

  get(kind: PluginKind, name: string): PluginDefinition {
    const def = this.find(kind, name);
    if (!def) throw new InputError('PLUGIN_UNKNOWN', this.unknownMessage(kind, name));
    return def;
  }

  unknownMessage(kind: PluginKind, name: string): string {
    const names = this.names(kind);
    return `unknown ${kind} type "${name}"${didYouMean(name, names)}; known: ${names.join(', ')}`;
  }

  names(kind: PluginKind): string[] {
    return [...this.byKind.get(kind)!.keys()].sort();
  }

  list(kind?: PluginKind): PluginDefinition[] {
    const kinds = kind ? [kind] : PLUGIN_KINDS;
    return kinds.flatMap((k) => [...this.byKind.get(k)!.values()]);
  }
}

const FEATURE_KINDS: readonly string[] = ['csr', 'sequences'] satisfies FeatureKind[];

/**
 * What a plugin of its kind must declare for `validate` and `plan` to check a pipeline without
 * running it, described for the error; undefined when the declaration is complete.
 */
function missingCapability(def: PluginDefinition): string | undefined {
  const kinds = `one of ${FEATURE_KINDS.map((k) => `"${k}"`).join(', ')}`;
  if (def.kind === 'featurizer' && !FEATURE_KINDS.includes(def.produces as string))
    return `\`produces\` (the feature kind transform returns: ${kinds})`;
  if (def.kind === 'model') {
    const consumes = def.consumes;
    if (!Array.isArray(consumes) || !consumes.length || !consumes.every((k) => FEATURE_KINDS.includes(k)))
      return `\`consumes\` (a non-empty list of the feature kinds fit reads: ${kinds})`;
  }
  if (def.kind === 'regularizer' && def.appliesTo !== 'epoch-trained-models')
    return '`appliesTo: "epoch-trained-models"` (the models it can be attached to)';
  return undefined;
}
