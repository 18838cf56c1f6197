/**
 * The fused kernels' own properties: the embedded binary matches its C source, the native addon is
 * used only when built from that source, and on each engine results do not depend on the thread
 * count, buffers are freed, extreme inputs saturate instead of overflowing, NaN propagates, and
 * bad input is refused. Agreement with the tfjs reference recurrence (values
 * and gradients) is tested in plugins/models/shared-recurrent/fused-recurrence.test.ts.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../train/random';
import { FUSED_RNN_BUILD, FUSED_RNN_WASM_BASE64 } from './fused-rnn-wasm';
import { fusedRecurrenceForward as forwardOn, type FusedCell, type FusedForwardInput } from './fused-rnn';
import { SharedHeap } from './heap';
import {
  fusedRnnBytesInUse,
  fusedRnnStats as statsOf,
  fusedRnnThreadCount,
  inspectNativeAddon,
  nativeKernels,
  setFusedRnnIdleMs,
  setFusedRnnThreads,
  shutdownFusedRnn,
  type FusedRnnEngine,
} from './runtime';
import { WebAssemblyApi } from './wasm-api';

const GATES: Record<FusedCell, number> = { rnn: 1, lstm: 4, gru: 3 };

function randomInput(cell: FusedCell, steps: number, rows: number, units: number, seed: number, scale = 1): FusedForwardInput {
  const rng = new Rng(seed);
  const n = GATES[cell] * units;
  const values = (count: number, s: number) => Float32Array.from({ length: count }, () => rng.uniformIn(-s, s));
  const mask = Float32Array.from({ length: steps * rows }, (_, i) => (Math.floor(i / rows) < 1 + ((i % rows) % steps) ? 1 : 0));
  return {
    cell,
    steps,
    rows,
    units,
    projected: values(steps * rows * n, scale),
    recurrentKernel: values(units * n, 0.5),
    recurrentBias: values(n, 0.5),
    h0: values(rows * units, 0.5),
    c0: cell === 'lstm' ? values(rows * units, 0.5) : undefined,
    mask,
    reverse: false,
    returnSequences: true,
    keepForBackward: true,
  };
}

/**
 * The engines to test: the WebAssembly module always, the native addon where it is built. CI
 * builds it (npm run install:native) and sets MLSPEC_REQUIRE_NATIVE_KERNELS=1, so there a missing
 * or stale addon fails the test below instead of leaving the native engine untested.
 */
const ENGINES: FusedRnnEngine[] = nativeKernels().available ? ['wasm', 'native'] : ['wasm'];

