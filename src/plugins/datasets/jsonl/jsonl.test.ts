import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testContext } from '../../../core/testing';
import tsv from '../tsv';
import jsonl from './index';

const repo = path.resolve(__dirname, '../../../..');
const classes = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];

function workspace(content: string | Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-jsonl-'));
  writeFileSync(path.join(dir, 'd.jsonl'), content);
  return dir;
}

const load = (dir: string, options: Record<string, unknown> = {}) =>
  jsonl.create({ path: 'd.jsonl', text: 'text', label: 'label', where: {}, keepColumns: [], ...options }, testContext({ baseDir: dir })).load();

describe('jsonl dataset', () => {
  it('reads ArSenTD-LEV written as JSON Lines exactly as the tsv dataset reads the TSV: rows, labels, digest, statistics', async () => {
    const all = await tsv
      .create(
        { path: 'data/ArSenTD-LEV.tsv', text: 'Tweet', label: 'Sentiment', where: {}, keepColumns: ['Country', 'Topic'], classes },
        testContext({ baseDir: repo }),
      )
      .load();
    const lines = all.texts.map((t, i) =>
      JSON.stringify({ Tweet: t, Sentiment: classes[all.labels[i]], Country: all.columns.Country[i], Topic: all.columns.Topic[i] }),
    );
    const dir = workspace(`${lines.join('\r\n')}\n`);
    const options = { text: 'Tweet', label: 'Sentiment', where: { Country: 'lebanon' }, keepColumns: ['Topic'], classes };
    const fromJsonl = await load(dir, options);
    const fromTsv = await tsv.create({ ...options, path: 'data/ArSenTD-LEV.tsv' }, testContext({ baseDir: repo })).load();
    expect({ ...fromJsonl, source: '' }).toEqual({ ...fromTsv, source: '' });
  });

  it('reads numbers and booleans as their JSON text, skips blank lines, and fills missing extra fields with ""', async () => {
    const dir = workspace('{"text":"good","label":5,"flag":true}\n\n   \n{"text":"bad","label":1}');
    const data = await load(dir, { keepColumns: ['flag'] });
    expect(data.texts).toEqual(['good', 'bad']);
    expect(data.classes).toEqual(['1', '5']);
    expect(data.labels).toEqual([1, 0]);
    expect(data.rowNumbers).toEqual([0, 1]);
    expect(data.columns.flag).toEqual(['true', '']);
  });

  it('names the line and row of a line that is not a JSON object', async () => {
    const dir = workspace('{"text":"a","label":"x"}\n{"text": oops}\n');
    await expect(load(dir)).rejects.toMatchObject({
      code: 'DATA_PARSE',
      option: 'path',
      message: expect.stringMatching(/^d\.jsonl:2 \(data row 1\): not a JSON object: /),
    });
    await expect(load(workspace('[1, 2]\n'))).rejects.toThrow('d.jsonl:1 (data row 0): expected a JSON object per line, found an array');
  });

  it('names the line of a row without its text or label field', async () => {
    const dir = workspace('{"text":"a","label":"x"}\n{"txt":"b","label":"y"}\n');
    await expect(load(dir)).rejects.toMatchObject({ code: 'DATA_COLUMN_MISSING', option: 'text' });
    await expect(load(dir)).rejects.toThrow(
      'd.jsonl:2 (data row 1) has no "text" field; each line needs "text" as a string (or number); its fields are: txt, label',
    );
    await expect(load(workspace('{"text":"a","label":null}\n'))).rejects.toThrow('d.jsonl:1 (data row 0) has a null "label" field');
  });

  it('refuses invalid UTF-8 naming the line, row and byte offset', async () => {
    const dir = workspace(Buffer.concat([Buffer.from('{"text":"a","label":"x"}\n{"text":"'), Buffer.from([0xfe]), Buffer.from('","label":"y"}\n')]));
    await expect(load(dir)).rejects.toMatchObject({ code: 'DATA_ENCODING' });
    await expect(load(dir)).rejects.toThrow(/d\.jsonl:2 \(data row 1\): invalid UTF-8: byte 0xfe at byte offset 34 \(invalid start byte\)/);
  });

  it('says when the file is missing', async () => {
    await expect(load(workspace(''), { path: 'nope.jsonl' })).rejects.toMatchObject({ code: 'DATA_FILE_MISSING' });
  });
});
