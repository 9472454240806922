// Builds what is missing or stale before tests and the CLI run: the addon
// (build/Release/simdnn.node, when a native source is newer) and dist/ (when
// a TypeScript source is newer). Quiet when everything is up to date.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir, exts) {
  let t = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(root, dir));
  return t;
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

const addon = join(root, 'build', 'Release', 'simdnn.node');
const nativeSrc = Math.max(newest('native', ['.cc', '.h', '.inl']), mtime(join(root, 'binding.gyp')));
if (mtime(addon) < nativeSrc) {
  console.log('simdnn: building the native addon (npm run build:native)…');
  execSync('npm run build:native', { cwd: root, stdio: 'inherit' });
}
const dist = join(root, 'dist', 'index.js');
if (mtime(dist) < newest('lib', ['.ts'])) {
  console.log('simdnn: compiling TypeScript (npm run build:ts)…');
  execSync('npm run build:ts', { cwd: root, stdio: 'inherit' });
}
