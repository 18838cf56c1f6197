/**
 * Initialisation and dropout against PyTorch's, as distributions (issue #16). The values cannot
 * match (different generators); the distributions must:
 *
 *   embedding      N(0, 1), padding row zero             (nn.Embedding with padding_idx)
 *   recurrent      U(−1/√H, 1/√H) for W_ih, W_hh, b_ih, b_hh  (nn.RNN / LSTM / GRU)
 *   dense          U(−1/√fan_in, 1/√fan_in), weight and bias  (nn.Linear: kaiming_uniform(a=√5))
 *   dropout        zero with probability p, survivors × 1/(1 − p)  (nn.Dropout, training mode)
 *
 * test/fixtures/parity/init.json holds PyTorch's own draws on large layers (empirical CDFs on a
 * grid, made by tools/reference/parity_fixtures.py). mlspec's draws on the same shapes are compared
 * with them (two-sample Kolmogorov–Smirnov, α = 0.001) and both with the documented distributions
 * (one-sample KS). mlspec draws from its own seeded stream: no intended difference remains.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/core/backend';
import type { IndexSequences } from '../../src/core/features';
import { Rng } from '../../src/core/train/random';
import { CELL_TYPES, type CellType } from '../../src/plugins/models/shared-recurrent/cells';
import { initialWeights, RecurrentNetwork, type RecurrentArchitecture } from '../../src/plugins/models/shared-recurrent/network';
import { referenceRecurrence } from '../../src/plugins/models/shared-recurrent/recurrence';

const REPO = path.join(__dirname, '../..');
const fixture = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/parity/init.json'), 'utf8'));
const cases = JSON.parse(readFileSync(path.join(REPO, 'tools/reference/parity_cases.json'), 'utf8'));
const sha256 = (file: string) =>
  createHash('sha256')
    .update(readFileSync(path.join(REPO, file)))
    .digest('hex');

/** c(α) of the Kolmogorov–Smirnov test at α = 0.001. */
const KS_C = 1.949;

interface Group {
  n: number;
  min: number;
  max: number;
  grid: number[];
  cdf: number[];
}

type Cdf = (x: number) => number;
const uniformCdf =
  (bound: number): Cdf =>
  (x) =>
    Math.min(1, Math.max(0, (x + bound) / (2 * bound)));

/** Φ through erf (Abramowitz–Stegun 7.1.26 is too coarse for n = 30 000; this series is exact to 1e-12). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  // erfc by the continued fraction for large z, the Taylor series for small z.
  let erf: number;
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let k = 1; k < 200; k++) {
      term *= (-z * z) / k;
      sum += term / (2 * k + 1);
    }
    erf = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let k = 60; k >= 1; k--) f = k / 2 / (z + f);
    erf = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
  }
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** sup |F_n − F| of a sample against a distribution. */
function ksOneSample(values: Float64Array, cdf: Cdf): number {
  const v = Float64Array.from(values).sort();
  let d = 0;
  v.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / v.length), Math.abs((i + 1) / v.length - f));
  });
  return d;
}

/** The sample's empirical CDF at `x` (share of values ≤ x). */
function empiricalCdf(values: Float64Array): Cdf {
  const v = Float64Array.from(values).sort();
  return (x) => {
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo / v.length;
  };
}

function architecture(cell: CellType): RecurrentArchitecture {
  const d = fixture.inputs;
  return { cell, embeddingDim: d.embeddingDim, units: d.units, layers: 1, bidirectional: true, pooling: 'last', maskPadding: false };
}

/** mlspec's draws, grouped as the fixture groups PyTorch's. */
function mlspecGroups(cell: CellType, seed: number): Record<string, Float64Array> {
  const d = fixture.inputs;
  const weights = initialWeights(architecture(cell), { vocabSize: d.vocabSize, nClasses: d.nClasses }, new Rng(seed));
  const get = (name: string) => weights.find((w) => w.name === name)!.values;
  const embedding = get('embedding');
  const recurrent = weights.filter((w) => w.name.startsWith('layer'));
  return {
    embedding: Float64Array.from(embedding.subarray(d.embeddingDim)),
    'embedding.paddingRow': Float64Array.from(embedding.subarray(0, d.embeddingDim)),
    [`${cell}.recurrent`]: Float64Array.from(recurrent.flatMap((w) => Array.from(w.values))),
    'dense.kernel': Float64Array.from(get('dense.kernel')),
    'dense.bias': Float64Array.from(get('dense.bias')),
  };
}

const recurrentBound = 1 / Math.sqrt(fixture.inputs.units);
/** The dense layer reads both directions: fan_in = 2H. */
const denseBound = 1 / Math.sqrt(2 * fixture.inputs.units);
const DOCUMENTED: Record<string, { cdf: Cdf; bound?: number }> = {
  embedding: { cdf: normalCdf },
  'dense.kernel': { cdf: uniformCdf(denseBound), bound: denseBound },
  'dense.bias': { cdf: uniformCdf(denseBound), bound: denseBound },
  ...Object.fromEntries(CELL_TYPES.map((c) => [`${c}.recurrent`, { cdf: uniformCdf(recurrentBound), bound: recurrentBound }])),
};

