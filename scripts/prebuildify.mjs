// Builds every prebuilt binary this machine can make, each N-API and stripped, into
// prebuilds/<platform>-<arch>/simdnn.node: the host's own, and on linux-x64 also linux-arm64,
// cross-compiled with Debian's g++-aarch64-linux-gnu. Each build runs in a scratch copy of the
// sources, so the checkout's build/ (which the tests load) is left alone.
//
//   node scripts/prebuildify.mjs                 every target this host can build
//   node scripts/prebuildify.mjs linux-arm64     only the named ones
import { execFileSync, execSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const host = `${process.platform}-${process.arch}`;

// ELF e_machine of each Linux target, checked on the result (a cross build that silently used
// the host compiler would otherwise ship an x86-64 binary as arm64).
const ELF_MACHINE = { x64: 0x3e, arm64: 0xb7 };

/** What each target needs from the environment beyond the host build. */
const TARGETS = {
  [host]: { env: {} },
  ...(host === 'linux-x64' && {
    'linux-arm64': {
      arch: 'arm64',
      tools: ['aarch64-linux-gnu-g++', 'aarch64-linux-gnu-strip'],
      apt: 'g++-aarch64-linux-gnu',
      env: {
        CC: 'aarch64-linux-gnu-gcc',
        CXX: 'aarch64-linux-gnu-g++',
        PREBUILD_STRIP_BIN: 'aarch64-linux-gnu-strip',
      },
    },
  }),
};

function has(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function elfMachine(file) {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  if (b.readUInt32BE(0) !== 0x7f454c46) return -1;
  return b.readUInt16LE(18);
}

function build(tag, target) {
  const arch = tag.split('-')[1];
  const work = mkdtempSync(join(tmpdir(), `simdnn-prebuild-${tag}-`));
  try {
    for (const f of ['package.json', 'binding.gyp', '.npmrc']) copyFileSync(join(root, f), join(work, f));
    for (const d of ['native', 'scripts']) cpSync(join(root, d), join(work, d), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const args = ['prebuildify', '--napi', '--strip', ...(target.arch ? [`--arch=${target.arch}`] : [])];
    console.log(`simdnn: building prebuilds/${tag} (${target.env.CXX ?? 'host compiler'})`);
    execSync(`npx ${args.join(' ')}`, {
      cwd: work,
      stdio: 'inherit',
      env: { ...process.env, JOBS: '2', ...target.env },
    });
    const out = join(root, 'prebuilds', tag);
    mkdirSync(out, { recursive: true });
    const file = join(out, 'simdnn.node');
    copyFileSync(join(work, 'prebuilds', tag, 'simdnn.node'), file);
    if (process.platform === 'linux' && ELF_MACHINE[arch] !== undefined && elfMachine(file) !== ELF_MACHINE[arch]) {
      rmSync(file);
      throw new Error(`prebuilds/${tag}/simdnn.node is not an ELF binary for ${arch}; removed it`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
for (const w of wanted)
  if (!TARGETS[w])
    throw new Error(`cannot build prebuilds/${w} on ${host}; targets here: ${Object.keys(TARGETS).join(', ')}`);
for (const [tag, target] of Object.entries(TARGETS)) {
  if (wanted.length && !wanted.includes(tag)) continue;
  const missing = (target.tools ?? []).filter((t) => !has(t));
  if (missing.length)
    throw new Error(`prebuilds/${tag} needs ${missing.join(', ')} (Debian: apt-get install ${target.apt})`);
  build(tag, target);
}