describe('the native engine', () => {
  it('is built, current and loadable, where required (MLSPEC_REQUIRE_NATIVE_KERNELS=1)', () => {
    const native = nativeKernels();
    if (process.env.MLSPEC_REQUIRE_NATIVE_KERNELS === '1') expect(native).toMatchObject({ available: true });
    if (native.available) {
      expect(['avx512', 'avx2', 'sse2']).toContain(native.isa);
      expect(native.lanes).toBe({ avx512: 16, avx2: 8, sse2: 4 }[native.isa]);
    } else {
      expect(native.reason).toMatch(/not built|does not load|another fused-rnn\.c/);
    }
  });

  it('is refused when missing, unloadable, or built from another fused-rnn.c', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-addon-'));
    try {
      expect(inspectNativeAddon(path.join(dir, 'absent.node')).info).toEqual({
        available: false,
        reason: 'not built (npm run install:native builds it)',
      });
      fs.writeFileSync(path.join(dir, 'garbage.node'), 'not a shared library');
      expect(inspectNativeAddon(path.join(dir, 'garbage.node')).info).toMatchObject({
        available: false,
        reason: expect.stringMatching(/^it does not load: /),
      });
      // A stand-in for an addon of an older source: what matters is the SHA-256 it reports.
      fs.writeFileSync(path.join(dir, 'stale.js'), `module.exports = { sourceSha256: '${'0'.repeat(64)}', isa: 'avx2', lanes: 8 };`);
      expect(inspectNativeAddon(path.join(dir, 'stale.js')).info).toEqual({
        available: false,
        reason: 'it was built from another fused-rnn.c (rebuild: tools/native-kernels/build.sh)',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

let engine: FusedRnnEngine = 'wasm';
/** The forward kernel on the engine under test. */
const fusedRecurrenceForward = (input: FusedForwardInput) => forwardOn({ ...input, engine });
const fusedRnnStats = () => statsOf(engine);

/** Forward and backward with fixed output gradients; every result as a flat list of arrays. */
function runBoth(input: FusedForwardInput, seed: number): Float32Array[] {
  const out = fusedRecurrenceForward(input);
  const rng = new Rng(seed);
  const { steps, rows, units } = input;
  const dSequence = Float32Array.from({ length: steps * rows * units }, () => rng.uniformIn(-1, 1));
  const dLast = Float32Array.from({ length: rows * units }, () => rng.uniformIn(-1, 1));
  const g = out.tape!.backward({ dSequence, dLast });
  const grads = [g.dProjected, g.dInput, g.dInputKernel, g.dInputBias, g.dRecurrentKernel, g.dRecurrentBias, g.dH0, g.dC0];
  return [out.last, out.sequence!, ...grads.filter((a): a is Float32Array => a !== undefined)];
}

/** The same recurrence with its input projection done inside the kernel (inputs of width 5). */
function withProjection(input: FusedForwardInput, seed: number): FusedForwardInput {
  const rng = new Rng(seed);
  const width = 5;
  const n = GATES[input.cell] * input.units;
  const values = (count: number) => Float32Array.from({ length: count }, () => rng.uniformIn(-1, 1));
  return {
    ...input,
    projected: undefined,
    inputProjection: { width, input: values(input.steps * input.rows * width), inputKernel: values(width * n), inputBias: values(n) },
  };
}

afterAll(() => {
  setFusedRnnThreads(undefined);
  shutdownFusedRnn();
});

describe('the embedded WebAssembly binary', () => {
  it('was built from the committed fused-rnn.c (rebuild with tools/build-kernels.sh)', () => {
    const source = fs.readFileSync(path.join(__dirname, FUSED_RNN_BUILD.source));
    expect(createHash('sha256').update(source).digest('hex')).toBe(FUSED_RNN_BUILD.sourceSha256);
    const binary = Buffer.from(FUSED_RNN_WASM_BASE64, 'base64');
    expect(createHash('sha256').update(binary).digest('hex')).toBe(FUSED_RNN_BUILD.wasmSha256);
  });
});

describe.each(ENGINES)('on the %s engine', (engineUnderTest) => {
  beforeAll(() => {
    engine = engineUnderTest;
  });
  afterAll(() => {
    engine = 'wasm';
  });

  describe('threads', () => {
    it.each([
      ['rnn', false],
      ['lstm', false],
      ['gru', false],
      ['lstm', true],
      ['gru', true],
    ] as [FusedCell, boolean][])('%s (projection inside: %s): 1, 2 and 3 threads give bit-identical values and gradients', (cell, inside) => {
      // 37 rows: ten shares of 4, the last one partial; 12 units: full 4×8 tiles plus edges.
      const plain = { ...randomInput(cell, 9, 37, 12, 5), reverse: cell === 'gru' };
      const input = inside ? withProjection(plain, 9) : plain;
      const results = [1, 2, 3].map((threads) => {
        setFusedRnnThreads(threads);
        expect(fusedRnnThreadCount()).toBe(threads);
        return runBoth(input, 6);
      });
      for (const other of results.slice(1)) other.forEach((values, i) => expect(values).toEqual(results[0][i]));
    });

    it('helpers stop when idle and start again with the next job', async () => {
      setFusedRnnThreads(2);
      setFusedRnnIdleMs(50);
      try {
        const input = randomInput('gru', 5, 12, 8, 4);
        const first = runBoth(input, 2);
        expect(fusedRnnStats().helpers).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(fusedRnnStats().helpers).toBe(0);
        const again = runBoth(input, 2);
        expect(fusedRnnStats().helpers).toBe(1);
        again.forEach((values, i) => expect(values).toEqual(first[i]));
      } finally {
        setFusedRnnIdleMs(5000);
      }
    });

    it('helper threads take shares', () => {
      setFusedRnnThreads(2);
      const input = randomInput('lstm', 40, 64, 64, 3);
      // A helper that wakes late finds no share left, so try a few jobs.
      for (let i = 0; i < 20 && fusedRnnStats().sharesOnMainThread === fusedRnnStats().shares; i++) runBoth(input, 1);
      const stats = fusedRnnStats();
      expect(stats.threads).toBe(2);
      expect(stats.sharesOnMainThread).toBeLessThan(stats.shares);
    });

    it('MLSPEC_RECURRENT_THREADS overrides the setting and must be a positive integer', () => {
      const saved = process.env.MLSPEC_RECURRENT_THREADS;
      try {
        process.env.MLSPEC_RECURRENT_THREADS = '3';
        setFusedRnnThreads(1);
        expect(fusedRnnThreadCount()).toBe(3);
        process.env.MLSPEC_RECURRENT_THREADS = 'two';
        expect(() => fusedRnnThreadCount()).toThrow(/positive integer/);
      } finally {
        if (saved === undefined) delete process.env.MLSPEC_RECURRENT_THREADS;
        else process.env.MLSPEC_RECURRENT_THREADS = saved;
        setFusedRnnThreads(undefined);
      }
    });
  });

  describe('buffers', () => {
    it('are all freed after backward, after release, and when nothing is kept', () => {
      // Warm up with several shares, so helper threads (and their control block) are running.
      fusedRecurrenceForward({ ...randomInput('lstm', 4, 9, 5, 1), keepForBackward: false });
      const baseline = fusedRnnBytesInUse();
      expect(baseline).toBeGreaterThan(0);
      fusedRecurrenceForward({ ...randomInput('gru', 6, 9, 7, 2), keepForBackward: false });
      expect(fusedRnnBytesInUse()).toBe(baseline);
      const kept = fusedRecurrenceForward(randomInput('lstm', 6, 9, 7, 3));
      expect(fusedRnnBytesInUse()).toBeGreaterThan(baseline);
      kept.tape!.release();
      expect(fusedRnnBytesInUse()).toBe(baseline);
      runBoth(randomInput('gru', 6, 9, 7, 4), 1);
      expect(fusedRnnBytesInUse()).toBe(baseline);
      runBoth(withProjection(randomInput('lstm', 6, 9, 7, 4), 2), 1);
      fusedRecurrenceForward({ ...withProjection(randomInput('gru', 6, 9, 7, 4), 2), keepForBackward: false });
      expect(fusedRnnBytesInUse()).toBe(baseline);
      const used = fusedRecurrenceForward(randomInput('rnn', 3, 2, 2, 5));
      used.tape!.backward({ dLast: new Float32Array(4) });
      expect(() => used.tape!.backward({ dLast: new Float32Array(4) })).toThrow(/already used/);
    });
  });

  describe('numerics', () => {
    it.each(['rnn', 'lstm', 'gru'] as FusedCell[])('%s: pre-activations of ±1000 saturate to finite states and gradients', (cell) => {
      const input = { ...randomInput(cell, 5, 6, 8, 7, 1000), mask: undefined };
      for (const values of runBoth(input, 8)) {
        expect(values.every(Number.isFinite)).toBe(true);
      }
      const { last } = fusedRecurrenceForward({ ...input, keepForBackward: false });
      for (const v of last) expect(Math.abs(v)).toBeLessThanOrEqual(cell === 'lstm' ? 1 : 1.0000001);
    });

    it('vanishing gradients flush to zero instead of turning subnormal (slow on x86)', () => {
      // W_hh = 0.01: the state gradient shrinks ~100× per step, through the subnormal range by step 20.
      const steps = 60;
      const input: FusedForwardInput = {
        cell: 'rnn',
        steps,
        rows: 4,
        units: 4,
        projected: new Float32Array(steps * 16).fill(0.1),
        recurrentKernel: new Float32Array(16).fill(0.01),
        recurrentBias: new Float32Array(4),
        h0: new Float32Array(16),
        reverse: false,
        returnSequences: false,
        keepForBackward: true,
      };
      const { tape } = fusedRecurrenceForward(input);
      const g = tape!.backward({ dLast: new Float32Array(16).fill(1) });
      const smallestNormal = 2 ** -126;
      expect(g.dProjected!.every((v) => v === 0 || Math.abs(v) >= smallestNormal)).toBe(true);
      // The first steps' gradients did vanish (were flushed), the last ones did not.
      expect(g.dProjected![0]).toBe(0);
      expect(g.dProjected![(steps - 1) * 16]).toBeGreaterThan(0.5);
    });

    it('a NaN input gives NaN states (a diverging run is not hidden)', () => {
      const input = { ...randomInput('lstm', 3, 2, 4, 9), mask: undefined, keepForBackward: false };
      input.projected![0] = NaN;
      const { last } = fusedRecurrenceForward(input);
      expect(Number.isNaN(last[0])).toBe(true);
    });

    it('tanh and sigmoid are accurate to float32 rounding over their range', () => {
      // rnn with one unit, zero weights and zero state: h = tanh(x). lstm: h = σ(o)·tanh(σ(i)·tanh(g)).
      const xs = Float32Array.from({ length: 2001 }, (_, i) => (i - 1000) / 100);
      const rnn = fusedRecurrenceForward({
        cell: 'rnn',
        steps: 1,
        rows: xs.length,
        units: 1,
        projected: xs,
        recurrentKernel: new Float32Array(1),
        recurrentBias: new Float32Array(1),
        h0: new Float32Array(xs.length),
        reverse: false,
        returnSequences: false,
        keepForBackward: false,
      });
      xs.forEach((x, i) => expect(Math.abs(rnn.last[i] - Math.tanh(x))).toBeLessThan(2e-7));
      const projected = new Float32Array(xs.length * 4);
      xs.forEach((x, i) => projected.set([x, 0, 1, x], i * 4));
      const lstm = fusedRecurrenceForward({
        cell: 'lstm',
        steps: 1,
        rows: xs.length,
        units: 1,
        projected,
        recurrentKernel: new Float32Array(4),
        recurrentBias: new Float32Array(4),
        h0: new Float32Array(xs.length),
        reverse: false,
        returnSequences: false,
        keepForBackward: false,
      });
      const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
      xs.forEach((x, i) => expect(Math.abs(lstm.last[i] - sigmoid(x) * Math.tanh(sigmoid(x) * Math.tanh(1)))).toBeLessThan(3e-7));
    });
  });
});

describe('the heap', () => {
  it('reuses freed space, merges neighbours and grows the memory when full', () => {
    const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: 8, shared: true });
    const heap = new SharedHeap(memory, 100);
    const a = heap.alloc(1000);
    const b = heap.alloc(1000);
    const c = heap.alloc(1000);
    expect(a % 64).toBe(0);
    expect(new Set([a, b, c]).size).toBe(3);
    heap.release(a);
    heap.release(b);
    // a and b merged: 2000 bytes fit where they were.
    expect(heap.alloc(2000)).toBe(a);
    const big = heap.alloc(100_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 100_000);
    heap.f32()[(big + 99_996) >> 2] = 1.5;
    expect(heap.f32()[(big + 99_996) >> 2]).toBe(1.5);
    expect(() => heap.release(big + 4)).toThrow(/no block/);
    heap.release(big);
    heap.release(c);
    expect(heap.bytesInUse()).toBe(2048);
  });
});

describe('validation', () => {
  it('refuses wrong sizes and masks other than 0/1', () => {
    const input = randomInput('gru', 3, 2, 4, 1);
    expect(() => fusedRecurrenceForward({ ...input, projected: new Float32Array(5) })).toThrow(/projected has 5 values, expected 72/);
    expect(() => fusedRecurrenceForward({ ...input, mask: new Float32Array(6).fill(0.5) })).toThrow(/0 or 1/);
    expect(() => fusedRecurrenceForward({ ...input, units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => fusedRecurrenceForward({ ...withProjection(input, 1), projected: input.projected })).toThrow(/either projected or inputProjection/);
  });
});
