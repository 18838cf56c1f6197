/**
 * Adding a model that reads an existing feature kind touches one folder and one registry line;
 * the conformance suite and the validator need no edit. The fixture (one file) declares
 * `consumes: ['csr']`; the suite derives that counts and tfidf feed it and index-sequence does not.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginDefinition } from '../../src/core/plugin';
import { builtinPlugins } from '../../src/plugins';
import { REPO, runCli } from '../helpers/cli';
import { describeConformance, featurizersFor } from './conformance';

const fixture = (require('../fixtures/plugins/nearest-centroid.js') as { plugins: PluginDefinition[] }).plugins[0];
const FIXTURE_FILE = path.join(REPO, 'test/fixtures/plugins/nearest-centroid.js');

describe('the built-ins plus a third-party model that reads csr features', () => {
  describeConformance([...builtinPlugins, fixture]);

  it('is fed by every featurizer that produces csr, found from the declarations', () => {
    const csr = builtinPlugins.filter((p) => p.kind === 'featurizer' && p.produces === 'csr').map((p) => p.name);
    expect(csr).toEqual(expect.arrayContaining(['counts', 'tfidf']));
    expect(featurizersFor(fixture, builtinPlugins).map((f) => f.name)).toEqual(csr);
  });
});

function spec(featurizer: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-centroid-'));
  const file = path.join(dir, 'spec.yaml');
  writeFileSync(
    file,
    [
      'name: centroid',
      `plugins: [${JSON.stringify(FIXTURE_FILE)}]`,
      `data: { type: tsv, path: ${JSON.stringify(path.join(REPO, 'data/ArSenTD-LEV.tsv'))}, text: Tweet, label: Sentiment, where: { Country: lebanon } }`,
      'pipelines:',
      '  centroid:',
      '    tokenizer: { type: words }',
      `    featurizer: { type: ${featurizer} }`,
      '    model: { type: nearest-centroid }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('a spec using the third-party model', () => {
  it('runs with a csr featurizer', () => {
    const file = spec('tfidf');
    const r = runCli(['run', file, '--no-tracking'], { cwd: path.dirname(file) });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PIPELINE centroid/);
  });

  it('is refused with a sequence featurizer, at the model type, naming what would fit; nothing written', () => {
    const file = spec('index-sequence, maxLength: 20');
    const r = runCli(['run', file], { cwd: path.dirname(file) });
    expect(r.stderr.split('\n')[0]).toBe(
      `${file}:8:20 PIPELINE_FEATURES_MISMATCH model "nearest-centroid" reads a sparse matrix (csr), but featurizer "index-sequence" produces token-id sequences (sequences); ` +
        `use a featurizer that produces csr (${featurizersFor(fixture, builtinPlugins)
          .map((f) => f.name)
          .join(', ')}), or a model that reads sequences (simple-rnn, lstm, gru)`,
    );
    expect(r.status).toBe(2);
    expect(readdirSync(path.dirname(file))).toEqual(['spec.yaml']);
  });
});

it('`mlspec plugins` shows what each plugin takes and gives, as declared', () => {
  const r = runCli(['plugins', '--json']);
  expect(r.status).toBe(0);
  const listed = JSON.parse(r.stdout) as Array<{
    kind: string;
    name: string;
    produces?: string;
    consumes?: string[];
    trainsInEpochs?: boolean;
    appliesTo?: string;
  }>;
  for (const def of builtinPlugins) {
    const entry = listed.find((p) => p.kind === def.kind && p.name === def.name)!;
    expect([def.name, entry.produces, entry.consumes, entry.appliesTo]).toEqual([def.name, def.produces, def.consumes, def.appliesTo]);
    if (def.kind === 'model') expect(entry.trainsInEpochs).toBe(def.trainsInEpochs === true);
  }
  expect(runCli(['plugins', '--kind', 'featurizer']).stdout).toContain('[produces sequences]');
});
