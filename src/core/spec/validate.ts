/**
 * Two-step validation of a parsed spec: the envelope (keys mlspec owns), then each plugin block
 * against its own plugin's options schema. All problems are collected and located in the file.
 */
import type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { isMap } from 'yaml';
import type { SpecProblem } from '../errors';
import type { JsonValue, PluginDefinition } from '../plugin';
import type { PluginRegistry } from '../registry';
import type { TrainingOptions } from '../train/options';
import { createAjv, describeAjvError } from './ajv';
import { pluginBlocks } from './blocks';
import { envelopeSchema, type BackendChoice } from './envelope';
import { MAX_ALIAS_COUNT, offsetOf, pointerToPath, problemAt, type PathSegment, type SpecSource } from './source';
import { silentLogger } from '../logger';
import { tryCreatePlugin, type PluginSite } from './create-plugin';
import { blockKey, pipelineProblems, type ValidBlocks } from './pipeline-checks';

/** Where a spec's plugin blocks are (re-exported: callers import it from here). */
export { pluginBlocks } from './blocks';

export interface PluginBlock {
  type: string;
  [option: string]: JsonValue;
}

export interface PipelineSpec {
  description?: string;
  tokenizer: PluginBlock;
  featurizer: PluginBlock;
  model: PluginBlock;
  regularizers: PluginBlock[];
  /** Validated by the core against one schema, defaults filled in (src/core/train/options.ts). */
  training?: TrainingOptions;
}

export interface ExperimentSpec {
  name: string;
  description?: string;
  seed: number;
  backend: BackendChoice;
  plugins: string[];
  data: PluginBlock;
  split: PluginBlock;
  pipelines: Record<string, PipelineSpec>;
  tracking?: { uri?: string; experiment?: string; enabled: boolean };
  /** Register the fitted model (see envelope.ts). */
  register?: string | { name: string; pipeline?: string; alias?: string };
}

export interface ValidateOptions {
  /** Folder relative paths resolve against, for plugins created by the check (default: the working directory). */
  baseDir?: string;
  /** Where a plugin's refusal that names no option is reported (default: its block); `plan` points at the swept value. */
  createFallback?: (site: PluginSite) => number | undefined;
}

/**
 * Validation in four steps: the envelope (keys mlspec owns, `training:` included), each plugin
 * block against its plugin's schema, the checks between a pipeline's blocks from what plugins
 * declare (pipeline-checks.ts), and each block created (what `create` refuses).
 */
export class SpecValidator {
  private readonly ajv = createAjv();
  private readonly envelope: ValidateFunction;
  private readonly pluginValidators = new Map<PluginDefinition, ValidateFunction>();

  constructor(
    private readonly registry: PluginRegistry,
    trainingSchema: SchemaObject,
  ) {
    this.envelope = this.ajv.compile(envelopeSchema(trainingSchema));
  }

  /**
   * Both steps. Plugin blocks are checked even when the envelope has problems elsewhere, so a user
   * sees every problem in the file at once. Returns the spec, defaults filled in, when there are none.
   */
  validate(source: SpecSource, options: ValidateOptions = {}): { spec?: ExperimentSpec; problems: SpecProblem[] } {
    if (!isMap(source.document.contents)) {
      return { problems: [problemAt(source, 0, 'SPEC_NOT_A_MAPPING', 'a spec must be a YAML mapping with at least `name`, `data` and `pipelines`')] };
    }
    const written = source.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as ExperimentSpec;
    const value = source.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as ExperimentSpec;
    const problems: SpecProblem[] = [];
    if (!this.envelope(value)) {
      problems.push(...this.locate(source, this.envelope.errors ?? [], [], (path) => (path.length ? `"${path.join('.')}"` : 'the spec')));
    }
    const { problems: pluginProblems, valid } = this.validatePlugins(source, value);
    problems.push(...pluginProblems);
    const between = pipelineProblems(source, value, written, this.registry, valid);
    problems.push(...between.problems);
    problems.push(...this.createPlugins(source, value, valid, between.ruleFailed, options));
    problems.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
    return problems.length ? { problems } : { spec: value, problems };
  }

