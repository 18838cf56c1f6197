/**
 * From a loaded spec with a `sweep:` block to a SweepPlan: every trial expanded (grid × random
 * draws), each trial's resolved spec validated with the same two-step validator as a spec file and
 * its plugins created (which checks constraints between options), every problem reported at once
 * and located at the swept value or path in the sweep block that causes it — before anything runs.
 * Pure: no files written, no data read (the caller passes the data digest).
 */
import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { SpecErrors, type SpecProblem } from '../errors';
import type { JsonValue } from '../plugin';
import { seedStream } from '../random';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import { locationOf, offsetOf, problemAt, type PathSegment, type SpecSource } from '../spec/source';
import type { ExperimentSpec, SpecValidator } from '../spec/validate';
import { distributionName, distributionProblem, draw, sweepRandomState } from './distributions';
import { fitId, pipelineId, shortIdLength, trialId, unitId } from './identity';
import { isPrefixOf, resolveSweepPath } from './paths';
import type { Parameter, ParamValue, SearchSpace } from '../search';
import { conditionProblem, distributionKey, probeAssignments, toDimension } from './search-space';
import type { Distribution, SearchDimensionSpec, SelectGoal, SweepSpec } from './sweep-schema';
import { buildTrialDocument, scalarAt, withoutAliases, type Placement } from './trial-document';
import { mergeTrialProblems, type TrialSites } from './trial-problems';
import type { SearchPlan, SweepPlan, SweptParam, SweepTrial, WorkUnit } from './types';

export interface PlanContext {
  validator: SpecValidator;
  /** The registry the spec was loaded with (it knows the spec's third-party plugins). */
  registry: PluginRegistry;
  /** LoadedData.digest of the spec's dataset: part of every trial id. */
  dataDigest: string;
}

type Range = [number, number, number];

/** Where a swept parameter's values come from in the file. */
interface ParamSite {
  param: SweptParam;
  keyRange: Range;
  /** Grid: the values and their nodes, in order. */
  grid?: Array<{ value: JsonValue; node: Node }>;
  /** Random: the distribution, its node, and the nodes of a choice's items. */
  random?: { distribution: Distribution; node: Node; choices: Node[] };
  /** Search: the dimension as written, its node, and the nodes of a choice's items. */
  search?: { spec: SearchDimensionSpec; node: Node; choices: Node[]; dimension?: import('../search').Dimension };
}

/** The `sweep:` block of a validated spec (defaults filled in), if it has one. */
export function sweepOf(spec: ExperimentSpec): SweepSpec | undefined {
  return (spec as ExperimentSpec & { sweep?: SweepSpec }).sweep;
}

/** The seeds of the repeats: the spec seed first, then independent seeds derived from it. */
export function repeatSeeds(specSeed: number, seeds: number | number[]): number[] {
  if (Array.isArray(seeds)) return [...seeds];
  const out = [specSeed];
  for (let i = 1; out.length < seeds; i++) {
    const seed = seedStream(specSeed, `sweep-repeat-${i}`);
    if (!out.includes(seed)) out.push(seed);
  }
  return out;
}

