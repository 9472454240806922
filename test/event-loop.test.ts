// fit runs each epoch natively on the libuv pool: the event loop stays free.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { randomArray, rng } from './helpers.js';

// A timing figure: meaningless on the sanitizer build (ASan makes native code ~15x slower) and under CPU
// emulation (npm run test:arm64 runs this Node in qemu-aarch64, where one epoch takes minutes and the loop's
// delays measure qemu's translation, not simdnn), so skipped there.
const sanitized = Boolean(process.env.SIMDNN_ADDON_PATH);
const emulated = process.env.SIMDNN_EMULATOR;

it.skipIf(sanitized || emulated)(
  'keeps the event loop responsive while training on 60,000 x 784 inputs',
  async () => {
    const n = 60_000;
    const r = rng(5);
    const x = nn.tensor(randomArray(n * 784, r, 0, 1), [n, 784]);
    const y = nn.tensor(
      Float32Array.from({ length: n }, () => Math.floor(((r() + 1) / 2) * 10) % 10),
      [n],
    );
    const model = nn.sequential([
      nn.layers.dense({ units: 256, inputDim: 784, activation: 'relu' }),
      nn.layers.dense({ units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
    model.build(784, 1);
    // One compute thread leaves a core for the event loop (and for vitest's own process on a 2-core
    // machine): the claim checked is that fit never runs on the loop, not how the OS shares the cores.
    const threads = nn.info().threads;
    nn.setThreads(1);
    const h = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    h.enable();
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
    const ms = performance.now() - t0;
    nn.setThreads(threads);
    h.disable();
    clearInterval(timer);
    const maxMs = h.max / 1e6;
    console.log(
      `event loop during fit (60000x784, 1 epoch, ${ms.toFixed(0)} ms): max delay ${maxMs.toFixed(2)} ms, ` +
        `p99 ${(h.percentile(99) / 1e6).toFixed(2)} ms, ${ticks} ticks of a 5 ms interval`,
    );
    // An epoch run on the loop would block it for the whole second (no tick at all). Inside a vitest fork on
    // a 2-core Zen 4 VM the p99 measured 26-29 ms and the maximum 31-42 ms (a plain node process: 7 and
    // 10 ms); on a 2-core Zen 5 VM, with other test files running in parallel forks, 104 ticks came in
    // 1,173 ms (one per 11 ms, p99 33 ms). Hence bounds that catch a blocked loop without failing on how the
    // OS shares two cores between the forks: p99 and maximum delay, and at least one tick per 40 ms.
    expect(h.percentile(99) / 1e6).toBeLessThan(80);
    expect(maxMs).toBeLessThan(250);
    expect(ticks).toBeGreaterThan(ms / 40);
  },
  120_000,
);
