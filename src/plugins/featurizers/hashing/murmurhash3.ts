/**
 * MurmurHash3 x86 32-bit over bytes, as scikit-learn's `murmurhash3_bytes_s32` (the reference
 * C++ MurmurHash3_x86_32, read as a signed int32). Bytes are read little-endian in 4-byte blocks.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The signed 32-bit hash of `bytes[start, end)` with `seed`. */
export function murmurhash3Signed(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  let h = seed | 0;
  const length = end - start;
  const blocksEnd = start + (length & ~3);
  for (let i = start; i < blocksEnd; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocksEnd + 2] << 16;
    if (tail >= 2) k ^= bytes[blocksEnd + 1] << 8;
    k ^= bytes[blocksEnd];
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
