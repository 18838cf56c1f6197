import type { Logger } from '../plugin';
import { ParamLedger, artifactRelPath, checkKey, cutValue, safeKey, toMlflowDataset } from './records';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

describe('checkKey', () => {
  test.each(['loss', 'val/loss', 'model.C', 'f1 score', 'a:b', 'test_f1_سلبي', 'x-y'])('accepts %s', (key) => {
    expect(() => checkKey('metric', key)).not.toThrow();
  });
  test.each(['', 'a//b', './a', 'a/', '/a', '../a', 'a/../b', 'a+b', 'a\nb', 'x'.repeat(251)])('refuses %j', (key) => {
    expect(() => checkKey('param', key)).toThrow(expect.objectContaining({ code: 'TRACKING_BAD_KEY' }));
  });
});

test('safeKey turns any label into a key checkKey accepts', () => {
  for (const label of ['pos+', '../x', 'a//b', '/', '..', 'ok name', 'é/ü', '']) {
    const key = safeKey(`test_f1_${label}`);
    expect(() => checkKey('metric', key)).not.toThrow();
  }
  expect(safeKey('test_f1_pos+')).toBe('test_f1_pos_');
  expect(safeKey('test_f1_very negative')).toBe('test_f1_very negative');
});

test('cutValue cuts to the server limit and says so', () => {
  const logger = recordingLogger();
  expect(cutValue('param', 'k', 'a'.repeat(6000), logger)).toHaveLength(6000);
  expect(logger.warnings).toEqual([]);
  expect(cutValue('param', 'k', 'a'.repeat(6001), logger)).toHaveLength(6000);
  expect(cutValue('tag', 't', 'b'.repeat(9000), logger)).toHaveLength(8000);
  expect(logger.warnings).toHaveLength(2);
  expect(logger.warnings[1]).toMatch(/tag 't' is 9000 characters; it was cut to the server's limit of 8000/);
});

test('ParamLedger: write-once params', () => {
  const logger = recordingLogger();
  const ledger = new ParamLedger('run1');
  expect(ledger.admit({ a: 1, b: true, c: null }, logger)).toEqual([
    { key: 'a', value: '1' },
    { key: 'b', value: 'true' },
    { key: 'c', value: 'null' },
  ]);
  expect(ledger.admit({ a: '1', d: 'x' }, logger)).toEqual([{ key: 'd', value: 'x' }]);
  expect(() => ledger.admit({ a: 2 }, logger)).toThrow(expect.objectContaining({ code: 'TRACKING_PARAM_CHANGED' }));
  // A value cut to the limit compares as cut: logging the same long value twice is fine.
  const long = 'z'.repeat(7000);
  expect(ledger.admit({ long }, logger)).toHaveLength(1);
  expect(ledger.admit({ long }, logger)).toHaveLength(0);
});

test('artifactRelPath keeps artifacts inside the run', () => {
  expect(artifactRelPath('plots/cm.svg')).toBe('plots/cm.svg');
  expect(artifactRelPath('plots\\cm.svg')).toBe('plots/cm.svg');
  expect(artifactRelPath('./a/../b.txt')).toBe('b.txt');
  for (const bad of ['', '.', '..', '../x', '/etc/passwd', 'dir/']) {
    expect(() => artifactRelPath(bad)).toThrow(expect.objectContaining({ code: 'TRACKING_BAD_ARTIFACT_PATH' }));
  }
});

test('dataset inputs are shaped as MLflow stores them, digests cut to 36 characters', () => {
  expect(toMlflowDataset({ name: 'tweets', digest: '0123456789'.repeat(7), sourcePath: 'data/t.tsv', context: 'testing', rows: 12 })).toEqual({
    name: 'tweets',
    digest: '0123456789'.repeat(4).slice(0, 36),
    source_type: 'local',
    source: '{"uri":"data/t.tsv"}',
    profile: '{"num_rows":12}',
  });
});
