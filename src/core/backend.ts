/**
 * Which TensorFlow.js backend runs the neural models. The fast ones are optional packages:
 * @tensorflow/tfjs-node(-gpu) download libtensorflow when installed, which fails on machines
 * without network access or a supported platform, so mlspec never depends on them. They are
 * required only when asked for (or tried, fastest first, for `auto`); a missing one makes `auto`
 * fall back and makes an explicit request an InputError that says how to install it.
 *
 * Importing this module loads tfjs-core with the cpu backend and registers mlspec's kernels and
 * gradients, so the cpu backend works without calling selectBackend.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InputError } from './errors';
import { registerMlspecKernels } from './kernels';
import { fusedRnnThreadCount, nativeKernels } from './kernels/fused-rnn';
import { recurrentKernelName, tensorflowOnGpu } from './kernels/recurrent-kernel-choice';
import type { Logger } from './plugin';

// tfjs prints banners and kernel-override notices through console.warn unless in production mode.
tf.env().set('PROD', true);
registerMlspecKernels();

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Loads an npm package by name; replaceable in tests to simulate missing or broken packages. */
export type PackageLoader = (packageName: string) => unknown;

export interface SelectBackendOptions {
  loadPackage?: PackageLoader;
}

interface BackendCandidate {
  name: BackendName;
  /** The backend's registered name inside tfjs. */
  tfjsName: string;
  /** The optional package that provides it (none for cpu). */
  packageName?: string;
  installHint?: string;
}

const TFJS_VERSION = tf.version_core;

const CANDIDATES: readonly BackendCandidate[] = [
  {
    name: 'tensorflow-gpu',
    tfjsName: 'tensorflow',
    packageName: '@tensorflow/tfjs-node-gpu',
    installHint: `npm install @tensorflow/tfjs-node-gpu@${TFJS_VERSION} (downloads libtensorflow 2.9 at install time; needs CUDA 11.2 and cuDNN 8.1), or on a CUDA 12/13 driver: mlspec install-backend gpu (TensorFlow 2.21 with its CUDA 12 libraries from PyPI)`,
  },
  {
    name: 'tensorflow',
    tfjsName: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    installHint: `npm install @tensorflow/tfjs-node@${TFJS_VERSION} (downloads libtensorflow at install time), or where Google's download host is unreachable: mlspec install-backend native (builds it against TensorFlow's PyPI wheel)`,
  },
  {
    name: 'wasm',
    tfjsName: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    installHint: `npm install @tensorflow/tfjs-backend-wasm@${TFJS_VERSION}`,
  },
  { name: 'cpu', tfjsName: 'cpu' },
];

let selected: BackendName | undefined;

/** The backend mlspec selected, or the one tfjs picked by itself (cpu) when none was selected. */
export function backendInUse(): string {
  return selected ?? tf.getBackend();
}

/** True when a require() failure means "the package itself is not installed". */
function isMissingPackage(error: unknown, packageName: string): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${packageName}'`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

let wasmConfigured = false;

/** Point the wasm backend at its .wasm binaries in the installed package, so it works offline. */
function configureWasm(wasmModule: unknown, packageName: string): void {
  if (wasmConfigured) return;
  wasmConfigured = true;
  const wasm = wasmModule as { setWasmPaths(prefix: string): void };
  const dist = path.join(path.dirname(require.resolve(`${packageName}/package.json`)), 'dist') + path.sep;
  wasm.setWasmPaths(dist);
}

class BackendUnavailable extends Error {
  constructor(
    readonly candidate: BackendCandidate,
    readonly missing: boolean,
    reason: string,
  ) {
    super(reason);
  }
}

async function activate(candidate: BackendCandidate, load: PackageLoader): Promise<void> {
  if (candidate.packageName) {
    let loaded: unknown;
    try {
      loaded = load(candidate.packageName);
    } catch (error) {
      const missing = isMissingPackage(error, candidate.packageName);
      throw new BackendUnavailable(
        candidate,
        missing,
        missing ? `${candidate.packageName} is not installed` : `${candidate.packageName} failed to load: ${describe(error)}`,
      );
    }
    if (candidate.name === 'wasm') configureWasm(loaded, candidate.packageName);
  }
  let ok = false;
  let failure = 'its backend did not register with this copy of @tensorflow/tfjs-core';
  try {
    ok = tf.findBackendFactory(candidate.tfjsName) != null && (await tf.setBackend(candidate.tfjsName));
  } catch (error) {
    failure = describe(error);
  }
  if (!ok) {
    const hint = candidate.packageName ? ` (is ${candidate.packageName} built for @tensorflow/tfjs-core ${TFJS_VERSION}?)` : '';
    throw new BackendUnavailable(candidate, false, `backend "${candidate.tfjsName}" failed to initialise: ${failure}${hint}`);
  }
  await tf.ready();
  registerMlspecKernels();
}