describe('initialisation against PyTorch 2.13 defaults', () => {
  it('init.json was made by the committed script from the committed inputs', () => {
    expect(fixture.generatorSha256).toBe(sha256('tools/reference/parity_fixtures.py'));
    expect(fixture.casesSha256).toBe(sha256('tools/reference/parity_cases.json'));
    expect(fixture.inputs).toEqual(cases.initDistributions);
  });

  describe.each(CELL_TYPES)('%s network', (cell) => {
    const ours = mlspecGroups(cell, 20260 + CELL_TYPES.indexOf(cell));
    const names = Object.keys(DOCUMENTED).filter((n) => n in ours);

    it('leaves the padding row at zero, as PyTorch does', () => {
      expect(Array.from(ours['embedding.paddingRow']).every((v) => v === 0)).toBe(true);
      expect(fixture.groups['embedding.paddingRow']).toMatchObject({ min: 0, max: 0 });
    });

    it.each(names)('%s: same sizes and bounds as PyTorch', (name) => {
      const torch: Group = fixture.groups[name];
      expect(ours[name].length).toBe(torch.n);
      const bound = DOCUMENTED[name].bound;
      if (bound !== undefined) {
        // Both fill the interval: the extremes of n uniform draws sit within a few bound/n of its ends.
        for (const extremes of [
          [torch.min, torch.max],
          [ours[name].reduce((a, b) => Math.min(a, b)), ours[name].reduce((a, b) => Math.max(a, b))],
        ]) {
          expect(extremes[0]).toBeGreaterThanOrEqual(-bound);
          expect(extremes[1]).toBeLessThanOrEqual(bound);
          expect(extremes[1] - extremes[0]).toBeGreaterThan(2 * bound * (1 - 20 / torch.n));
        }
      }
    });

    it.each(names)('%s: mlspec and PyTorch draw from the same distribution (two-sample KS, α = 0.001)', (name) => {
      const torch: Group = fixture.groups[name];
      const f = empiricalCdf(ours[name]);
      const d = Math.max(...torch.grid.map((x, i) => Math.abs(f(x) - torch.cdf[i])));
      const n = ours[name].length;
      expect(d).toBeLessThan(KS_C * Math.sqrt((n + torch.n) / (n * torch.n)));
    });

    it.each(names)('%s: both follow the documented distribution (one-sample KS, α = 0.001)', (name) => {
      const { cdf } = DOCUMENTED[name];
      const torch: Group = fixture.groups[name];
      expect(ksOneSample(ours[name], cdf)).toBeLessThan(KS_C / Math.sqrt(ours[name].length));
      // PyTorch's, on the grid only (a lower bound of its statistic).
      expect(Math.max(...torch.grid.map((x, i) => Math.abs(torch.cdf[i] - cdf(x))))).toBeLessThan(KS_C / Math.sqrt(torch.n));
    });
  });

  it('the test tells the bounds apart: dense draws are not U(±1/√H) (the recurrent bound)', () => {
    const ours = mlspecGroups('lstm', 1);
    expect(ksOneSample(ours['dense.kernel'], uniformCdf(recurrentBound))).toBeGreaterThan(KS_C / Math.sqrt(ours['dense.kernel'].length));
  });
});

describe('dropout against nn.Dropout', () => {
  /**
   * A network whose dense layer is the identity (pooled width = classes, kernel I, bias 0), so
   * its training logits are the pooled vector times the dropout mask, and eval logits the vector.
   */
  function identityHead(rate: number, seed: number): { network: RecurrentNetwork; x: IndexSequences } {
    const units = 50;
    const arch: RecurrentArchitecture = { cell: 'rnn', embeddingDim: 3, units, layers: 1, bidirectional: false, pooling: 'last', maskPadding: false };
    const shape = { vocabSize: 5, nClasses: units };
    const weights = initialWeights(arch, shape, new Rng(seed)).map((w) => {
      if (w.name === 'dense.kernel') return { ...w, values: Float32Array.from({ length: units * units }, (_, i) => (i % (units + 1) === 0 ? 1 : 0)) };
      if (w.name === 'dense.bias') return { ...w, values: new Float32Array(units) };
      return w;
    });
    const rows = 200;
    const x: IndexSequences = {
      kind: 'sequences',
      rows,
      length: 4,
      ids: Int32Array.from({ length: rows * 4 }, (_, i) => 1 + (i % 4)),
      lengths: new Int32Array(rows).fill(4),
      vocabSize: 5,
    };
    return { network: new RecurrentNetwork(arch, shape, weights, rate, seed, referenceRecurrence), x };
  }

  it.each([0.2, 0.5])('rate %s: the same drop rate and scaling as PyTorch, before the output layer only', (rate) => {
    const torch = fixture.dropout[String(rate)];
    expect(torch.survivorMin).toBeCloseTo(1 / (1 - rate), 12);
    expect(torch.survivorMax).toBeCloseTo(1 / (1 - rate), 12);
    const { network, x } = identityHead(rate, 11);
    let dropped = 0;
    let total = 0;
    const ratios = new Set<string>();
    try {
      const batch = network.makeBatch(x, [...Array(x.rows).keys()]);
      const clean = tf.tidy(() => network.logits(batch, false).dataSync() as Float32Array);
      for (let pass = 0; pass < 10; pass++) {
        const noisy = tf.tidy(() => network.logits(batch, true).dataSync() as Float32Array);
        noisy.forEach((v, i) => {
          if (Math.abs(clean[i]) < 1e-3) return; // too close to zero to tell dropped from kept
          total++;
          if (v === 0) dropped++;
          else ratios.add((v / clean[i]).toFixed(5));
        });
      }
    } finally {
      network.dispose();
    }
    // Survivors are scaled by exactly 1/(1 − p), as nn.Dropout's are.
    expect([...ratios]).toEqual([(1 / (1 - rate)).toFixed(5)]);
    // The drop rate is p: both shares lie within 4 standard errors of it.
    expect(Math.abs(dropped / total - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / total));
    expect(Math.abs(torch.dropRate - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / torch.n));
  });
});
