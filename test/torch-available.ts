// Whether Debian's PyTorch can be run for the tests that compare against it, and why not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

/** null when `import torch` works in PYTHON; otherwise the reason the torch comparisons are skipped. */
export const TORCH_MISSING: string | null = (() => {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return null;
  } catch {
    return `torch cannot be imported by ${PYTHON} (Debian: apt-get install python3-torch)`;
  }
})();
