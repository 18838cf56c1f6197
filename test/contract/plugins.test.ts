/**
 * The conformance suite, run over every registered plugin (scikit-learn's estimator_checks idea):
 * the schema compiles in ajv strict mode, names are unique kebab-case, defaults are valid options,
 * `create` does no work, and learned state survives a JSON round trip.
 */
import { createAjv } from '../../src/core/spec/ajv';
import { builtinPlugins } from '../../src/plugins';
import { PluginRegistry } from '../../src/core/registry';
import type { Featurizer, Model, PluginDefinition, Tokenizer } from '../../src/core/plugin';
import { resolvePluginOptions, testContext } from '../../src/core/testing';

const context = testContext({ seed: 7, baseDir: __dirname });

const SAMPLE_TEXTS = ['good movie, very good', 'bad film 😞 bad', 'neutral text here', 'فيلم جميل جدا', 'ما حبيت الفيلم', 'so so', 'great great fun', 'awful 😡 awful'];
const SAMPLE_LABELS = [0, 1, 2, 0, 1, 2, 0, 1];

/** The plugin's example options (or none) with defaults filled in; throws when they are invalid. */
function options(def: PluginDefinition): Record<string, unknown> {
  return resolvePluginOptions<Record<string, unknown>>(def, def.exampleOptions ?? {});
}

describe('every registered plugin', () => {
  it('has a unique kebab-case name per kind', () => {
    expect(() => new PluginRegistry(builtinPlugins)).not.toThrow();
  });

  describe.each(builtinPlugins.map((p) => [`${p.kind} ${p.name}`, p] as const))('%s', (_label, def) => {
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

    it('accepts its defaults (or example options) and creates an instance without doing work', () => {
      const opts = options(def);
      expect(() => def.create(Object.freeze(opts), context)).not.toThrow();
    });

    if (def.kind === 'featurizer') {
      it('keeps learned state apart and survives a JSON round trip', () => {
        const tokenizer = builtinPlugins.find((p) => p.kind === 'tokenizer' && p.name === 'chars')!.create({ lowercase: false }, context) as Tokenizer;
        const docs = SAMPLE_TEXTS.map((t) => tokenizer.tokenize(t));
        const a = def.create(options(def), context) as Featurizer;
        a.fit(docs);
        const b = def.create(options(def), context) as Featurizer;
        b.setState(JSON.parse(JSON.stringify(a.getState())));
        expect(b.transform(docs)).toEqual(a.transform(docs));
        expect(b.summary()).toEqual(a.summary());
      });
    }

    if (def.kind === 'model') {
      it('fits, predicts probabilities, and survives a JSON round trip of its state', async () => {
        const words = builtinPlugins.find((p) => p.kind === 'tokenizer' && p.name === 'words')!.create({}, context) as Tokenizer;
        const chars = builtinPlugins.find((p) => p.kind === 'tokenizer' && p.name === 'chars')!.create({}, context) as Tokenizer;
        const featurizerName = def.name === 'logistic-regression' ? 'counts' : 'index-sequence';
        const featurizerDef = builtinPlugins.find((p) => p.kind === 'featurizer' && p.name === featurizerName)!;
        const featurizer = featurizerDef.create(options(featurizerDef), context) as Featurizer;
        const docs = SAMPLE_TEXTS.map((t) => (featurizerName === 'counts' ? words : chars).tokenize(t));
        featurizer.fit(docs);
        const x = featurizer.transform(docs);
        const y = Int32Array.from(SAMPLE_LABELS);
        const a = def.create(options(def), context) as Model;
        await a.fit({ train: { x, y }, nClasses: 3, training: { epochs: 1, batchSize: 4, progress: false } }, context);
        const p = a.predictProba(x);
        expect(p).toHaveLength(SAMPLE_TEXTS.length * 3);
        for (let r = 0; r < SAMPLE_TEXTS.length; r++) expect(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2]).toBeCloseTo(1, 6);
        const b = def.create(options(def), context) as Model;
        b.setState(JSON.parse(JSON.stringify(a.getState())));
        expect(Array.from(b.predictProba(x))).toEqual(Array.from(p));
      });
    }
  });
});
