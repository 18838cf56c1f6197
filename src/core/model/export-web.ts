/**
 * `mlspec export MODEL --web DIR`: a static folder that classifies typed text in the browser,
 * with no server-side code:
 *
 *   index.html            the page: a text box, the label, a bar per class
 *   mlspec-web.js         mlspec's inference code (tokenizers, featurizers, models, PredictionPipeline)
 *                         and TensorFlow.js with its WebAssembly backend, bundled by esbuild
 *   tfjs-backend-wasm*.wasm  the WebAssembly backend's binaries (plain, SIMD, threaded SIMD)
 *   model/                MLmodel, pipeline.json, weights.bin
 *
 * Recurrent models run their per-step reference recurrence on the WebAssembly backend (mlspec's
 * fused kernels need Node's worker threads). Serve the folder with any static web server: browsers
 * do not fetch files from file:// pages.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { pageHtml } from '../../web/page-html';
import { openModel } from './open-model';

export interface ExportWebOptions {
  model: string;
  dir: string;
  trackingUri?: string;
  logger: Logger;
}

/** Node modules some bundled files import at their top but never call in the page. */
const NODE_BUILTINS = /^(node:)?(fs|path|os|url|crypto|child_process|worker_threads|perf_hooks|util|module|readline|tty|stream|events|zlib)$/;
const BROWSER_TYPES = {
  tokenizer: ['chars', 'words'],
  featurizer: ['counts', 'hashing', 'index-sequence', 'tfidf'],
  model: ['gru', 'logistic-regression', 'lstm', 'simple-rnn'],
} as const;

export async function exportWeb(options: ExportWebOptions): Promise<{ dir: string; page: string }> {
  const target = path.resolve(options.dir);
  if (
    fs.existsSync(target) &&
    (!fs.statSync(target).isDirectory() || (fs.readdirSync(target).length > 0 && !fs.existsSync(path.join(target, 'mlspec-web.js'))))
  )
    throw new InputError('EXPORT_DIR_NOT_EMPTY', `--web ${options.dir} exists and is not an exported page; give a new or empty folder`);
  const model = await openModel(options.model, options);
  for (const kind of ['tokenizer', 'featurizer', 'model'] as const) {
    const type = (model.resolved[kind] as { type?: string } | undefined)?.type ?? '';
    if (!(BROWSER_TYPES[kind] as readonly string[]).includes(type))
      throw new InputError(
        'EXPORT_UNSUPPORTED',
        `${options.model} uses the ${kind} "${type}", which the web page does not include (it has ${BROWSER_TYPES[kind].join(', ')})`,
      );
  }

  const bundle = await bundleClassifier();
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}-`));
  try {
    fs.chmodSync(staging, 0o755);
    fs.writeFileSync(path.join(staging, 'index.html'), pageHtml(`${model.name}: ${model.classes.join(' · ')}`));
    fs.writeFileSync(path.join(staging, 'mlspec-web.js'), bundle);
    for (const file of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
      fs.copyFileSync(path.join(wasmDir, file), path.join(staging, file));
    fs.mkdirSync(path.join(staging, 'model'));
    for (const [file, bytes] of Object.entries(model.files)) fs.writeFileSync(path.join(staging, 'model', file), bytes);
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir: options.dir, page: path.join(options.dir, 'index.html') };
}

/** src/web/classifier.ts (or its compiled dist/ file) and everything it imports, as one browser script. */
async function bundleClassifier(): Promise<string> {
  const esbuild = await import('esbuild');
  const source = path.resolve(__dirname, '..', '..', 'web', `classifier${path.extname(__filename)}`);
  const result = await esbuild.build({
    entryPoints: [source],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'mlspecWeb',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
    define: {
      // The per-step recurrence: mlspec's fused kernels run on Node's worker threads.
      'process.env.MLSPEC_RECURRENCE': '"reference"',
      'process.env.NODE_ENV': '"production"',
      // Node's module variables, read at the top of files whose Node-only paths the page never takes.
      __dirname: '"."',
      __filename: '"mlspec-web.js"',
    },
    banner: { js: 'var process = globalThis.process || { env: {}, platform: "browser", versions: {} };' },
    plugins: [
      {
        name: 'node-builtins',
        setup(build) {
          build.onResolve({ filter: NODE_BUILTINS }, (args) => ({ path: args.path, namespace: 'node-builtin' }));
          build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
            // path joins strings (a constant path is computed at a module's top); the others throw if ever called.
            contents: /path$/.test(args.path)
              ? `const join = (...p) => p.join('/'); module.exports = { join, resolve: join, dirname: (p) => p.replace(/\\/[^/]*$/, ''), basename: (p) => p.replace(/^.*\\//, ''), extname: () => '', sep: '/' };`
              : `module.exports = new Proxy({}, { get: (_, key) => key === '__esModule' ? false : () => { throw new Error('${args.path} is not available in the browser'); } });`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}
