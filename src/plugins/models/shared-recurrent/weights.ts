/** Named float32 weights ↔ JSON (base64 of the little-endian bytes), for model state; no Node Buffer (the browser page reads them too). */
import { fromBase64, toBase64 } from '../../../core/base64';
import type { JsonValue } from '../../../core/plugin';

export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

export function encodeWeights(weights: readonly NamedWeight[]): JsonValue {
  return weights.map((w) => ({
    name: w.name,
    shape: w.shape,
    float32: toBase64(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength)),
  }));
}

export function decodeWeights(json: JsonValue): NamedWeight[] {
  if (!Array.isArray(json)) throw new Error('model state: weights must be a list');
  return json.map((entry) => {
    const e = entry as { name?: unknown; shape?: unknown; float32?: unknown };
    if (typeof e.name !== 'string' || !Array.isArray(e.shape) || typeof e.float32 !== 'string') {
      throw new Error('model state: each weight needs name, shape and float32');
    }
    const shape = e.shape as number[];
    const bytes = fromBase64(e.float32);
    const size = shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== size * 4) throw new Error(`model state: weight ${e.name} has ${bytes.length / 4} values for shape [${shape}]`);
    // Copy into an aligned buffer: a Buffer's offset in its pool need not be a multiple of 4.
    const values = new Float32Array(size);
    new Uint8Array(values.buffer).set(bytes);
    return { name: e.name, shape, values };
  });
}
