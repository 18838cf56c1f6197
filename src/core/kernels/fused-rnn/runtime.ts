/**
 * The running kernels: the compiled kernels (an engine), the shared memory every thread works in,
 * the heap over it, and the helper threads.
 *
 * Two engines run the same fused-rnn.c: `wasm`, the WebAssembly module embedded in the package
 * (SIMD128), and `native`, the addon tools/native-kernels/build.sh compiles for this machine's CPU
 * (AVX-512 or AVX2 vectors), available once built. Both work on a shared WebAssembly.Memory
 * through byte offsets, so the heap, the job struct and the threads are the same for both.
 *
 * A job is dispatched by filling the one Job struct, opening it under a new epoch and waking the
 * helpers; the main thread then claims shares like any helper and, when none is left, waits for
 * the ones still running. A helper that is slow to wake (a busy machine) simply finds no share
 * left, so the main thread never waits for a thread that has not started working.
 *
 * Thread count: MLSPEC_RECURRENT_THREADS, else `setFusedRnnThreads`, else the available cores,
 * at most 4. Helpers start with the first job that has more than one share, are unref'd (they
 * never keep the process alive), stop after a few idle seconds (a test runner that loads the
 * module once per test file does not pile them up) and on `shutdownFusedRnn()`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { FUSED_RNN_BUILD, FUSED_RNN_WASM_BASE64 } from './fused-rnn-wasm';
import { SharedHeap } from './heap';
import { CLOSED_SHARE, CONTROL, EPOCH_MASK, JOB, type JobField, type JobFields } from './layout';
import { WebAssemblyApi, type WasmMemory, type WasmModule } from './wasm-api';
import { WORKER_SOURCE } from './worker-source';

export type FusedRnnEngine = 'wasm' | 'native';

/** The kernels' entry points; every pointer is a byte offset in the runtime's memory. */
interface KernelCalls {
  runShares(job: number, epoch: number): number;
  transpose(w: number, wt: number, rows: number, cols: number): void;
  sumParts(parts: number, count: number, size: number): void;
}

interface WasmExports {
  run_shares(job: number, epoch: number): number;
  transpose(w: number, wt: number, rows: number, cols: number): void;
  sum_parts(parts: number, count: number, size: number): void;
  __heap_base: { value: number };
}

/** What fused-rnn-node.c exports; each call's first argument is a Uint8Array over the memory. */
interface NativeAddon {
  lanes: number;
  isa: string;
  sourceSha256: string;
  runShares(memory: Uint8Array, job: number, epoch: number): number;
  transpose(memory: Uint8Array, w: number, wt: number, rows: number, cols: number): void;
  sumParts(memory: Uint8Array, parts: number, count: number, size: number): void;
}

/** Where tools/native-kernels/build.sh puts the addon (the package root is four folders up from src/ or dist/). */
export const NATIVE_ADDON_PATH = path.resolve(__dirname, '../../../../build/native/fused-rnn.node');

/** The native engine's addon, or why it cannot be used; looked up once. */
export type NativeKernels = { available: true; isa: string; lanes: number; path: string } | { available: false; reason: string };

let nativeLookup: { addon?: NativeAddon; info: NativeKernels } | undefined;

/** Loads the addon at `file` and checks it was built from this fused-rnn.c. */
export function inspectNativeAddon(file: string): { addon?: NativeAddon; info: NativeKernels } {
  if (!fs.existsSync(file)) return { info: { available: false, reason: 'not built (npm run install:native builds it)' } };
  let addon: NativeAddon;
  try {
    addon = require(file) as NativeAddon;
  } catch (error) {
    return { info: { available: false, reason: `it does not load: ${(error as Error).message}` } };
  }
  // A build from another fused-rnn.c could read the job struct differently.
  if (addon.sourceSha256 !== FUSED_RNN_BUILD.sourceSha256) {
    return { info: { available: false, reason: 'it was built from another fused-rnn.c (rebuild: tools/native-kernels/build.sh)' } };
  }
  return { addon, info: { available: true, isa: addon.isa, lanes: addon.lanes, path: file } };
}

function lookUpNative(): { addon?: NativeAddon; info: NativeKernels } {
  nativeLookup ??= inspectNativeAddon(NATIVE_ADDON_PATH);
  return nativeLookup;
}

/** Whether the native engine can run here, and with which instructions. */
export function nativeKernels(): NativeKernels {
  return lookUpNative().info;
}

function nativeAddon(): NativeAddon {
  const { addon, info } = lookUpNative();
  if (!addon) throw new Error(`the native fused recurrent kernels are unavailable: ${(info as { reason: string }).reason}`);
  return addon;
}

/** Where the native engine's heap starts: nothing else lives in its memory. */
const NATIVE_HEAP_BASE = 1024;

