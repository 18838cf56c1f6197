/**
 * The conformance suite (scikit-learn's estimator_checks idea), run over a list of plugin
 * definitions: the built-ins (plugins.test.ts) or the built-ins plus a third-party plugin
 * (fixture-plugin.test.ts). Nothing in it names a plugin: which featurizer feeds which model is
 * derived from what they declare (`produces`, `consumes`), so a new model that reads an existing
 * feature kind is covered without editing this file.
 */
import { createAjv } from '../../src/core/spec/ajv';
import { PluginRegistry } from '../../src/core/registry';
import type { Featurizer, Model, PluginDefinition, Tokenizer } from '../../src/core/plugin';
import { SpecValidator } from '../../src/core/spec/validate';
import { parseSpecSource } from '../../src/core/spec/source';
import { resolvePluginOptions, testContext } from '../../src/core/testing';
import { resolveTrainingOptions, trainingOptionsSchema } from '../../src/core/train/options';

const context = testContext({ seed: 7, baseDir: __dirname });

const SAMPLE_TEXTS = [
  'good movie, very good',
  'bad film 😞 bad',
  'neutral text here',
  'فيلم جميل جدا',
  'ما حبيت الفيلم',
  'so so',
  'great great fun',
  'awful 😡 awful',
];
const SAMPLE_LABELS = [0, 1, 2, 0, 1, 2, 0, 1];

/** The plugin's example options (or none) with defaults filled in; throws when they are invalid. */
function options(def: PluginDefinition): Record<string, unknown> {
  return resolvePluginOptions<Record<string, unknown>>(def, def.exampleOptions ?? {});
}

/** Every featurizer of `plugins` whose declared output the model declares it reads. */
export function featurizersFor(model: PluginDefinition, plugins: readonly PluginDefinition[]): PluginDefinition[] {
  return plugins.filter((p) => p.kind === 'featurizer' && p.produces !== undefined && (model.consumes ?? []).includes(p.produces));
}

/** Sample documents for a featurizer, tokenized by every tokenizer of `plugins` in turn (the first is enough). */
function sampleDocs(plugins: readonly PluginDefinition[]): string[][] {
  const tokenizer = plugins.find((p) => p.kind === 'tokenizer')!;
  const t = tokenizer.create(options(tokenizer), context) as Tokenizer;
  return SAMPLE_TEXTS.map((text) => t.tokenize(text));
}

/** A one-pipeline spec with these blocks, validated as `mlspec validate` does (without the data). */
function pipelineProblems(plugins: readonly PluginDefinition[], featurizer: PluginDefinition, model: PluginDefinition): string[] {
  const tokenizer = plugins.find((p) => p.kind === 'tokenizer')!;
  const text = [
    'name: conformance',
    'data: { type: tsv, path: unused.tsv, text: Tweet, label: Sentiment }',
    'pipelines:',
    '  p:',
    `    tokenizer: ${JSON.stringify({ type: tokenizer.name, ...(tokenizer.exampleOptions ?? {}) })}`,
    `    featurizer: ${JSON.stringify({ type: featurizer.name, ...(featurizer.exampleOptions ?? {}) })}`,
    `    model: ${JSON.stringify({ type: model.name, ...(model.exampleOptions ?? {}) })}`,
    '',
  ].join('\n');
  const registry = new PluginRegistry(plugins);
  const { source } = parseSpecSource('conformance.yaml', text);
  return new SpecValidator(registry, trainingOptionsSchema).validate(source).problems.map((p) => p.code);
}

