import { createHash } from 'node:crypto';
import { canonicalJson, fitId, pipelineId, shortIdLength, trialId, unitId } from './identity';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('writes numbers as JSON does (1 and 1.0 are the same value), and refuses values JSON cannot hold', () => {
    expect(canonicalJson({ n: 1.0, m: 0.1, s: 'é', t: null, f: false })).toBe('{"f":false,"m":0.1,"n":1,"s":"é","t":null}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/canonical/);
    expect(() => canonicalJson({ x: Infinity })).toThrow(/canonical/);
  });
});

describe('ids', () => {
  it('trialId is sha256 of the canonical spec, a NUL and the data digest', () => {
    const expected = createHash('sha256').update('{"a":1,"b":[2]}\0rows').digest('hex');
    expect(trialId({ b: [2], a: 1 }, 'rows')).toBe(expected);
    expect(trialId({ b: [2], a: 1 }, 'other rows')).not.toBe(expected);
  });

  it('unit ids differ by fold, fold count and seed; the spec split is not fold 0', () => {
    const ids = [
      unitId('t', 0, 3, 1),
      unitId('t', 1, 3, 1),
      unitId('t', 0, 5, 1),
      unitId('t', 0, 3, 2),
      unitId('t', null, 0, 1),
      unitId('u', 0, 3, 1),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('pipeline ids ignore the pipeline name, the experiment name and tracking, and see what changes the fit', () => {
    const spec: Parameters<typeof pipelineId>[0] & { name: string; tracking: object } = {
      name: 'a',
      seed: 1,
      backend: 'auto',
      plugins: [] as string[],
      data: { type: 'tsv', path: 'x.tsv' },
      split: { type: 'stratified-holdout', test: 0.2 },
      pipelines: { p: { model: { type: 'm', C: 1 } }, q: { model: { type: 'm', C: 1 } } },
      tracking: { enabled: true },
    };
    const id = pipelineId(spec, 'p', 'rows');
    expect(pipelineId(spec, 'q', 'rows')).toBe(id);
    const renamed: typeof spec = { ...spec, name: 'b', tracking: { enabled: false } };
    expect(pipelineId(renamed, 'p', 'rows')).toBe(id);
    expect(pipelineId({ ...spec, seed: 2 }, 'p', 'rows')).not.toBe(id);
    expect(pipelineId({ ...spec, backend: 'wasm' }, 'p', 'rows')).not.toBe(id);
    expect(pipelineId({ ...spec, split: { type: 'stratified-holdout', test: 0.3 } }, 'p', 'rows')).not.toBe(id);
    expect(pipelineId(spec, 'p', 'other rows')).not.toBe(id);
    expect(fitId(id, 0, 3, 1)).not.toBe(fitId(id, 0, 3, 2));
  });

  it('short ids are 8 hex digits unless more are needed to tell the ids apart', () => {
    expect(shortIdLength(['aaaaaaaa1', 'bbbbbbbb2'])).toBe(8);
    expect(shortIdLength(['aaaaaaaa12', 'aaaaaaaa13'])).toBe(10);
    expect(shortIdLength(['aaaaaaaa12', 'aaaaaaaa12'])).toBe(8); // duplicates are one id
  });
});