  /**
   * Step 4: create every block that passed steps 2 and 3, so what a plugin checks in `create`
   * (third-party plugins too) is reported now, located, with the rest.
   */
  private createPlugins(
    source: SpecSource,
    spec: ExperimentSpec,
    valid: ValidBlocks,
    ruleFailed: ReadonlySet<string>,
    options: ValidateOptions,
  ): SpecProblem[] {
    const seed = typeof spec.seed === 'number' ? spec.seed : 0;
    const context = { seed, baseDir: options.baseDir ?? process.cwd(), logger: silentLogger, log: () => {} };
    const problems: SpecProblem[] = [];
    for (const site of pluginBlocks(spec)) {
      const key = blockKey(site.path);
      if (!valid.has(key) || ruleFailed.has(key)) continue;
      const problem = tryCreatePlugin(this.registry, source, site, context, options.createFallback?.(site));
      if (problem) problems.push(problem);
    }
    return problems;
  }

  /** Step 2: every well-formed plugin block against its plugin's schema; fills option defaults in place. */
  private validatePlugins(source: SpecSource, spec: ExperimentSpec): { problems: SpecProblem[]; valid: Set<string> } {
    const problems: SpecProblem[] = [];
    const valid = new Set<string>();
    for (const { kind, path, block } of pluginBlocks(spec)) {
      const def = this.registry.find(kind, block.type);
      if (!def) {
        problems.push(problemAt(source, offsetOf(source, [...path, 'type']), 'PLUGIN_UNKNOWN', this.registry.unknownMessage(kind, block.type)));
        continue;
      }
      const { type, ...options } = block;
      const validate = this.validatorFor(def);
      if (validate(options)) {
        Object.assign(block, options, { type });
        valid.add(blockKey(path));
        continue;
      }
      const where = `${kind} "${type}"`;
      problems.push(
        ...this.locate(source, validate.errors ?? [], path, (optionPath) =>
          optionPath.length ? `option "${optionPath.join('.')}" of ${where}` : where,
        ),
      );
    }
    return { problems, valid };
  }

  /** A plugin's options with defaults filled in, for plugins made outside a spec (benchmarks, the runner). */
  resolveOptions<T extends object>(def: PluginDefinition, options: T): T {
    const copy = JSON.parse(JSON.stringify(options)) as T;
    const validate = this.validatorFor(def);
    if (!validate(copy)) throw new Error(`invalid options for ${def.kind} "${def.name}": ${this.ajv.errorsText(validate.errors)}`);
    return copy;
  }

  validatorFor(def: PluginDefinition): ValidateFunction {
    let validate = this.pluginValidators.get(def);
    if (!validate) {
      validate = this.ajv.compile(def.optionsSchema);
      this.pluginValidators.set(def, validate);
    }
    return validate;
  }

  private locate(
    source: SpecSource,
    errors: NonNullable<ValidateFunction['errors']>,
    base: PathSegment[],
    label: (path: string[]) => string,
  ): SpecProblem[] {
    const seen = new Set<string>();
    const problems: SpecProblem[] = [];
    for (const error of collapseAlternatives(errors)) {
      const relative = pointerToPath(error.instancePath);
      const described = describeAjvError(error, label(relative));
      const path = described.extraPath ? [...base, ...relative, described.extraPath] : [...base, ...relative];
      const problem = problemAt(source, offsetOf(source, path, described.at), described.code, described.message);
      const key = `${problem.location.line}:${problem.location.col}:${problem.code}:${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
    return problems;
  }
}

/**
 * ajv reports a failed anyOf/oneOf as one error per branch plus the anyOf itself. Users need one
 * line: "must be < 1, or an integer". Branch errors are folded into the anyOf error's message.
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (!alternatives.length) return errors;
  const folded = new Set<ErrorObject>();
  const out: ErrorObject[] = [];
  for (const alt of alternatives) {
    const prefix = `${alt.schemaPath}/`;
    const branches = new Map<string, string[]>();
    for (const e of errors) {
      if (e === alt || !e.schemaPath.startsWith(prefix)) continue;
      folded.add(e);
      const branch = e.schemaPath.slice(prefix.length).split('/')[0];
      const list = branches.get(branch) ?? [];
      list.push(e.keyword === 'type' ? `must be ${article(String((e.params as { type: string }).type))}` : (e.message ?? 'is invalid'));
      branches.set(branch, list);
    }
    const options = [...branches.values()].map((messages) => messages.join(' and '));
    const message = options.map((m, i) => (i === 0 ? m : m.replace(/^must be /, ''))).join(', or ');
    out.push({ ...alt, keyword: 'alternatives', message: message || alt.message });
  }
  return [...errors.filter((e) => !folded.has(e) && !alternatives.includes(e)), ...out];
}

function article(type: string): string {
  return type === 'null' ? 'null' : (/^[aeiou]/.test(type) ? 'an ' : 'a ') + type;
}
