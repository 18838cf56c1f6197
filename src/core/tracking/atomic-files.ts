/**
 * File writes that another process reading or writing the same folder never sees half done:
 * content goes to a temporary file first, then is renamed (replace) or hard-linked (create-once)
 * into place. The temporary file lives in a folder the caller names, because in an ./mlruns store
 * a stray file inside metrics/, params/ or tags/ would be read as a record.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

function tempPath(tempDir: string, target: string): string {
  return path.join(tempDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}-${path.basename(target)}`);
}

/** Write `target`, replacing it if present. */
export function writeFileAtomic(target: string, data: string | Uint8Array, tempDir: string = path.dirname(target)): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPath(tempDir, target);
  fs.writeFileSync(temp, data);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Create `target` with `data` unless it exists. Returns false when it already existed (whoever
 * created it won; the caller re-reads it). link(2) fails on an existing name, which makes the
 * check and the creation one step.
 */
export function createFileExclusive(target: string, data: string | Uint8Array, tempDir: string = path.dirname(target)): boolean {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPath(tempDir, target);
  fs.writeFileSync(temp, data);
  try {
    fs.linkSync(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Copy a file into place atomically. */
export function copyFileAtomic(source: string, target: string, tempDir: string = path.dirname(target)): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPath(tempDir, target);
  fs.copyFileSync(source, temp);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** mkdir that reports whether this call created the folder (false: it existed). */
export function mkdirExclusive(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
