/**
 * `mlspec plan <spec.yaml>`: load the spec, read its dataset (for the data digest that is part of
 * every trial id), expand and check the sweep, print the trial table and the work estimate. Writes
 * nothing: no state folder, no tracking store, no report.
 */
import type { Container } from 'inversify';
import { services } from '../container';
import { EXIT_OK, InputError, MlspecError, PluginError, SpecErrors } from '../errors';
import type { Dataset, Logger } from '../plugin';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import { loadSpec } from '../spec/load';
import { offsetOf, problemAt } from '../spec/source';
import { planSweep } from './expand';
import { formatPlanTable } from './plan-table';

export async function planCommand(container: Container, file: string, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { registry, validator, logger } = services(container);
  const loaded = loadSpec(file, registry, validator);
  const dataDigest = await loadDataDigest(loaded, registry, logger);
  const plan = planSweep(loaded, { registry, validator, dataDigest });
  write(formatPlanTable(plan));
  return EXIT_OK;
}

/**
 * The digest of the rows the spec's dataset yields. A dataset refusing its input (a missing file,
 * an unknown column) is reported at its option in the spec, as `mlspec run` does.
 */
export async function loadDataDigest(loaded: LoadedSpec, registry: PluginRegistry, logger: Logger): Promise<string> {
  const block = loaded.spec.data;
  const { type, ...options } = block;
  try {
    const dataset = registry.get('dataset', type).create(options, { seed: loaded.spec.seed, baseDir: loaded.baseDir, logger, log: () => {} }) as Dataset;
    return (await dataset.load()).digest;
  } catch (error) {
    if (error instanceof InputError) {
      const at = offsetOf(loaded.source, error.option ? ['data', ...error.option.split('.')] : ['data']);
      throw new SpecErrors([problemAt(loaded.source, at, error.code, `[dataset ${type}] ${error.message}`)]);
    }
    if (error instanceof MlspecError) throw error;
    throw new PluginError('dataset', type, 'load', error);
  }
}
