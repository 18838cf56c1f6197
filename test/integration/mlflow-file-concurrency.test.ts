/**
 * Several processes writing one fresh ./mlruns at the same moment: the store and the experiment
 * are created once, and every run arrives whole (read back by MLflow).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startWriter } from '../helpers/concurrent-writers';
import { REPO_ROOT, runPython } from '../helpers/mlflow-server';

jest.setTimeout(180_000);

const READ_STORE = path.join(REPO_ROOT, 'tools', 'mlflow', 'read_store.py');

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-concurrent-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

const writer = (store: string, experiment: string, runs: number, startAt: number, label: string) =>
  startWriter(store, experiment, runs, startAt, label, 120_000);

test.each([1, 2, 3])('round %i: three writers on one fresh store make one experiment and whole runs', async (round) => {
  const store = path.join(scratch, `round-${round}`, 'mlruns');
  const runsEach = 4;
  // Far enough ahead for all three processes to have loaded TypeScript and be waiting.
  const startAt = Date.now() + 4000;
  const results = await Promise.all(['a', 'b', 'c'].map((label) => writer(store, 'race', runsEach, startAt, label)));

  const dump = JSON.parse(runPython([READ_STORE, store, '--artifacts'])) as {
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
  for (const run of race.runs) {
    const [label, index] = run.run_name.split('-');
    expect(run.status).toBe('FINISHED');
    expect(run.params).toEqual({ writer: label, index });
    expect(run.metric_history.shared_key.map((m) => [m.step, m.value])).toEqual(Array.from({ length: 50 }, (_, s) => [s, s + Number(index) / 1000]));
    expect(run.inputs.map((d) => d.digest)).toEqual(['same-digest']);
    expect(run.artifacts).toEqual({ 'who.txt': run.run_name });
  }
  const experimentDirs = fs.readdirSync(store).filter((name) => name !== '.trash');
  expect(experimentDirs.sort()).toEqual(['0', race.experiment_id].sort());
  expect(fs.readdirSync(path.join(store, race.experiment_id, 'datasets'))).toHaveLength(1);
});
