/**
 * Gradients of the tfjs kernels mlspec's networks are built from.
 *
 * @tensorflow/tfjs-core ships its gradient functions only as extension-less ES modules
 * (dist/register_all_gradients.js), which Node cannot load from CommonJS; the @tensorflow/tfjs
 * bundle that normally registers them is not a dependency. So mlspec registers its own, for the
 * kernels its layers use, and only where no gradient is registered yet: when @tensorflow/tfjs (or
 * tfjs-node, which loads it) is present, its gradients are kept. Every gradient here is checked
 * against finite differences in gradients.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/** Sum dy over the axes `shape` was broadcast along, then give it `shape`. */
function unbroadcast(dy: Tensor, shape: number[]): Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  const summed = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(summed, shape);
}

/** dy of a reduction, reshaped so it broadcasts over the reduced axes of `inShape`. */
function expandReduced(dy: Tensor, inShape: number[], axes: number[]): Tensor {
  const expanded = inShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.reshape(dy, expanded);
}

function binary(kernelName: string, grads: (dy: Tensor, a: Tensor, b: Tensor) => { a: () => Tensor; b: () => Tensor }): GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const g = grads(dy as Tensor, a, b);
      return { a: () => unbroadcast(g.a(), a.shape), b: () => unbroadcast(g.b(), b.shape) };
    },
  };
}

function unaryOfOutput(kernelName: string, grad: (dy: Tensor, y: Tensor) => Tensor): GradConfig {
  return { kernelName, outputsToSave: [true], gradFunc: (dy, saved) => ({ x: () => grad(dy as Tensor, saved[0]) }) };
}

function unaryOfInput(kernelName: string, grad: (dy: Tensor, x: Tensor) => Tensor): GradConfig {
  return { kernelName, inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => grad(dy as Tensor, saved[0]) }) };
}

function axesOf(attr: NamedAttrMap[string], shape: number[]): number[] {
  return tf.util.parseAxisParam(attr as number | number[], shape);
}

/** The last two axes swapped. */
function swapLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/**
 * The products are written with explicit transposes rather than matMul's transpose flags: the
 * wasm backend runs flagged products on a slow path (10–20× slower than transpose + product).
 */
const matMulGrad: GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as Tensor;
    const [a, b] = saved;
    if (a.rank !== b.rank || !a.shape.slice(0, -2).every((d, i) => d === b.shape[i])) {
      throw new Error(`mlspec's matMul gradient needs equal batch shapes, got [${a.shape}] × [${b.shape}]`);
    }
    const tA = attrs.transposeA as boolean;
    const tB = attrs.transposeB as boolean;
    const mm = (x: Tensor, y: Tensor) => tf.matMul(x, y);
    const t = swapLast;
    if (!tA && !tB) return { a: () => mm(dy, t(b)), b: () => mm(t(a), dy) };
    if (!tA && tB) return { a: () => mm(dy, b), b: () => mm(t(dy), a) };
    if (tA && !tB) return { a: () => mm(b, t(dy)), b: () => mm(a, dy) };
    return { a: () => mm(t(b), t(dy)), b: () => mm(t(dy), t(a)) };
  },
};

const sumGrad: GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = axesOf(attrs.axis, x.shape);
    return { x: () => tf.mul(expandReduced(dy as Tensor, x.shape, axes), tf.ones(x.shape)) };
  },
};

const meanGrad: GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = axesOf(attrs.axis, x.shape);
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    return { x: () => tf.div(tf.mul(expandReduced(dy as Tensor, x.shape, axes), tf.ones(x.shape)), count) };
  },
};

/** The gradient flows to every position equal to the maximum (ties share it, as in tfjs). */
const maxGrad: GradConfig = {
  kernelName: tf.Max,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, y] = saved;
    const axes = axesOf(attrs.reductionIndices, x.shape);
    return {
      x: () => {
        const isMax = tf.cast(tf.equal(x, expandReduced(y, x.shape, axes)), 'float32');
        return tf.mul(isMax, expandReduced(dy as Tensor, x.shape, axes));
      },
    };
  },
};

const reshapeGrad = unaryOfInput(tf.Reshape, (dy, x) => tf.reshape(dy, x.shape));

const transposeGrad: GradConfig = {
  kernelName: tf.Transpose,
  gradFunc: (dy, _saved, attrs) => {
    const perm = attrs.perm as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return { x: () => tf.transpose(dy as Tensor, inverse) };
  },
};

