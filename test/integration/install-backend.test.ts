/**
 * `mlspec install-backend gpu` where it can be checked without a GPU: it refuses at once on a machine
 * without one, before anything is downloaded or installed; and the steps that take the library
 * and the CUDA libraries out of TensorFlow's wheels (tools/native-backend/wheels.py, which the CPU
 * install runs too) on small wheels built here with the members and METADATA of the real ones.
 * The real GPU install (3 GB of wheels, an NVIDIA GPU) has not been run: see README "GPU backend".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, runCli } from '../helpers/cli';

const WHEELS_PY = path.join(REPO, 'tools/native-backend/wheels.py');
const hasGpu = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).stdout?.startsWith('GPU ') === true;

function python(args: string[], input?: string) {
  const r = spawnSync('python3', args, { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A zip named like a wheel holding `members` (name → text). */
function fakeWheel(file: string, members: Record<string, string>): void {
  const code =
    'import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    for k, v in json.load(sys.stdin).items(): z.writestr(k, v)';
  const r = python(['-c', code, file], JSON.stringify(members));
  expect(r.stderr).toBe('');
}

(hasGpu ? it.skip : it)('refuses the gpu backend at once on a machine without an NVIDIA GPU, writing nothing', () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'mlspec-gpu-cache-'));
  const r = runCli(['install-backend', 'gpu'], { env: { MLSPEC_NATIVE_CACHE: cache } });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('install-native: error: no NVIDIA GPU found (nvidia-smi is missing or lists none)');
  expect(readdirSync(cache)).toEqual([]);
  expect(existsSync(path.join(REPO, 'node_modules/@tensorflow/tfjs-node-gpu'))).toBe(false);
});

it('takes the C library and headers from a tensorflow wheel, and the CUDA libraries it pins from nvidia-* wheels, laid out as pip does', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-wheels-'));
  const tensorflow = path.join(work, 'tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
  // The and-cuda lines as tensorflow 2.21.0's METADATA on PyPI has them (two of its twelve).
  fakeWheel(tensorflow, {
    'tensorflow/libtensorflow_cc.so.2': 'cc',
    'tensorflow/libtensorflow_framework.so.2': 'framework',
    'tensorflow/include/tensorflow/c/c_api.h': 'c api',
    'tensorflow/include/tensorflow/core/platform/ctstring.h': 'ctstring',
    'tensorflow/python/_pywrap_tensorflow_internal.so': 'not wanted',
    'tensorflow-2.21.0.dist-info/METADATA': [
      'Metadata-Version: 2.1',
      'Name: tensorflow',
      'Version: 2.21.0',
      'Requires-Dist: numpy>=1.26.0',
      'Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
      'Requires-Dist: nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == "and-cuda"',
      '',
    ].join('\n'),
  });
  const cudnn = path.join(work, 'nvidia_cudnn_cu12-9.3.0.75-py3-none-manylinux2014_x86_64.whl');
  fakeWheel(cudnn, { 'nvidia/cudnn/lib/libcudnn.so.9': 'cudnn', 'nvidia/cudnn/include/cudnn.h': 'not wanted', 'nvidia/__init__.py': '' });

  const store = path.join(work, 'store');
  expect(python([WHEELS_PY, 'tensorflow', tensorflow, path.join(store, 'tensorflow')]).status).toBe(0);
  const pins = python([WHEELS_PY, 'cuda-pins', tensorflow]);
  expect([pins.stdout, pins.status]).toEqual(['nvidia-cublas-cu12==12.5.3.2\nnvidia-cudnn-cu12==9.3.0.75\n', 0]);
  expect(python([WHEELS_PY, 'cuda', cudnn, store]).status).toBe(0);

  const files = readdirSync(store, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.'));
  expect(files.sort()).toEqual([
    'nvidia/cudnn/lib/libcudnn.so.9',
    'tensorflow/include/tensorflow/c/c_api.h',
    'tensorflow/include/tensorflow/core/platform/ctstring.h',
    'tensorflow/libtensorflow_cc.so.2',
    'tensorflow/libtensorflow_framework.so.2',
  ]);
  expect(readFileSync(path.join(store, 'nvidia/cudnn/lib/libcudnn.so.9'), 'utf8')).toBe('cudnn');
  // A wheel without what is wanted is an error, not an empty install.
  const wrong = python([WHEELS_PY, 'cuda', tensorflow, store]);
  expect([wrong.status, wrong.stderr]).toEqual([1, `${tensorflow} holds no nvidia/*/lib shared library\n`]);
});
