/**
 * A sweep plan: every trial of a spec's `sweep:` block as a resolved, validated spec with its
 * content id, and the work units (trial × fold × seed) an executor runs. Plain JSON-able data, so a
 * plan can be frozen into a sweep's state folder and read back unchanged.
 */
import type { JsonValue } from '../plugin';
import type { ExperimentSpec } from '../spec/validate';
import type { SamplerConfig, SearchSpace } from '../search';
import type { DistributionName, PruningSpec, SelectGoal, SelectMetric } from './sweep-schema';

/** One swept setting, in the order the sweep block lists them (grid first, then random). */
export interface SweptParam {
  /** The dotted path as written in the sweep block, e.g. "pipelines.bow.model.C". */
  path: string;
  /** The same path as keys and list indices into the spec. */
  segments: Array<string | number>;
  source: 'grid' | 'random' | 'search';
  /** For random parameters (and search dimensions): how values are drawn. */
  distribution?: DistributionName;
}

export interface SweepTrial {
  /** 0-based, in expansion order: grid combinations (last path fastest), each with its random draws. */
  index: number;
  /** sha256 hex of the resolved spec (canonical JSON) and the data digest. */
  id: string;
  /** The shortest prefix of `id` (8 or more hex digits) that tells this plan's trials apart. */
  shortId: string;
  /** The swept values of this trial, by dotted path, in SweptParam order. */
  params: Record<string, JsonValue>;
  /** The resolved spec: the base spec with these values set, defaults filled in, no `sweep`. */
  spec: ExperimentSpec;
  /** Options written in the file that a plugin swap dropped (dotted paths); see trial-document.ts. */
  dropped: string[];
  /** Per pipeline, the id of its resolved settings (pipelines unchanged between trials share it). */
  pipelines: Record<string, string>;
  /** Set when an earlier trial resolves to the same spec: this one adds no work units. */
  duplicateOf?: number;
  /** An adaptive search suggested values no run could start with (a combination a plugin refuses): why; the trial has no work and counts as failed. */
  invalid?: string;
}

/** One pipeline's fit inside a work unit; equal ids mean equal fits, which need running once. */
export interface PlannedFit {
  pipeline: string;
  id: string;
}

/** A trial scored on one fold with one seed: the unit of work a sweep executor schedules. */
export interface WorkUnit {
  /** sha256 hex of the trial id, the fold (of `folds`) and the seed. */
  id: string;
  /** Index of the trial. */
  trial: number;
  /** 0-based fold of the k-fold split of the training rows; null when `folds` is 0 (one stratified holdout of the training rows). */
  fold: number | null;
  /** The seed of this repeat (the spec seed for the first). */
  seed: number;
  fits: PlannedFit[];
}

export interface SweepPlan {
  /** The spec file as given on the command line. */
  specFile: string;
  /** sha256 hex of the spec file's text the plan was made from. */
  specDigest: string;
  /** The digest of the rows the dataset yields (LoadedData.digest). */
  dataDigest: string;
  /** The spec's seed: random draws and the fold split derive from it. */
  seed: number;
  params: SweptParam[];
  trials: SweepTrial[];
  /** k of the k-fold split of the training rows; 0 = the spec's split only. */
  folds: number;
  /** The seed of each repeat, the first being the spec seed when `seeds` was a count. */
  seeds: number[];
  select: { metric: SelectMetric; goal: SelectGoal };
  pruning?: PruningSpec;
  /** Adaptive search: `trials` starts empty and grows as the sampler suggests (see sweep/search-trials.ts). */
  search?: SearchPlan;
  /** The sweep block's default for --workers, when it sets one. */
  workers?: number;
  /** Trial-major, then seed, then fold; trials that duplicate an earlier one have none. */
  units: WorkUnit[];
}

/** An adaptive search: the space, the sampler and the budget. */
export interface SearchPlan {
  sampler: SamplerConfig;
  /** Parameter names are the dotted paths of `params`. */
  space: SearchSpace;
  budget: { trials?: number; maxFits?: number; timeout?: number; target?: number };
  concurrentTrials: number;
  /** Trials that set every value at an end of its range (or each choice), checked by `mlspec plan`. */
  probes: number;
  /** Per pipeline: whether the space sets it, its model types, the most epochs a fit of it can train (models that train in epochs). */
  pipelines: Record<string, { searched: boolean; models: string[]; maxEpochs?: number }>;
}
