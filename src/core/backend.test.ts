import * as tf from '@tensorflow/tfjs-core';
import { backendInUse, selectBackend, type PackageLoader } from './backend';
import { EXIT_BAD_INPUT, InputError } from './errors';

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    logger: {
      info: (message: string) => lines.push({ level: 'info', message }),
      warn: (message: string) => lines.push({ level: 'warn', message }),
      debug: (message: string) => lines.push({ level: 'debug', message }),
    },
  };
}

/** Node's error for an absent package, as require() throws it. */
function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- backend.ts`), { code: 'MODULE_NOT_FOUND' });
}

/** A loader where `missing` packages are absent, `broken` ones throw while loading, the rest load for real. */
function loader(missing: string[], broken: string[] = []): PackageLoader {
  return (name) => {
    if (missing.includes(name)) throw notInstalled(name);
    if (broken.includes(name)) throw new Error('libtensorflow.so.2: cannot open shared object file');
    return require(name);
  };
}

const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

describe('selectBackend', () => {
  afterEach(async () => {
    await selectBackend('cpu', recordingLogger().logger);
  });

  it('auto falls back past the absent tfjs-node packages to wasm, saying which were unavailable', async () => {
    const { logger, lines } = recordingLogger();
    const name = await selectBackend('auto', logger, { loadPackage: loader(NODE_PACKAGES) });
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(backendInUse()).toBe('wasm');
    const chosen = lines.find((l) => l.level === 'info')!.message;
    expect(chosen).toMatch(/^backend: wasm/);
    expect(chosen).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(chosen).toContain('@tensorflow/tfjs-node is not installed');
    expect(lines.some((l) => l.level === 'warn')).toBe(false);
  });

  it('auto with the real require picks the fastest installed backend', async () => {
    const installed = (name: string) => {
      try {
        require.resolve(name);
        return true;
      } catch {
        return false;
      }
    };
    const { logger } = recordingLogger();
    const name = await selectBackend('auto', logger);
    // tfjs-node is an optional package, absent from this repository's dependencies.
    if (!NODE_PACKAGES.some(installed)) expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe(name === 'wasm' || name === 'cpu' ? name : 'tensorflow');
  });

  it('auto falls back to cpu when wasm cannot load, and warns about an installed package that fails', async () => {
    const { logger, lines } = recordingLogger();
    const name = await selectBackend('auto', logger, {
      loadPackage: loader(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm'], ['@tensorflow/tfjs-node']),
    });
    expect(name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).toEqual([expect.stringContaining('@tensorflow/tfjs-node failed to load: libtensorflow.so.2')]);
  });

  it('an explicitly requested backend that is missing is an InputError naming the package and how to install it', async () => {
    const { logger } = recordingLogger();
    const attempt = selectBackend('tensorflow', logger, { loadPackage: loader(NODE_PACKAGES) });
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    const error = (await attempt.catch((e: unknown) => e)) as InputError;
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.exitCode).toBe(EXIT_BAD_INPUT);
    expect(error.message).toContain('@tensorflow/tfjs-node is not installed');
    expect(error.message).toContain(`npm install @tensorflow/tfjs-node@${tf.version_core}`);
  });

  it('tensorflow-gpu names its own package', async () => {
    const { logger } = recordingLogger();
    await expect(selectBackend('tensorflow-gpu', logger, { loadPackage: loader(NODE_PACKAGES) })).rejects.toThrow(
      /npm install @tensorflow\/tfjs-node-gpu@/,
    );
  });

  it('selects wasm and cpu explicitly, and computes the same sums on both', async () => {
    const { logger } = recordingLogger();
    const values = [1.5, -2, 3.25, 4];
    expect(await selectBackend('wasm', logger)).toBe('wasm');
    const onWasm = tf.tidy(() => tf.sum(tf.tensor(values)).dataSync()[0]);
    expect(await selectBackend('cpu', logger)).toBe('cpu');
    const onCpu = tf.tidy(() => tf.sum(tf.tensor(values)).dataSync()[0]);
    expect(onWasm).toBe(6.75);
    expect(onCpu).toBe(6.75);
  });
});
