/**
 * Where a spec's plugin blocks are: used by the validator's steps and the pipeline checks, kept
 * apart from both so neither imports the other for it.
 */
import type { PluginKind } from '../plugin';
import { PIPELINE_SLOTS } from './envelope';
import type { PathSegment } from './source';
import type { ExperimentSpec, PluginBlock } from './validate';

/**
 * Every well-formed plugin block of a spec (a mapping with a string `type`) with its kind and its
 * place in the file. Tolerates a spec whose envelope is invalid: malformed parts are skipped (the
 * envelope step reports them).
 */
export function pluginBlocks(spec: ExperimentSpec): Array<{ kind: PluginKind; path: PathSegment[]; block: PluginBlock }> {
  const out: Array<{ kind: PluginKind; path: PathSegment[]; block: PluginBlock }> = [];
  const add = (kind: PluginKind, path: PathSegment[], block: unknown) => {
    if (isBlock(block)) out.push({ kind, path, block });
  };
  add('dataset', ['data'], spec.data);
  add('split', ['split'], spec.split);
  if (isObject(spec.pipelines)) {
    for (const [name, pipeline] of Object.entries(spec.pipelines)) {
      if (!isObject(pipeline)) continue;
      for (const slot of PIPELINE_SLOTS) add(slot.kind, ['pipelines', name, slot.key], pipeline[slot.key]);
      if (Array.isArray(pipeline.regularizers))
        pipeline.regularizers.forEach((block, i) => add('regularizer', ['pipelines', name, 'regularizers', i], block));
    }
  }
  return out;
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isBlock(value: unknown): value is PluginBlock {
  return isObject(value) && typeof value.type === 'string';
}
