/**
 * `mlspec plan` as a user runs it: the built CLI (run `npm run build` first; `npm test` does).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import { loadSpec } from '../spec/load';
import { planSweep } from './expand';
import { loadDataDigest } from './plan-command';

const REPO = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(REPO, 'test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));

/**
 * test/helpers/cli.ts's runCli, repeated here: a test under src/ importing from test/ puts that
 * file outside tsconfig's rootDir (TS6059 from `tsc -p tsconfig.json`).
 */
function runCli(args: string[], options: { cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.MLFLOW_TRACKING_URI;
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/mlspec.js'), ...args], {
    cwd: options.cwd ?? REPO,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((f) => {
      const s = statSync(path.join(dir, f));
      return `${f} ${s.size} ${s.mtimeMs}`;
    });
}

describe('mlspec plan', () => {
  it('prints the trial table and the work, and writes nothing', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-plan-cli-'));
    const data = path.join(REPO, 'data/ArSenTD-LEV.tsv');
    const text = readFileSync(path.join(FIXTURES, 'sweep.yaml'), 'utf8').replace('../../../data/ArSenTD-LEV.tsv', data);
    writeFileSync(path.join(work, 'spec.yaml'), text);
    const fixturesBefore = snapshot(FIXTURES);
    const before = snapshot(work);

    const r = runCli(['plan', 'spec.yaml'], { cwd: work });

    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(snapshot(work)).toEqual(before);
    expect(snapshot(FIXTURES)).toEqual(fixturesBefore);

    // The ids printed are those of the plan made in-process with the real data digest.
    const loaded = loadSpec(path.join(FIXTURES, 'sweep.yaml'), registry, validator, text);
    const dataDigest = await loadDataDigest(loaded, registry, silentLogger);
    const plan = planSweep(loaded, { registry, validator, dataDigest });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('sweep plan for spec.yaml');
    expect(lines[1]).toBe(`12 trials × 3 folds × 2 seeds (${plan.seeds.join(', ')}) = 72 work units`);
    const rows = lines.filter((l) => /^ +\d+ {2}[0-9a-f]{8}/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(0, 4))).toEqual(
      plan.trials.map((t) => [
        String(t.index),
        t.shortId,
        String(t.params['pipelines.bow.featurizer.type']),
        String(t.params['pipelines.bow.model.C']),
      ]),
    );
    expect(r.stdout).toContain('  total                                    108       -\n');
  });

  it('refuses an invalid sweep with exit 2 and every problem located in the file', () => {
    const file = path.relative(REPO, path.join(FIXTURES, 'bad-values.yaml'));
    const r = runCli(['plan', file]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const heads = r.stderr
      .split('\n')
      .filter((l) => l.startsWith(`${file}:`))
      .map((l) => l.slice(file.length + 1, l.indexOf(' ')));
    expect(heads).toEqual(['16:34', '17:51', '19:5', '23:32']);
    expect(r.stderr).toContain(
      `${file}:16:34 SPEC_RANGE option "C" of model "logistic-regression" must be > 0 (got -1) [in trials 8, 9, 10, 11, 12 and 3 more: pipelines.bow.model.C=-1]\n  15 |   grid:\n> 16 |`,
    );
  });

  it('locates a dataset that cannot be read at its option', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-plan-cli-'));
    copyFileSync(path.join(FIXTURES, 'sweep.yaml'), path.join(work, 'spec.yaml'));
    const r = runCli(['plan', 'spec.yaml'], { cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^spec\.yaml:6:9 DATA_FILE_MISSING \[dataset tsv\] data file \S*ArSenTD-LEV\.tsv does not exist/);
    expect(readdirSync(work)).toEqual(['spec.yaml']);
  });

  it('is listed in the usage text', () => {
    expect(runCli(['--help']).stdout).toContain('mlspec plan <spec.yaml>');
  });
});
