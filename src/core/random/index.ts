export { MAX_NUMPY_SEED, NumpyRandomState, isNumpySeed } from './numpy-random-state';
export { seedStream } from './seed-stream';
