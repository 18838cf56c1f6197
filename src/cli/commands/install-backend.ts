/**
 * `mlspec install-backend [native|gpu]`: the native TensorFlow backend (@tensorflow/tfjs-node, or
 * @tensorflow/tfjs-node-gpu) built from TensorFlow's wheels on PyPI, by the script
 * `npm run install:native` runs (tools/native-backend/install.sh, shipped in the package). From an
 * installed mlspec it installs into the project mlspec belongs to: the folder whose node_modules
 * holds mlspec's tfjs-core.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../../core/did-you-mean';
import { EXIT_OK, EXIT_RUN_FAILED, InputError } from '../../core/errors';
import { defineCommand } from '../command';

/** mlspec's folder (a clone, or node_modules/mlspec): from dist/cli/commands or src/cli/commands. */
export const PACKAGE_ROOT = path.resolve(__dirname, '../../..');
const BACKENDS = ['native', 'gpu'];

/** The project whose node_modules holds the @tensorflow/tfjs-core mlspec loads (hoisted or not). */
export function projectDir(): string {
  const core = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json', { paths: [PACKAGE_ROOT] }));
  // .../<project>/node_modules/@tensorflow/tfjs-core
  return path.resolve(core, '../../..');
}

export const installBackendCommand = defineCommand({
  name: 'install-backend',
  summary: 'install the TensorFlow backend (CPU or NVIDIA GPU), built from PyPI’s wheels',
  args: '[native|gpu]',
  positionals: { min: 0, max: 1 },
  positionalsHelp: 'takes one backend: native or gpu',
  flags: {
    python: { type: 'string', value: 'PATH', help: 'the Python whose pip fetches the wheel (default .venv/bin/python, else python3)' },
    wheel: { type: 'string', value: 'FILE', help: 'a tensorflow wheel already downloaded, instead of fetching one' },
    'cuda-wheels': { type: 'string', value: 'DIR', help: 'gpu: a folder with the nvidia-* wheels already downloaded' },
    force: { type: 'boolean', help: 'unpack and rebuild even when the install looks complete' },
  },
  example: 'mlspec install-backend native',
  details:
    'Needs Linux x86_64, make, g++, python3 with pip, and Node’s C headers; gpu also an NVIDIA GPU with a\ndriver for CUDA 12. Downloads the wheels once (kept in ~/.cache/mlspec), then checks the backend\nruns. `npm run install:native` is the same as native.',
  inject: [],
  create:
    () =>
    ({ positionals: [backend = 'native'], flags }) => {
      if (!BACKENDS.includes(backend))
        throw new InputError('CLI_USAGE', `unknown backend "${backend}"${didYouMean(backend, BACKENDS)}; backends: ${BACKENDS.join(', ')}`);
      const script = path.join(PACKAGE_ROOT, 'tools/native-backend/install.sh');
      if (!fs.existsSync(script)) throw new InputError('INSTALL_SCRIPT_MISSING', `${script} is missing: reinstall mlspec`);
      const args = [script, '--project', projectDir()];
      // The script runs in the project folder: a path to a Python is made absolute, a bare name stays.
      if (flags.python !== undefined) args.push('--python', flags.python.includes('/') ? path.resolve(flags.python) : flags.python);
      if (flags.wheel !== undefined) args.push('--wheel', path.resolve(flags.wheel));
      if (flags['cuda-wheels'] !== undefined) args.push('--cuda-wheels', path.resolve(flags['cuda-wheels']));
      if (flags.force) args.push('--force');
      if (backend === 'gpu') args.push('--gpu');
      const r = spawnSync('bash', args, { stdio: 'inherit' });
      if (r.error) throw r.error;
      return r.status === 0 ? EXIT_OK : EXIT_RUN_FAILED;
    },
});