export function describeConformance(plugins: readonly PluginDefinition[]): void {
  it('has a unique kebab-case name per kind, and every declaration a pipeline check needs', () => {
    expect(() => new PluginRegistry(plugins)).not.toThrow();
  });

  it('has a model for every featurizer, and a featurizer for every model (from their declarations)', () => {
    const models = plugins.filter((p) => p.kind === 'model');
    for (const f of plugins.filter((p) => p.kind === 'featurizer'))
      expect([f.name, models.some((m) => m.consumes?.includes(f.produces!))]).toEqual([f.name, true]);
    for (const m of models) expect([m.name, featurizersFor(m, plugins).length > 0]).toEqual([m.name, true]);
  });

  it('the validator accepts exactly the featurizer → model pairs the declarations allow', () => {
    for (const f of plugins.filter((p) => p.kind === 'featurizer')) {
      for (const m of plugins.filter((p) => p.kind === 'model')) {
        const legal = m.consumes!.includes(f.produces!);
        const problems = pipelineProblems(plugins, f, m);
        expect([f.name, m.name, problems]).toEqual([f.name, m.name, legal ? [] : ['PIPELINE_FEATURES_MISMATCH']]);
      }
    }
  });

  describe.each(plugins.map((p) => [`${p.kind} ${p.name}`, p] as const))('%s', (_label, def) => {
    it('has a one-line description', () => {
      expect(def.description.length).toBeGreaterThan(10);
      expect(def.description).not.toMatch(/\n/);
    });

    it('has an options schema that compiles in ajv strict mode, describes every option and forbids unknown ones', () => {
      const ajv = createAjv();
      expect(() => ajv.compile(def.optionsSchema)).not.toThrow();
      expect(def.optionsSchema.type).toBe('object');
      expect(def.optionsSchema.additionalProperties).toBe(false);
      for (const [name, schema] of Object.entries<Record<string, unknown>>(def.optionsSchema.properties ?? {})) {
        expect([name, typeof schema.description]).toEqual([name, 'string']);
      }
      expect(ajv.validate(def.optionsSchema, { __noSuchOption__: 1 })).toBe(false);
    });

    it('accepts its defaults (or example options): its rules find nothing, and it creates an instance without doing work', () => {
      const opts = options(def);
      for (const rule of def.rules ?? []) expect(rule({ options: opts, written: new Set(Object.keys(def.exampleOptions ?? {})) })).toEqual([]);
      expect(() => def.create(Object.freeze(opts), context)).not.toThrow();
    });

    if (def.kind === 'featurizer') {
      it('produces the feature kind it declares, keeps learned state apart, and survives a JSON round trip', () => {
        const docs = sampleDocs(plugins);
        const a = def.create(options(def), context) as Featurizer;
        a.fit(docs);
        expect(a.transform(docs).kind).toBe(def.produces);
        const b = def.create(options(def), context) as Featurizer;
        b.setState(JSON.parse(JSON.stringify(a.getState())));
        expect(b.transform(docs)).toEqual(a.transform(docs));
        expect(b.summary()).toEqual(a.summary());
      });
    }

    if (def.kind === 'model') {
      it.each(featurizersFor(def, plugins).map((f) => [f.name, f] as const))(
        'fits on featurizer %s, predicts probabilities, and survives a JSON round trip of its state',
        async (_name, featurizerDef) => {
          const featurizer = featurizerDef.create(options(featurizerDef), context) as Featurizer;
          const docs = sampleDocs(plugins);
          featurizer.fit(docs);
          const x = featurizer.transform(docs);
          const y = Int32Array.from(SAMPLE_LABELS);
          const a = def.create(options(def), context) as Model;
          const training = def.trainsInEpochs ? resolveTrainingOptions({ epochs: 1, batchSize: 4, progress: false }) : undefined;
          await a.fit({ train: { x, y }, nClasses: 3, training }, context);
          const p = a.predictProba(x);
          expect(p).toHaveLength(SAMPLE_TEXTS.length * 3);
          for (let r = 0; r < SAMPLE_TEXTS.length; r++) expect(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2]).toBeCloseTo(1, 6);
          const b = def.create(options(def), context) as Model;
          b.setState(JSON.parse(JSON.stringify(a.getState())));
          expect(Array.from(b.predictProba(x))).toEqual(Array.from(p));
          a.dispose?.();
          b.dispose?.();
        },
      );
    }
  });
}
