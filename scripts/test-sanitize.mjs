// npm run test:sanitize — the whole vitest suite against an AddressSanitizer +
// UndefinedBehaviorSanitizer build of the addon.
//
// The sanitized addon is built in its own project copy (a temp folder holding
// binding.gyp and symlinks to native/, scripts/ and node_modules/), so
// build/Release keeps the normal build. Tests load it through
// SIMDNN_ADDON_PATH (lib/native.ts). The run fails on any sanitizer report:
// ASan writes its reports to a log folder (so one from a child process whose
// exit code a test did not check counts too), and the test output is scanned
// for UBSan reports, which go to stderr.
//
//   node scripts/test-sanitize.mjs [--rebuild] [vitest args...]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const rebuild = args.includes('--rebuild');
// package.test.ts is left out: it checks the prebuilt (unsanitized) binary of
// a packed tarball, and rebuilds build/ through prebuildify when it is stale.
const vitestArgs = [...args.filter((a) => a !== '--rebuild'), '--exclude', 'test/package.test.ts'];
const flags = '-fsanitize=address,undefined -fno-omit-frame-pointer -g';
// One folder per user, kept between runs so that a rerun builds incrementally.
// One build folder per checkout: its links point at this checkout's sources.
const tag = createHash('sha256').update(root).digest('hex').slice(0, 12);
const project = join(tmpdir(), `simdnn-sanitize-${process.getuid?.() ?? 'user'}-${tag}`);
const addon = join(project, 'build', 'Release', 'simdnn.node');
const logs = join(project, 'reports');
const started = performance.now();

function run(cmd, argv, options) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function sh(cmd) {
  return spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();
}

// 1. The project copy: binding.gyp is copied (gyp resolves sources relative to
//    it), the source folders are linked so edits are picked up.
if (rebuild) rmSync(project, { recursive: true, force: true });
mkdirSync(project, { recursive: true });
cpSync(join(root, 'binding.gyp'), join(project, 'binding.gyp'));
cpSync(join(root, 'package.json'), join(project, 'package.json'));
for (const dir of ['native', 'scripts', 'node_modules'])
  if (!existsSync(join(project, dir))) symlinkSync(join(root, dir), join(project, dir), 'dir');

// 2. Build (configure once; later runs are incremental through make).
const env = {
  ...process.env,
  CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${flags}`.trim(),
  CFLAGS: `${process.env.CFLAGS ?? ''} ${flags}`.trim(),
  LDFLAGS: `${process.env.LDFLAGS ?? ''} -fsanitize=address,undefined`.trim(),
};
const gyp = existsSync(join(project, 'build', 'Makefile')) ? ['build'] : ['rebuild'];
console.log(`test:sanitize: ${gyp[0] === 'rebuild' ? 'building' : 'updating'} the ASan+UBSan addon in ${project}`);
if (run('npx', ['node-gyp', ...gyp, '-j', '2'], { cwd: project, env }) !== 0) {
  console.error('test:sanitize: the sanitizer build failed');
  process.exit(1);
}
const built = performance.now();

// 3. The suite, with the ASan runtime preloaded (node itself is not
//    instrumented, so it must come first) and every report logged to a file.
const libasan = sh('gcc -print-file-name=libasan.so');
if (!libasan.startsWith('/')) {
  console.error(`test:sanitize: libasan.so not found (gcc -print-file-name gave ${JSON.stringify(libasan)})`);
  process.exit(1);
}
rmSync(logs, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });
const testEnv = {
  ...process.env,
  SIMDNN_ADDON_PATH: addon,
  SIMDNN_SANITIZE: '1',
  LD_PRELOAD: [libasan, process.env.LD_PRELOAD].filter(Boolean).join(' '),
  ASAN_OPTIONS: `detect_leaks=0:abort_on_error=0:log_path=${join(logs, 'asan')}`,
  UBSAN_OPTIONS: `halt_on_error=1:print_stacktrace=1:log_path=${join(logs, 'ubsan')}`,
};
// UBSan, next to the preloaded ASan runtime, reports on stderr whatever its
// log_path says: the output is scanned as well as the log folder.
const REPORT = /runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: UndefinedBehaviorSanitizer/;
let reported = 0;
const status = await new Promise((resolve, reject) => {
  const child = spawn(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...vitestArgs], {
    cwd: root,
    env: testEnv,
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let tail = '';
    from.on('data', (chunk) => {
      to.write(chunk);
      const text = tail + chunk.toString('utf8');
      reported +=
        (text.match(new RegExp(REPORT.source, 'g')) ?? []).length -
        (tail.match(new RegExp(REPORT.source, 'g')) ?? []).length;
      tail = text.slice(-200);
    });
  }
  child.on('error', reject);
  child.on('close', (code) => resolve(code ?? 1));
});

// 4. Any report fails the run, and is printed.
const reports = readdirSync(logs)
  .map((f) => join(logs, f))
  .filter((f) => statSync(f).size > 0);
reported += reports.length;
for (const f of reports) {
  console.error(`\n===== ${f} =====`);
  console.error(readFileSync(f, 'utf8'));
}
const secs = (t) => ((t / 1000) | 0) + ' s';
console.log(
  `test:sanitize: build ${secs(built - started)}, tests ${secs(performance.now() - built)}, ` +
    `vitest exit ${status}, ${reported} sanitizer report${reported === 1 ? '' : 's'}`,
);
process.exit(status !== 0 || reported > 0 ? 1 : 0);
