/**
 * `mlspec plan <spec.yaml>`: load the spec, read its dataset (for the data digest that is part of
 * every trial id), expand and check the sweep, print the trial table and the work estimate. Writes
 * nothing: no state folder, no tracking store, no report.
 */
import { EXIT_OK } from '../errors';
import type { Logger } from '../plugin';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import type { SpecValidator } from '../spec/validate';
import { loadSpec } from '../spec/load';
import { loadSpecData } from '../spec/create-plugin';
import { preflight } from '../run/preflight';
import { planSweep } from './expand';
import { formatPlanTable } from './plan-table';

export async function planCommand(
  { registry, validator, logger }: { registry: PluginRegistry; validator: SpecValidator; logger: Logger },
  file: string,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const loaded = loadSpec(file, registry, validator);
  // What `validate` checks (data, classes, split, every trial, folds against the smallest class).
  const { plan, data } = await preflight(loaded, { registry, validator, logger });
  write(formatPlanTable(plan ?? planSweep(loaded, { registry, validator, dataDigest: data.digest })));
  return EXIT_OK;
}

/**
 * The digest of the rows the spec's dataset yields. A dataset refusing its input (a missing file,
 * an unknown column) is reported at its option in the spec, as `mlspec run` does.
 */
export async function loadDataDigest(loaded: LoadedSpec, registry: PluginRegistry, logger: Logger): Promise<string> {
  return (await loadSpecData(loaded, registry, logger)).digest;
}
