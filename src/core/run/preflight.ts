/**
 * Everything about a spec that can be known without training, checked in one place: the data is
 * readable and has its columns (the dataset plugin), at least two classes have rows, every class
 * the spec lists has rows, the split leaves rows on both sides of every fold, each validation
 * carve (`training.validation`) can be made, and a sweep's trials and folds fit the data.
 * `mlspec validate` and `mlspec plan` run it, and `mlspec run` runs it before it writes anything
 * (no tracking run, no state folder, no report). Problems are located in the spec file.
 */
import { InputError, SpecErrors, type SpecProblem } from '../errors';
import type { Fold, LoadedData, Logger, PluginContext, Splitter } from '../plugin';
import { planSweep, sweepOf } from '../plan/expand';
import type { SweepPlan } from '../plan/types';
import type { PluginRegistry } from '../registry';
import { createPlugin, loadSpecData, pluginProblem, type PluginSite } from '../spec/create-plugin';
import type { LoadedSpec } from '../spec/load';
import { offsetOf, problemAt, type PathSegment } from '../spec/source';
import type { SpecValidator } from '../spec/validate';
import { silentLogger } from '../logger';
import { SweepRows } from '../sweep/rows';
import type { JobRows } from '../sweep/types';

export interface PreflightServices {
  registry: PluginRegistry;
  validator: SpecValidator;
  logger: Logger;
}

export interface Preflight {
  data: LoadedData;
  /** The spec split's folds, positions into `data`. */
  folds: Fold[];
  /** The sweep's plan, when the spec has a `sweep:` block. */
  plan?: SweepPlan;
}

export async function preflight(loaded: LoadedSpec, services: PreflightServices): Promise<Preflight> {
  const { registry, validator, logger } = services;
  const data = await loadSpecData(loaded, registry, logger);
  const problems = classProblems(loaded, data);
  if (problems.length) throw new SpecErrors(problems);
  const folds = splitFolds(loaded, data, registry, logger);
  let plan: SweepPlan | undefined;
  const sweep = sweepOf(loaded.spec);
  if (!sweep) problems.push(...validationCarveProblems(loaded, data, folds, registry, logger));
  else {
    try {
      plan = planSweep(loaded, { registry, validator, dataDigest: data.digest });
    } catch (error) {
      if (!(error instanceof SpecErrors)) throw error;
      problems.push(...error.problems);
    }
    const foldProblems = sweepFoldProblems(loaded, data, folds[0], sweep.folds ?? 0);
    problems.push(...foldProblems);
    // A sweep fits on its folds of the training rows (smaller than the spec split's training rows,
    // which only the refit uses): each validation carve must fit those.
    if (!foldProblems.length && sweep.folds !== 1) {
      const context = { baseDir: loaded.baseDir, logger: silentLogger, log: () => {} };
      const rows = new SweepRows(registry, loaded.spec, data, context);
      const first: JobRows = (sweep.folds ?? 0) >= 2 ? { kind: 'fold', fold: 0, folds: sweep.folds! } : { kind: 'holdout' };
      const rowsOf =
        first.kind === 'fold' ? `training rows of a sweep fold (folds: ${first.folds})` : 'training rows of the sweep holdout (folds: 0)';
      problems.push(...validationCarveProblems(loaded, data, [rows.rows(first, loaded.spec.seed)], registry, logger, rowsOf));
    }
  }
  if (problems.length) throw new SpecErrors(sortProblems(problems));
  return { data, folds, plan };
}

/** Two classes or more with rows; every class the spec lists has rows. */
function classProblems(loaded: LoadedSpec, data: LoadedData): SpecProblem[] {
  const { source } = loaded;
  const counts = classCounts(data);
  const present = data.classes.filter((_, c) => counts[c] > 0);
  const filtered = Object.keys((loaded.spec.data.where as object | null) ?? {}).length > 0 ? ' after `where`' : '';
  if (present.length < 2) {
    const which = present.length ? `only class "${present[0]}" has rows` : 'no class has rows';
    return [
      problemAt(
        source,
        offsetOf(source, ['data', 'label']),
        'DATA_ONE_CLASS',
        `[dataset ${loaded.spec.data.type}] ${which} in ${data.source}${filtered} (${data.texts.length} rows); a classifier needs two classes or more: check \`label\` and \`where\``,
      ),
    ];
  }
  const listed = loaded.spec.data.classes;
  if (!Array.isArray(listed)) return [];
  const problems: SpecProblem[] = [];
  listed.forEach((name, i) => {
    const c = data.classes.indexOf(String(name));
    if (c < 0 || counts[c] > 0) return;
    problems.push(
      problemAt(
        source,
        offsetOf(source, ['data', 'classes', i]),
        'DATA_CLASS_EMPTY',
        `[dataset ${loaded.spec.data.type}] class "${name}" has no rows in ${data.source}${filtered}; remove it from \`classes\` (a model would be scored on a class it never saw), or check \`label\` and \`where\``,
      ),
    );
  });
  return problems;
}

