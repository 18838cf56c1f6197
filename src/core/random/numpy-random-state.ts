/**
 * numpy's legacy `np.random.RandomState(seed)`, bit for bit, for the operations scikit-learn's
 * splitters use. scikit-learn turns every `random_state=int` into a RandomState, so matching its
 * splits row for row needs the same MT19937 stream and the same way of turning it into numbers.
 *
 * Sources followed (numpy/random): `_mt19937.pyx` `_legacy_seeding`, `src/mt19937/mt19937.{c,h}`,
 * `src/distributions/distributions.c` (`random_interval`, `random_bounded_uint64_fill`) and
 * `mtrand.pyx` (`random_sample`, `randint`, `shuffle`, `permutation`, `choice`).
 */

const STATE_LENGTH = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_POW_32 = 4294967296;

/** The largest seed numpy's RandomState accepts (seeds are 0 .. 2**32 - 1). */
export const MAX_NUMPY_SEED = TWO_POW_32 - 1;

export function isNumpySeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= MAX_NUMPY_SEED;
}

/** The smallest all-ones bit mask that covers `value` (a 32-bit unsigned integer). */
function smearRight32(value: number): number {
  let mask = value >>> 0;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

export class NumpyRandomState {
  private readonly key = new Uint32Array(STATE_LENGTH);
  private pos = STATE_LENGTH;

  /**
   * Seeds like `RandomState(seed)` with an int: numpy calls `mt19937_seed`, i.e. the reference
   * `init_genrand` (Knuth's multiplier), not `init_by_array` (that one is only for array seeds).
   */
  constructor(seed: number) {
    if (!isNumpySeed(seed)) {
      throw new RangeError(`seed must be an integer between 0 and 2**32 - 1 (numpy's rule), got ${seed}`);
    }
    let s = seed >>> 0;
    for (let i = 0; i < STATE_LENGTH; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
    this.pos = STATE_LENGTH;
  }

  /** One tempered 32-bit output (`mt19937_next`). */
  nextUint32(): number {
    if (this.pos === STATE_LENGTH) this.regenerate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random_sample()`: a double in [0, 1) built from 27 + 26 bits of two outputs. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /**
   * `random_interval(max)`: a uniform integer in [0, max] by masked rejection sampling. Ranges that
   * fit in 32 bits draw one output per try; wider ones draw a 64-bit value (high word first).
   * Limited to max <= 2**53 - 1 so every value is exact in a JavaScript number.
   */
  randomInterval(max: number): number {
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`randomInterval needs an integer max in [0, 2**53 - 1], got ${max}`);
    }
    if (max === 0) return 0;
    if (max < TWO_POW_32) {
      const mask = smearRight32(max);
      let value: number;
      do value = (this.nextUint32() & mask) >>> 0;
      while (value > max);
      return value;
    }
    // max >= 2**32, so the 64-bit mask has all 32 low bits set; only the high word is masked.
    const highMask = smearRight32(Math.floor(max / TWO_POW_32));
    let value: number;
    do {
      const high = (this.nextUint32() & highMask) >>> 0;
      const low = this.nextUint32();
      value = high * TWO_POW_32 + low;
    } while (value > max);
    return value;
  }

  /**
   * `randint(low, high)` with the default int64 dtype: a uniform integer in [low, high). numpy's
   * masked path for the range `high - 1 - low` is exactly `random_interval` (its special case for a
   * full 32-bit range gives the same draw as the mask 0xffffffff).
   */
  randint(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new RangeError(`randint needs safe integers, got low=${low}, high=${high}`);
    }
    if (low >= high) throw new RangeError(`randint: low >= high (low=${low}, high=${high})`);
    return low + this.randomInterval(high - 1 - low);
  }

  /** `shuffle(x)` for a 1-d sequence, in place: Fisher–Yates from the end, j = random_interval(i). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
  }

  /** `permutation(n)`: a shuffled 0..n-1; `permutation(array)`: a shuffled copy. */
  permutation(n: number): number[];
  permutation<T>(items: readonly T[]): T[];
  permutation<T>(x: number | readonly T[]): Array<T | number> {
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`permutation needs a non-negative integer, got ${x}`);
      const range = Array.from({ length: x }, (_, i) => i);
      this.shuffle(range);
      return range;
    }
    const copy = [...x];
    this.shuffle(copy);
    return copy;
  }

  /**
   * `choice(a, size, replace)` without probabilities. Without replacement legacy numpy permutes the
   * whole population and keeps the first `size` — so it consumes a full permutation even when
   * `size` is 0 or equals the population; with replacement it draws `randint(0, len(a))` per item.
   */
  choice(population: number, size: number, replace?: boolean): number[];
  choice<T>(population: readonly T[], size: number, replace?: boolean): T[];
  choice<T>(population: number | readonly T[], size: number, replace = false): Array<T | number> {
    const popSize = typeof population === 'number' ? population : population.length;
    const pick = (index: number): T | number => (typeof population === 'number' ? index : population[index]);
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`choice: size must be a non-negative integer, got ${size}`);
    if (popSize <= 0 && size > 0) throw new RangeError('choice: the population cannot be empty unless no samples are taken');
    if (replace) return Array.from({ length: size }, () => pick(this.randint(0, popSize)));
    if (size > popSize) throw new RangeError('choice: cannot take a larger sample than the population when replace is false');
    return this.permutation(popSize).slice(0, size).map(pick);
  }

  /** `mt19937_gen`: refill the 624-word state (the reference twist). */
  private regenerate(): void {
    const key = this.key;
    const twist = (i: number, next: number, far: number): void => {
      const y = (key[i] & UPPER_MASK) | (key[next] & LOWER_MASK);
      key[i] = key[far] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    };
    let i = 0;
    for (; i < STATE_LENGTH - SHIFT_SIZE; i++) twist(i, i + 1, i + SHIFT_SIZE);
    for (; i < STATE_LENGTH - 1; i++) twist(i, i + 1, i + SHIFT_SIZE - STATE_LENGTH);
    twist(STATE_LENGTH - 1, 0, SHIFT_SIZE - 1);
    this.pos = 0;
  }
}