export function planSweep(loaded: LoadedSpec, context: PlanContext): SweepPlan {
  const { spec, source } = loaded;
  const sweep = sweepOf(spec);
  const prepared = withoutAliases(source.document);
  const problems: SpecProblem[] = [];
  const sites = collectParams(source, prepared, sweep, problems);
  const select = selection(source, sweep, problems);
  const folds = sweep?.folds ?? 0;
  if (folds === 1) {
    problems.push(
      problemAt(
        source,
        offsetOf(source, ['sweep', 'folds']),
        'SWEEP_FOLDS',
        'folds: 1 leaves no rows to validate on; use 2 or more, or 0 to score trials on a holdout of the training rows',
      ),
    );
  }
  const search = sweep?.search ? searchPlan(source, sweep, sites, problems) : undefined;
  // Trials are still expanded and checked without the parameters refused above, so one run of
  // `mlspec plan` shows every problem in the file. An adaptive search has no trials yet: its
  // probes (every value at an end of its range) are checked instead.
  if (search) {
    const probes = probeAssignments(search.space).map((values) => searchPlacements(sites, values));
    const built = probes.map((placements, index) => resolveTrial(loaded, prepared, placements, index, context));
    const found = built.flatMap((b) => b.problems.map((problem) => ({ trial: b.index, problem })));
    if (problems.length || found.length) {
      const merged = mergeTrialProblems(
        found,
        built.map((b) => b.sites),
      ).map((p) => ({ ...p, message: p.message.replace(/ \[in (?:every trial|trials? [^:\]]*)(?:: )?/, ' [') }));
      throw new SpecErrors(sortProblems([...problems, ...merged.map((p) => ({ ...p, message: p.message.replace(/ \[\]$/, '') }))]));
    }
    search.probes = probes.length;
    const searched = new Set(sites.filter((s) => s.search).map((s) => String(s.param.segments[1])));
    for (const b of built) {
      for (const [name, pipeline] of Object.entries(b.spec!.pipelines)) {
        const entry = (search.pipelines[name] ??= { searched: searched.has(name), models: [] });
        if (!entry.models.includes(pipeline.model.type)) entry.models.push(pipeline.model.type);
        const epochs = pipeline.training?.epochs;
        if (typeof epochs === 'number') entry.maxEpochs = Math.max(entry.maxEpochs ?? 0, epochs);
      }
    }
  }
  const assignments = search ? [] : expandAssignments(sites, sweep, spec.seed);
  const built = assignments.map((placements, index) => resolveTrial(loaded, prepared, placements, index, context));
  const found = built.flatMap((b) => b.problems.map((problem) => ({ trial: b.index, problem })));
  if (problems.length || found.length) {
    throw new SpecErrors(
      sortProblems([
        ...problems,
        ...mergeTrialProblems(
          found,
          built.map((b) => b.sites),
        ),
      ]),
    );
  }

  const trials = identify(built, context.dataDigest);
  const seeds = repeatSeeds(spec.seed, sweep?.seeds ?? 1);
  const plan: SweepPlan = {
    specFile: loaded.file,
    specDigest: createHash('sha256').update(loaded.text, 'utf8').digest('hex'),
    dataDigest: context.dataDigest,
    seed: spec.seed,
    params: sites.map((s) => s.param),
    trials,
    folds,
    seeds,
    select,
    units: workUnits(trials, folds, seeds),
  };
  if (sweep?.pruning) plan.pruning = { ...sweep.pruning };
  if (search) plan.search = search;
  if (sweep?.workers !== undefined) plan.workers = sweep.workers;
  return plan;
}

/** The search block as a SearchPlan; its problems (bounds, conditions, grid or random beside it) go to `problems`. */
function searchPlan(source: SpecSource, sweep: SweepSpec, sites: ParamSite[], problems: SpecProblem[]): SearchPlan | undefined {
  const search = sweep.search!;
  for (const other of ['grid', 'random'] as const) {
    if (sweep[other])
      problems.push(
        problemAt(
          source,
          offsetOf(source, ['sweep', other], 'key'),
          'SWEEP_SEARCH_EXCLUSIVE',
          `sweep.${other} and sweep.search cannot be combined; put the ${other} settings into search.space (choice: [...] for a list of values)`,
        ),
      );
  }
  if (search.trials === undefined && search.maxFits === undefined && search.timeout === undefined) {
    problems.push(
      problemAt(
        source,
        offsetOf(source, ['sweep', 'search'], 'key'),
        'SWEEP_SEARCH_BUDGET',
        'an adaptive search needs a budget: set trials, maxFits or timeout',
      ),
    );
  }
  const parameters: Parameter[] = [];
  for (const site of sites.filter((s) => s.search)) {
    const dimension = site.search!.dimension;
    if (!dimension) continue;
    const parameter: Parameter = {
      name: site.param.path,
      dimension,
      ...(site.search!.spec.when ? { when: site.search!.spec.when as Record<string, ParamValue[]> } : {}),
    };
    const problem = conditionProblem(parameter, parameters);
    if (problem) {
      problems.push(problemAt(source, offsetOf(source, ['sweep', 'search', 'space', site.param.path, 'when']), 'SWEEP_SEARCH_CONDITION', problem));
      continue;
    }
    parameters.push(parameter);
  }
  const space: SearchSpace = { parameters };
  const budget: SearchPlan['budget'] = {};
  for (const key of ['trials', 'maxFits', 'timeout', 'target'] as const) if (search[key] !== undefined) budget[key] = search[key];
  return { sampler: search.sampler ?? { type: 'random' }, space, budget, concurrentTrials: search.concurrentTrials ?? 4, probes: 0, pipelines: {} };
}

