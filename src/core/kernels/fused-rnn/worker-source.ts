/**
 * The code each helper thread runs, as a string for `new Worker(code, { eval: true })`: a file
 * would have to exist as JavaScript both under ts-jest (src/) and after the build (dist/).
 *
 * The thread instantiates the kernel module on the shared memory (or loads the native addon, which
 * works on that memory through a Uint8Array over it) and sleeps on the control
 * block's sequence word. Each wake-up means a new job: it claims shares until none is left
 * (`run_shares` refuses shares of any other job, so a late wake-up is harmless), then wakes the
 * main thread, which waits for the job's `done` count.
 */
import { CONTROL, JOB } from './layout';

export const WORKER_SOURCE = `
'use strict';
const { workerData } = require('worker_threads');
const { engine, module, addonPath, memory, control, job } = workerData;
const ctl = new Int32Array(memory.buffer, control, ${CONTROL.words});
const jobWords = new Int32Array(memory.buffer, job, ${JOB.words});
function fail(error) {
  Atomics.store(ctl, ${CONTROL.error}, 1);
  Atomics.notify(jobWords, ${JOB.done});
  throw error;
}
let runShares;
try {
  if (engine === 'native') {
    const addon = require(addonPath);
    // A grown shared memory gets a new (longer) buffer object; the view follows it.
    let view = new Uint8Array(memory.buffer);
    runShares = (jobOffset, epoch) => {
      if (view.byteLength !== memory.buffer.byteLength) view = new Uint8Array(memory.buffer);
      return addon.runShares(view, jobOffset, epoch);
    };
  } else {
    runShares = new WebAssembly.Instance(module, { env: { memory } }).exports.run_shares;
  }
} catch (error) {
  fail(error);
}
let seen = Atomics.load(ctl, ${CONTROL.seq});
for (;;) {
  Atomics.wait(ctl, ${CONTROL.seq}, seen);
  if (Atomics.load(ctl, ${CONTROL.stop}) !== 0) break;
  seen = Atomics.load(ctl, ${CONTROL.seq});
  try {
    runShares(job, seen);
  } catch (error) {
    fail(error);
  }
  Atomics.notify(jobWords, ${JOB.done});
}
`;
