import { phaseProgress } from './phase-progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (t: string) => writes.push(t) } };
}

describe('phase progress', () => {
  it('on a terminal: one line redrawn in place at most every redrawMs, cleared at the end', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const p = phaseProgress('reading d.tsv', 'rows', { stream, now: () => now, redrawMs: 200 });
    p.update(10);
    now = 250;
    p.update(120000);
    now = 300;
    p.update(130000);
    now = 2500;
    p.update(1234567);
    p.finish();
    expect(writes).toEqual(['\r\x1b[2Kreading d.tsv: 120,000 rows (0s)', '\r\x1b[2Kreading d.tsv: 1,234,567 rows (3s)', '\r\x1b[2K']);
  });

  it('elsewhere: a plain line at most every plainEveryMs, no control characters, nothing at the end', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const p = phaseProgress('bow: fitting', 'loss evaluations', { stream, now: () => now, plainEveryMs: 15_000 });
    p.update(1);
    now = 14_999;
    p.update(50);
    now = 15_000;
    p.update(60);
    now = 20_000;
    p.update(70);
    p.finish();
    expect(writes).toEqual(['bow: fitting: 60 loss evaluations (15s)\n']);
  });
});