/** Start size of the shared memory (grown on demand) and its limit (wasm32's 4 GiB). */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 65536;
const MAX_DEFAULT_THREADS = 4;
/** A job whose shares make no progress for this long means a helper thread died. */
const STALL_MS = 60_000;
/** Helper threads stop after this long without a job and start again with the next one. */
let idleMs = 5_000;

let compiled: WasmModule | undefined;

function kernelModule(): WasmModule {
  compiled ??= new WebAssemblyApi.Module(Buffer.from(FUSED_RNN_WASM_BASE64, 'base64'));
  return compiled;
}

export class FusedRnnRuntime {
  readonly memory: WasmMemory;
  readonly heap: SharedHeap;
  readonly kernels: KernelCalls;
  private readonly job: number;
  /** The control block of the running helpers; each start of helpers gets a fresh one. */
  private control = 0;
  private readonly workers: Worker[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private epoch = 0;
  /** Jobs run, their shares, and how many of those the main thread ran itself. */
  readonly stats = { jobs: 0, shares: 0, sharesOnMainThread: 0 };
  private workerError: Error | undefined;
  private helpersUnavailable = false;
  private stopped = false;

  constructor(
    readonly threads: number,
    readonly engine: FusedRnnEngine = 'wasm',
  ) {
    this.memory = new WebAssemblyApi.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    if (engine === 'native') {
      const addon = nativeAddon();
      const view = () => this.heap.u8();
      this.kernels = {
        runShares: (job, epoch) => addon.runShares(view(), job, epoch),
        transpose: (w, wt, rows, cols) => addon.transpose(view(), w, wt, rows, cols),
        sumParts: (parts, count, size) => addon.sumParts(view(), parts, count, size),
      };
      this.heap = new SharedHeap(this.memory, NATIVE_HEAP_BASE);
    } else {
      const wasm = new WebAssemblyApi.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as WasmExports;
      this.kernels = { runShares: wasm.run_shares, transpose: wasm.transpose, sumParts: wasm.sum_parts };
      this.heap = new SharedHeap(this.memory, wasm.__heap_base.value);
    }
    this.job = this.heap.alloc(JOB.words * 4);
    this.heap.i32().fill(0, this.job >> 2, (this.job >> 2) + JOB.words);
  }

  /**
   * Starts the helper threads if they are not running (they stop after a few idle seconds). If
   * threads cannot be created at all (a resource limit), the main thread runs every share.
   */
  private ensureHelpers(): void {
    if (this.threads < 2 || this.workers.length > 0 || this.helpersUnavailable) return;
    this.control = this.heap.alloc(CONTROL.words * 4);
    this.heap.i32().fill(0, this.control >> 2, (this.control >> 2) + CONTROL.words);
    try {
      for (let i = 1; i < this.threads; i++) {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            engine: this.engine,
            module: this.engine === 'wasm' ? kernelModule() : undefined,
            addonPath: this.engine === 'native' ? NATIVE_ADDON_PATH : undefined,
            memory: this.memory,
            control: this.control,
            job: this.job,
          },
        });
        worker.unref();
        worker.on('error', (error) => {
          this.workerError ??= error instanceof Error ? error : new Error(String(error));
        });
        this.workers.push(worker);
      }
    } catch {
      this.helpersUnavailable = true;
      if (this.workers.length > 0) this.stopHelpers();
      else this.heap.release(this.control);
    }
  }

  /**
   * Stops the helpers. Their control block is freed only once all of them have exited, so it is
   * never reused while a late one could still read it.
   */
  private stopHelpers(): void {
    if (this.workers.length === 0) return;
    const words = this.heap.i32();
    const block = this.control;
    Atomics.store(words, (block >> 2) + CONTROL.stop, 1);
    Atomics.add(words, (block >> 2) + CONTROL.seq, 1);
    Atomics.notify(words, (block >> 2) + CONTROL.seq);
    const exits = this.workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
    void Promise.all(exits).then(() => this.heap.release(block));
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }

  /** Idle helpers hold a thread and the shared memory; stop them when no job came for a while. */
  private armIdleStop(): void {
    if (this.workers.length === 0) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        this.stopHelpers();
      }, idleMs).unref();
  }

  /**
   * Runs one job over `shares` shares on every thread and returns when all are done. `fields`
   * are the Job struct's fields other than the claim and done counters.
   */
  execute(fields: JobFields, shares: number): void {
    if (this.stopped) throw new Error('the fused recurrent kernels were shut down');
    if (shares >= CLOSED_SHARE) throw new Error(`fused recurrent kernels: ${shares} shares is too many`);
    this.throwIfWorkerFailed();
    // One share cannot be split: helpers would only be woken for nothing.
    if (shares > 1) this.ensureHelpers();
    const words = this.heap.i32();
    const base = this.job >> 2;
    this.epoch = (this.epoch % EPOCH_MASK) + 1;
    const epoch = this.epoch;
    // Close the struct under the new epoch before refilling it: late helpers of the previous job
    // hold the old epoch and cannot claim anything from here on.
    Atomics.store(words, base + JOB.nextShare, (epoch << 16) | CLOSED_SHARE);
    for (let i = 0; i < JOB.words; i++) if (i !== JOB.nextShare) words[base + i] = 0;
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) words[base + JOB[name as JobField]] = value;
    words[base + JOB.shares] = shares;
    Atomics.store(words, base + JOB.done, 0);
    Atomics.store(words, base + JOB.nextShare, epoch << 16);
    if (shares > 1 && this.workers.length > 0) {
      Atomics.store(words, (this.control >> 2) + CONTROL.seq, epoch);
      Atomics.notify(words, (this.control >> 2) + CONTROL.seq);
    }
    const ranHere = this.kernels.runShares(this.job, epoch);
    this.awaitDone(words, base + JOB.done, shares);
    this.armIdleStop();
    this.stats.jobs++;
    this.stats.shares += shares;
    this.stats.sharesOnMainThread += ranHere;
  }

  /** Helper threads running now (0 until a job needs them, and again after they idled out). */
  helperCount(): number {
    return this.workers.length;
  }

  private awaitDone(words: Int32Array, doneIndex: number, shares: number): void {
    let done = Atomics.load(words, doneIndex);
    let lastProgress = Date.now();
    while (done < shares) {
      Atomics.wait(words, doneIndex, done, 1000);
      this.throwIfWorkerFailed();
      const now = Atomics.load(words, doneIndex);
      if (now !== done) lastProgress = Date.now();
      else if (Date.now() - lastProgress > STALL_MS) throw new Error('fused recurrent kernels: a helper thread stopped responding');
      done = now;
    }
  }

  private throwIfWorkerFailed(): void {
    const flagged = this.workers.length > 0 && Atomics.load(this.heap.i32(), (this.control >> 2) + CONTROL.error) !== 0;
    if (this.workerError || flagged) {
      throw new Error(`fused recurrent kernels: a helper thread failed${this.workerError ? `: ${this.workerError.message}` : ''}`);
    }
  }

  /** Stops the helper threads; the runtime cannot run jobs afterwards. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.stopHelpers();
  }
}

const running = new Map<FusedRnnEngine, FusedRnnRuntime>();
let requestedThreads: number | undefined;

/** The thread count the runtime starts with (see the module comment). */
export function fusedRnnThreadCount(): number {
  const fromEnv = process.env.MLSPEC_RECURRENT_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) throw new Error(`MLSPEC_RECURRENT_THREADS must be a positive integer, got "${fromEnv}"`);
    return n;
  }
  if (requestedThreads !== undefined) return requestedThreads;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, MAX_DEFAULT_THREADS));
}

