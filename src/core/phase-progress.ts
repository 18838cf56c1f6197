/**
 * Progress of a long phase that is not counted in epochs (reading a file, featurizing, fitting a
 * linear model), on stderr: on a terminal, one line redrawn in place and cleared when the phase
 * ends; elsewhere (CI logs, files, pipes) a plain line at most every `plainEveryMs`, so a log
 * shows a long phase is alive without filling up.
 */
import { liveLine } from './terminal';
import type { ProgressStream } from './train/progress';

export interface PhaseProgress {
  /** `done` units of the phase so far (rows read, documents featurized, iterations). */
  update(done: number): void;
  /** The phase is over: the live line is cleared. */
  finish(): void;
}

export interface PhaseProgressSetup {
  stream?: ProgressStream;
  now?: () => number;
  redrawMs?: number;
  plainEveryMs?: number;
}

export function phaseProgress(label: string, unit: string, setup: PhaseProgressSetup = {}): PhaseProgress {
  const stream = setup.stream ?? process.stderr;
  const now = setup.now ?? (() => Date.now());
  const tty = stream.isTTY === true;
  const every = tty ? (setup.redrawMs ?? 200) : (setup.plainEveryMs ?? 15_000);
  const started = now();
  let last = started;
  let drawn = false;
  const live = { clear: () => clear() };
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
    liveLine.hidden(live);
  };
  const line = (done: number) => `${label}: ${done.toLocaleString('en-US')} ${unit} (${((now() - started) / 1000).toFixed(0)}s)`;
  return {
    update(done) {
      const t = now();
      if (t - last < every) return;
      last = t;
      if (tty) {
        stream.write(`\r\x1b[2K${line(done)}`);
        drawn = true;
        liveLine.shown(live);
      } else stream.write(`${line(done)}\n`);
    },
    finish() {
      clear();
    },
  };
}
