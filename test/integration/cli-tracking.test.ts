/**
 * `mlspec run` as a user runs it, tracked: to a real MLflow server (read back through MLflow's REST
 * API, artifacts included) and to the default ./mlruns store (read back by MLflow itself).
 */
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, REPO } from '../helpers/cli';
import { openTracker } from '../../src/core/tracking/open-tracker';
import { runPython, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(300_000);
const SPEC = path.join(REPO, 'experiments/arsentd-lev/baseline.yaml');

async function api(server: MlflowServer, endpoint: string, body?: unknown): Promise<any> {
  const response = await fetch(
    `${server.uri}/api/2.0/mlflow/${endpoint}`,
    body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {},
  );
  if (!response.ok) throw new Error(`${endpoint}: ${response.status} ${await response.text()}`);
  return response.json();
}

describe('mlspec run --tracking-uri http://…', () => {
  let server: MlflowServer;
  beforeAll(async () => {
    server = await startMlflowServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('logs a parent run and a child run per pipeline with params, metrics, tags and artifacts', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-track-'));
    const r = runCli(['run', SPEC, '--tracking-uri', server.uri], { cwd: work });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/MLflow: 2 runs logged to http:\/\/127\.0\.0\.1/);

    const { experiment } = await api(server, 'experiments/get-by-name?experiment_name=arsentd-lev');
    const { runs } = await api(server, 'runs/search', { experiment_ids: [experiment.experiment_id] });
    expect(runs).toHaveLength(2);
    const tags = (run: any) => Object.fromEntries((run.data.tags ?? []).map((t: any) => [t.key, t.value]));
    const parent = runs.find((run: any) => !tags(run)['mlflow.parentRunId']);
    const child = runs.find((run: any) => tags(run)['mlflow.parentRunId'] === parent.info.run_id);
    expect(parent.info.status).toBe('FINISHED');
    expect(child.info.status).toBe('FINISHED');
    expect(child.info.run_name).toBe('bow-logreg');
    expect(tags(parent)['mlflow.note.content']).toMatch(/ArSenTD-LEV/);
    expect(tags(parent)['mlspec.spec_sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(tags(parent)['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    const params = Object.fromEntries(child.data.params.map((p: any) => [p.key, p.value]));
    expect(params['featurizer.maxFeatures']).toBe('1000');
    expect(params['model.C']).toBe('1');
    const metrics = Object.fromEntries(child.data.metrics.map((m: any) => [m.key, m.value]));
    expect(metrics.test_accuracy).toBeGreaterThan(0.46);
    expect(metrics.test_f1_very_negative).toBeGreaterThan(0);
    expect(child.inputs.dataset_inputs.map((d: any) => d.tags.find((t: any) => t.key === 'mlflow.data.context').value).sort()).toEqual([
      'testing',
      'training',
    ]);

    const listed = async (runId: string, p = '') =>
      ((await api(server, `artifacts/list?run_id=${runId}&path=${p}`)).files ?? []).map((f: any) => f.path);
    expect(await listed(parent.info.run_id)).toEqual(expect.arrayContaining(['plots', 'report.json', 'spec.yaml']));
    expect(await listed(parent.info.run_id, 'plots')).toEqual(expect.arrayContaining(['plots/dataset.png', 'plots/confusion-bow-logreg.png']));
    expect(await listed(child.info.run_id)).toEqual(
      expect.arrayContaining(['confusion_matrix.json', 'confusion_matrix.svg', 'classification_report.txt']),
    );
  });

  it('logs each pipeline as an MLflow 3 logged model, registers it with an alias, and predict reads runs:/ and models:/ URIs through the server', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-registry-'));
    const spec = path.join(work, 'spec.yaml');
    writeFileSync(
      spec,
      readFileSync(SPEC, 'utf8')
        .replace('../../data/ArSenTD-LEV.tsv', path.join(REPO, 'data/ArSenTD-LEV.tsv'))
        .replace('experiment: arsentd-lev', 'experiment: registry-test')
        .concat('register: { name: baseline-tweets, pipeline: bow-logreg, alias: champion }\n'),
    );
    const r = runCli(['run', spec, '--tracking-uri', server.uri, '--save-model', 'saved'], { cwd: work });
    expect(r.stderr).not.toMatch(/error|warning/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^registered: models:\/baseline-tweets\/1 \(alias @champion\)$/m);
    const runId = /bow-logreg +([0-9a-f]{32}) +FINISHED +models:\/m-[0-9a-f]{32}/.exec(r.stdout)![1];

    // Read back by MLflow's own client from the server.
    const out = runPython([
      '-c',
      `
import json, os, mlflow
from mlflow import MlflowClient
mlflow.set_tracking_uri("${server.uri}")
client = MlflowClient()
v = client.get_model_version_by_alias("baseline-tweets", "champion")
models = mlflow.search_logged_models(experiment_ids=[mlflow.get_experiment_by_name("registry-test").experiment_id], output_format="list")
files = sorted(os.listdir(mlflow.artifacts.download_artifacts("models:/baseline-tweets@champion")))
print(json.dumps({"version": v.version, "run": v.run_id, "source": v.source, "description": v.description, "tags": v.tags,
                  "models": [[m.model_id, m.source_run_id, str(m.status)] for m in models], "files": files}))
`,
    ]);
    const read = JSON.parse(out.trim().split('\n').pop()!);
    expect(read.version).toBe('1');
    expect(read.run).toBe(runId);
    expect(read.models).toEqual([[read.source.slice('models:/'.length), runId, expect.stringMatching(/READY/)]]);
    expect(read.description).toMatch(/^mlspec pipeline bow-logreg of arsentd-lev-baseline .* test accuracy \d+\.\d\d%, macro F1/);
    expect(Number(read.tags.test_accuracy)).toBeGreaterThan(0.46);
    expect(read.files).toEqual(expect.arrayContaining(['MLmodel', 'pipeline.json', 'weights.bin', 'input_example.json']));

    const texts = path.join(work, 'texts.txt');
    writeFileSync(texts, 'يا حرام\nما أحلى هالنهار\nالمنتخب ربح\n');
    const outputs = ['saved/bow-logreg', `runs:/${runId}/model`, 'models:/baseline-tweets/1', 'models:/baseline-tweets@champion'].map((model) => {
      const p = runCli(['predict', model, texts, '--format', 'lines', '--tracking-uri', server.uri], { cwd: work });
      expect(p.stderr).toBe('');
      return p.stdout;
    });
    expect(outputs[0].split('\n')).toHaveLength(5);
    for (const output of outputs) expect(output).toBe(outputs[0]);
    const missing = runCli(['predict', 'models:/baseline-tweets/7', texts, '--format', 'lines', '--tracking-uri', server.uri], { cwd: work });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/MODEL_NOT_FOUND/);
  });

  it('refuses an unreachable server before reading any data: exit 2, naming the URI, nothing written', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-down-'));
    const r = runCli(['run', SPEC, '--tracking-uri', 'http://127.0.0.1:9', '--report', 'out/report.json'], { cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/TRACKING_UNREACHABLE|http:\/\/127\.0\.0\.1:9/);
    expect(existsSync(path.join(work, 'out'))).toBe(false);
    expect(existsSync(path.join(work, 'mlruns'))).toBe(false);
  });
});

describe('a server started as users start it: --default-artifact-root /some/path --serve-artifacts', () => {
  let server: MlflowServer;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mlspec-artifact-root-'));
    server = await startMlflowServer({ extraArgs: ['--default-artifact-root', root] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("logs the artifacts where the server keeps them (a plain local path), as MLflow's own client does", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-root-'));
    const r = runCli(['run', SPEC, '--tracking-uri', server.uri], { cwd: work });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const { experiment } = await api(server, 'experiments/get-by-name?experiment_name=arsentd-lev');
    expect(experiment.artifact_location).toBe(path.join(root, experiment.experiment_id));
    const { runs } = await api(server, 'runs/search', { experiment_ids: [experiment.experiment_id] });
    expect(runs.map((run: any) => run.info.status)).toEqual(['FINISHED', 'FINISHED']);
    const parent = runs.find((run: any) => !(run.data.tags ?? []).some((t: any) => t.key === 'mlflow.parentRunId'));
    // Listed by the server itself, from the folder it was told to use.
    const { files } = await api(server, `artifacts/list?run_id=${parent.info.run_id}`);
    expect(files.map((f: any) => f.path)).toEqual(expect.arrayContaining(['plots', 'report.json', 'spec.yaml']));
    expect(existsSync(path.join(root, experiment.experiment_id, parent.info.run_id, 'artifacts', 'spec.yaml'))).toBe(true);
  });

  it('refuses an experiment whose artifacts only a cloud client can write, before creating any run', async () => {
    await api(server, 'experiments/create', { name: 'in-the-cloud', artifact_location: 's3://some-bucket/mlflow' });
    const tracker = openTracker(server.uri, { env: {} });
    const error = await tracker.getOrCreateExperiment('in-the-cloud').catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'TRACKING_ARTIFACTS_UNSUPPORTED', exitCode: 2 });
    expect((error as Error).message).toMatch(/--serve-artifacts/);
  });
});

