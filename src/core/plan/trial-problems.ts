/**
 * Problems found in trials, reported once each. A bad swept value makes every trial that uses it
 * fail the same way; the user needs one line at that value, saying which trials and which values
 * — not one line per trial.
 */
import type { SpecProblem } from '../errors';
import type { JsonValue } from '../plugin';
import { canonicalJson } from './identity';

/** Where one trial's swept values sit in the file, as "line:col" keys. */
export interface TrialSites {
  params: Record<string, JsonValue>;
  /** "line:col" of each swept value put into this trial → its path. */
  values: Map<string, string>;
}

interface Group {
  problem: SpecProblem;
  trials: number[];
}

const LISTED_TRIALS = 5;
const LISTED_VALUES = 3;

/** One problem per distinct place and message, with the trials it occurs in appended. */
export function mergeTrialProblems(found: ReadonlyArray<{ trial: number; problem: SpecProblem }>, sites: readonly TrialSites[]): SpecProblem[] {
  const groups = new Map<string, Group>();
  for (const { trial, problem } of found) {
    const { line, col } = problem.location;
    // Drawn values differ in every trial; "(got 0.61)" must not split one problem into many.
    const key = `${line}:${col}:${problem.code}:${problem.message.replace(/ \(got [^)]*\)/g, '')}`;
    const group = groups.get(key) ?? { problem, trials: [] };
    if (!group.trials.includes(trial)) group.trials.push(trial);
    groups.set(key, group);
  }
  const out = [...groups.values()].map((g) => ({ ...g.problem, message: `${g.problem.message}${suffix(g, sites)}` }));
  return out.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col || a.message.localeCompare(b.message));
}

function suffix(group: Group, sites: readonly TrialSites[]): string {
  const trials = [...group.trials].sort((a, b) => a - b);
  const every = trials.length === sites.length;
  const where = `${group.problem.location.line}:${group.problem.location.col}`;
  const atPath = trials.map((t) => sites[t].values.get(where)).find((p) => p !== undefined);
  const shown = atPath !== undefined ? [describeValues(atPath, trials, sites)] : explainingParams(trials, sites);
  if (atPath === undefined && every && !shown.length) return '';
  const which = sites.length === 1 ? 'in trial 0' : every ? 'in every trial' : listTrials(trials);
  return ` [${which}${shown.length ? `: ${shown.join(', ')}` : ''}]`;
}

function listTrials(trials: number[]): string {
  if (trials.length === 1) return `in trial ${trials[0]}`;
  const listed = trials.slice(0, LISTED_TRIALS).join(', ');
  return trials.length > LISTED_TRIALS ? `in trials ${listed} and ${trials.length - LISTED_TRIALS} more` : `in trials ${listed}`;
}

function describeValues(path: string, trials: number[], sites: readonly TrialSites[]): string {
  const distinct = new Map<string, JsonValue>();
  for (const t of trials) {
    const value = sites[t].params[path];
    distinct.set(canonicalJson(value), value);
  }
  const values = [...distinct.values()];
  const listed = values
    .slice(0, LISTED_VALUES)
    .map((v) => formatValue(v))
    .join(', ');
  return `${path}=${listed}${values.length > LISTED_VALUES ? ', …' : ''}`;
}

/**
 * The swept values that single out the failing trials: those all failing trials share and some
 * other trial does not (for a plugin swap that breaks an option written in the file: the `type`).
 */
function explainingParams(trials: number[], sites: readonly TrialSites[]): string[] {
  const failing = new Set(trials);
  const paths = Object.keys(sites[trials[0]].params);
  const out: string[] = [];
  for (const path of paths) {
    const value = canonicalJson(sites[trials[0]].params[path]);
    if (!trials.every((t) => canonicalJson(sites[t].params[path]) === value)) continue;
    const elsewhere = sites.some((s, t) => !failing.has(t) && canonicalJson(s.params[path]) !== value);
    if (elsewhere) out.push(`${path}=${formatValue(sites[trials[0]].params[path])}`);
  }
  return out;
}

/** A swept value as a person reads it: text unquoted when plain, numbers to 6 significant digits. */
export function formatValue(value: JsonValue, digits = 6): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(digits)));
  if (typeof value === 'string') return /^[\w.+-]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, digits)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${formatValue(k)}: ${formatValue(v, digits)}`)
      .join(', ')}}`;
  }
  return String(value);
}
