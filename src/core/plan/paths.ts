/**
 * Sweep paths: `pipelines.bow.model.C` → ['pipelines', 'bow', 'model', 'C']. Only pipeline settings
 * can be swept: data, split and seed define the rows every trial is scored on, and trials must be
 * compared on the same rows. The pipeline must exist and any list index must point at an existing
 * item; a key that does not exist yet is allowed (a default the file leaves out) — whether the
 * plugin knows it is judged by the spec validator, which suggests the closest known key.
 */
import { isAlias, isMap, isScalar, isSeq, type Document } from 'yaml';
import { closest, didYouMean } from '../did-you-mean';
import { envelopeSchema } from '../spec/envelope';
import type { PathSegment } from '../spec/source';

/** The spec's own top-level keys (the training schema does not matter for their names). */
const ENVELOPE_KEYS = Object.keys(envelopeSchema({ type: 'object' }).properties as object);

export type ResolvedPath = { ok: true; segments: PathSegment[] } | { ok: false; code: string; message: string };

/**
 * Resolve a dotted path against the spec as written. Pipeline names may contain dots, so the
 * longest pipeline name that the path starts with wins.
 */
export function resolveSweepPath(dotted: string, document: Document.Parsed): ResolvedPath {
  const parts = dotted.split('.');
  if (parts.some((p) => p === ''))
    return fail('SWEEP_PATH_INVALID', `"${dotted}" is not a dotted path (empty segment); write e.g. pipelines.bow.model.C`);
  const [root, ...rest] = parts;
  if (root !== 'pipelines') {
    if (ENVELOPE_KEYS.includes(root)) {
      return fail(
        'SWEEP_PATH_NOT_SWEEPABLE',
        `"${dotted}" cannot be swept: only settings under pipelines.<name> can; data, split and seed decide the rows every trial is scored on (use sweep.seeds to repeat with other seeds)`,
      );
    }
    const hint = closest(root, ['pipelines']) ? ' (did you mean "pipelines"?)' : '';
    return fail('SWEEP_PATH_UNKNOWN', `"${dotted}" does not start at a pipeline${hint}; sweep paths look like pipelines.<name>.model.<option>`);
  }
  const pipelines = document.getIn(['pipelines'], true);
  const names = isMap(pipelines) ? pipelines.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
  const name = longestPrefixName(rest, names);
  if (name === undefined) {
    const guess = rest[0] ?? '';
    return fail(
      'SWEEP_PATH_UNKNOWN',
      rest.length
        ? `no pipeline "${guess}" in this spec${didYouMean(guess, names)}; pipelines: ${names.join(', ')}`
        : `"${dotted}" names no pipeline; sweep paths look like pipelines.<name>.model.<option>`,
    );
  }
  const inside = rest.slice(name.split('.').length);
  const segments: PathSegment[] = ['pipelines', name];
  let node: unknown = isMap(pipelines) ? pipelines.get(name, true) : undefined;
  for (let i = 0; i < inside.length; i++) {
    const key = inside[i];
    const here = [...segments].join('.');
    node = isAlias(node) ? node.resolve(document) : node;
    if (node === undefined) {
      // Created by the trial: the validator names the key if it is not a known one. A list cannot
      // be created item by item, so an index into a missing list is refused here.
      const parent = segments[segments.length - 1];
      if (/^\d+$/.test(key)) {
        return fail(
          'SWEEP_PATH_UNKNOWN',
          `"${dotted}": ${here} is not in the spec, so it has no item ${key}; write the ${String(parent)} list in the spec and sweep its items`,
        );
      }
      segments.push(key);
      continue;
    }
    if (isSeq(node)) {
      const index = /^\d+$/.test(key) ? Number(key) : NaN;
      if (!(index < node.items.length)) {
        const has = node.items.length ? `items 0 to ${node.items.length - 1}` : 'no items';
        return fail('SWEEP_PATH_UNKNOWN', `"${dotted}": ${here} is a list with ${has}; "${key}" is not one of them`);
      }
      segments.push(index);
      node = node.items[index];
    } else if (isMap(node)) {
      segments.push(key);
      node = node.get(key, true);
    } else {
      const value = isScalar(node) ? node.value : node;
      return fail('SWEEP_PATH_UNKNOWN', `"${dotted}": ${here} is ${describeScalar(value)}, not a mapping, so it has no "${key}"`);
    }
  }
  return { ok: true, segments };
}

function longestPrefixName(rest: string[], names: string[]): string | undefined {
  for (let n = rest.length; n >= 1; n--) {
    const candidate = rest.slice(0, n).join('.');
    if (names.includes(candidate)) return candidate;
  }
  return undefined;
}

function describeScalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function fail(code: string, message: string): ResolvedPath {
  return { ok: false, code, message };
}

/** Two paths of which one lies inside the other cannot both be swept: which would win is unclear. */
export function isPrefixOf(outer: readonly PathSegment[], inner: readonly PathSegment[]): boolean {
  return outer.length < inner.length && outer.every((s, i) => String(s) === String(inner[i]));
}