describe('mlspec run with the default store', () => {
  it('creates mlflow.db that MLflow itself reads with its default URI: parent and child runs, params, metrics, artifacts', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-store-'));
    const r = runCli(['run', SPEC], { cwd: work });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/open them with: mlflow ui {3}/);
    expect(existsSync(path.join(work, 'mlflow.db'))).toBe(true);
    // No --tracking-uri: MLflow's own default in that folder (sqlite:///mlflow.db), as `mlflow ui` reads it.
    const dump = JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), 'sqlite:///mlflow.db', '--artifacts'], { cwd: work }));
    const experiment = dump.experiments.find((e: any) => e.name === 'arsentd-lev');
    expect(experiment.runs).toHaveLength(2);
    const parent = experiment.runs.find((run: any) => !run.tags['mlflow.parentRunId']);
    const child = experiment.runs.find((run: any) => run.tags['mlflow.parentRunId'] === parent.run_id);
    expect(child.run_name).toBe('bow-logreg');
    expect(child.status).toBe('FINISHED');
    expect(Number(child.metrics.test_accuracy)).toBeGreaterThan(0.46);
    expect(child.params['tokenizer.type']).toBe('words');
    expect(Object.keys(parent.artifacts ?? {})).toEqual(expect.arrayContaining(['plots/dataset.png', 'report.json', 'spec.yaml']));
  });

  it('keeps writing ./mlruns where a folder already holds file-store runs and no mlflow.db, and says what MLflow needs to open it', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-legacy-'));
    const first = runCli(['run', SPEC, '--tracking-uri', './mlruns'], { cwd: work });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/open them with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri \.\/mlruns/);
    const second = runCli(['run', SPEC], { cwd: work });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/runs logged to file:\/\/.*\/mlruns/);
    expect(existsSync(path.join(work, 'mlflow.db'))).toBe(false);
    const dump = JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), path.join(work, 'mlruns')]));
    expect(dump.experiments.find((e: any) => e.name === 'arsentd-lev').runs).toHaveLength(4);
  });
});
