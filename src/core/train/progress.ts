/**
 * Training progress on stderr: on a terminal, a bar redrawn in place (epoch, batch, running loss
 * and accuracy, ETA) that leaves one summary line per epoch; elsewhere (CI logs, files, pipes)
 * just the summary line per epoch, so logs stay readable.
 */
import type { EpochRecord } from '../plugin';
import { lineWidth, liveLine, truncate } from '../terminal';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TrainingProgress {
  /** A finished batch of `epoch` with the running (epoch-so-far) loss and accuracy. */
  batch(epoch: number, done: number, loss: number, accuracy: number): void;
  epochEnd(record: EpochRecord, seconds: number): void;
  /** Clear any half-drawn bar (after an error or the last epoch). */
  finish(): void;
}

export interface ProgressSetup {
  label: string;
  epochs: number;
  batchesPerEpoch: number;
  stream?: ProgressStream;
  /** Minimum time between redraws of the bar, in ms. */
  redrawMs?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const SHOWN_METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'curve_loss', 'curve_accuracy'];
/** The metric names of a narrow terminal, Keras-style, so an epoch line still fits in one line. */
const SHORT_NAMES: Record<string, string> = {
  train_loss: 'loss',
  train_accuracy: 'acc',
  val_loss: 'val_loss',
  val_accuracy: 'val_acc',
  curve_loss: 'curve_loss',
  curve_accuracy: 'curve_acc',
};

/**
 * One line per epoch. On a terminal too narrow for it (`width`), the short metric names; if even
 * that does not fit, cut with an ellipsis rather than wrapped. Logs and pipes get the full line.
 */
export function summaryLine(label: string, epochs: number, record: EpochRecord, seconds: number, eta: number, width?: number): string {
  const digits = String(epochs).length;
  const etaText = record.epoch < epochs ? `, ETA ${formatDuration(eta)}` : '';
  const line = (names: Record<string, string> | undefined) => {
    const metrics = SHOWN_METRICS.filter((k) => record[k] !== undefined).map((k) => `${names?.[k] ?? k} ${record[k].toFixed(4)}`);
    return `${label} epoch ${String(record.epoch).padStart(digits)}/${epochs}  ${metrics.join('  ')}  (${seconds.toFixed(1)}s${etaText})`;
  };
  const full = line(undefined);
  if (width === undefined || full.length < width) return full;
  return truncate(line(SHORT_NAMES), width - 1);
}

export function createProgress(setup: ProgressSetup): TrainingProgress {
  const stream = setup.stream ?? process.stderr;
  const now = setup.now ?? (() => Date.now());
  const tty = stream.isTTY === true;
  const redrawMs = setup.redrawMs ?? 100;
  const started = now();
  let epochsDone = 0;
  let lastDraw = -Infinity;
  let drawn = false;

  const remainingSeconds = (batchesDone: number): number => {
    const elapsed = (now() - started) / 1000;
    const batchesSoFar = epochsDone * setup.batchesPerEpoch + batchesDone;
    if (batchesSoFar === 0) return NaN;
    const total = setup.epochs * setup.batchesPerEpoch;
    return (elapsed / batchesSoFar) * (total - batchesSoFar);
  };

  const live = { clear: () => clear() };
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
    liveLine.hidden(live);
  };

  return {
    batch(epoch, done, loss, accuracy) {
      if (!tty) return;
      const t = now();
      if (done < setup.batchesPerEpoch && t - lastDraw < redrawMs) return;
      lastDraw = t;
      const barWidth = 20;
      const filled = Math.round((done / setup.batchesPerEpoch) * barWidth);
      const bar = '#'.repeat(filled) + '-'.repeat(barWidth - filled);
      const line = `${setup.label} epoch ${epoch}/${setup.epochs} [${bar}] ${done}/${setup.batchesPerEpoch} loss ${loss.toFixed(4)} acc ${accuracy.toFixed(4)} ETA ${formatDuration(remainingSeconds(done))}`;
      const columns = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
      drawn = true;
      liveLine.shown(live);
    },
    epochEnd(record, seconds) {
      epochsDone = record.epoch;
      const eta = remainingSeconds(0);
      clear();
      stream.write(`${summaryLine(setup.label, setup.epochs, record, seconds, eta, lineWidth(stream))}\n`);
    },
    finish() {
      clear();
    },
  };
}

/** A progress display that shows nothing (training.progress: false). */
export const silentProgress: TrainingProgress = { batch() {}, epochEnd() {}, finish() {} };