/** The placements of one assignment of search values (each value placed at its dimension, or at the choice it is). */
function searchPlacements(sites: ParamSite[], values: Readonly<Record<string, ParamValue>>): Placement[] {
  const out: Placement[] = [];
  for (const site of sites) {
    if (!site.search || !(site.param.path in values)) continue;
    const value = values[site.param.path] as JsonValue;
    const { spec, node, choices } = site.search;
    const index = spec.choice ? spec.choice.findIndex((c) => canonical(c) === canonical(value)) : -1;
    const at = index >= 0 ? choices[index] : undefined;
    out.push(placement(site, value, at ?? scalarAt(value, node.range as Range)));
  }
  return out;
}

function canonical(value: JsonValue): string {
  return JSON.stringify(value);
}

/**
 * Builds the trials an adaptive search suggests while the sweep runs, with the same checks and ids
 * as a planned trial. Made from the spec frozen with the plan.
 */
export class SearchTrialBuilder {
  private readonly prepared: Document.Parsed;
  private readonly sites: ParamSite[];

  constructor(
    private readonly loaded: LoadedSpec,
    private readonly context: PlanContext,
  ) {
    this.prepared = withoutAliases(loaded.source.document);
    const problems: SpecProblem[] = [];
    this.sites = collectParams(loaded.source, this.prepared, sweepOf(loaded.spec), problems).filter((s) => s.search);
    if (problems.length) throw new SpecErrors(problems);
  }

  /** The spec as written, without its sweep block (what a trial no run can start with stands on). */
  get baseSpec(): ExperimentSpec {
    const { sweep: _sweep, ...spec } = this.loaded.spec as ExperimentSpec & { sweep?: unknown };
    return spec as ExperimentSpec;
  }

  /** Trial `index` with these values: the trial, or the problems that refuse it (a combination no plugin accepts). */
  build(index: number, values: Readonly<Record<string, ParamValue>>): { trial?: SweepTrial; problems: SpecProblem[] } {
    const built = resolveTrial(this.loaded, this.prepared, searchPlacements(this.sites, values), index, this.context);
    if (built.problems.length || !built.spec) return { problems: built.problems };
    const [trial] = identify([built], this.context.dataDigest);
    return { trial: { ...trial, index, shortId: trial.id.slice(0, 8) }, problems: [] };
  }
}

