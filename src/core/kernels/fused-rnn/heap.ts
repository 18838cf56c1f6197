/**
 * Allocation of float buffers inside the kernels' shared WebAssembly memory: first fit over a free
 * list sorted by address, neighbours merged on release, the memory grown when nothing fits. Only
 * the main thread allocates, and only between jobs, so the worker threads never see it change
 * under them (a grown shared memory is visible to every instance at once).
 */

import type { WasmMemory } from './wasm-api';

const PAGE = 65536;
/** Cache-line alignment keeps rows of different buffers off each other's lines. */
const ALIGN = 64;

interface Block {
  offset: number;
  size: number;
}

export class SharedHeap {
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>();
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;

  /** Manages the memory from byte `base` (the module's __heap_base) to its end, growing it as needed. */
  constructor(
    readonly memory: WasmMemory,
    base: number,
  ) {
    const start = alignUp(base);
    const end = memory.buffer.byteLength;
    if (end > start) this.free.push({ offset: start, size: end - start });
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
    this.u8View = new Uint8Array(memory.buffer);
  }

  /** Byte offset of a fresh block of `bytes` bytes (contents undefined). */
  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    let index = this.free.findIndex((b) => b.size >= size);
    if (index < 0) index = this.grow(size);
    const block = this.free[index];
    const offset = block.offset;
    if (block.size === size) this.free.splice(index, 1);
    else this.free[index] = { offset: offset + size, size: block.size - size };
    this.used.set(offset, size);
    return offset;
  }

  /** Byte offset of a block holding a copy of `values`. */
  allocFloats(values: Float32Array): number {
    const offset = this.alloc(values.length * 4);
    this.f32().set(values, offset >> 2);
    return offset;
  }

  release(offset: number): void {
    const size = this.used.get(offset);
    if (size === undefined) throw new Error(`fused-rnn heap: no block at ${offset}`);
    this.used.delete(offset);
    let index = this.free.findIndex((b) => b.offset > offset);
    if (index < 0) index = this.free.length;
    this.free.splice(index, 0, { offset, size });
    // Merge with the following block, then with the preceding one.
    const next = this.free[index + 1];
    if (next && offset + size === next.offset) {
      this.free[index].size += next.size;
      this.free.splice(index + 1, 1);
    }
    const prev = this.free[index - 1];
    if (prev && prev.offset + prev.size === offset) {
      prev.size += this.free[index].size;
      this.free.splice(index, 1);
    }
  }

  /** Bytes handed out and not yet released. */
  bytesInUse(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  /** A Float32Array over the whole memory (a new one after the memory grew). */
  f32(): Float32Array {
    if (this.f32View.buffer.byteLength !== this.memory.buffer.byteLength) this.f32View = new Float32Array(this.memory.buffer);
    return this.f32View;
  }

  u8(): Uint8Array {
    if (this.u8View.buffer.byteLength !== this.memory.buffer.byteLength) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  i32(): Int32Array {
    if (this.i32View.buffer.byteLength !== this.memory.buffer.byteLength) this.i32View = new Int32Array(this.memory.buffer);
    return this.i32View;
  }

  /** Grows the memory so a block of `size` bytes fits at its end; returns that block's index. */
  private grow(size: number): number {
    const end = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const tail = last && last.offset + last.size === end ? last.size : 0;
    const needed = Math.ceil((size - tail) / PAGE);
    // Doubling makes a run of growing requests cost few grow calls; near the maximum, grow exactly.
    let pages = Math.max(needed, Math.ceil(end / PAGE));
    try {
      this.memory.grow(pages);
    } catch {
      pages = needed;
      this.memory.grow(pages);
    }
    const added = pages * PAGE;
    if (tail > 0) last.size += added;
    else this.free.push({ offset: end, size: added });
    return this.free.length - 1;
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
