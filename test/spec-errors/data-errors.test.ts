/**
 * Data files a user may bring that pandas refuses or reads differently, through the CLI: invalid
 * UTF-8 is refused naming file, line, row and byte offset (exit 2, nothing written); blank lines
 * are skipped; a 10 MB cell is read, and a custom token pattern that cannot cope with it is bad
 * input naming the row, not a stack overflow.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';

const CLASSES = 'classes: [neg, pos]';

function workspace(data: Buffer | string, tokenizer = '{ type: words }'): { dir: string; spec: string; report: string; store: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-data-'));
  writeFileSync(path.join(dir, 'd.tsv'), data);
  const spec = path.join(dir, 'spec.yaml');
  writeFileSync(
    spec,
    [
      'name: data-errors',
      'seed: 42',
      `data: { type: tsv, path: d.tsv, text: text, label: label, ${CLASSES} }`,
      'split: { type: stratified-holdout, test: 0.25 }',
      'pipelines:',
      '  bow:',
      `    tokenizer: ${tokenizer}`,
      '    featurizer: { type: counts }',
      '    model: { type: logistic-regression }',
      '',
    ].join('\n'),
  );
  return { dir, spec, report: path.join(dir, 'out', 'report.json'), store: path.join(dir, 'mlruns') };
}

/** Eight labelled rows; `cell` replaces the text of the fourth. */
function rows(cell = 'يوم جميل جدا'): string {
  const texts = ['good day here', 'bad day there', 'good good film', cell, 'bad bad film', 'nice good day', 'awful bad day', 'great good night'];
  return texts.map((t, i) => `${t}\t${i % 2 === 0 ? 'pos' : 'neg'}`).join('\n');
}

function expectNothingWritten(w: { report: string; store: string }): void {
  expect(existsSync(w.report)).toBe(false);
  expect(existsSync(path.dirname(w.report))).toBe(false);
  expect(existsSync(w.store)).toBe(false);
}

describe('data files through the CLI', () => {
  it('refuses invalid UTF-8 with the file, line, row and byte offset; exit 2, nothing written', () => {
    const text = Buffer.from(`text\tlabel\n${rows()}\n`);
    const at = text.indexOf('bad bad') + 4; // inside data row 4, on line 6
    const data = Buffer.concat([text.subarray(0, at), Buffer.from([0xc3, 0x28]), text.subarray(at)]);
    const w = workspace(data);
    const r = runCli(['run', w.spec, '--report', w.report, '--tracking-uri', w.store]);
    const head = r.stderr.split('\n').find((l) => l.includes('DATA_ENCODING'));
    expect(head).toBe(
      `${w.spec}:3:26 DATA_ENCODING [dataset tsv] ${path.relative(process.cwd(), path.join(w.dir, 'd.tsv'))}:6 (data row 4): ` +
        `invalid UTF-8: byte 0xc3 at byte offset ${at} (invalid continuation byte); the file must be UTF-8 (pandas refuses it too): re-save it as UTF-8 or fix that byte`,
    );
    expect(r.status).toBe(2);
    expectNothingWritten(w);
  });

  it('skips lines of spaces as pandas does', () => {
    const w = workspace(`text\tlabel\n${rows().replace(/\n/g, '\n   \n  \r\n')}\n`);
    const r = runCli(['run', w.spec, '--report', w.report, '--no-tracking']);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(w.report, 'utf8'));
    expect(report.dataset).toMatchObject({ rows: 8, keptRows: 8 });
  });

  const huge = 'مرحبا'.repeat(2_000_000); // 10,000,000 characters in one word

  it('reads a 10 MB cell with the words tokenizer', () => {
    const w = workspace(`text\tlabel\n${rows(huge)}\n`);
    const r = runCli(['run', w.spec, '--report', w.report, '--no-tracking']);
    expect(r.stderr).not.toMatch(/call stack/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(w.report, 'utf8'));
    expect(report.dataset.keptRows).toBe(8);
    expect(report.folds[0].pipelines[0].featurizer.features).toBeGreaterThan(0);
  });

  // Tokenizing happens once the run has started: with tracking on, its runs end FAILED, as for a NaN loss.
  it('names the row when a custom token pattern overflows on a 10 MB cell; exit 2, no report', () => {
    const w = workspace(`text\tlabel\n${rows(huge)}\n`, '{ type: words, pattern: "[\\\\p{L}]{2,}" }');
    const r = runCli(['run', w.spec, '--report', w.report, '--no-tracking']);
    const head = r.stderr.split('\n').find((l) => l.includes('TOKENIZE_FAILED'));
    expect(head).toBe(
      `${w.spec}:7:16 TOKENIZE_FAILED [tokenizer words] data row 3 (10,000,000 characters) cannot be tokenized: ` +
        'Maximum call stack size exceeded; shorten or remove that cell, or use a simpler token pattern',
    );
    expect(r.status).toBe(2);
    expectNothingWritten(w);
  });
});
