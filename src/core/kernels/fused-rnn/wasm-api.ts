/**
 * The few WebAssembly JS-API members the kernels use, typed here: the project compiles without
 * the DOM library, which is where TypeScript declares WebAssembly.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  /** Adds `pages` 64 KiB pages; throws a RangeError past the maximum. */
  grow(pages: number): number;
}

/** A compiled module (can be posted to worker threads). */
export type WasmModule = object;

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}

export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
