/**
 * `sweep.search.space` → the SearchSpace the samplers work on (src/core/search), and the *probe*
 * assignments `mlspec plan` checks before anything runs: every choice of every categorical
 * dimension and both ends of every numeric one, each in a trial of its own (the other dimensions at
 * their first value, the conditions of a conditional dimension met). Plugin options bound each
 * value on its own (minimum, maximum, enum), so a space whose probes all validate produces no
 * value a plugin refuses; a refusal that only a combination of values triggers is caught when the
 * trial is suggested, and that trial fails alone.
 */
import type { JsonValue } from '../plugin';
import { isActive, onStep, type Dimension, type Parameter, type ParamValue, type SearchSpace } from '../search';
import { canonicalJson } from './identity';
import type { SearchDimensionSpec } from './sweep-schema';

/** The distribution key of a dimension (the schema allows exactly one). */
function kindOf(spec: SearchDimensionSpec): 'uniform' | 'loguniform' | 'int' | 'choice' {
  for (const k of ['uniform', 'loguniform', 'int', 'choice'] as const) if (spec[k] !== undefined) return k;
  throw new Error('a search dimension without a distribution (the schema should have refused it)');
}

export function distributionKey(spec: SearchDimensionSpec): 'uniform' | 'loguniform' | 'int' | 'choice' {
  return kindOf(spec);
}

/** The dimension, or why it cannot be searched (and the key to point at). */
export function toDimension(spec: SearchDimensionSpec): { dimension: Dimension } | { problem: string; at: string } {
  const kinds = (['uniform', 'loguniform', 'int', 'choice'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1)
    return {
      problem: `a dimension takes exactly one of uniform, loguniform, int, choice${kinds.length ? ` (got ${kinds.join(', ')})` : ''}`,
      at: kinds[1] ?? '',
    };
  const kind = kindOf(spec);
  if (kind === 'choice') {
    if (spec.step !== undefined || spec.log !== undefined)
      return { problem: 'step and log apply to numbers; a choice lists its values', at: spec.step !== undefined ? 'step' : 'log' };
    return { dimension: { type: 'categorical', choices: spec.choice as ParamValue[] } };
  }
  const [low, high] = spec[kind] as [number, number];
  if (kind === 'int') {
    if (!(low <= high)) return { problem: `int needs [low, high] with low <= high (got [${low}, ${high}])`, at: kind };
    if (spec.log && low < 1) return { problem: `an int on a log scale needs low >= 1 (got ${low})`, at: 'log' };
    if (spec.step !== undefined && (!Number.isInteger(spec.step) || spec.log))
      return { problem: 'an int step is a whole number, and not combined with log', at: 'step' };
    return { dimension: { type: 'int', low, high, ...(spec.log ? { log: true } : {}), ...(spec.step !== undefined ? { step: spec.step } : {}) } };
  }
  if (spec.log !== undefined) return { problem: 'log applies to int; use loguniform for numbers on a log scale', at: 'log' };
  if (kind === 'loguniform' && !(low > 0)) return { problem: `loguniform needs a low bound above 0 (got ${low})`, at: kind };
  if (!(low < high)) return { problem: `${kind} needs [low, high] with low < high (got [${low}, ${high}])`, at: kind };
  if (spec.step !== undefined && kind === 'loguniform') return { problem: 'step does not apply to loguniform', at: 'step' };
  return {
    dimension: { type: 'float', low, high, ...(kind === 'loguniform' ? { log: true } : {}), ...(spec.step !== undefined ? { step: spec.step } : {}) },
  };
}

/** Why a `when` cannot hold, or undefined: it must name earlier dimensions, with values they can take. */
export function conditionProblem(parameter: Parameter, earlier: readonly Parameter[]): string | undefined {
  for (const [name, allowed] of Object.entries(parameter.when ?? {})) {
    const parent = earlier.find((p) => p.name === name);
    if (!parent) return `"when" names "${name}", which is not a dimension listed before "${parameter.name}"`;
    const values = extremes(parent.dimension);
    if (
      parent.dimension.type === 'categorical' &&
      !allowed.some((v) => values.some((c) => canonicalJson(c as JsonValue) === canonicalJson(v as JsonValue)))
    ) {
      return `"when" allows ${name} = ${allowed.map((v) => JSON.stringify(v)).join(', ')}, none of which it can take (${values.map((v) => JSON.stringify(v)).join(', ')})`;
    }
  }
  return undefined;
}

/** Every choice, or the lowest and highest value a numeric dimension can produce. */
export function extremes(dimension: Dimension): ParamValue[] {
  if (dimension.type === 'categorical') return [...dimension.choices];
  const { low, high, step } = dimension;
  if (step === undefined) return low === high ? [low] : [low, high];
  const last = onStep(low, Math.floor((high - low) / step + 1e-9), step);
  return last === low ? [low] : [low, last];
}

/**
 * The probe assignments, first the one with every dimension at its first value, then one per
 * other extreme value of each dimension; duplicates removed, inactive dimensions left out.
 */
export function probeAssignments(space: SearchSpace): Array<Record<string, ParamValue>> {
  const first = new Map(space.parameters.map((p) => [p.name, extremes(p.dimension)[0]]));
  const assign = (name?: string, value?: ParamValue): Record<string, ParamValue> => {
    const target = space.parameters.find((p) => p.name === name);
    // Values that switch on the probed dimension (and, in turn, its own conditions).
    const forced = new Map<string, ParamValue>();
    const force = (p: Parameter | undefined) => {
      for (const [parent, allowed] of Object.entries(p?.when ?? {})) {
        if (!forced.has(parent)) forced.set(parent, allowed[0]);
        force(space.parameters.find((q) => q.name === parent));
      }
    };
    force(target);
    const chosen: Record<string, ParamValue> = {};
    for (const p of space.parameters) {
      if (!isActive(p, chosen)) continue;
      chosen[p.name] = p.name === name ? value! : forced.has(p.name) ? forced.get(p.name)! : first.get(p.name)!;
    }
    return chosen;
  };
  const out = [assign()];
  const seen = new Set([canonicalJson(out[0] as Record<string, JsonValue>)]);
  for (const p of space.parameters) {
    for (const value of extremes(p.dimension)) {
      const a = assign(p.name, value);
      const key = canonicalJson(a as Record<string, JsonValue>);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}
