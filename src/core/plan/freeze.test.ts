import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContainer, services } from '../container';
import { InputError } from '../errors';
import { silentLogger } from '../logger';
import { loadSpec } from '../spec/load';
import { planSweep } from './expand';
import { FROZEN_PLAN_FILE, freezePlan, readFrozenPlan, thawPlan, writeFrozenPlan } from './freeze';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));
const planFixture = (name: string, text?: string) =>
  planSweep(loadSpec(path.join(FIXTURES, name), registry, validator, text), { registry, validator, dataDigest: 'digest-a' });

describe('frozen plans', () => {
  const plan = planFixture('sweep.yaml');

  it('round-trip through JSON unchanged', () => {
    const text = freezePlan(plan);
    expect(JSON.parse(text)).toMatchObject({ format: 'mlspec-sweep-plan', version: 1 });
    expect(thawPlan(text)).toEqual(plan);
    expect(freezePlan(thawPlan(text))).toBe(text);
  });

  it('round-trip through a state folder, written atomically (no temporary file left)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-plan-'));
    expect(writeFrozenPlan(dir, plan)).toBe(path.join(dir, FROZEN_PLAN_FILE));
    expect(readdirSync(dir)).toEqual([FROZEN_PLAN_FILE]);
    expect(readFrozenPlan(dir)).toEqual(plan);
  });

  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return `${(error as InputError).code}: ${(error as InputError).message}`;
    }
    throw new Error('expected a refusal');
  };

  it('are refused when a trial spec was edited (its id no longer matches)', () => {
    const frozen = JSON.parse(freezePlan(plan));
    frozen.plan.trials[3].spec.pipelines.bow.model.C = 99;
    expect(code(() => thawPlan(JSON.stringify(frozen), 'state/plan.json'))).toBe(
      "SWEEP_PLAN_CORRUPT: state/plan.json: trial 3's id does not match its content; the frozen plan was edited or damaged — start the sweep afresh",
    );
  });

  it('are refused when the work units were edited', () => {
    const frozen = JSON.parse(freezePlan(plan));
    frozen.plan.units.pop();
    expect(code(() => thawPlan(JSON.stringify(frozen)))).toMatch(/^SWEEP_PLAN_CORRUPT: plan.json: the list of work units does not match/);
    const reseeded = JSON.parse(freezePlan(plan));
    reseeded.plan.seeds = [1, 2];
    expect(code(() => thawPlan(JSON.stringify(reseeded)))).toMatch(/^SWEEP_PLAN_CORRUPT/);
  });

  it('are refused when not a plan, of another version, or missing', () => {
    expect(code(() => thawPlan('{"format":'))).toMatch(/^SWEEP_PLAN_UNREADABLE: plan.json: not a frozen sweep plan \(/);
    expect(code(() => thawPlan('{"trials":[]}'))).toMatch(/^SWEEP_PLAN_UNREADABLE/);
    const future = JSON.parse(freezePlan(plan));
    future.version = 2;
    expect(code(() => thawPlan(JSON.stringify(future)))).toMatch(/^SWEEP_PLAN_VERSION: plan.json: sweep plan version 2 is not 1/);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'mlspec-plan-'));
    expect(code(() => readFrozenPlan(empty))).toMatch(/^SWEEP_PLAN_MISSING/);
    writeFileSync(path.join(empty, FROZEN_PLAN_FILE), 'not json');
    expect(code(() => readFrozenPlan(empty))).toMatch(/^SWEEP_PLAN_UNREADABLE/);
  });
});
