/**
 * Independent seeds from one spec seed. Every plugin that needs its own random stream asks for
 * `seedStream(specSeed, 'its-label')`, so adding or reordering plugins never shifts another
 * plugin's numbers, and the same spec seed always gives the same streams on every platform.
 */
import { createHash } from 'node:crypto';

/**
 * A 32-bit unsigned seed (0 .. 2**32 - 1, valid for NumpyRandomState) derived from `seed` and
 * `label` by SHA-256 — a fixed, well-mixed hash, so nearby seeds or labels give unrelated streams.
 */
export function seedStream(seed: number, label: string): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seedStream needs an integer seed, got ${seed}`);
  // The NUL separators keep (seed, label) pairs from colliding through concatenation.
  const digest = createHash('sha256').update(`mlspec-seed-stream\0${seed}\0${label}`, 'utf8').digest();
  return digest.readUInt32BE(0);
}
