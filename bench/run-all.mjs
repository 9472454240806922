// Runs the benchmarks against the peers and writes bench/results/<suite>.{json,md,svg}.
//
//   node bench/run-all.mjs [suite ...] [--quick] [--runs N] [--only simdnn,pytorch,...]
//                          [--settings adam-1t,...] [--out DIR]
//
// Suites: gemm, optim (their own runners, bench/gemm and bench/optim), train,
// small, infer, cnn. Default: all of them. --quick uses small sizes and one run to
// check the harness end to end (its figures mean nothing; --tiny is smaller
// still, for the smoke test). --runs overrides the number of runs per figure;
// --only limits the competitors and --settings the settings (train, small,
// infer); --out writes the results elsewhere than bench/results (quick runs
// default to $TMPDIR/simdnn-bench-quick). See bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { cnnSuite } from './cnn/suite.mjs';
import { inferSuite } from './infer/suite.mjs';
import { newestMtime } from './lib/native-build.mjs';
import { root } from './lib/peers.mjs';
import { runSuite } from './lib/suite.mjs';
import { smallSuite } from './small/suite.mjs';
import { trainSuite } from './train/suite.mjs';

const OWN = { train: trainSuite, small: smallSuite, infer: inferSuite, cnn: cnnSuite };
const EXTERNAL = { gemm: 'bench/gemm/run.mjs', optim: 'bench/optim/run.mjs' };
const ALL = ['gemm', 'optim', 'train', 'small', 'infer', 'cnn'];

function parseArgs(argv) {
  const o = { suites: [], size: 'full', runs: undefined, only: undefined, settings: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.size = 'quick';
    else if (a === '--tiny') o.size = 'tiny';
    else if (a === '--settings') o.settings = String(argv[++i]).split(',');
    else if (a === '--out') o.out = resolve(String(argv[++i]));
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--only') o.only = String(argv[++i]).split(',');
    else if (a === '--help' || a === '-h') o.help = true;
    else if (ALL.includes(a)) o.suites.push(a);
    else
      throw new Error(`Unknown argument ${a}: expected a suite (${ALL.join(', ')}), --quick, --runs N or --only a,b`);
  }
  if (o.runs !== undefined && !(Number.isInteger(o.runs) && o.runs >= 1))
    throw new Error('--runs takes a whole number >= 1');
  if (o.suites.length === 0) o.suites = ALL;
  return o;
}

/** The suites import dist/: compile the TypeScript when it is stale; never rebuild the addon, only warn. */
function ensureBuilt() {
  const addon = join(root, 'build', 'Release', 'simdnn.node');
  if (!existsSync(addon) && !existsSync(join(root, 'prebuilds')))
    throw new Error(`${addon} is missing: build simdnn first (npm run build)`);
  if (existsSync(addon) && statSync(addon).mtimeMs < newestMtime(join(root, 'native'), ['.cc', '.h', '.inl']))
    console.error(
      'warning: build/Release/simdnn.node is older than native/: run npm run build:native for current figures',
    );
  const dist = join(root, 'dist', 'index.js');
  if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(root, 'lib'), ['.ts'])) {
    console.error('compiling TypeScript (tsc -p tsconfig.build.json) …');
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.help) {
  console.log(
    'node bench/run-all.mjs [gemm|optim|train|small|infer|cnn ...] [--quick] [--runs N] [--only simdnn,pytorch,...] [--settings adam-1t,...] [--out DIR]',
  );
  process.exit(0);
}
const outcome = [];
if (opts.suites.some((s) => OWN[s])) ensureBuilt();
for (const s of opts.suites) {
  const t0 = Date.now();
  if (EXTERNAL[s]) {
    const script = join(root, EXTERNAL[s]);
    if (!existsSync(script)) {
      outcome.push(`${s}: skipped (${EXTERNAL[s]} not found)`);
      continue;
    }
    console.log(`\n# ${s} (${EXTERNAL[s]})`);
    // These runners always write bench/results/<suite>.json: a quick run must
    // not replace the full results there, so the file is put back afterwards.
    const own = join(root, 'bench', 'results', `${s}.json`);
    const before = opts.size !== 'full' && existsSync(own) ? readFileSync(own) : null;
    const r = spawnSync(process.execPath, [script, ...(opts.size !== 'full' ? ['--quick'] : [])], {
      cwd: root,
      stdio: 'inherit',
    });
    if (before) {
      writeFileSync(own, before);
      console.log(`(quick run: ${relative(process.cwd(), own)} left as it was)`);
    }
    outcome.push(
      `${s}: ${r.status === 0 ? 'done' : `failed (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    continue;
  }
  console.log(`\n# ${s}`);
  try {
    const { files, report } = await runSuite(OWN[s]({ size: opts.size }), {
      runs: opts.runs ?? (opts.size !== 'full' ? 1 : undefined),
      only: opts.only,
      settings: opts.settings,
      // Quick figures never replace the full ones in bench/results.
      outDir: opts.out ?? (opts.size !== 'full' ? join(tmpdir(), 'simdnn-bench-quick') : undefined),
    });
    console.log(report);
    console.log(
      Object.values(files)
        .map((f) => relative(process.cwd(), f))
        .join('  '),
    );
    outcome.push(`${s}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } catch (e) {
    console.error(e.stack);
    outcome.push(`${s}: failed (${e.message.split('\n')[0]})`);
  }
}
console.log(`\n${outcome.join('\n')}`);
process.exitCode = outcome.some((o) => o.includes('failed')) ? 1 : 0;
