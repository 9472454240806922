// The packed tarball installs into an empty project without compiling and
// loads its prebuilt binary, from both require and import.
import { execFileSync, execSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * Builds this platform's prebuild with `npm run prebuildify`'s script (in a scratch copy of the
 * sources, so the checkout's build/ that the other test files load is left alone). CI runs
 * `npm run prebuildify` before the tests, so this only happens locally.
 */
function buildPrebuild(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'prebuildify.mjs'), `${process.platform}-${process.arch}`], {
    cwd: root,
    stdio: 'inherit',
  });
}

beforeAll(() => {
  // Under `npm run test:arm64` the prebuild is made beforehand by the cross compiler (this Node cannot run it).
  if (!existsSync(prebuild) || statSync(prebuild).mtimeMs < newestNative()) buildPrebuild();
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

  it('without a prebuild for its platform, fails to load naming the platform, the prebuilds present and the build command', () => {
    const tag = `${process.platform}-${process.arch}`;
    const copy = mkdtempSync(join(tmpdir(), 'simdnn-noprebuild-'));
    cpSync(project, copy, { recursive: true, verbatimSymlinks: true });
    const prebuilds = join(copy, 'node_modules', 'simdnn', 'prebuilds');
    rmSync(join(prebuilds, tag), { recursive: true });
    const others = readdirSync(prebuilds).sort();
    let stderr = '';
    try {
      execFileSync(process.execPath, ['-e', "require('simdnn')"], { cwd: copy, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      stderr = String((e as { stderr?: string }).stderr);
    }
    rmSync(copy, { recursive: true, force: true });
    expect(stderr).toContain(`simdnn has no native addon that loads on ${tag}`);
    expect(stderr).toContain(`prebuilds/${tag}/*.node: not present`);
    expect(stderr).toContain(
      `Prebuilt binaries in this package: ${others.length ? others.join(', ') : 'none'} (none for ${tag})`,
    );
    expect(stderr).toContain('npm rebuild simdnn --build-from-source');
  });

  it('ships every prebuild that prebuilds/ holds', () => {
    const files = execSync(`tar -tzf ${tarball}`, { encoding: 'utf8' }).split('\n');
    const tags = readdirSync(join(root, 'prebuilds')).filter((d) =>
      existsSync(join(root, 'prebuilds', d, 'simdnn.node')),
    );
    expect(tags).toContain(`${process.platform}-${process.arch}`);
    for (const t of tags) expect(files).toContain(`package/prebuilds/${t}/simdnn.node`);
  });
});
