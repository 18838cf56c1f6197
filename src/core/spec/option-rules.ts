/**
 * Rules shared by plugins and the core's `training:` block. One rule here: an option that only
 * some values of a discriminating option read (sgd's momentum, reduce-on-plateau's cooldown) is an
 * error at its key when written for another value — a setting that is silently ignored makes a
 * run that is not what the spec says.
 */
import type { OptionProblem } from '../plugin';

export interface UsedOnlyBy {
  /** The option whose value decides which others are read, e.g. "type" or "schedule". */
  discriminator: string;
  /** Each value of the discriminator → the options it reads (the discriminator itself excluded). */
  reads: Readonly<Record<string, readonly string[]>>;
  /** How a value is named in the message: "adam", "the step schedule". */
  name?: (value: string) => string;
  /** Prefix of the option paths reported, e.g. "optimizer" for the optimizer inside `training:`. */
  prefix?: string;
}

export const OPTION_UNUSED = 'OPTION_UNUSED';

/** Problems for written options the chosen value does not read: `"momentum" is not used by adam; it applies to sgd, rmsprop`. */
export function unusedOptionProblems(rule: UsedOnlyBy, value: string, written: Iterable<string>): OptionProblem[] {
  const reads = rule.reads[value];
  if (!reads) return []; // an unknown value is the schema's problem
  const name = rule.name ?? ((v: string) => v);
  const problems: OptionProblem[] = [];
  for (const key of written) {
    if (key === rule.discriminator || reads.includes(key)) continue;
    const users = Object.keys(rule.reads).filter((v) => rule.reads[v].includes(key));
    if (!users.length) continue; // not an option this rule knows; the schema reports unknown keys
    problems.push({
      code: OPTION_UNUSED,
      option: rule.prefix ? `${rule.prefix}.${key}` : key,
      message: `"${key}" is not used by ${name(value)}; it applies to ${users.map(name).join(', ')}. Remove it, or choose ${users.length > 1 ? 'one of those' : 'that one'}`,
    });
  }
  return problems;
}
