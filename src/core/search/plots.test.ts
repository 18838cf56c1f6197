import { pngSize } from '../plots/render';
import { optimizationHistory, renderSearchPlots, type SearchPlotsInput } from './plots';
import type { Observation, SearchSpace } from './types';

const space: SearchSpace = {
  parameters: [
    { name: 'pipelines.bow.model.C', dimension: { type: 'float', low: 0.01, high: 100, log: true } },
    { name: 'pipelines.bow.featurizer.type', dimension: { type: 'categorical', choices: ['counts', 'tfidf'] } },
  ],
};

function input(): SearchPlotsInput {
  const observations: Observation[] = Array.from({ length: 12 }, (_, n) => {
    const C = 10 ** ((n % 5) - 2);
    const params = { 'pipelines.bow.model.C': C, 'pipelines.bow.featurizer.type': n % 2 ? 'tfidf' : 'counts' };
    if (n === 4) return { number: n, params, state: 'pruned', intermediate: [[1, 0.2]] };
    return { number: n, params, state: 'complete', value: 0.5 - Math.abs(Math.log10(C)) * 0.05 + (n % 2) * 0.01 };
  });
  // Trial 3 finishes before trial 2: the history follows completion order, not trial numbers.
  const seconds = [1, 2, 5, 4, 4.5, 6, 7, 8, 9, 10, 11, 12];
  return {
    space,
    observations,
    direction: 'maximize',
    metric: 'val_accuracy',
    completions: observations.map((o, i) => ({ number: o.number, seconds: seconds[i], fits: o.state === 'pruned' ? 1 : 5 })),
    seed: 42,
  };
}

describe('search plots', () => {
  it('history: best so far in completion order, against cumulative fits (pruned fits count) and time', () => {
    const spec = optimizationHistory(input()) as {
      vconcat: Array<{ data: { values: Array<{ trial: number; fits: number; seconds: number; value: number; best: number }> } }>;
    };
    const points = spec.vconcat[0].data.values; // pruned trial 4 (1 fit) finished between trials 3 and 2
    expect(points.map((p) => p.trial)).toEqual([0, 1, 3, 2, 5, 6, 7, 8, 9, 10, 11]);
    expect(points.map((p) => p.fits)).toEqual([5, 10, 15, 21, 26, 31, 36, 41, 46, 51, 56]);
    for (let i = 0; i < points.length; i++) expect(points[i].best).toBe(Math.max(...points.slice(0, i + 1).map((p) => p.value)));
  });

  it('refuses a complete trial without a completion time', () => {
    const bad = input();
    bad.completions = bad.completions.slice(1);
    expect(() => optimizationHistory(bad)).toThrow(/complete trial 0 has no completion time/);
  });

  it('renders both PNGs about 720 px wide at 1×', async () => {
    const plots = await renderSearchPlots(input());
    expect(plots.map((p) => p.file)).toEqual(['search-history.png', 'search-importance.png']);
    for (const { png } of plots) {
      const { width } = pngSize(png); // rendered at 2×
      expect(width / 2).toBeGreaterThan(600);
      expect(width / 2).toBeLessThan(800);
    }
  });

  it('leaves the importance chart out when no parameter explains anything', async () => {
    const flat = input();
    flat.observations = flat.observations.map((o) => (o.state === 'complete' ? { ...o, value: 0.4 } : o));
    expect((await renderSearchPlots(flat)).map((p) => p.file)).toEqual(['search-history.png']);
  });
});