/** Resolve every swept path and read its values' positions; path and distribution problems go to `problems`. */
function collectParams(source: SpecSource, prepared: Document.Parsed, sweep: SweepSpec | undefined, problems: SpecProblem[]): ParamSite[] {
  const sites: ParamSite[] = [];
  const add = (param: Omit<SweptParam, 'segments'>, at: PathSegment[], build: (valueNode: Node) => Omit<ParamSite, 'param' | 'keyRange'>) => {
    const keyOffset = offsetOf(source, at, 'key');
    const resolved = resolveSweepPath(param.path, source.document);
    if (!resolved.ok) {
      problems.push(problemAt(source, keyOffset, resolved.code, resolved.message));
      return;
    }
    const pair = pairAt(prepared, at);
    if (!pair) throw new Error(`the sweep block has no ${at.join('.')}`);
    sites.push({ param: { ...param, segments: resolved.segments }, keyRange: pair.keyRange, ...build(pair.value) });
  };
  for (const [path, values] of Object.entries(sweep?.grid ?? {})) {
    add({ path, source: 'grid' }, ['sweep', 'grid', path], (node) => ({
      grid: values.map((value, i) => ({ value, node: (isSeq(node) ? node.items[i] : node) as Node })),
    }));
  }
  for (const [path, distribution] of Object.entries(sweep?.random?.params ?? {})) {
    const name = distributionName(distribution);
    const at: PathSegment[] = ['sweep', 'random', 'params', path];
    const problem = distributionProblem(distribution);
    if (problem) {
      problems.push(problemAt(source, offsetOf(source, [...at, name]), 'SWEEP_DISTRIBUTION', problem));
      continue;
    }
    if (sweep?.grid && path in sweep.grid) {
      problems.push(
        problemAt(source, offsetOf(source, at, 'key'), 'SWEEP_PATH_DUPLICATE', `"${path}" is swept in both grid and random; keep it in one of them`),
      );
      continue;
    }
    add({ path, source: 'random', distribution: name }, at, (node) => {
      const choiceNode = isMap(node) ? node.get('choice', true) : undefined;
      return { random: { distribution, node, choices: isSeq(choiceNode) ? (choiceNode.items as Node[]) : [] } };
    });
  }
  for (const [path, spec] of Object.entries(sweep?.search?.space ?? {})) {
    const at: PathSegment[] = ['sweep', 'search', 'space', path];
    const made = toDimension(spec);
    if ('problem' in made) {
      problems.push(problemAt(source, offsetOf(source, made.at ? [...at, made.at] : at), 'SWEEP_DISTRIBUTION', made.problem));
      continue;
    }
    add({ path, source: 'search', distribution: distributionKey(spec) }, at, (node) => {
      const choiceNode = isMap(node) ? node.get('choice', true) : undefined;
      return { search: { spec, node, choices: isSeq(choiceNode) ? (choiceNode.items as Node[]) : [], dimension: made.dimension } };
    });
  }
  const overlapping = new Set<ParamSite>();
  for (const inner of sites) {
    const outer = sites.find(
      (o) =>
        o !== inner && (isPrefixOf(o.param.segments, inner.param.segments) || (sameSegments(o, inner) && sites.indexOf(o) < sites.indexOf(inner))),
    );
    if (!outer) continue;
    overlapping.add(inner);
    const at =
      inner.param.source === 'grid'
        ? ['sweep', 'grid', inner.param.path]
        : inner.param.source === 'search'
          ? ['sweep', 'search', 'space', inner.param.path]
          : ['sweep', 'random', 'params', inner.param.path];
    const message = sameSegments(outer, inner)
      ? `"${inner.param.path}" sets the same setting as "${outer.param.path}"; sweep it once`
      : `"${inner.param.path}" lies inside "${outer.param.path}", which is swept too; sweep the whole block or its options, not both`;
    problems.push(problemAt(source, offsetOf(source, at, 'key'), 'SWEEP_PATH_OVERLAP', message));
  }
  return sites.filter((s) => !overlapping.has(s));
}

function sameSegments(a: ParamSite, b: ParamSite): boolean {
  return a.param.segments.length === b.param.segments.length && a.param.segments.every((s, i) => String(s) === String(b.param.segments[i]));
}

/** The key's position and the value node of the pair at `path` in the document. */
function pairAt(document: Document.Parsed, path: PathSegment[]): { keyRange: Range; value: Node } | undefined {
  const parent = document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
  const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
  if (!pair || !range) return undefined;
  return { keyRange: [...range] as Range, value: pair.value as Node };
}

function selection(source: SpecSource, sweep: SweepSpec | undefined, problems: SpecProblem[]): SweepPlan['select'] {
  const metric = sweep?.select.metric ?? 'val_accuracy';
  const natural: SelectGoal = metric === 'val_loss' ? 'min' : 'max';
  const goal = sweep?.select.goal ?? natural;
  if (goal !== natural) {
    const why = natural === 'min' ? 'lower loss is better' : 'higher is better';
    problems.push(
      problemAt(
        source,
        offsetOf(source, ['sweep', 'select', 'goal']),
        'SWEEP_SELECT_GOAL',
        `${metric} must be ${natural === 'min' ? 'minimised' : 'maximised'} (${why}); use goal: ${natural} or leave goal out`,
      ),
    );
  }
  return { metric, goal };
}

/**
 * Each trial's placements, in trial order: the grid's cartesian product (file order, the last
 * path fastest), each combination with `random.trials` fresh draws; each random path draws from
 * its own stream per combination (see randomStreamLabel), one value per trial.
 */
