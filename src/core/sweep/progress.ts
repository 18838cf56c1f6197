/**
 * What a running sweep shows on stderr. On a terminal: one status line, redrawn in place — jobs
 * and candidates done/running/failed, the best candidate so far, an ETA — with failures printed
 * above it as they happen. Otherwise (a log file, CI): one plain line per finished job.
 */
import type { Logger } from '../plugin';
import { colorsFor, liveLine, type Colors } from '../terminal';

export interface ProgressCounts {
  jobsDone: number;
  jobsTotal: number;
  running: number;
  failed: number;
  pruned: number;
  candidatesDone: number;
  candidatesTotal: number;
  best?: { label: string; mean: number; sd: number };
  /** Seconds left, when there is enough to estimate from. */
  eta?: number;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function statusLine(metric: string, c: ProgressCounts): string {
  const parts = [
    `jobs ${c.jobsDone}/${c.jobsTotal}`,
    `candidates ${c.candidatesDone}/${c.candidatesTotal}`,
    `running ${c.running}`,
    `failed ${c.failed}`,
  ];
  if (c.pruned) parts.push(`pruned ${c.pruned}`);
  parts.push(c.best ? `best ${c.best.label} ${metric} ${c.best.mean.toFixed(4)} ± ${c.best.sd.toFixed(4)}` : 'best -');
  if (c.eta !== undefined) parts.push(`ETA ${formatDuration(c.eta)}`);
  return `sweep: ${parts.join(' · ')}`;
}

export class SweepProgress {
  private shown = false;
  private last?: ProgressCounts;
  /** Colours for the marks this stream shows (✓ ✗), off for a pipe or a file (see terminal.ts). */
  readonly colors: Colors;
  private readonly liveLine = { clear: () => this.clear() };

  constructor(
    private readonly stream: ProgressStream,
    private readonly metric: string,
    private readonly quiet = false,
  ) {
    this.colors = colorsFor(stream);
  }

  private get live(): boolean {
    return this.stream.isTTY === true && !this.quiet;
  }

  /** A message that must stay on screen (a failure, a warning). */
  message(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
    this.redraw();
  }

  /** A job ended: on a terminal only the status line changes; otherwise one line. */
  jobEnded(line: string, counts: ProgressCounts): void {
    this.last = counts;
    if (this.live) {
      this.redraw();
      return;
    }
    if (!this.quiet)
      this.stream.write(
        `[${counts.jobsDone}/${counts.jobsTotal}] ${line}${counts.eta !== undefined ? ` · ETA ${formatDuration(counts.eta)}` : ''}\n`,
      );
  }

  /** A logger whose messages go above the status line instead of through it. */
  around(logger: Logger): Logger {
    const wrap = (write: (message: string) => void) => (message: string) => {
      this.clear();
      write(message);
      this.redraw();
    };
    return { info: wrap((m) => logger.info(m)), warn: wrap((m) => logger.warn(m)), debug: wrap((m) => logger.debug(m)) };
  }

  update(counts: ProgressCounts): void {
    this.last = counts;
    this.redraw();
  }

  close(): void {
    this.clear();
  }

  private redraw(): void {
    if (!this.live || !this.last) return;
    // Some terminals (and `script`) report 0 columns: then assume a wide one.
    const width = Math.max(20, (this.stream.columns || 120) - 1);
    const line = statusLine(this.metric, this.last);
    this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.shown = true;
    liveLine.shown(this.liveLine);
  }

  private clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
    liveLine.hidden(this.liveLine);
  }
}
