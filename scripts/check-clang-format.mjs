// Checks (or with --fix, applies) clang-format on every C++ file of the
// project: native/ and test/native/, plus C++ benchmark sources.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) walk(rel);
    else if (/\.(cc|h|inl|cpp)$/.test(e.name)) files.push(rel);
  }
};
for (const d of ['native', 'test/native', 'bench']) walk(d);
const fix = process.argv.includes('--fix');
const args = fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
try {
  execFileSync('clang-format', args, { cwd: root, stdio: 'inherit' });
} catch (e) {
  if (e.code === 'ENOENT') {
    console.error('clang-format is not installed (Debian: apt-get install clang-format)');
  } else {
    console.error(`clang-format: some files are not formatted; run npm run format`);
  }
  process.exit(1);
}
console.log(`clang-format: ${files.length} files ${fix ? 'formatted' : 'checked'}`);
