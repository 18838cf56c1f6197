/**
 * From a spec file to a validated ExperimentSpec: read, parse YAML with positions, load the
 * third-party plugins it names (and nothing else), validate in two steps. Every problem in the file
 * is thrown at once as SpecErrors (exit 2).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar } from 'yaml';
import { redactUri } from '../tracking/redact';
import { InputError, SpecErrors, type SpecProblem } from '../errors';
import type { PluginDefinition } from '../plugin';
import type { PluginRegistry } from '../registry';
import { offsetOf, parseSpecSource, problemAt, type SpecSource } from './source';
import type { ExperimentSpec, SpecValidator } from './validate';

export interface LoadedSpec {
  file: string;
  baseDir: string;
  /** The file's text, with any secret in `tracking.uri` replaced (see loadSpec). */
  text: string;
  source: SpecSource;
  /** The validated spec; `tracking.uri` has its secrets replaced (see loadSpec). */
  spec: ExperimentSpec;
  /** `tracking.uri` as written, credentials included: only for opening the tracker. */
  trackingUri?: string;
}

export function readSpecText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new InputError('SPEC_FILE_MISSING', `${file}: no such spec file; check the path (it is relative to ${process.cwd()})`);
    throw new InputError('SPEC_FILE_UNREADABLE', `${file}: cannot read the spec file (${(e as Error).message})`);
  }
}

export function loadSpec(file: string, registry: PluginRegistry, validator: SpecValidator, text = readSpecText(file)): LoadedSpec {
  const { source, problems } = parseSpecSource(file, text);
  if (problems.length) throw new SpecErrors(problems);
  const baseDir = path.dirname(path.resolve(file));
  const pluginProblems = loadThirdPartyPlugins(source, baseDir, registry);
  const { spec, problems: specProblems } = validator.validate(source, { baseDir });
  const all = [...pluginProblems, ...specProblems];
  if (all.length || !spec) throw new SpecErrors(all);
  // Everything downstream logs, stores or hashes the spec (spec.yaml artifacts, sweep state, plan
  // ids, reports): it gets the URI without its secrets, so none of them can leak it and a changed
  // password changes no trial id. Only the tracker is opened with the URI as written.
  const trackingUri = spec.tracking?.uri;
  if (trackingUri !== undefined && spec.tracking) {
    const safe = redactUri(trackingUri);
    if (safe !== trackingUri) {
      spec.tracking.uri = safe;
      text = text.split(trackingUri).join(safe);
      // Sweeps expand trials from the YAML document itself; only this scalar's value changes, so
      // every other node keeps its place for error messages.
      const node = source.document.getIn(['tracking', 'uri'], true);
      if (isScalar(node)) node.value = safe;
    }
  }
  return { file, baseDir, text, source, spec, trackingUri };
}

/** Load the modules named in the spec's `plugins:` list into the registry. */
function loadThirdPartyPlugins(source: SpecSource, baseDir: string, registry: PluginRegistry): SpecProblem[] {
  const raw = (source.document.toJS() as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(raw)) return [];
  const problems: SpecProblem[] = [];
  raw.forEach((name, i) => {
    if (typeof name !== 'string') return; // the envelope step reports it
    const at = offsetOf(source, ['plugins', i]);
    try {
      const isPath = name.startsWith('.') || path.isAbsolute(name);
      const resolved = isPath ? path.resolve(baseDir, name) : require.resolve(name, { paths: [baseDir, process.cwd()] });

      const exported = require(resolved) as Record<string, unknown>;
      const definitions = pluginDefinitionsOf(exported);
      if (!definitions.length) {
        problems.push(
          problemAt(
            source,
            at,
            'PLUGIN_MODULE_EMPTY',
            `plugin module "${name}" exports no plugins; export \`plugins: [definePlugin(...)]\` or a default definition`,
          ),
        );
        return;
      }
      for (const def of definitions) {
        const existing = registry.find(def.kind, def.name);
        if (existing === def) continue; // the same module listed twice
        if (existing) {
          problems.push(
            problemAt(
              source,
              at,
              'PLUGIN_DUPLICATE',
              `plugin module "${name}" defines ${def.kind} "${def.name}", which is already registered; rename it in the module`,
            ),
          );
          continue;
        }
        registry.register(def);
      }
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
      const message = missing
        ? `cannot find plugin module "${name}"; install it (npm install ${name}) or give a path relative to the spec file`
        : `plugin module "${name}" failed to load: ${(e as Error).message}`;
      problems.push(problemAt(source, at, missing ? 'PLUGIN_MODULE_MISSING' : 'PLUGIN_MODULE_FAILED', message));
    }
  });
  return problems;
}

function pluginDefinitionsOf(exported: Record<string, unknown>): PluginDefinition[] {
  const candidates = [exported.plugins, exported.default, exported].flatMap((v) => (Array.isArray(v) ? v : [v]));
  return candidates.filter(
    (v): v is PluginDefinition =>
      typeof v === 'object' && v !== null && typeof (v as PluginDefinition).create === 'function' && typeof (v as PluginDefinition).kind === 'string',
  );
}
