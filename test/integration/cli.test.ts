/**
 * The command line as a user meets it (the built CLI: run `npm run build` first; `npm test` does):
 * help for each command, did-you-mean for commands and flags, the version, and flags checked per
 * command (exit 2 for an unknown or inapplicable one, before anything is read or written).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlagSpec } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/commands';
import { REPO, runCli } from '../helpers/cli';

const VERSION = (require('../../package.json') as { version: string }).version;

it('`mlspec <command> --help` and `mlspec help <command>` print the command’s options and an example', () => {
  const expected = `Usage: mlspec plan <spec.yaml> [options]

List the trials of a spec's sweep: block and the work; writes nothing.

Options:
  -q, --quiet  no progress messages, only results, warnings and errors
      --debug  print debug messages
  -h, --help   show this help

Reads the dataset (its digest is part of every trial id) and checks every trial as validate does.

Example:
  mlspec plan experiments/arsentd-lev/sweep.yaml
`;
  for (const args of [
    ['plan', '--help'],
    ['plan', '-h'],
    ['help', 'plan'],
    ['plan', 'any.yaml', '--help'],
  ]) {
    const r = runCli(args);
    expect([args, r.stdout, r.stderr, r.status]).toEqual([args, expected, '', 0]);
  }
});

it('every command has a summary, its flags with help, and an example of itself', () => {
  const r = runCli(['--help']);
  expect(r.status).toBe(0);
  for (const c of COMMANDS) {
    expect(c.summary).toMatch(/^[a-z].*[^.]$/);
    expect(c.example.startsWith(`mlspec ${c.name}`)).toBe(true);
    expect(r.stdout).toContain(`mlspec ${c.name}`);
    for (const [name, flag] of Object.entries<FlagSpec>(c.flags)) expect([name, flag.help.length > 0]).toEqual([name, true]);
  }
  const run = runCli(['run', '--help']);
  expect(run.stdout).toMatch(/^Usage: mlspec run <spec\.yaml> \[options\]\n/);
  for (const flag of ['--report FILE', '--tracking-uri URI', '--no-tracking', '--workers N', '--retry-failed', '--state DIR', '--quiet'])
    expect(run.stdout).toContain(flag);
});

it('did-you-mean for a mistyped command and a mistyped flag (exit 2)', () => {
  const command = runCli(['rnu', 'x.yaml']);
  expect([command.stderr, command.stdout, command.status]).toEqual([
    'error CLI_USAGE: unknown command "rnu" (did you mean "run"?); commands: validate, run, plan, plugins, schema, sync, help; see mlspec --help\n',
    '',
    2,
  ]);
  const flag = runCli(['run', 'x.yaml', '--wrokers', '3']);
  expect([flag.stderr, flag.status]).toEqual([
    'error CLI_USAGE: unknown option --wrokers for mlspec run (did you mean --workers?); mlspec run --help lists its options\n',
    2,
  ]);
  expect(runCli(['help', 'pln']).stderr).toContain('unknown command "pln" (did you mean "plan"?)');
});

it('-V and --version print the version', () => {
  for (const flag of ['-V', '--version']) expect(runCli([flag])).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
});

it('a flag of another command, a missing value, a value for a switch and stray arguments are refused (exit 2), before anything is written', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-cli-flags-'));
  const spec = path.join(REPO, 'experiments/tiny/lstm.yaml');
  const cases: Array<[string[], string]> = [
    [
      ['validate', spec, '--workers', '3', '--report', 'f'],
      '--workers does not apply to mlspec validate (it is an option of mlspec run); mlspec validate --help lists its options',
    ],
    [['plugins', '--kind'], '--kind needs a value, e.g. --kind KIND'],
    [['run', spec, '--no-tracking=yes'], '--no-tracking takes no value; got "--no-tracking=yes"'],
    [['run', spec, '-x'], 'unknown option -x for mlspec run; mlspec run --help lists its options'],
    [
      ['run', spec, spec, '--no-tracking'],
      'mlspec run takes one spec file, e.g. mlspec run experiments/arsentd-lev/baseline.yaml --report out/report.json',
    ],
    [['schema', 'extra'], 'mlspec schema takes no arguments, e.g. mlspec schema > experiment.schema.json'],
    [['--bogus'], 'unknown option --bogus without a command; see mlspec --help'],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args, { cwd: work });
    expect([args, r.stderr, r.stdout, r.status]).toEqual([args, `error CLI_USAGE: ${message}\n`, '', 2]);
  }
  expect(readdirSync(work)).toEqual([]);
});

it('no command prints the usage and exits 2', () => {
  const r = runCli([]);
  expect(r.status).toBe(2);
  expect(r.stdout).toContain('mlspec <command> --help');
});
