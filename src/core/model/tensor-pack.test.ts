import { packState, unpackState } from './tensor-pack';
import type { JsonValue } from '../plugin';

describe('packState / unpackState', () => {
  it('moves large numeric arrays and base64 blobs to the binary and restores the exact state', () => {
    const floats = new Float32Array(100).map((_, i) => Math.sin(i) * 1e-3);
    const blob = Buffer.from(floats.buffer).toString('base64');
    const state: JsonValue = {
      format: 'x',
      classes: [0, 1, 2],
      coef: Array.from({ length: 3 }, (_, r) => Array.from({ length: 40 }, (_, c) => (r + 1) * Math.PI * c - 1e-300)),
      idf: Array.from({ length: 64 }, (_, i) => 1 / (i + 1)),
      weights: [{ name: 'embedding', shape: [10, 10], float32: blob }],
      terms: ['a', 'b'],
    };
    const { json, binary } = packState(state);
    const text = JSON.stringify(json);
    expect(text).not.toContain(blob);
    expect(text.length).toBeLessThan(600);
    expect(binary.length).toBeGreaterThanOrEqual((120 + 64) * 8 + 400);
    // A reader that copies the bytes anywhere gets the same state back, bit for bit.
    expect(unpackState(JSON.parse(text), binary.slice())).toEqual(state);
  });

  it('leaves small arrays, ragged arrays and ordinary text in the JSON', () => {
    const state: JsonValue = { few: [1, 2, 3], ragged: [[1, 2], [3]], word: 'A'.repeat(300) + 'B', vocabulary: ['x'.repeat(400)] };
    const { json, binary } = packState(state);
    expect(JSON.stringify(json)).toContain('"few":[1,2,3]');
    expect(unpackState(json, binary)).toEqual(state);
  });

  it('refuses a weights file too short for a reference', () => {
    const { json, binary } = packState({ v: Array.from({ length: 50 }, (_, i) => i) });
    expect(() => unpackState(json, binary.subarray(0, 100))).toThrow(/weights file too short/);
  });
});

describe('base64', () => {
  it("matches Node's Buffer both ways, for every length mod 3", () => {
    const { fromBase64, toBase64 } = jest.requireActual('../base64') as typeof import('../base64');
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 12_289]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + 7) % 256);
      const text = Buffer.from(bytes).toString('base64');
      expect(toBase64(bytes)).toBe(text);
      expect(Array.from(fromBase64(text))).toEqual(Array.from(bytes));
    }
  });
});
