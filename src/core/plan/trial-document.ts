/**
 * One trial's spec as a YAML document: the spec file's document with the swept values put in at
 * their paths and the `sweep` block removed. Every node put in carries the position of the value
 * it came from in the sweep block (new keys carry the position of the sweep path), so the spec
 * validator, run on this document, reports a bad swept value at that value in the file and a bad
 * path at that path — while problems with untouched settings stay where they are written.
 *
 * Swapping a plugin (`…type` swept) keeps the options written in the file that the new plugin
 * also has (counts → tfidf keeps ngramRange and maxFeatures), drops the written ones it does not
 * have (tfidf → counts drops sublinearTf, which would otherwise make the combination invalid), and
 * never drops an option the sweep itself sets: a swept option the new plugin lacks is reported,
 * because a sweep that silently ignored one of its own settings would not run what it says. A kept
 * option whose value the new plugin refuses is reported too, at the option, naming the trials.
 * Options the file leaves out take the new plugin's defaults. A plugin whose schema accepts any
 * key keeps them all. Sweeping a whole block (`pipelines.bow.featurizer: [{…}, {…}]`) replaces it.
 */
import { isMap, isScalar, isSeq, Pair, Scalar, visit, YAMLMap, type Document, type Node } from 'yaml';
import type { JsonValue, PluginKind } from '../plugin';
import type { PluginRegistry } from '../registry';
import { PIPELINE_SLOTS } from '../spec/envelope';
import type { PathSegment } from '../spec/source';
import { trainingOptionsSchema } from '../train/options';

type Range = [number, number, number];

/** One swept value to put into a trial. */
export interface Placement {
  /** The dotted path as written in the sweep block. */
  path: string;
  segments: readonly PathSegment[];
  value: JsonValue;
  /** The node to put in (its range is the position of the value in the sweep block). */
  node: Node;
  /** Position of the path (the key in the sweep block): given to keys and mappings the trial creates. */
  keyRange: Range;
}

/**
 * A copy of the spec document with every alias replaced by a copy of what it names, so setting a
 * value under one pipeline never changes another pipeline that shares the block through an anchor.
 */
export function withoutAliases(document: Document.Parsed): Document.Parsed {
  const copy = document.clone() as Document.Parsed;
  visit(copy, {
    Alias(_, alias) {
      const source = alias.resolve(copy);
      if (!source) return undefined;
      const replacement = source.clone() as Node;
      replacement.anchor = undefined;
      return replacement;
    },
  });
  return copy;
}

/** The prepared document without its sweep block, made once per document. */
const sweepless = new WeakMap<Document.Parsed, Document.Parsed>();

/**
 * `prepared` without the sweep block: each trial clones this, not the whole spec, whose sweep block
 * grows with the sweep (a grid of n values cloned for each of n trials made planning O(n²)).
 */
function withoutSweep(prepared: Document.Parsed): Document.Parsed {
  let base = sweepless.get(prepared);
  if (!base) {
    base = prepared.clone() as Document.Parsed;
    base.delete('sweep');
    sweepless.set(prepared, base);
  }
  return base;
}

/**
 * The trial's document and the options dropped by plugin swaps (as dotted paths). `prepared` is
 * the spec's document after `withoutAliases`; it is not modified.
 */
export function buildTrialDocument(
  prepared: Document.Parsed,
  placements: readonly Placement[],
  registry: PluginRegistry,
): { document: Document.Parsed; dropped: string[] } {
  const document = withoutSweep(prepared).clone() as Document.Parsed;
  // Shorter paths first: a swapped `type` is in place before options under it look up its schema.
  const ordered = [...placements].sort((a, b) => a.segments.length - b.segments.length);
  for (const p of ordered) place(document, p, registry);
  const dropped = dropForeignOptions(prepared, document, placements, registry);
  return { document, dropped };
}

function place(document: Document.Parsed, p: Placement, registry: PluginRegistry): void {
  let parent: unknown = document.contents;
  for (let i = 0; i < p.segments.length - 1; i++) {
    const segment = p.segments[i];
    let child = childOf(parent, segment);
    if (child === undefined) {
      const seeded = objectDefault(document, p.segments.slice(0, i + 1), registry);
      const created = document.createNode(seeded ?? {}) as YAMLMap;
      created.range = [...p.keyRange];
      setChild(parent, segment, created, p.keyRange);
      child = created;
    }
    parent = child;
  }
  const node = p.node.clone() as Node;
  setChild(parent, p.segments[p.segments.length - 1], node, p.keyRange);
}

