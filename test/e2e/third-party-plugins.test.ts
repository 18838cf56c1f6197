/** Third-party plugins load only when a spec's `plugins:` list names them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, runCli } from '../helpers/cli';

const FIXTURES = path.join(REPO, 'test/fixtures/plugins');

function spec(plugins: string[], tokenizer: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-plugins-'));
  const file = path.join(dir, 'spec.yaml');
  writeFileSync(
    file,
    [
      'name: third-party',
      `plugins: [${plugins.map((p) => JSON.stringify(p)).join(', ')}]`,
      `data: { type: tsv, path: ${JSON.stringify(path.join(REPO, 'data/ArSenTD-LEV.tsv'))}, text: Tweet, label: Sentiment, where: { Country: lebanon } }`,
      'pipelines:',
      '  bow:',
      `    tokenizer: { type: ${tokenizer}, minLength: 2 }`,
      '    featurizer: { type: counts, maxFeatures: 200 }',
      '    model: { type: logistic-regression }',
      '',
    ].join('\n'),
  );
  return file;
}

it('loads a local plugin module named in the spec and runs with it', () => {
  const file = spec([path.join(FIXTURES, 'shout-tokenizer.js')], 'shout-words');
  const r = runCli(['run', file, '--no-tracking']);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/PIPELINE bow/);
});

it('does not know the plugin when the spec does not name its module', () => {
  const file = spec([], 'shout-words');
  const r = runCli(['validate', file]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/:6:\d+ PLUGIN_UNKNOWN unknown tokenizer type "shout-words"/);
});

it('locates a module that cannot be found, and one that shadows a built-in', () => {
  const missing = runCli(['validate', spec(['mlspec-plugin-that-does-not-exist'], 'words')]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/:2:\d+ PLUGIN_MODULE_MISSING cannot find plugin module "mlspec-plugin-that-does-not-exist"; install it/);
  const shadow = runCli(['validate', spec([path.join(FIXTURES, 'shadows-words.js')], 'words')]);
  expect(shadow.status).toBe(2);
  expect(shadow.stderr).toMatch(/:2:\d+ PLUGIN_DUPLICATE .* tokenizer "words", which is already registered/);
});
