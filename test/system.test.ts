import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { nativePath } from '../lib/native.js';
import { ISAS, rng, randomArray, withIsa } from './helpers.js';

const root = new URL('..', import.meta.url).pathname;

function infoWith(isa: string): string {
  // The same binary the tests load (build/Release, or the sanitizer build named by SIMDNN_ADDON_PATH).
  const script = `const a=require(${JSON.stringify(nativePath)});console.log(a.info().isa)`;
  return execFileSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, SIMDNN_ISA: isa },
    encoding: 'utf8',
  }).trim();
}

describe('info', () => {
  it('reports the fastest ISA, the threads, the version and where the binary came from', () => {
    const i = nn.info();
    expect(['avx512', 'avx2', 'neon', 'scalar']).toContain(i.isa);
    expect(i.isa).toBe(
      ISAS.includes('avx512') ? 'avx512' : ISAS.includes('avx2') ? 'avx2' : ISAS.includes('neon') ? 'neon' : 'scalar',
    );
    expect(i.threads).toBeGreaterThanOrEqual(1);
    expect(i.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(i.napiVersion).toBe(8);
    // Tests run against the local build in build/Release; `npm run test:arm64` against prebuilds/linux-arm64.
    expect(i.prebuilt).toBe(process.env.SIMDNN_TEST_PREBUILT === '1');
    if (process.arch === 'arm64') expect(i.isa).toBe('neon');
  });

  it('honours SIMDNN_ISA for every ISA this CPU supports', () => {
    for (const isa of ISAS) expect(infoWith(isa)).toBe(isa);
  });

  it('refuses at load an ISA the CPU lacks, with a clear error instead of a crash', () => {
    const missing = ['avx512', 'avx2', 'neon'].find((i) => !ISAS.includes(i))!;
    let message = '';
    try {
      infoWith(missing);
    } catch (e) {
      message = String((e as { stderr?: string }).stderr);
    }
    expect(message).toContain(`SIMDNN_ISA=${missing} was requested, but this CPU (or this build) does not support it`);
    expect(message).toContain('supported here: scalar');
  });

  it('rejects an unknown SIMDNN_ISA value naming the valid ones', () => {
    let message = '';
    try {
      infoWith('sse9');
    } catch (e) {
      message = String((e as { stderr?: string }).stderr);
    }
    expect(message).toContain("SIMDNN_ISA must be one of auto, scalar, avx2, avx512, neon, but received 'sse9'");
  });
});

describe('setThreads', () => {
  it('changes the thread count and validates it', () => {
    const before = nn.info().threads;
    nn.setThreads(1);
    expect(nn.info().threads).toBe(1);
    nn.setThreads(before);
    expect(() => nn.setThreads(0)).toThrow(new RangeError('Expected an integer from 1 to 256 for n, but received 0'));
    expect(() => nn.setThreads(1.5)).toThrow(RangeError);
    expect(() => nn.setThreads('2' as unknown as number)).toThrow(
      new TypeError('Expected an integer for n, but received "2"'),
    );
  });
});

describe('dot through the dispatch table', () => {
  it('gives the same result on every ISA as the scalar path, for awkward lengths', () => {
    const r = rng(7);
    for (const n of [0, 1, 2, 7, 15, 16, 17, 31, 33, 100, 1023, 4099]) {
      const a = randomArray(n, r);
      const b = randomArray(n, r);
      let ref = 0;
      for (let i = 0; i < n; i++) ref += a[i]! * b[i]!;
      const scalar = withIsa('scalar', () => nn.dot(a, b));
      expect(Math.abs(scalar - ref)).toBeLessThanOrEqual(1e-5 * (1 + Math.sqrt(n)));
      for (const isa of ISAS) {
        const got = withIsa(isa, () => nn.dot(a, b));
        expect(Math.abs(got - scalar), `${isa} n=${n}`).toBeLessThanOrEqual(1e-5 * (1 + Math.sqrt(n)));
      }
    }
  });
});

describe('the compute pool', () => {
  it('leaves no thread spinning when idle', async () => {
    // Wake the pool with work big enough to use every thread, then stay idle.
    const a = nn.tensor(new Float32Array(512 * 512).fill(1), [512, 512]);
    for (let i = 0; i < 5; i++) nn.matmul(a, a);
    await new Promise((r) => setTimeout(r, 50));
    const before = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    const wallMs = performance.now() - t0;
    // A spinning worker would burn about one core: ~500 ms of CPU in 500 ms.
    expect(cpuMs).toBeLessThan(0.1 * wallMs);
  });

  it('is safe when several libuv threads run kernels at once', async () => {
    const r = rng(1);
    const a = randomArray(150 * 170, r);
    const b = randomArray(170 * 90, r);
    const want = nn.matmul(nn.tensor(a, [150, 170]), nn.tensor(b, [170, 90])).data;
    const results = await Promise.all(
      Array.from({ length: 16 }, () => nn.matmulAsync(nn.tensor(a, [150, 170]), nn.tensor(b, [170, 90]))),
    );
    // Identical bits whether a job ran on the pool or inline on its own thread.
    for (const c of results) expect(Buffer.from(c.data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
