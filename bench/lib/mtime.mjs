// Staleness checks for the benchmarks' native builds: an object file is stale
// when its source or any header it may include (native/**/*.h, *.inl) is newer.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of the files with these extensions under dir. */
export function newestMtime(dir, exts) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
