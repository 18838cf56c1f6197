/**
 * A plan frozen into a sweep's state folder when the sweep starts: a resumed sweep reads this copy,
 * so editing the spec file mid-sweep cannot leak into trials already planned. Reading it back
 * recomputes every id from the stored specs, so a damaged or hand-edited plan is refused instead of
 * mixing results of different specs under one id.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors';
import { writeFileAtomic } from '../tracking/atomic-files';
import { workUnits } from './expand';
import { canonicalJson, pipelineId, shortIdLength, trialId } from './identity';
import type { SweepPlan } from './types';

export const FROZEN_PLAN_FORMAT = 'mlspec-sweep-plan';
export const FROZEN_PLAN_VERSION = 1;
/** The frozen plan's name inside a sweep's state folder. */
export const FROZEN_PLAN_FILE = 'plan.json';

interface FrozenPlan {
  format: typeof FROZEN_PLAN_FORMAT;
  version: number;
  plan: SweepPlan;
}

export function freezePlan(plan: SweepPlan): string {
  const frozen: FrozenPlan = { format: FROZEN_PLAN_FORMAT, version: FROZEN_PLAN_VERSION, plan };
  return `${JSON.stringify(frozen, null, 2)}\n`;
}

/** The plan in `text` (as written by freezePlan); `file` names it in error messages. */
export function thawPlan(text: string, file = FROZEN_PLAN_FILE): SweepPlan {
  let frozen: Partial<FrozenPlan>;
  try {
    frozen = JSON.parse(text) as Partial<FrozenPlan>;
  } catch (e) {
    throw new InputError('SWEEP_PLAN_UNREADABLE', `${file}: not a frozen sweep plan (${(e as Error).message})`);
  }
  if (frozen?.format !== FROZEN_PLAN_FORMAT || typeof frozen.plan !== 'object' || frozen.plan === null) {
    throw new InputError('SWEEP_PLAN_UNREADABLE', `${file}: not a frozen sweep plan (no "format": "${FROZEN_PLAN_FORMAT}")`);
  }
  if (frozen.version !== FROZEN_PLAN_VERSION) {
    throw new InputError(
      'SWEEP_PLAN_VERSION',
      `${file}: sweep plan version ${String(frozen.version)} is not ${FROZEN_PLAN_VERSION}; this mlspec cannot resume it — start the sweep afresh`,
    );
  }
  const plan = frozen.plan;
  checkIds(plan, file);
  return plan;
}

function checkIds(plan: SweepPlan, file: string): void {
  const corrupt = (what: string) =>
    new InputError(
      'SWEEP_PLAN_CORRUPT',
      `${file}: ${what} does not match its content; the frozen plan was edited or damaged — start the sweep afresh`,
    );
  if (!Array.isArray(plan.trials) || !Array.isArray(plan.units) || !Array.isArray(plan.seeds) || typeof plan.dataDigest !== 'string') {
    throw corrupt('the plan');
  }
  const length = shortIdLength(plan.trials.map((t) => t.id));
  plan.trials.forEach((trial, i) => {
    if (trial.index !== i) throw corrupt(`trial ${i}'s index`);
    if (trialId(trial.spec, plan.dataDigest) !== trial.id || trial.shortId !== trial.id.slice(0, length)) throw corrupt(`trial ${i}'s id`);
    for (const [name, id] of Object.entries(trial.pipelines)) {
      if (pipelineId(trial.spec, name, plan.dataDigest) !== id) throw corrupt(`pipeline ${name} of trial ${i}`);
    }
  });
  if (canonicalJson(workUnits(plan.trials, plan.folds, plan.seeds)) !== canonicalJson(plan.units)) throw corrupt('the list of work units');
}

/** Write the frozen plan into `stateDir` (atomically); returns its path. */
export function writeFrozenPlan(stateDir: string, plan: SweepPlan): string {
  const file = path.join(stateDir, FROZEN_PLAN_FILE);
  writeFileAtomic(file, freezePlan(plan));
  return file;
}

/** The plan frozen in `stateDir`. */
export function readFrozenPlan(stateDir: string): SweepPlan {
  const file = path.join(stateDir, FROZEN_PLAN_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(
      missing ? 'SWEEP_PLAN_MISSING' : 'SWEEP_PLAN_UNREADABLE',
      `${file}: ${missing ? 'no frozen sweep plan here' : (e as Error).message}`,
    );
  }
  return thawPlan(text, file);
}
