// The packed tarball installs into an empty project without compiling and
// loads its prebuilt binary, from both require and import.
import { execFileSync, execSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const prebuild = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'simdnn.node');
let project = '';
let tarball = '';

function newestNative(): number {
  let t = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'native'));
  return t;
}

/**
 * Runs `prebuildify` in a scratch copy of the sources, so that the checkout's own build/ (which
 * the other test files load) is never rebuilt under their feet, and copies the result into
 * prebuilds/. CI runs `npm run prebuildify` before the tests, so this only happens locally.
 */
function prebuildInScratchCopy(): void {
  const work = mkdtempSync(join(tmpdir(), 'simdnn-prebuild-'));
  for (const f of ['package.json', 'binding.gyp', '.npmrc']) copyFileSync(join(root, f), join(work, f));
  for (const d of ['native', 'scripts']) cpSync(join(root, d), join(work, d), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  execSync('npx prebuildify --napi --strip', { cwd: work, stdio: 'inherit' });
  mkdirSync(dirname(prebuild), { recursive: true });
  copyFileSync(join(work, 'prebuilds', `${process.platform}-${process.arch}`, 'simdnn.node'), prebuild);
  rmSync(work, { recursive: true, force: true });
}

beforeAll(() => {
  if (!existsSync(prebuild) || statSync(prebuild).mtimeMs < newestNative()) prebuildInScratchCopy();
  const out = mkdtempSync(join(tmpdir(), 'simdnn-pack-'));
  const name = execSync(`npm pack --silent --pack-destination ${out}`, { cwd: root, encoding: 'utf8' }).trim();
  tarball = join(out, name.split('\n').pop()!);
  project = mkdtempSync(join(tmpdir(), 'simdnn-install-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execSync(`npm install --ignore-scripts --prefer-offline --no-audit --no-fund ${tarball}`, {
    cwd: project,
    stdio: 'pipe',
  });
}, 600_000);

describe('the npm package', () => {
  it('ships the compiled library, types, prebuilds and data, but not tests or benchmarks', () => {
    const files = execSync(`tar -tzf ${tarball}`, { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain(`package/prebuilds/${process.platform}-${process.arch}/simdnn.node`);
    expect(files).toContain('package/data/digits.csv.gz');
    expect(files).toContain('package/binding.gyp');
    expect(files.some((f) => f.startsWith('package/test/'))).toBe(false);
    expect(files.some((f) => f.startsWith('package/bench/'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'simdnn', 'build'))).toBe(false); // nothing was compiled
  });

  it('loads the prebuilt binary with require and runs a kernel', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        "const nn=require('simdnn');const i=nn.info();console.log(JSON.stringify({p:i.prebuilt,isa:i.isa,d:nn.dot([1,2,3],[4,5,6])}))",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ p: true, isa: expect.any(String), d: 32 });
  });

  it('loads with import and trains a tiny model', () => {
    const script = `import * as nn from 'simdnn';
const m = nn.sequential([nn.layers.dense({ units: 1, inputDim: 1 })]);
m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
await m.fit([[0], [1]], [[1], [3]], { epochs: 5, verbose: 0 });
console.log(nn.info().prebuilt, nn.datasets.iris().x.shape.join('x'));`;
    writeFileSync(join(project, 'main.mjs'), script);
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: project, encoding: 'utf8' });
    expect(out.trim()).toBe('true 150x4');
  });
});
