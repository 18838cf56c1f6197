/**
 * Random draws for `sweep.random`, from numpy's legacy RandomState so a draw can be checked (or
 * reproduced) in Python (tools/reference/sweep_draws_fixture.py): one RandomState per path and grid
 * combination (see randomStreamLabel), one draw per trial; uniform is `rs.uniform(lo, hi)`,
 * loguniform `exp(rs.uniform(log lo, log hi))`, int `rs.randint(lo, hi + 1)`, choice
 * `values[rs.randint(0, len(values))]`.
 */
import type { JsonValue } from '../plugin';
import { NumpyRandomState, seedStream } from '../random';
import { canonicalJson } from './identity';
import type { Distribution, DistributionName } from './sweep-schema';

/**
 * Each random path draws from its own stream for each grid combination, seeded by the spec seed,
 * the path and the combination's values (canonical JSON, keys sorted; `{}` without a grid). So
 * adding, removing or reordering parameters, grid values or grid paths never changes the draws of
 * the trials that remain, and `trials: 30` extends `trials: 20` — finished trials keep their ids.
 */
export function randomStreamLabel(path: string, gridValues: Record<string, JsonValue>): string {
  return `sweep-random:${path}:${canonicalJson(gridValues)}`;
}

/** The one key of a distribution mapping (the schema allows exactly one). */
export function distributionName(d: Distribution): DistributionName {
  return Object.keys(d)[0] as DistributionName;
}

/** Why a distribution cannot be drawn from, or undefined when it can. */
export function distributionProblem(d: Distribution): string | undefined {
  const name = distributionName(d);
  if (name === 'choice') return undefined;
  const [low, high] = d[name] as [number, number];
  if (name === 'int') return low <= high ? undefined : `int needs [low, high] with low <= high (got [${low}, ${high}])`;
  if (name === 'loguniform' && !(low > 0)) return `loguniform needs a low bound above 0 (got ${low})`;
  return low < high ? undefined : `${name} needs [low, high] with low < high (got [${low}, ${high}])`;
}

/**
 * One value from `d`, plus the index of the chosen item for `choice` (so the caller can point at
 * it in the file).
 */
export function draw(d: Distribution, random: NumpyRandomState): { value: JsonValue; choiceIndex?: number } {
  const name = distributionName(d);
  switch (name) {
    case 'uniform': {
      const [low, high] = d.uniform!;
      return { value: low + (high - low) * random.randomSample() };
    }
    case 'loguniform': {
      const [low, high] = d.loguniform!;
      const lo = Math.log(low);
      return { value: Math.exp(lo + (Math.log(high) - lo) * random.randomSample()) };
    }
    case 'int': {
      const [low, high] = d.int!;
      return { value: random.randint(low, high + 1) };
    }
    case 'choice': {
      const index = random.randint(0, d.choice!.length);
      return { value: d.choice![index], choiceIndex: index };
    }
  }
}

/** The generator for one random path's draws in one grid combination, trial after trial. */
export function sweepRandomState(specSeed: number, path: string, gridValues: Record<string, JsonValue>): NumpyRandomState {
  return new NumpyRandomState(seedStream(specSeed, randomStreamLabel(path, gridValues)));
}
