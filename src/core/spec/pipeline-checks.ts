/**
 * The checks between the blocks of a pipeline, from what plugins declare (src/core/plugin.ts):
 * the featurizer's `produces` against the model's `consumes`, `training:` and regularizers only
 * on models that train in epochs, every block's cross-field `rules`, and the core's rules for the
 * `training:` block. Run by the validator, so `validate`, `plan` (every trial) and `run` (before
 * anything is written) refuse the same pipelines, each problem located at the offending key.
 */
import type { SpecProblem } from '../errors';
import type { FeatureKind, OptionProblem, PipelineFacts, PluginDefinition } from '../plugin';
import type { PluginRegistry } from '../registry';
import { resolveTrainingOptions, trainingRules } from '../train/options';
import { offsetOf, problemAt, type PathSegment, type SpecSource } from './source';
import { isBlock, isObject, pluginBlocks } from './blocks';
import type { ExperimentSpec, PluginBlock } from './validate';

const FEATURE_NAMES: Record<FeatureKind, string> = { csr: 'a sparse matrix (csr)', sequences: 'token-id sequences (sequences)' };

export function describeFeatureKind(kind: FeatureKind): string {
  return FEATURE_NAMES[kind] ?? kind;
}

/** Paths (joined by "/") of the plugin blocks whose options passed their schema. */
export type ValidBlocks = ReadonlySet<string>;

export const blockKey = (path: readonly PathSegment[]): string => path.join('/');

/**
 * Every problem between the blocks of the spec's pipelines, and of every block's rules. `spec` has
 * defaults filled in (it may be invalid elsewhere: what cannot be checked is skipped); `written`
 * is the same document before defaults.
 */
export function pipelineProblems(
  source: SpecSource,
  spec: ExperimentSpec,
  written: ExperimentSpec,
  registry: PluginRegistry,
  valid: ValidBlocks,
): { problems: SpecProblem[]; ruleFailed: Set<string> } {
  const problems: SpecProblem[] = [];
  const ruleFailed = new Set<string>();
  /** Blocks refused here already: their own rules would only repeat it. */
  const refused = new Set<string>();
  const at = (path: PathSegment[], problem: OptionProblem) => problems.push(problemAt(source, offsetOf(source, path), problem.code, problem.message));
  const defOf = (kind: PluginDefinition['kind'], path: PathSegment[], block: PluginBlock): PluginDefinition | undefined =>
    valid.has(blockKey(path)) ? registry.find(kind, block.type) : undefined;

  const factsByPipeline = new Map<string, PipelineFacts>();
  if (isObject(spec.pipelines)) {
    for (const [name, pipeline] of Object.entries(spec.pipelines)) {
      if (!isObject(pipeline)) continue;
      const base: PathSegment[] = ['pipelines', name];
      const rawPipeline = (isObject(written.pipelines) ? written.pipelines[name] : undefined) as Record<string, unknown> | undefined;
      const model = isBlock(pipeline.model) ? defOf('model', [...base, 'model'], pipeline.model) : undefined;
      const featurizer = isBlock(pipeline.featurizer) ? defOf('featurizer', [...base, 'featurizer'], pipeline.featurizer) : undefined;
      const facts: PipelineFacts = {};
      if (model) facts.model = { type: model.name, trainsInEpochs: model.trainsInEpochs === true };
      if (model?.trainsInEpochs) facts.training = trainingOf(pipeline.training);
      factsByPipeline.set(name, facts);

      if (model && featurizer && featurizer.produces && !model.consumes?.includes(featurizer.produces)) {
        at([...base, 'model', 'type'], { code: 'PIPELINE_FEATURES_MISMATCH', message: featuresMismatch(registry, featurizer, model) });
      }
      const trainingWritten = isObject(rawPipeline) && 'training' in rawPipeline;
      if (model && !model.trainsInEpochs && trainingWritten) {
        problems.push(
          problemAt(
            source,
            offsetOf(source, [...base, 'training'], 'key'),
            'TRAINING_UNUSED',
            `model "${model.name}" does not train in epochs, so it would ignore \`training:\`; remove it, or use a model that does (${epochModels(registry)})`,
          ),
        );
      }
      if (model?.trainsInEpochs && isObject(rawPipeline?.training)) {
        for (const p of trainingRules(rawPipeline.training as Record<string, unknown>)) at([...base, 'training', ...(p.option?.split('.') ?? [])], p);
      }
      if (model && !model.trainsInEpochs && Array.isArray(pipeline.regularizers)) {
        pipeline.regularizers.forEach((block, i) => {
          const path = [...base, 'regularizers', i];
          const def = isBlock(block) ? defOf('regularizer', path, block) : undefined;
          if (def?.appliesTo === 'epoch-trained-models') {
            refused.add(blockKey(path));
            at([...path, 'type'], {
              code: 'REGULARIZER_UNSUPPORTED',
              message: `regularizer "${def.name}" applies to models that train in epochs (${epochModels(registry)}); model "${model.name}" does not, so it would ignore it: remove it (the model's own options set its regularization)`,
            });
          }
        });
      }
    }
  }

  // Every block's own rules, with its pipeline's facts.
  for (const { kind, path, block } of pluginBlocks(spec)) {
    const def = defOf(kind, path, block);
    if (!def?.rules?.length || refused.has(blockKey(path))) continue;
    const { type: _type, ...options } = block;
    const rawBlock = getIn(written, path);
    const writtenKeys = new Set(isObject(rawBlock) ? Object.keys(rawBlock).filter((k) => k !== 'type') : []);
    const pipeline = path[0] === 'pipelines' ? factsByPipeline.get(String(path[1])) : undefined;
    for (const rule of def.rules) {
      for (const p of rule({ options, written: writtenKeys, pipeline })) {
        ruleFailed.add(blockKey(path));
        const option = p.option ? p.option.split('.') : ['type'];
        at(p.inPipeline ? [...path.slice(0, 2), ...option] : [...path, ...option], p);
      }
    }
  }
  return { problems, ruleFailed };
}

function featuresMismatch(registry: PluginRegistry, featurizer: PluginDefinition, model: PluginDefinition): string {
  const produces = featurizer.produces!;
  const consumes = model.consumes ?? [];
  const featurizers = registry
    .list('featurizer')
    .filter((f) => f.produces && consumes.includes(f.produces))
    .map((f) => f.name);
  const models = registry
    .list('model')
    .filter((m) => m.consumes?.includes(produces))
    .map((m) => m.name);
  const fits = [
    featurizers.length ? `a featurizer that produces ${consumes.join(' or ')} (${featurizers.join(', ')})` : '',
    models.length ? `a model that reads ${produces} (${models.join(', ')})` : '',
  ]
    .filter(Boolean)
    .join(', or ');
  return `model "${model.name}" reads ${consumes.map(describeFeatureKind).join(' or ')}, but featurizer "${featurizer.name}" produces ${describeFeatureKind(produces)}${fits ? `; use ${fits}` : ''}`;
}

function epochModels(registry: PluginRegistry): string {
  return registry
    .list('model')
    .filter((m) => m.trainsInEpochs)
    .map((m) => m.name)
    .join(', ');
}

/** The training block with defaults, or undefined when it is invalid (the envelope reports it). */
function trainingOf(training: unknown): PipelineFacts['training'] {
  try {
    return resolveTrainingOptions((training ?? undefined) as Parameters<typeof resolveTrainingOptions>[0]);
  } catch {
    return undefined;
  }
}

function getIn(value: unknown, path: readonly PathSegment[]): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return node;
}
