/**
 * A run's fitted pipelines as MLflow models, used again: `run --save-model` and the logged models
 * of the default SQLite store, read back by MLflow's own Python client; `mlspec predict` from a
 * folder and from `runs:/<id>/model` reproduces the run's own test predictions exactly; the
 * recurrent models predict the same on every backend installed; bad input is refused with exit 2
 * and nothing written. `mlspec serve` answers MLflow's scoring protocol (real HTTP, and MLflow's own
 * Python scoring client), refuses bad requests with 400, and finishes requests in flight on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDelimited } from '../../src/plugins/datasets/shared/delimited-dataset';
import { REPO, runCli } from '../helpers/cli';
import { CLI } from '../helpers/cli';
import { freePort, runPython } from '../helpers/mlflow-server';

jest.setTimeout(300_000);
const TINY = path.join(REPO, 'experiments/tiny/lstm.yaml');

function readTsv(file: string): { header: string[]; rows: string[][] } {
  return readDelimited(file, '\t');
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('predict with the models a run logged', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-predict-'));
  let report: any;
  const runIds = new Map<string, string>();
  const testFile = path.join(work, 'test.tsv');

  beforeAll(() => {
    const r = runCli(['run', TINY, '--report', 'out/report.json', '--save-model', 'saved'], { cwd: work });
    if (r.status !== 0) throw new Error(r.stderr);
    report = JSON.parse(readFileSync(path.join(work, 'out/report.json'), 'utf8'));
    for (const m of r.stdout.matchAll(/^\s+(\S+)\s+([0-9a-f]{32})\s+FINISHED\s+models:\/m-[0-9a-f]{32}$/gm)) runIds.set(m[1], m[2]);
    // The test rows of the split, as a file of their own (every column of the data file).
    const data = readTsv(path.join(REPO, 'data/ArSenTD-LEV.tsv'));
    const lines = [data.header, ...report.split.test.map((row: number) => data.rows[row])].map((f: string[]) => f.join('\t'));
    writeFileSync(testFile, `${lines.join('\n')}\n`);
  });

  const expected = (pipeline: string) => {
    const result = report.folds[0].pipelines.find((p: any) => p.name === pipeline);
    return result.predictions.map((i: number) => report.dataset.classes[i]);
  };

  it('logs one READY logged model per pipeline that MLflow reads back', () => {
    expect([...runIds.keys()].sort()).toEqual(['bow', 'gru', 'lstm']);
    const out = runPython(
      [
        '-c',
        `
import json, sys, mlflow
from mlflow.models import Model
mlflow.set_tracking_uri("sqlite:///mlflow.db")
exp = mlflow.get_experiment_by_name("tiny-recurrent")
models = mlflow.search_logged_models(experiment_ids=[exp.experiment_id], output_format="list")
out = []
for m in models:
    meta = Model.load(f"runs:/{m.source_run_id}/model")
    run = mlflow.get_run(m.source_run_id)
    out.append({"name": m.name, "status": str(m.status), "run": m.source_run_id, "type": m.model_type,
                "flavors": list(meta.flavors), "inputs": meta.signature.inputs.input_names(),
                "outputs": meta.signature.outputs.input_names(), "outputs_of_run": [o.model_id for o in run.outputs.model_outputs],
                "id": m.model_id, "param": m.params.get("model.type")})
print(json.dumps(out))
`,
      ],
      { cwd: work },
    );
    const models = JSON.parse(out.trim().split('\n').pop()!);
    expect(models).toHaveLength(3);
    for (const m of models) {
      expect(m.name).toBe('model');
      expect(m.status).toMatch(/READY/);
      expect([...runIds.values()]).toContain(m.run);
      expect(m.flavors).toEqual(['mlspec']);
      expect(m.inputs).toEqual(['Tweet']);
      expect(m.outputs).toEqual(['label', ...report.dataset.classes.map((c: string) => `proba_${c}`)]);
      expect(m.outputs_of_run).toEqual([m.id]);
      expect(m.param).toBe(m.type);
    }
  });

  it.each(['bow', 'lstm', 'gru'])('predict runs:/<run>/model reproduces the run’s test predictions of %s', (pipeline) => {
    const output = path.join(work, `${pipeline}.tsv`);
    const r = runCli(['predict', `runs:/${runIds.get(pipeline)}/model`, testFile, '--output', output], { cwd: work });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const table = readTsv(output);
    expect(table.header.slice(-6)).toEqual(['label', ...report.dataset.classes.map((c: string) => `proba_${c}`)]);
    expect(table.header.slice(0, 3)).toEqual(['Tweet', 'Country', 'Topic']);
    const labels = table.rows.map((row) => row[table.header.indexOf('label')]);
    expect(labels).toEqual(expected(pipeline));
    // The saved folder gives the same probabilities, digit for digit.
    const fromFolder = path.join(work, `${pipeline}-folder.tsv`);
    expect(runCli(['predict', path.join('saved', pipeline), testFile, '--output', fromFolder], { cwd: work }).status).toBe(0);
    expect(readFileSync(fromFolder, 'utf8')).toBe(readFileSync(output, 'utf8'));
    // The input example is one of the fold's test texts (kept before the run releases the texts).
    const example = JSON.parse(readFileSync(path.join(work, 'saved', pipeline, 'input_example.json'), 'utf8'));
    expect(table.rows.map((row) => row[0])).toContain(example.data[0][0]);
  });

  const backends = ['cpu', 'wasm', ...(installed('@tensorflow/tfjs-node') ? ['tensorflow'] : [])];
  it(`gives the same probabilities on every backend installed (${backends.join(', ')})`, () => {
    for (const pipeline of ['lstm', 'gru']) {
      const probabilities = backends.map((backend) => {
        const output = path.join(work, `${pipeline}-${backend}.jsonl`);
        const input = path.join(work, 'test.jsonl');
        if (!existsSync(input)) {
          const table = readTsv(testFile);
          writeFileSync(input, table.rows.map((row) => JSON.stringify({ Tweet: row[0], id: row[1] })).join('\n') + '\n');
        }
        const r = runCli(['predict', path.join('saved', pipeline), input, '--output', output, '--backend', backend], { cwd: work });
        expect(r.status).toBe(0);
        return readFileSync(output, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
      });
      for (const other of probabilities.slice(1)) {
        other.forEach((row: any, i: number) => {
          const first = probabilities[0][i];
          expect(row.label).toBe(first.label);
          for (const c of report.dataset.classes) expect(Math.abs(row[`proba_${c}`] - first[`proba_${c}`])).toBeLessThan(1e-5);
        });
      }
      expect(probabilities[0].map((r: any) => r.label)).toEqual(expected(pipeline));
    }
  });

  it('reads one text per line from stdin and refuses bad input with exit 2, writing nothing', () => {
    const lines = runCli(['predict', path.join('saved', 'bow'), '-'], { cwd: work, input: 'ما أحلى هالنهار\nيا حرام\n' });
    expect(lines.status).toBe(0);
    const out = lines.stdout.trim().split('\n');
    expect(out[0].split('\t')).toEqual(['label', ...report.dataset.classes.map((c: string) => `proba_${c}`)]);
    expect(out).toHaveLength(3);

    const wrongColumn = path.join(work, 'wrong.tsv');
    writeFileSync(wrongColumn, 'text\tid\nhello\t1\n');
    const r = runCli(['predict', path.join('saved', 'bow'), wrongColumn, '--output', path.join(work, 'never.tsv')], { cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no column "Tweet".*--column/);
    expect(existsSync(path.join(work, 'never.tsv'))).toBe(false);
    expect(runCli(['predict', path.join('saved', 'bow'), wrongColumn, '--column', 'text'], { cwd: work }).status).toBe(0);

    const missing = runCli(['predict', 'runs:/0123456789abcdef0123456789abcdef/model', wrongColumn], { cwd: work });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/MODEL_NOT_FOUND.*run 0123456789abcdef0123456789abcdef/);
    const notModel = runCli(['predict', 'out', wrongColumn], { cwd: work });
    expect(notModel.status).toBe(2);
    expect(notModel.stderr).toMatch(/MODEL_INVALID.*pipeline\.json is missing/);
  });

  describe('serve', () => {
    let server: ChildProcess;
    let url: string;
    let port: number;
    let stderr = '';
    let texts: string[];

    beforeAll(async () => {
      port = await freePort();
      server = spawn(
        process.execPath,
        [CLI, 'serve', path.join('saved', 'lstm'), '--port', String(port), '--max-body-bytes', '20000', '--concurrency', '2'],
        {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 120_000);
        server.stderr!.on('data', (d) => {
          stderr += d;
          if (/serving .* at http/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        server.on('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
      });
      url = `http://127.0.0.1:${port}`;
      const table = readTsv(testFile);
      texts = table.rows.map((row) => row[0]);
    });

    afterAll(() => {
      if (server.exitCode === null) server.kill('SIGKILL');
    });

    const invoke = async (body: unknown, contentType = 'application/json') => {
      const response = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    it('answers /ping, /health and /version', async () => {
      for (const endpoint of ['/ping', '/health']) expect((await fetch(`${url}${endpoint}`)).status).toBe(200);
      const version = await fetch(`${url}/version`);
      expect(await version.text()).toBe(JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
    });

    it('scores every input format of the protocol with the run’s own predictions', async () => {
      const labels = expected('lstm');
      const payloads: Array<[unknown, string?]> = [
        [{ dataframe_split: { columns: ['id', 'Tweet'], data: texts.map((t, i) => [i, t]) } }],
        [{ dataframe_records: texts.map((t) => ({ Tweet: t })) }],
        [{ instances: texts }],
        [{ inputs: { Tweet: texts } }],
        [`Tweet\n${texts.map((t) => `"${t.replace(/"/g, '""')}"`).join('\n')}\n`, 'text/csv'],
      ];
      for (const [payload, type] of payloads) {
        const { status, body } = await invoke(payload, type);
        expect(status).toBe(200);
        expect(body.predictions.map((p: any) => p.label)).toEqual(labels);
        expect(Object.keys(body.predictions[0])).toEqual(['label', ...report.dataset.classes.map((c: string) => `proba_${c}`)]);
      }
    });

    it('answers 16 concurrent clients with the same predictions as one', async () => {
      const one = await invoke({ instances: texts.slice(0, 8) });
      const many = await Promise.all(Array.from({ length: 16 }, () => invoke({ instances: texts.slice(0, 8) })));
      for (const answer of many) expect(answer).toEqual(one);
    });

    it('refuses bad requests with 400 and a message', async () => {
      const cases: Array<[string, RegExp, string?]> = [
        ['', /body is empty/],
        ['{"dataframe_split": ', /not valid JSON/],
        [JSON.stringify({ dataframe_records: [{ text: 'hi' }] }), /has no column "Tweet"/],
        [JSON.stringify({ dataframe_split: { columns: ['Tweet'], data: [[42]] } }), /is number, not a string/],
        [JSON.stringify({ instances: ['a'], inputs: ['b'] }), /exactly one of the fields/],
        [JSON.stringify({ rows: ['a'] }), /exactly one of the fields/],
        [JSON.stringify({ instances: ['x'.repeat(30_000)] }), /more than 20000 bytes/],
      ];
      for (const [body, message] of cases) {
        const answer = await invoke(body);
        expect([answer.status, answer.body.error_code]).toEqual([400, 'BAD_REQUEST']);
        expect(answer.body.message).toMatch(message);
      }
    });

    it("works with MLflow's own scoring client and documented payload", () => {
      const out = runPython(
        [
          '-c',
          `
import json, pandas as pd, requests
from mlflow.pyfunc.scoring_server.client import ScoringServerClient
client = ScoringServerClient("127.0.0.1", ${port})
client.wait_server_ready(timeout=30)
result = client.invoke(pd.DataFrame({"Tweet": ${JSON.stringify(texts.slice(0, 5))}}))
example = open("saved/lstm/serving_input_example.json").read()
documented = requests.post("http://127.0.0.1:${port}/invocations", data=example, headers={"Content-Type": "application/json"})
print(json.dumps({"labels": [p["label"] for p in result.get_predictions(predictions_format="dataframe").to_dict("records")], "example": documented.status_code}))
`,
        ],
        { cwd: work },
      );
      const answer = JSON.parse(out.trim().split('\n').pop()!);
      expect(answer.labels).toEqual(expected('lstm').slice(0, 5));
      expect(answer.example).toBe(200);
    });

    it('finishes the requests in flight on SIGTERM, then exits 0', async () => {
      const inFlight = invoke({ instances: Array.from({ length: 40 }, (_, i) => texts[i % texts.length]) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      server.kill('SIGTERM');
      const [answer, code] = await Promise.all([inFlight, new Promise((resolve) => server.on('exit', resolve))]);
      expect(answer.status).toBe(200);
      expect(answer.body.predictions).toHaveLength(40);
      expect(code).toBe(0);
      expect(stderr).toMatch(/SIGTERM: finishing the requests in flight/);
    });
  });

  it('export --web: the page classifies typed texts in headless Chromium as mlspec predict does', () => {
    const site = path.join(work, 'site');
    const exported = runCli(['export', path.join('saved', 'lstm'), '--web', site], { cwd: work });
    expect(exported.status).toBe(0);
    const texts = readTsv(testFile)
      .rows.slice(0, 4)
      .map((row) => row[0]);
    const textsFile = path.join(work, 'texts.json');
    writeFileSync(textsFile, JSON.stringify(texts));
    const page = spawnSync(process.execPath, ['--experimental-websocket', path.join(REPO, 'tools/web/classify-in-chromium.js'), site, textsFile], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(page.stderr).toBe('');
    const shown = JSON.parse(page.stdout);
    const linesFile = path.join(work, 'texts.txt');
    writeFileSync(linesFile, texts.join('\n') + '\n');
    const predicted = runCli(['predict', path.join('saved', 'lstm'), linesFile, '--format', 'lines'], { cwd: work })
      .stdout.trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'));
    expect(shown.map((s: any) => s.label)).toEqual(predicted.map((p) => p[0]));
    expect(shown.map((s: any) => s.label)).toEqual(expected('lstm').slice(0, 4));
    shown.forEach((s: any, i: number) =>
      report.dataset.classes.forEach((c: string, k: number) => expect(Math.abs(s.probabilities[c] - Number(predicted[i][k + 1]))).toBeLessThan(1e-5)),
    );
    // A folder that holds something else is refused, untouched.
    const r = runCli(['export', path.join('saved', 'lstm'), '--web', 'out'], { cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/EXPORT_DIR_NOT_EMPTY/);
  });
});
