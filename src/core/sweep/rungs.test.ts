/**
 * The pruning rules as decisions over curves, in trial order: what each rule decides, that a
 * decision waits (open) until the earlier trials it depends on are final, and that the
 * asynchronous opt-in decides with whatever is there.
 */
import { bracketCount, bracketOf, GroupDecisions, policyFor, rungResources, type Member, type Policy } from './rungs';

const asha = (overrides: Partial<Policy> = {}): Policy => ({
  ...policyFor({ type: 'asha', warmupEpochs: 0, startupTrials: 5, reductionFactor: 3 }, 'max', 'epochs')!,
  ...overrides,
});

const member = (values: number[] | undefined, ended = true, maxResource = 9): Member => ({
  key: String(Math.random()),
  maxResource,
  ...(values ? { curve: { values, ended } } : {}),
});

describe('successive halving (ASHA in trial order)', () => {
  it('puts rungs at min·η^i below the maximum resource', () => {
    expect(rungResources(asha(), 0, 15)).toEqual([1, 3, 9]);
    expect(rungResources(asha(), 1, 15)).toEqual([3, 9]);
    expect(rungResources(asha({ minResource: 2, reductionFactor: 2 }), 0, 8)).toEqual([2, 4]);
    expect(rungResources(asha({ maxResource: 5 }), 0, 15)).toEqual([1, 3]);
  });

  it('keeps a trial at a rung only if it is among the best ⌊n/η⌋ (at least 1) of the trials up to it', () => {
    // Epoch-1 scores 0.5, 0.4, 0.6, 0.3; rungs at 1 and 3 of 9 epochs.
    const d = new GroupDecisions(asha(), [
      member([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
      member([0.4, 0.4, 0.4]),
      member([0.6, 0.6, 0.6, 0.6]),
      member([0.3]),
    ]);
    expect(d.fate(0)).toEqual({ kind: 'pass', rungs: 2 }); // the first trial is the best so far at every rung
    expect(d.fate(1)).toMatchObject({ kind: 'stop', at: 1, rung: 0 }); // 0.4 < best of 2
    expect(d.fate(1).kind === 'stop' && d.fate(1)).toMatchObject({
      reason: 'best heldout_accuracy up to epoch 1, 0.4000, is not among the best 1 of 2 trials up to this one at that rung (threshold 0.5000)',
    });
    expect(d.fate(2)).toEqual({ kind: 'pass', rungs: 2 }); // promoted at 1 (best of 3) and at 3 (best of 2: trial 1 stopped before it)
    expect(d.fate(3)).toMatchObject({ kind: 'stop', at: 1 });
  });

  it('waits for an earlier trial that has not reached the rung, and decides once it has', () => {
    const earlier = member([], false); // started, no epoch yet
    const later = member([0.4, 0.45], false);
    expect(new GroupDecisions(asha(), [member([0.7, 0.7, 0.7]), earlier, later]).fate(2)).toEqual({ kind: 'open', waitingAt: 1, rungs: 0 });
    // Trial 1 is stopped at rung 1 (0.5 < 0.7): trial 2 then competes with trials 0 and 2 only.
    const settled = new GroupDecisions(asha(), [member([0.7, 0.7, 0.7]), member([0.5], true), later]);
    expect(settled.fate(1)).toMatchObject({ kind: 'stop', at: 1 });
    expect(settled.fate(2)).toMatchObject({ kind: 'stop', at: 1 });
  });

  it('judges a fit its own early stopping ended before a rung at that rung, with its final best (its other folds are at stake)', () => {
    const d = new GroupDecisions(asha(), [member([0.5, 0.6, 0.7, 0.7]), member([0.55, 0.65])]);
    // Rung 1: 0.55 is the best of {0.5, 0.55}; rung 3: its best, 0.65, is below trial 0's 0.7.
    expect(d.fate(1)).toMatchObject({ kind: 'stop', at: 3, rung: 1 });
    const median = new GroupDecisions({ ...asha(), type: 'median', startupTrials: 1, warmupEpochs: 0 }, [
      member([0.5, 0.6, 0.7, 0.7], true, 4),
      member([0.55, 0.65], true, 4),
    ]);
    expect(median.fate(1)).toEqual({ kind: 'pass', rungs: 2 }); // the median rule judges only the epochs a fit reported
  });

  it('decides with what is there when asynchronous', () => {
    const d = new GroupDecisions(asha({ asynchronous: true }), [member(undefined), member([0.4, 0.45], false)]);
    expect(d.fate(1)).toEqual({ kind: 'open', waitingAt: 3, rungs: 1 });
  });

  it('judges models without epochs on the mean of their first fits', () => {
    const policy = policyFor({ type: 'successive-halving', warmupEpochs: 0, startupTrials: 0, reductionFactor: 3 }, 'max', 'fits')!;
    expect(rungResources(policy, 0, 5)).toEqual([1, 3]);
    const d = new GroupDecisions(policy, [member([0.5, 0.3, 0.4, 0.5, 0.5], true, 5), member([0.45], false, 5)]);
    expect(d.valueAt({ values: [0.5, 0.3, 0.4], ended: false }, 3)).toBeCloseTo(0.4);
    expect(d.fate(1)).toMatchObject({
      kind: 'stop',
      at: 1,
      reason: expect.stringMatching(/^mean val_accuracy of the first 1 fit, 0\.4500, is not among the best 1 of 2/),
    });
  });
});

describe('hyperband', () => {
  it('deals trials to brackets in proportion to Optuna’s budgets; bracket b starts at rung b', () => {
    const policy = policyFor({ type: 'hyperband', warmupEpochs: 0, startupTrials: 0, reductionFactor: 3 }, 'max', 'epochs')!;
    expect(bracketCount(policy, 27)).toBe(4);
    expect(bracketCount({ ...policy, brackets: 2 }, 27)).toBe(2);
    // Budgets ⌈4·3^3/4⌉=27, ⌈4·9/3⌉=12, ⌈4·3/2⌉=6, 4: 49 in all.
    const dealt = Array.from({ length: 49 }, (_, i) => bracketOf(i, 4, 3));
    expect([0, 1, 2, 3].map((b) => dealt.filter((x) => x === b).length)).toEqual([27, 12, 6, 4]);
    expect(rungResources(policy, 2, 27)).toEqual([9]);
  });

  it('compares a trial only with the trials of its bracket', () => {
    const policy = { ...policyFor({ type: 'hyperband', warmupEpochs: 0, startupTrials: 0, reductionFactor: 3, brackets: 2 }, 'max', 'epochs')! };
    const members = Array.from({ length: 12 }, (_, i) => member([0.1 * ((i * 7) % 10)], true, 27));
    const d = new GroupDecisions(policy, members);
    const brackets = members.map((_, i) => d.bracket(i));
    expect(new Set(brackets)).toEqual(new Set([0, 1]));
    const firstOfBracket1 = brackets.indexOf(1);
    // The first trial of a bracket is the best so far in it: never stopped at its first rung.
    expect(d.fate(firstOfBracket1).kind).toBe('pass');
  });
});

describe('median (Optuna’s MedianPruner, in trial order)', () => {
  const median = (overrides: Partial<Policy> = {}): Policy => ({
    ...policyFor({ type: 'median', warmupEpochs: 1, startupTrials: 2 }, 'max', 'epochs')!,
    ...overrides,
  });

  it('stops a trial whose best so far is below the median of the earlier finished trials, after the warm-up and the startup trials', () => {
    const d = new GroupDecisions(median(), [
      member([0.3, 0.4, 0.5], true, 3),
      member([0.5, 0.6], true, 3),
      member([0.1, 0.44, 0.9], true, 3),
      member([0.1, 0.46], true, 3),
    ]);
    expect(d.fate(0).kind).toBe('pass');
    expect(d.fate(1).kind).toBe('pass'); // one earlier finished trial: fewer than startupTrials
    // Epoch 2: bests so far 0.4 and 0.6, median 0.5; 0.44 is below.
    expect(d.fate(2)).toMatchObject({
      kind: 'stop',
      at: 2,
      reason: 'best heldout_accuracy up to epoch 2, 0.4400, is below the median 0.5000 of 2 earlier finished trials up to that epoch',
    });
    expect(d.fate(3)).toMatchObject({ kind: 'stop', at: 2 }); // median of 0.4, 0.6 (trial 2 was stopped: not a reference)
  });

  it('waits until every earlier trial is final; never applies to models without epochs', () => {
    const d = new GroupDecisions(median({ startupTrials: 1 }), [member([0.3, 0.4], false, 3), member([0.1, 0.2], false, 3)]);
    expect(d.fate(1)).toEqual({ kind: 'open', waitingAt: 2, rungs: 0 });
    expect(policyFor({ type: 'median', warmupEpochs: 0, startupTrials: 0 }, 'max', 'fits')).toBeUndefined();
  });

  it('for losses the lower is better', () => {
    const d = new GroupDecisions(median({ startupTrials: 1, goal: 'min' }), [member([0.9, 0.5], true, 2), member([0.8, 0.7], true, 2)]);
    expect(d.fate(1)).toMatchObject({ kind: 'stop', at: 2, reason: expect.stringMatching(/0\.7000, is above the median 0\.5000/) });
  });
});
