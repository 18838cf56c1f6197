import { createProgress, formatDuration } from './progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (t: string) => writes.push(t) } };
}

describe('training progress', () => {
  it('formats durations', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(NaN)).toBe('?');
  });

  it('without a TTY: one plain line per epoch, no bar, no control characters', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const p = createProgress({ label: 'lstm', epochs: 3, batchesPerEpoch: 2, stream, now: () => now });
    p.batch(1, 1, 1.5, 0.25);
    now = 10_000;
    p.batch(1, 2, 1.4, 0.5);
    p.epochEnd({ epoch: 1, train_loss: 1.4, train_accuracy: 0.5, val_loss: 1.6, val_accuracy: 0.4, learning_rate: 0.001 }, 10);
    p.finish();
    expect(writes).toEqual(['lstm epoch 1/3  train_loss 1.4000  train_accuracy 0.5000  val_loss 1.6000  val_accuracy 0.4000  (10.0s, ETA 20s)\n']);
  });

  it('on a TTY: a bar redrawn in place with loss, accuracy and ETA, then the epoch line', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const p = createProgress({ label: 'gru', epochs: 2, batchesPerEpoch: 4, stream, now: () => now, redrawMs: 0 });
    now = 1000;
    p.batch(1, 1, 1.2, 0.25);
    now = 2000;
    p.batch(1, 2, 1.1, 0.5);
    expect(writes[1]).toBe('\r\x1b[2Kgru epoch 1/2 [##########----------] 2/4 loss 1.1000 acc 0.5000 ETA 6s');
    now = 4000;
    p.epochEnd({ epoch: 1, train_loss: 1.0, train_accuracy: 0.5 }, 4);
    expect(writes.slice(-2)).toEqual(['\r\x1b[2K', 'gru epoch 1/2  train_loss 1.0000  train_accuracy 0.5000  (4.0s, ETA 4s)\n']);
  });

  it('on a TTY, redraws are throttled except for the last batch', () => {
    const { writes, stream } = fakeStream(true);
    const p = createProgress({ label: 'x', epochs: 1, batchesPerEpoch: 3, stream, now: () => 0, redrawMs: 100 });
    p.batch(1, 1, 1, 1);
    p.batch(1, 2, 1, 1);
    p.batch(1, 3, 1, 1);
    expect(writes.length).toBe(2);
    expect(writes[1]).toContain('3/3');
  });
});