/** Sets the thread count for the next jobs (undefined: back to the default); restarts the helpers if it changed. */
export function setFusedRnnThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new Error(`thread count must be a positive integer, got ${threads}`);
  requestedThreads = threads;
  if ([...running.values()].some((r) => r.threads !== fusedRnnThreadCount())) shutdownFusedRnn();
}

/** The runtime of an engine, started on first use. */
export function fusedRnnRuntime(engine: FusedRnnEngine = 'wasm'): FusedRnnRuntime {
  let runtime = running.get(engine);
  if (!runtime) {
    runtime = new FusedRnnRuntime(fusedRnnThreadCount(), engine);
    running.set(engine, runtime);
  }
  return runtime;
}

/** How long helper threads wait for a job before they stop (5 s unless changed). */
export function setFusedRnnIdleMs(ms: number): void {
  if (!(ms > 0)) throw new Error(`idle time must be positive, got ${ms}`);
  idleMs = ms;
}

export interface FusedRnnStats {
  threads: number;
  /** Helper threads running now. */
  helpers: number;
  jobs: number;
  shares: number;
  /** Shares the main thread ran; the rest ran on helpers. */
  sharesOnMainThread: number;
}

/** Counts since the engine's runtime started. */
export function fusedRnnStats(engine: FusedRnnEngine = 'wasm'): FusedRnnStats {
  const runtime = running.get(engine);
  const counts = runtime?.stats ?? { jobs: 0, shares: 0, sharesOnMainThread: 0 };
  return { threads: runtime?.threads ?? fusedRnnThreadCount(), helpers: runtime?.helperCount() ?? 0, ...counts };
}

/** Bytes of the shared heaps held by live buffers (0 before a runtime starts); for leak checks. */
export function fusedRnnBytesInUse(): number {
  let bytes = 0;
  for (const runtime of running.values()) bytes += runtime.heap.bytesInUse();
  return bytes;
}

/** Stops the helper threads and drops the runtimes (buffers still held become invalid); the next use starts new ones. */
export function shutdownFusedRnn(): void {
  for (const runtime of running.values()) runtime.shutdown();
  running.clear();
}