function childOf(parent: unknown, segment: PathSegment): unknown {
  if (isMap(parent)) return parent.get(String(segment), true) ?? undefined;
  if (isSeq(parent)) return parent.items[Number(segment)];
  return undefined;
}

function setChild(parent: unknown, segment: PathSegment, node: Node, keyRange: Range): void {
  if (isSeq(parent)) {
    parent.items[Number(segment)] = node;
    return;
  }
  if (!isMap(parent))
    throw new Error(`cannot set "${String(segment)}": its parent is not a mapping (the path resolver should have refused this path)`);
  const existing = parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment));
  if (existing) {
    existing.value = node;
    return;
  }
  const key = new Scalar(String(segment));
  key.range = [...keyRange];
  parent.items.push(new Pair(key, node));
}

/** The plugin kind of the block at `path`, when `path` is a pipeline's plugin block. */
export function blockKindAt(path: readonly PathSegment[]): PluginKind | undefined {
  if (path[0] !== 'pipelines') return undefined;
  if (path.length === 3) return PIPELINE_SLOTS.find((s) => s.key === path[2])?.kind;
  if (path.length === 4 && path[2] === 'regularizers') return 'regularizer';
  return undefined;
}

/**
 * The schema default of the mapping at `path` when it is an object (e.g. training.optimizer's
 * `{ type: adam }`): a mapping the trial has to create starts from it, so sweeping
 * `training.optimizer.learningRate` in a spec that leaves the optimizer out means "the default
 * optimizer with this learning rate", not "an optimizer without a type".
 */
function objectDefault(document: Document.Parsed, path: readonly PathSegment[], registry: PluginRegistry): JsonValue | undefined {
  let schema: Record<string, any> | undefined;
  let rest: readonly PathSegment[];
  if (path[2] === 'training') {
    schema = trainingOptionsSchema;
    rest = path.slice(3);
  } else {
    const blockLength = path[2] === 'regularizers' ? 4 : 3;
    const kind = blockKindAt(path.slice(0, blockLength));
    const type = document.getIn([...path.slice(0, blockLength), 'type']);
    schema = kind && typeof type === 'string' ? registry.find(kind, type)?.optionsSchema : undefined;
    rest = path.slice(blockLength);
  }
  if (!rest.length) return undefined;
  for (const segment of rest) schema = schema?.properties?.[String(segment)];
  const value = schema?.default;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (JSON.parse(JSON.stringify(value)) as JsonValue) : undefined;
}

/** Apply the swap rule (see the file comment); returns the dropped options as dotted paths. */
function dropForeignOptions(
  prepared: Document.Parsed,
  document: Document.Parsed,
  placements: readonly Placement[],
  registry: PluginRegistry,
): string[] {
  const dropped: string[] = [];
  for (const p of placements) {
    const block = p.segments.slice(0, -1);
    const kind = blockKindAt(block);
    if (p.segments[p.segments.length - 1] !== 'type' || !kind || typeof p.value !== 'string') continue;
    if (prepared.getIn([...block, 'type']) === p.value) continue;
    const def = registry.find(kind, p.value);
    const schema = def?.optionsSchema;
    // An unknown plugin is reported by the validator; a plugin that accepts any key keeps them all.
    if (!schema || schema.additionalProperties !== false) continue;
    const known = new Set(Object.keys(schema.properties ?? {}));
    const node = document.getIn(block, true);
    if (!isMap(node)) continue;
    const sweptHere = new Set(
      placements.filter((q) => q.segments.length > block.length && sameStart(q.segments, block)).map((q) => String(q.segments[block.length])),
    );
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (key === 'type' || known.has(key) || sweptHere.has(key)) continue;
      node.delete(key);
      dropped.push([...block, key].join('.'));
    }
  }
  return dropped;
}

function sameStart(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.every((s, i) => String(s) === String(path[i]));
}

/** A scalar node for a drawn value, placed at `range` (the distribution in the sweep block). */
export function scalarAt(value: JsonValue, range: Range): Node {
  const node = new Scalar(value);
  node.range = [...range];
  return node;
}
