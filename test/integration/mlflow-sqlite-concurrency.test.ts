/**
 * Four processes writing one fresh mlflow.db at the same moment (sweep workers, parallel
 * `mlspec run`s): the database and the experiment are created once, no writer fails with
 * "database is locked", and every run arrives whole (read back by MLflow).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startWriter } from '../helpers/concurrent-writers';
import { REPO_ROOT, runPython } from '../helpers/mlflow-server';

jest.setTimeout(300_000);

const READ_STORE = path.join(REPO_ROOT, 'tools', 'mlflow', 'read_store.py');

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-sqlite-concurrent-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

const writer = (store: string, experiment: string, runs: number, startAt: number, label: string) =>
  startWriter(store, experiment, runs, startAt, label, 240_000);

test('four writers on one fresh database: one experiment, whole runs, no lock errors', async () => {
  const dir = path.join(scratch, 'race');
  fs.mkdirSync(dir);
  const database = path.join(dir, 'mlflow.db');
  const runsEach = 3;
  // Far enough ahead for all four processes to have loaded TypeScript and be waiting.
  const startAt = Date.now() + 6000;
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((label) => writer(`sqlite:///${database}`, 'race', runsEach, startAt, label)));

  const dump = JSON.parse(runPython([READ_STORE, `sqlite:///${database}`, '--artifacts'], { cwd: dir })) as {
    experiments: {
      name: string;
      experiment_id: string;
      runs: {
        run_id: string;
        run_name: string;
        status: string;
        params: Record<string, string>;
        metric_history: Record<string, { value: number; step: number }[]>;
        inputs: { digest: string }[];
        artifacts: Record<string, string>;
      }[];
    }[];
  };
  expect(dump.experiments.map((e) => e.name).sort()).toEqual(['Default', 'race']);
  const race = dump.experiments.find((e) => e.name === 'race')!;
  expect(race.runs.map((r) => r.run_id).sort()).toEqual(results.flat().sort());
  expect(race.runs).toHaveLength(4 * runsEach);
  for (const run of race.runs) {
    const [label, index] = run.run_name.split('-');
    expect(run.status).toBe('FINISHED');
    expect(run.params).toEqual({ writer: label, index });
    expect(run.metric_history.shared_key.map((m) => [m.step, m.value])).toEqual(Array.from({ length: 50 }, (_, s) => [s, s + Number(index) / 1000]));
    expect(run.inputs.map((d) => d.digest)).toEqual(['same-digest']);
    expect(run.artifacts).toEqual({ 'who.txt': run.run_name });
  }
});
