// Whether Debian's PyTorch can be run for the tests that compare against it, and why not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

/**
 * The environment for the python process: one compute thread, and without the sanitizer runtime that
 * `npm run test:sanitize` preloads into the tests (python and torch are not what it checks).
 */
export function pythonEnv(): NodeJS.ProcessEnv {
  const { LD_PRELOAD: _preload, ASAN_OPTIONS: _asan, UBSAN_OPTIONS: _ubsan, ...rest } = process.env;
  return { ...rest, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
}

/** null when `import torch` works in PYTHON; otherwise the reason the torch comparisons are skipped. */
export const TORCH_MISSING: string | null = (() => {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', env: pythonEnv() });
    return null;
  } catch {
    return `torch cannot be imported by ${PYTHON} (Debian: apt-get install python3-torch)`;
  }
})();
