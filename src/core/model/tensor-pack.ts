/**
 * Learned state is JSON (Stateful's contract), but the numbers in it belong in a binary file: a
 * model with a million weights is 8 MB of float64, not 20 MB of decimal text parsed on every load.
 * `packState` moves every large numeric array (rectangular, nested or flat) and every large base64
 * blob (the recurrent models keep float32 weights that way) out of the JSON into one buffer, and
 * leaves a reference in their place; `unpackState` puts them back, so the state a plugin gets is
 * exactly the one it gave (float64 keeps every JSON number bit for bit).
 *
 * Works on plain data (no Node Buffer), so the browser bundle uses the same code.
 */
import { fromBase64, toBase64 } from '../base64';
import type { JsonValue } from '../plugin';

/** Arrays with fewer numbers than this stay in the JSON: a list of class indices is not a tensor. */
const MIN_PACKED_NUMBERS = 32;
/** Base64 strings at least this long are taken for binary blobs. */
const MIN_PACKED_BASE64 = 256;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A reference left in the JSON where packed data was. */
export interface PackedRef {
  $packed: { kind: 'float64'; shape: number[]; offset: number } | { kind: 'base64'; offset: number; bytes: number };
}

export interface PackedState {
  json: JsonValue;
  binary: Uint8Array;
}

function shapeOf(value: JsonValue): number[] | undefined {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const inner = shapeOf(value[0]);
  if (inner === undefined) return undefined;
  for (let i = 1; i < value.length; i++) {
    const s = shapeOf(value[i]);
    if (s === undefined || s.length !== inner.length || s.some((d, k) => d !== inner[k])) return undefined;
  }
  return [value.length, ...inner];
}

function flatten(value: JsonValue, out: number[]): void {
  if (typeof value === 'number') out.push(value);
  else for (const item of value as JsonValue[]) flatten(item, out);
}

export function packState(state: JsonValue): PackedState {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const append = (bytes: Uint8Array): number => {
    // Every chunk starts on an 8-byte boundary, so a reader can view float64s in place.
    const pad = (8 - (size % 8)) % 8;
    if (pad) chunks.push(new Uint8Array(pad));
    const offset = size + pad;
    chunks.push(bytes);
    size = offset + bytes.length;
    return offset;
  };
  const walk = (value: JsonValue): JsonValue => {
    if (Array.isArray(value)) {
      const shape = shapeOf(value);
      const count = shape?.reduce((a, b) => a * b, 1) ?? 0;
      if (shape && shape.length > 0 && count >= MIN_PACKED_NUMBERS) {
        const numbers: number[] = [];
        flatten(value, numbers);
        const offset = append(new Uint8Array(Float64Array.from(numbers).buffer));
        return { $packed: { kind: 'float64', shape, offset } } as unknown as JsonValue;
      }
      return value.map(walk);
    }
    if (typeof value === 'string' && value.length >= MIN_PACKED_BASE64 && value.length % 4 === 0 && BASE64.test(value)) {
      const bytes = fromBase64(value);
      // Only text that decodes and encodes back to itself (canonical base64) is taken for a blob.
      if (toBase64(bytes) === value) {
        const offset = append(bytes);
        return { $packed: { kind: 'base64', offset, bytes: bytes.length } } as unknown as JsonValue;
      }
    }
    if (value !== null && typeof value === 'object') {
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) out[key] = walk(item);
      return out;
    }
    return value;
  };
  const json = walk(state);
  const binary = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    binary.set(chunk, at);
    at += chunk.length;
  }
  return { json, binary };
}

export function unpackState(json: JsonValue, binary: Uint8Array): JsonValue {
  const walk = (value: JsonValue): JsonValue => {
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const ref = (value as unknown as PackedRef).$packed;
      if (ref && Object.keys(value).length === 1) return unpackRef(ref, binary);
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) out[key] = walk(item);
      return out;
    }
    return value;
  };
  return walk(json);
}

function unpackRef(ref: PackedRef['$packed'], binary: Uint8Array): JsonValue {
  if (ref.kind === 'base64') {
    if (ref.offset + ref.bytes > binary.length)
      throw new Error(`weights file too short: ${ref.bytes} bytes at ${ref.offset}, file has ${binary.length}`);
    return toBase64(binary.subarray(ref.offset, ref.offset + ref.bytes));
  }
  const count = ref.shape.reduce((a, b) => a * b, 1);
  if (ref.offset + count * 8 > binary.length)
    throw new Error(`weights file too short: ${count} float64 at ${ref.offset}, file has ${binary.length} bytes`);
  // Copied: the file's buffer need not be 8-byte aligned in memory.
  const numbers = new Float64Array(binary.slice(ref.offset, ref.offset + count * 8).buffer);
  const build = (dim: number, start: number): JsonValue => {
    const n = ref.shape[dim];
    if (dim === ref.shape.length - 1) return Array.from(numbers.subarray(start, start + n));
    const stride = ref.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(dim + 1, start + i * stride));
  };
  return build(0, 0);
}
