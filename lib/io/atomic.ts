/**
 * Atomic file writes: the data goes to `<file>.tmp-<pid>-<random>` in the
 * same folder, is flushed, then renamed over `file`. A crash leaves either
 * the old file or the new one (plus, at worst, a stray temp file), never a
 * half-written one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The temp-file name used while `file` is written. */
export function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** True for names of temp files left by an interrupted atomic write. */
export const isTempName = (name: string): boolean => /\.tmp-\d+-[0-9a-f]{12}$/.test(name);

/** Writes `data` to `file` atomically. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(file);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, file);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dirname(file));
}

/** Flushes a folder's entries (the rename) where the platform allows it. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the rename itself is still atomic.
  }
}
