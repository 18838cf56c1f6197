/** Sweep planning: the `sweep:` block expanded into validated trials and work units. */
export { planSweep, repeatSeeds, SearchTrialBuilder, sweepOf, workUnits, type PlanContext } from './expand';
export { estimateWork, type PipelineWork, type WorkEstimate } from './estimate';
export { FROZEN_PLAN_FILE, freezePlan, readFrozenPlan, thawPlan, writeFrozenPlan } from './freeze';
export { canonicalJson, fitId, pipelineId, SHORT_ID_LENGTH, trialId, unitId } from './identity';
export { loadDataDigest, planCommand } from './plan-command';
export { formatPlanTable } from './plan-table';
export {
  sweepSchema,
  SELECT_METRICS,
  type SweepSpec,
  type Distribution,
  type SelectMetric,
  type SelectGoal,
  type PruningSpec,
  type SearchSpec,
} from './sweep-schema';
export type { PlannedFit, SearchPlan, SweepPlan, SweptParam, SweepTrial, WorkUnit } from './types';
