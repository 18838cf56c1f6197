import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpoolWriter, decodeMetric, encodeMetric, readSpool } from './spool';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-spool-unit-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('records are read back in order; a half-written last line is ignored', () => {
  const writer = new SpoolWriter(dir, { runId: 'r1', local: false, experimentId: '3', trackingUri: 'http://h:1' });
  writer.append({ type: 'params', params: { a: '1' } });
  writer.append({ type: 'metrics', metrics: [encodeMetric({ key: 'm', value: NaN, step: 1, timestamp: 5 })] });
  writer.appendArtifact('x/y.txt', Buffer.from('hi'));
  writer.append({ type: 'end', status: 'FINISHED', endTime: 9 });
  fs.appendFileSync(path.join(writer.folder, 'records.jsonl'), '{"type":"tags","ta');
  expect(writer.records).toBe(4);

  const [run] = readSpool(dir);
  expect(run.manifest).toMatchObject({ format: 'mlspec-spool/1', runId: 'r1', experimentId: '3', trackingUri: 'http://h:1', pid: process.pid });
  expect(run.records.map((r) => r.type)).toEqual(['params', 'metrics', 'artifact', 'end']);
  expect(run.progress).toEqual({ done: 0 });
  expect(fs.readFileSync(path.join(run.folder, 'artifacts', 'x', 'y.txt'), 'utf8')).toBe('hi');
  // The same run read through its own folder.
  expect(readSpool(run.folder)[0].records).toHaveLength(4);
});

test('non-finite metric values survive the JSON round trip', () => {
  for (const value of [NaN, Infinity, -Infinity, 0.1, -3]) {
    const back = decodeMetric(JSON.parse(JSON.stringify(encodeMetric({ key: 'k', value, step: 0, timestamp: 1 }))));
    expect(Object.is(back.value, value) || (Number.isNaN(value) && Number.isNaN(back.value))).toBe(true);
  }
});

test('a missing spool folder holds no runs', () => {
  expect(readSpool(path.join(dir, 'nope'))).toEqual([]);
});
