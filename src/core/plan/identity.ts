/**
 * Content identity of sweep work. A trial is named by what it computes — its resolved spec and the
 * data it reads — not by its position in the sweep block, so reordering YAML keys, reformatting
 * the file or reordering grid values never renames a trial, and any change of a resolved value does.
 * A resumed sweep finds its finished work by these ids.
 */
import { createHash } from 'node:crypto';

/** Shortest displayed prefix of an id. */
export const SHORT_ID_LENGTH = 8;

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot give ${value} a canonical JSON form`);
    if (value === undefined) throw new TypeError('cannot give undefined a canonical JSON form');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 of the resolved trial spec (canonical JSON) and the digest of the rows it reads. */
export function trialId(spec: unknown, dataDigest: string): string {
  return sha256(`${canonicalJson(spec)}\0${dataDigest}`);
}

/** One work unit: a trial scored on one fold (null: the spec's own split) with one seed. */
export function unitId(trial: string, fold: number | null, folds: number, seed: number): string {
  return sha256(`${trial}\0${foldLabel(fold, folds)}\0seed ${seed}`);
}

/**
 * What determines one pipeline's results: its resolved settings, the rows (data, split, seed, digest)
 * and the plugins and backend that compute them — but not the pipeline's name, the experiment's
 * name or its tracking. Trials that differ only in another pipeline's settings give this pipeline
 * the same id, so an executor can fit it once and reuse the result.
 */
export function pipelineId(
  spec: { seed: number; data: unknown; split: unknown; backend: string; plugins: string[]; pipelines: Record<string, unknown> },
  pipeline: string,
  dataDigest: string,
): string {
  // The spec seed stays in: it seeds the split (and the folds) unless the split names its own.
  const what = {
    pipeline: spec.pipelines[pipeline],
    seed: spec.seed,
    data: spec.data,
    split: spec.split,
    backend: spec.backend,
    plugins: spec.plugins,
  };
  return sha256(`${canonicalJson(what)}\0${dataDigest}`);
}

/** One pipeline fitted on one fold with one seed. */
export function fitId(pipeline: string, fold: number | null, folds: number, seed: number): string {
  return sha256(`${pipeline}\0${foldLabel(fold, folds)}\0seed ${seed}`);
}

function foldLabel(fold: number | null, folds: number): string {
  return fold === null ? 'split' : `fold ${fold} of ${folds}`;
}

/** The shortest prefix length (at least SHORT_ID_LENGTH) that tells all the distinct ids apart. */
export function shortIdLength(ids: readonly string[]): number {
  const distinct = [...new Set(ids)];
  for (let length = SHORT_ID_LENGTH; length < 64; length++) {
    if (new Set(distinct.map((id) => id.slice(0, length))).size === distinct.length) return length;
  }
  return 64;
}