/** Kernels with several outputs get their dys as an array, except when there is one output. */
function asList(dys: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(dys) ? dys : [dys];
}

const unpackGrad: GradConfig = {
  kernelName: tf.Unpack,
  gradFunc: (dys, _saved, attrs) => ({ value: () => tf.stack(asList(dys), attrs.axis as number) }),
};

const packGrad: GradConfig = {
  kernelName: tf.Pack,
  gradFunc: (dy, _saved, attrs) => {
    const parts = tf.unstack(dy as Tensor, attrs.axis as number);
    return Object.fromEntries(parts.map((t, i) => [String(i), () => t]));
  },
};

const concatGrad: GradConfig = {
  kernelName: tf.Concat,
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs) => {
    const axis = axesOf(attrs.axis, saved[0].shape)[0];
    const parts = tf.split(
      dy as Tensor,
      saved.map((t) => t.shape[axis]),
      axis,
    );
    return Object.fromEntries(parts.map((t, i) => [String(i), () => t]));
  },
};

const splitGrad: GradConfig = {
  kernelName: tf.SplitV,
  gradFunc: (dys, _saved, attrs) => ({ x: () => tf.concat(asList(dys), attrs.axis as number) }),
};

const sliceGrad: GradConfig = {
  kernelName: tf.Slice,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
    const paddings = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
    return { x: () => tf.pad(dy as Tensor, paddings) };
  },
};

/** Rows of dy are summed into the rows of x they were gathered from (the embedding gradient). */
const gatherGrad: GradConfig = {
  kernelName: tf.GatherV2,
  inputsToSave: ['x', 'indices'],
  gradFunc: (dy, saved, attrs) => {
    const [x, indices] = saved;
    const axis = axesOf(attrs.axis, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims as number) !== 0) {
      throw new Error(`mlspec's gather gradient supports axis 0 without batch dims (got axis ${axis}, batchDims ${attrs.batchDims})`);
    }
    return {
      x: () => {
        const inner = x.shape.slice(1);
        const rows = tf.reshape(dy as Tensor, [indices.size, ...inner]);
        return tf.unsortedSegmentSum(rows, tf.reshape(indices, [indices.size]) as tf.Tensor1D, x.shape[0]);
      },
      indices: () => tf.zeros(indices.shape),
    };
  },
};

const addNGrad: GradConfig = {
  kernelName: tf.AddN,
  saveAllInputs: true,
  gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy as Tensor)])),
};

// Gradients are always fresh tensors: the tape disposes them as it accumulates.
const identityGrad: GradConfig = { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.clone(dy as Tensor) }) };

/** Every gradient mlspec provides, by kernel name. */
export const mlspecGradientConfigs: readonly GradConfig[] = [
  binary(tf.Add, (dy) => ({ a: () => dy, b: () => dy })),
  binary(tf.Sub, (dy) => ({ a: () => dy, b: () => tf.neg(dy) })),
  binary(tf.Multiply, (dy, a, b) => ({ a: () => tf.mul(dy, b), b: () => tf.mul(dy, a) })),
  binary(tf.RealDiv, (dy, a, b) => ({ a: () => tf.div(dy, b), b: () => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))) })),
  addNGrad,
  matMulGrad,
  unaryOfOutput(tf.Sigmoid, (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  unaryOfOutput(tf.Tanh, (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  unaryOfOutput(tf.Exp, (dy, y) => tf.mul(dy, y)),
  unaryOfOutput(tf.Sqrt, (dy, y) => tf.div(dy, tf.mul(y, 2))),
  unaryOfInput(tf.Relu, (dy, x) => tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32'))),
  unaryOfInput(tf.Log, (dy, x) => tf.div(dy, x)),
  unaryOfInput(tf.Square, (dy, x) => tf.mul(dy, tf.mul(x, 2))),
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as Tensor) }) },
  identityGrad,
  reshapeGrad,
  transposeGrad,
  unpackGrad,
  packGrad,
  concatGrad,
  splitGrad,
  sliceGrad,
  gatherGrad,
  sumGrad,
  meanGrad,
  maxGrad,
];

/** Register the gradients above where none is registered yet; returns the kernel names registered. */
export function registerMlspecGradients(): string[] {
  const added: string[] = [];
  for (const config of mlspecGradientConfigs) {
    if (tf.getGradient(config.kernelName) != null) continue;
    tf.registerGradient(config);
    added.push(config.kernelName);
  }
  return added;
}
