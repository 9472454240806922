// Compiles dist/ for the tests that run the compiled package (the CLI, worker threads).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUTPUTS = ['dist/index.js', 'dist/cli/main.js', 'dist/cross-validate-worker.js'];

/** Compiles dist/ when a library source is newer (once, even with test files running in parallel). */
export function ensureDist(): void {
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) t = Math.max(t, newest(p));
      else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
    }
    return t;
  };
  const stale = () => {
    const files = OUTPUTS.map((f) => join(root, f));
    return (
      files.some((f) => !existsSync(f)) ||
      Math.min(...files.map((f) => statSync(f).mtimeMs)) < newest(join(root, 'lib'))
    );
  };
  const lock = join(tmpdir(), `simdnn-dist-lock-${Buffer.from(root).toString('hex').slice(-24)}`);
  for (let i = 0; stale() && i < 600; i++) {
    try {
      mkdirSync(lock);
    } catch {
      execFileSync('sleep', ['0.5']);
      continue;
    }
    try {
      if (stale()) {
        try {
          execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
        } catch {
          // Type errors elsewhere still emit JavaScript; the check below decides.
        }
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    break;
  }
  for (const f of OUTPUTS) if (!existsSync(join(root, f))) throw new Error(`${f} could not be built`);
}
