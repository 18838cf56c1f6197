import { isNumpySeed } from './numpy-random-state';
import { seedStream } from './seed-stream';

describe('seedStream', () => {
  it('is SHA-256 of the seed and label (values computed with Python hashlib)', () => {
    // hashlib.sha256(f'mlspec-seed-stream\0{seed}\0{label}'.encode()).digest()[:4], big-endian.
    expect(seedStream(42, 'split')).toBe(2980514670);
    expect(seedStream(0, 'model')).toBe(2607336219);
    expect(seedStream(4294967295, 'tokenizer')).toBe(689641987);
    expect(seedStream(-7, 'ünï')).toBe(3704375186);
  });

  it('gives seeds numpy accepts, different for different labels and seeds', () => {
    const seeds = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      for (const label of ['split', 'model', 'featurizer', 'validation', 'split:1']) {
        const derived = seedStream(seed, label);
        expect(isNumpySeed(derived)).toBe(true);
        seeds.add(derived);
      }
    }
    expect(seeds.size).toBe(100);
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => seedStream(1.5, 'split')).toThrow(RangeError);
  });
});
