/**
 * A file read as UTF-8 in chunks of bounded size, each cut at a character boundary, so a file of
 * any size can be parsed without holding it whole (V8 strings stop at 2^29 characters anyway).
 * Invalid UTF-8 is refused, as pandas refuses it ("'utf-8' codec can't decode byte …"), instead of
 * being read as U+FFFD: the text before the bad byte is still passed on, so the caller knows the
 * line and row it is in.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

export class InvalidUtf8Error extends Error {
  constructor(
    /** Byte offset in the file of the first byte of the invalid sequence (0-based, as Python's "position"). */
    readonly offset: number,
    /** That byte, e.g. 0xff. */
    readonly byte: number,
    /** Python's reason: "invalid start byte", "invalid continuation byte" or "unexpected end of data". */
    readonly reason: string,
  ) {
    super(`invalid UTF-8: byte 0x${byte.toString(16).padStart(2, '0')} at byte offset ${offset} (${reason})`);
  }
}

const DEFAULT_CHUNK_BYTES = 4 << 20;

/** Calls `onText` with the file's text, chunk by chunk, in order. */
export function readUtf8Chunks(file: string, onText: (text: string) => void, chunkBytes = DEFAULT_CHUNK_BYTES): void {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes + 4);
    let carried = 0; // bytes of an unfinished character carried over from the previous chunk
    let fileOffset = 0; // file offset of buffer[0]
    for (;;) {
      const read = readSync(fd, buffer, carried, chunkBytes, null);
      const total = carried + read;
      if (total === 0) return;
      // At the end of the file nothing is left to complete a character: decode everything.
      const cut = read === 0 ? total : characterBoundary(buffer, total);
      const bytes = buffer.subarray(0, cut);
      if (!isUtf8(bytes)) {
        const bad = firstInvalidByte(bytes, read === 0);
        if (bad.offset > 0) onText(buffer.toString('utf8', 0, bad.offset));
        throw new InvalidUtf8Error(fileOffset + bad.offset, buffer[bad.offset], bad.reason);
      }
      if (cut > 0) onText(buffer.toString('utf8', 0, cut));
      if (read === 0) return;
      buffer.copy(buffer, 0, cut, total);
      carried = total - cut;
      fileOffset += cut;
    }
  } finally {
    closeSync(fd);
  }
}

/** Where to cut `buffer[0, end)` so that no character is split: before a trailing unfinished sequence. */
function characterBoundary(buffer: Buffer, end: number): number {
  for (let back = 1; back <= 4 && end - back >= 0; back++) {
    const b = buffer[end - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? end - back : end;
  }
  return end;
}

/** The first invalid sequence of `bytes` (known to hold one), by the rules of Python's decoder. */
export function firstInvalidByte(bytes: Uint8Array, atEnd: boolean): { offset: number; reason: string } {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f; // nothing above U+10FFFF
    } else return { offset: i, reason: 'invalid start byte' };
    for (let k = 1; k < length; k++) {
      if (i + k >= n) return { offset: i, reason: atEnd ? 'unexpected end of data' : 'invalid continuation byte' };
      const c = bytes[i + k];
      const lo = k === 1 ? low : 0x80;
      const hi = k === 1 ? high : 0xbf;
      if (c < lo || c > hi) return { offset: i, reason: 'invalid continuation byte' };
    }
    i += length;
  }
  return { offset: n, reason: 'unexpected end of data' };
}