/** The spec split's folds; a fold with no training or no test rows is refused at `split`. */
function splitFolds(loaded: LoadedSpec, data: LoadedData, registry: PluginRegistry, logger: Logger): Fold[] {
  // A spec that leaves `split` out gets the default one: its problems are then the data's, shown there.
  const written = loaded.source.document.has('split');
  const site: PluginSite = { kind: 'split', path: written ? ['split'] : ['data'], block: loaded.spec.split };
  const context: PluginContext = { seed: loaded.spec.seed, baseDir: loaded.baseDir, logger, log: () => {} };
  const splitter = createPlugin<Splitter>(registry, loaded.source, site, context);
  let folds: Fold[];
  try {
    folds = splitter.split(data.labels, data.classes.length, data.classes);
  } catch (error) {
    throw new SpecErrors([pluginProblem(loaded.source, site, 'split', error)]);
  }
  folds.forEach((fold, i) => {
    if (fold.train.length > 0 && fold.test.length > 0) return;
    const which = folds.length > 1 ? ` (fold ${i + 1} of ${folds.length})` : '';
    const empty = fold.train.length === 0 ? 'training' : 'test';
    throw new SpecErrors([
      pluginProblem(
        loaded.source,
        site,
        'split',
        new InputError('SPLIT_EMPTY', `the split leaves the ${empty} set empty${which}; use a test fraction between 0 and 1 or more data rows`),
      ),
    ]);
  });
  return folds;
}

/**
 * A pipeline's `training.validation` carves a stratified slice of each fold's training rows; a
 * fraction too small (or too large) for the classes is refused at that key now, not in `fit`.
 */
function validationCarveProblems(
  loaded: LoadedSpec,
  data: LoadedData,
  folds: Fold[],
  registry: PluginRegistry,
  logger: Logger,
  rowsOf = 'training rows',
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [name, pipeline] of Object.entries(loaded.spec.pipelines)) {
    const fraction = pipeline.training?.validation;
    if (typeof fraction !== 'number' || fraction <= 0) continue;
    const path: PathSegment[] = ['pipelines', name, 'training', 'validation'];
    const splitter = registry
      .get('split', 'stratified-holdout')
      .create({ test: fraction, seed: loaded.spec.seed }, { seed: loaded.spec.seed, baseDir: loaded.baseDir, logger, log: () => {} }) as Splitter;
    for (const fold of folds) {
      const labels = fold.train.map((i) => data.labels[i]);
      const present = new Set(labels).size;
      const carved = Math.ceil(fraction * labels.length);
      if (carved < present || labels.length - carved < present) {
        const few = carved < present;
        const suggestion = few ? Math.ceil((present / labels.length) * 100) / 100 : Math.floor((1 - present / labels.length) * 100) / 100;
        problems.push(
          problemAt(
            loaded.source,
            offsetOf(loaded.source, path),
            few ? 'VALIDATION_TOO_SMALL' : 'VALIDATION_TOO_LARGE',
            `training.validation ${fraction} carves ${carved} of the ${labels.length} ${rowsOf}, leaving ${few ? `${carved} validation` : `${labels.length - carved} training`} row${(few ? carved : labels.length - carved) === 1 ? '' : 's'} for ${present} classes; a stratified carve needs one row of each class on both sides: use ${few ? `${suggestion} or more` : `${suggestion} or less`}`,
          ),
        );
        break;
      }
      try {
        const [carve] = splitter.split(labels, data.classes.length, data.classes);
        if (carve.train.length && carve.test.length) continue;
        problems.push(
          problemAt(
            loaded.source,
            offsetOf(loaded.source, path),
            'VALIDATION_EMPTY',
            `training.validation ${fraction} of ${labels.length} training rows leaves one side empty; use a fraction such as 0.1`,
          ),
        );
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(
          problemAt(
            loaded.source,
            offsetOf(loaded.source, path),
            error.code,
            `training.validation ${fraction} of the ${labels.length} ${rowsOf}: ${error.message}`,
          ),
        );
      }
      break;
    }
  }
  return problems;
}

/** `folds: k` deals each class's training rows into k folds: k above the smallest class leaves folds without it. */
function sweepFoldProblems(loaded: LoadedSpec, data: LoadedData, split: Fold, folds: number): SpecProblem[] {
  if (folds < 2) return [];
  const counts = new Array<number>(data.classes.length).fill(0);
  for (const i of split.train) counts[data.labels[i]]++;
  const present = counts.map((n, c) => ({ n, c })).filter((x) => x.n > 0);
  const smallest = present.reduce((a, b) => (b.n < a.n ? b : a));
  if (folds <= smallest.n) return [];
  return [
    problemAt(
      loaded.source,
      offsetOf(loaded.source, ['sweep', 'folds']),
      'SWEEP_FOLDS_TOO_MANY',
      `folds: ${folds} is more than the ${smallest.n} training rows of class "${data.classes[smallest.c]}" (the smallest), so some folds would score no row of it; use folds: ${smallest.n} or fewer`,
    ),
  ];
}

export function classCounts(data: LoadedData): number[] {
  const counts = new Array<number>(data.classes.length).fill(0);
  for (const label of data.labels) counts[label]++;
  return counts;
}

function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  return [...problems].sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
}