function expandAssignments(sites: ParamSite[], sweep: SweepSpec | undefined, specSeed: number): Placement[][] {
  const gridSites = sites.filter((s) => s.grid);
  const randomSites = sites.filter((s) => s.random);
  let combos: Placement[][] = [[]];
  for (const site of gridSites) {
    combos = combos.flatMap((combo) => site.grid!.map(({ value, node }) => [...combo, placement(site, value, node)]));
  }
  if (!sweep?.random) return combos;
  return combos.flatMap((combo) => {
    const gridValues = Object.fromEntries(combo.map((p) => [p.path, p.value]));
    const streams = randomSites.map((site) => sweepRandomState(specSeed, site.param.path, gridValues));
    return Array.from({ length: sweep.random!.trials }, () => [
      ...combo,
      ...randomSites.map((site, i) => {
        const { distribution, node, choices } = site.random!;
        const { value, choiceIndex } = draw(distribution, streams[i]);
        const chosen = choiceIndex !== undefined ? choices[choiceIndex] : undefined;
        return placement(site, value, chosen ?? scalarAt(value, node.range as Range));
      }),
    ]);
  });
}

function placement(site: ParamSite, value: JsonValue, node: Node): Placement {
  return { path: site.param.path, segments: site.param.segments, value, node, keyRange: site.keyRange };
}

interface BuiltTrial {
  index: number;
  placements: Placement[];
  sites: TrialSites;
  spec?: ExperimentSpec;
  dropped: string[];
  problems: SpecProblem[];
}

function resolveTrial(loaded: LoadedSpec, prepared: Document.Parsed, placements: Placement[], index: number, context: PlanContext): BuiltTrial {
  const { document, dropped } = buildTrialDocument(prepared, placements, context.registry);
  const source: SpecSource = { ...loaded.source, document };
  const params = Object.fromEntries(placements.map((p) => [p.path, p.value]));
  const values = new Map<string, string>();
  for (const p of placements) {
    const start = p.node.range?.[0];
    if (start === undefined) continue;
    const { line, col } = locationOf(source, start);
    values.set(`${line}:${col}`, p.path);
  }
  const sites: TrialSites = { params, values };
  // The validator also creates every plugin of the trial: `create` checks what a schema cannot,
  // so a combination no run could start is refused now, not mid-sweep.
  const { spec, problems } = context.validator.validate(source, {
    baseDir: loaded.baseDir,
    createFallback: (site) => sweptValueIn(site.path, placements),
  });
  return { index, placements, sites, spec, dropped, problems };
}

/**
 * Where a plugin's refusal that names no option points in a trial: the first swept value inside
 * the block (the base spec alone did not make this combination); else the block.
 */
function sweptValueIn(block: readonly PathSegment[], placements: Placement[]): number | undefined {
  const inside = placements.find((p) => isPrefixOf(block, p.segments) || isPrefixOf(p.segments, block) || p.segments.join('.') === block.join('.'));
  return inside?.node.range?.[0];
}

function identify(built: BuiltTrial[], dataDigest: string): SweepTrial[] {
  const ids = built.map((b) => trialId(b.spec, dataDigest));
  const length = shortIdLength(ids);
  const first = new Map<string, number>();
  return built.map((b, i) => {
    const spec = b.spec!;
    const trial: SweepTrial = {
      index: b.index,
      id: ids[i],
      shortId: ids[i].slice(0, length),
      params: b.sites.params,
      spec,
      dropped: b.dropped,
      pipelines: Object.fromEntries(Object.keys(spec.pipelines).map((name) => [name, pipelineId(spec, name, dataDigest)])),
    };
    const earlier = first.get(ids[i]);
    if (earlier === undefined) first.set(ids[i], b.index);
    else trial.duplicateOf = earlier;
    return trial;
  });
}

/** Trial-major, then seed, then fold: a trial's folds finish together, so its score is known early. */
export function workUnits(trials: readonly SweepTrial[], folds: number, seeds: readonly number[]): WorkUnit[] {
  const foldList: Array<number | null> = folds > 0 ? Array.from({ length: folds }, (_, f) => f) : [null];
  const units: WorkUnit[] = [];
  for (const trial of trials) {
    if (trial.duplicateOf !== undefined) continue;
    for (const seed of seeds) {
      for (const fold of foldList) {
        units.push({
          id: unitId(trial.id, fold, folds, seed),
          trial: trial.index,
          fold,
          seed,
          fits: Object.entries(trial.pipelines).map(([pipeline, id]) => ({ pipeline, id: fitId(id, fold, folds, seed) })),
        });
      }
    }
  }
  return units;
}

function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  return [...problems].sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
}