async function describeActive(name: BackendName): Promise<string> {
  const recurrent = describeRecurrentKernel(name);
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    // tfjs-backend-wasm 4.22 runs threads only in browsers (its worker is a blob: URL Node refuses).
    return `wasm (${simd ? 'SIMD' : 'no SIMD'}; tfjs ops on one thread, ${recurrent})`;
  }
  if (name === 'cpu') return `cpu (${recurrent})`;
  return `${name} (${tensorflowOnGpu() ? 'GPU' : 'CPU'}; ${recurrent})`;
}

/** Where the recurrent layers run on the active backend, as `recurrentKernelName` chooses. */
function describeRecurrentKernel(name: BackendName): string {
  const threads = fusedRnnThreadCount();
  const onThreads = `${threads} thread${threads === 1 ? '' : 's'}`;
  const native = nativeKernels();
  switch (recurrentKernelName(name)) {
    case 'fused-native': {
      const { isa } = native as { isa: string }; // chosen only when built
      return `recurrent layers on mlspec's kernel built for this CPU, ${isa}, ${onThreads}`;
    }
    case 'fused-wasm': {
      // On TensorFlow's CPU build the native kernel would have run: say why it did not.
      const why = name === 'tensorflow' && !native.available ? `: the kernel built for this CPU is ${native.reason}` : '';
      return `recurrent layers on mlspec's WebAssembly kernel, ${onThreads}${why}`;
    }
    case 'tensorflow':
      return tensorflowOnGpu() ? 'recurrent layers on cuDNN' : "recurrent layers on TensorFlow's fused ops";
    case 'reference':
      return 'recurrent layers on per-step tfjs ops';
  }
}

/**
 * Make `choice` the tfjs backend and return the name of the backend in use. `auto` tries
 * tensorflow-gpu, tensorflow, wasm, cpu in that order and falls back past the ones that are not
 * installed or fail to start; an explicit choice that cannot be used is an InputError (exit 2).
 */
export async function selectBackend(choice: BackendChoice, logger: Logger, options: SelectBackendOptions = {}): Promise<BackendName> {
  // TensorFlow's C library logs oneDNN and absl notices to stderr as it loads; keep them out of run
  // output. oneDNN's reordered float sums also make results vary with thread timing; off by default.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  const load = options.loadPackage ?? ((name: string) => require(name));
  if (choice !== 'auto') {
    const candidate = CANDIDATES.find((c) => c.name === choice);
    if (!candidate) throw new InputError('BACKEND_UNKNOWN', `unknown backend "${choice}"; choose one of ${BACKEND_CHOICES.join(', ')}`);
    if (selected === choice && tf.getBackend() === candidate.tfjsName) return choice;
    try {
      await activate(candidate, load);
    } catch (error) {
      if (!(error instanceof BackendUnavailable)) throw error;
      const install = candidate.installHint ? `; install it with: ${candidate.installHint}` : '';
      throw new InputError(
        'BACKEND_UNAVAILABLE',
        `backend "${choice}" cannot be used: ${error.message}${install}. Or set "backend: auto" to use the fastest available backend.`,
      );
    }
    selected = candidate.name;
    logger.info(`backend: ${await describeActive(candidate.name)}`);
    return candidate.name;
  }
  const skipped: string[] = [];
  for (const candidate of CANDIDATES) {
    try {
      await activate(candidate, load);
    } catch (error) {
      if (!(error instanceof BackendUnavailable)) throw error;
      // A package that is installed but broken deserves a warning; an absent optional one does not.
      if (error.missing) logger.debug(`backend ${candidate.name} skipped: ${error.message}`);
      else logger.warn(`backend ${candidate.name} skipped: ${error.message}`);
      skipped.push(`${candidate.name} (${error.message})`);
      continue;
    }
    selected = candidate.name;
    const fallback = skipped.length > 0 ? `; faster backends unavailable: ${skipped.join('; ')}` : '';
    logger.info(`backend: ${await describeActive(candidate.name)}${fallback}`);
    return candidate.name;
  }
  // The cpu backend is bundled, so this is reached only if tfjs itself is broken.
  throw new InputError('BACKEND_UNAVAILABLE', `no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}
