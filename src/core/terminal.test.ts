import { consoleLogger } from './logger';
import { createProgress, summaryLine } from './train/progress';
import { alignColumns } from './plan/plan-table';
import { colorEnabled, colorsFor, lineWidth, liveLine, truncate } from './terminal';

describe('colour', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('is on for a terminal only, off with NO_COLOR or TERM=dumb, forced by FORCE_COLOR', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
    // NO_COLOR wins: someone who asked for no colour never gets it.
    expect(colorEnabled(pipe, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR is unset (no-color.org).
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('gives escape codes only when on', () => {
    expect(colorsFor(pipe, {}).red('x')).toBe('x');
    expect(colorsFor(pipe, { FORCE_COLOR: '1' }).red('x')).toBe('\x1b[31mx\x1b[39m');
  });
});

describe('width', () => {
  it('is the terminal’s, and none for a pipe or a terminal that reports 0 columns', () => {
    expect(lineWidth({ isTTY: true, columns: 80 })).toBe(80);
    expect(lineWidth({ isTTY: false, columns: 80 })).toBeUndefined();
    expect(lineWidth({ isTTY: true, columns: 0 })).toBeUndefined();
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('narrows label columns of a table to fit, never the scores, and cuts what still does not fit', () => {
    const header = ['rank', 'candidate', 'val_accuracy'];
    const rows = [['1', 'lstm-units=128-dropout=0.25-lr=0.001', '0.5123 ± 0.0100']];
    const wide = alignColumns(header, rows, ['right', 'left', 'right']);
    expect(wide[1]).toBe('   1  lstm-units=128-dropout=0.25-lr=0.001  0.5123 ± 0.0100');
    const fitted = alignColumns(header, rows, ['right', 'left', 'right'], { maxWidth: 40, shrinkable: [false, true, false] });
    expect(fitted).toEqual(['rank  candidate             val_accuracy', '   1  lstm-units=128-d…  0.5123 ± 0.0100']);
    expect(Math.max(...fitted.map((l) => l.length))).toBeLessThanOrEqual(40);
    const cut = alignColumns(header, rows, ['right', 'left', 'right'], { maxWidth: 20, shrinkable: [false, true, false] });
    expect(cut.every((l) => l.length <= 20 && (l.length < 20 || l.endsWith('…')))).toBe(true);
  });

  it('fits an epoch line to a narrow terminal with short metric names, and keeps it whole elsewhere', () => {
    const record = { epoch: 3, train_loss: 0.5, train_accuracy: 0.8, val_loss: 0.6, val_accuracy: 0.7, curve_loss: 0.7, curve_accuracy: 0.65 };
    const full = summaryLine('lstm', 10, record, 12.5, 30);
    expect(full.length).toBeGreaterThan(120);
    expect(summaryLine('lstm', 10, record, 12.5, 30, 200)).toBe(full);
    const short = summaryLine('lstm', 10, record, 12.5, 30, 140);
    expect(short).toBe(
      'lstm epoch  3/10  loss 0.5000  acc 0.8000  val_loss 0.6000  val_acc 0.7000  curve_loss 0.7000  curve_acc 0.6500  (12.5s, ETA 30s)',
    );
    expect(summaryLine('lstm', 10, record, 12.5, 30, 60)).toHaveLength(59);
  });
});

describe('the live line', () => {
  it('is cleared before a message, so a message never lands on a progress bar', () => {
    const writes: string[] = [];
    const p = createProgress({
      label: 'gru',
      epochs: 2,
      batchesPerEpoch: 4,
      stream: { isTTY: true, columns: 100, write: (t) => writes.push(t) },
      redrawMs: 0,
    });
    p.batch(1, 1, 1.2, 0.25);
    expect(writes.at(-1)!.startsWith('\r\x1b[2Kgru epoch 1/2 [')).toBe(true);
    liveLine.clearForMessage();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    // Cleared once: nothing more to clear until the bar is drawn again.
    liveLine.clearForMessage();
    expect(writes).toHaveLength(2);
    p.finish();
  });

  it('is cleared by the console logger before a warning (Ctrl-C during training)', () => {
    const order: string[] = [];
    const p = createProgress({
      label: 'gru',
      epochs: 1,
      batchesPerEpoch: 4,
      stream: { isTTY: true, columns: 100, write: (t) => order.push(`bar:${JSON.stringify(t)}`) },
      redrawMs: 0,
    });
    p.batch(1, 1, 1.2, 0.25);
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (order.push(`stderr:${String(t)}`), true));
    process.env.NO_COLOR = '1'; // plain text even when jest itself writes to a terminal
    try {
      consoleLogger().warn('interrupted');
    } finally {
      spy.mockRestore();
      delete process.env.NO_COLOR;
    }
    expect(order.slice(1)).toEqual(['bar:"\\r\\u001b[2K"', 'stderr:warning: interrupted\n']);
  });
});
