// Soak test (not part of npm test): 200,000 training steps and 1,000,000
// predictions in one process, with models made and dropped along the way.
// RSS is sampled after a warm-up (the first tenth of the work); the run
// passes when it grows by less than 20 MB from there to the end.
//
//   node bench/soak.mjs            the full run (a few minutes)
//   node bench/soak.mjs --quick    a twentieth of it
//
// It runs dist/ (built first when stale, as npm test does).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(import.meta.url);

// Without forced collections RSS follows V8's lazy heap growth, not leaks.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', script, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

spawnSync(process.execPath, [`${root}scripts/ensure-built.mjs`], { stdio: 'inherit', cwd: root });
const nn = await import('../dist/index.js');

const quick = process.argv.includes('--quick');
const scale = quick ? 1 / 20 : 1;
const STEPS = Math.round(200_000 * scale);
const PREDICTIONS = Math.round(1_000_000 * scale);
const LIMIT_MB = 20;
const CHUNKS = 20; // the work is done in chunks; RSS is sampled after each
const WARMUP = 2; // chunks before the baseline

const features = 16;
const classes = 4;
const n = 512;
const batchSize = 16;
const stepsPerEpoch = n / batchSize;

function data(seed) {
  let s = seed >>> 0 || 1;
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < features; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i * features + j] = s / 2 ** 32 - 0.5 + (j % classes === y[i] ? 1 : 0);
    }
  }
  return { x: nn.tensor(x, [n, features]), y: nn.tensor(y) };
}

function model(seed) {
  const m = nn.sequential([
    nn.layers.dense({ units: 32, inputDim: features, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.1 }),
    nn.layers.dense({ units: classes, activation: 'softmax' }),
  ]);
  m.build(features, seed);
  m.compile({
    optimizer: nn.optimizers.adam({ learningRate: 1e-3 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

const mb = (bytes) => bytes / (1024 * 1024);
async function rss() {
  // Settle: finalizers of dropped models run after a collection and a turn of the loop.
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return mb(process.memoryUsage().rss);
}

const { x, y } = data(1);
const rows = Array.from({ length: 64 }, (_, i) => x.slice(i, i + 1));
const trained = model(1);
let stepsDone = 0;
let predictionsDone = 0;
let lastLoss;
const samples = [];
const t0 = performance.now();
let trainMs = 0;
let predictMs = 0;

for (let chunk = 0; chunk < CHUNKS; chunk++) {
  // Training: whole epochs of 32 steps, several per fit call, on a long-lived model.
  const steps = Math.round(STEPS / CHUNKS);
  const epochs = Math.max(1, Math.round(steps / stepsPerEpoch));
  let t = performance.now();
  const h = await trained.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
  lastLoss = h.history.loss.at(-1);
  if (!Number.isFinite(lastLoss)) throw new Error(`the loss is ${lastLoss} after ${stepsDone} steps`);
  stepsDone += epochs * stepsPerEpoch;
  // A model made, trained a little and dropped (its native memory must be freed).
  const throwaway = model(chunk + 2);
  await throwaway.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
  throwaway.predict(rows[0]);
  stepsDone += stepsPerEpoch;
  trainMs += performance.now() - t;

  // Predictions: four in five synchronous, one row at a time; the rest async, 64 in flight.
  t = performance.now();
  const target = Math.round(PREDICTIONS / CHUNKS);
  const sync = Math.round(target * 0.8);
  for (let i = 0; i < sync; i++) trained.predict(rows[i & 63]);
  for (let done = sync; done < target; done += 64)
    await Promise.all(rows.slice(0, Math.min(64, target - done)).map((r) => trained.predictAsync(r)));
  predictionsDone += target;
  predictMs += performance.now() - t;

  const now = await rss();
  samples.push(now);
  if (chunk === 0 || (chunk + 1) % 5 === 0)
    console.log(
      `chunk ${String(chunk + 1).padStart(2)}/${CHUNKS}: ${stepsDone} steps, ${predictionsDone} predictions, ` +
        `loss ${lastLoss.toFixed(4)}, RSS ${now.toFixed(1)} MB`,
    );
}

const baseline = samples[WARMUP - 1];
const final = samples.at(-1);
const peak = Math.max(...samples.slice(WARMUP - 1));
const growth = final - baseline;
const secs = (performance.now() - t0) / 1000;
console.log(
  `\nsoak${quick ? ' --quick' : ''}: ${stepsDone} training steps (${Math.round((stepsDone / trainMs) * 1000)}/s), ` +
    `${predictionsDone} predictions (${Math.round((predictionsDone / predictMs) * 1000)}/s) in ${secs.toFixed(1)} s`,
);
console.log(
  `RSS after warm-up ${baseline.toFixed(1)} MB, at the end ${final.toFixed(1)} MB, peak ${peak.toFixed(1)} MB: ` +
    `growth ${growth.toFixed(1)} MB (limit ${LIMIT_MB} MB)`,
);
if (growth >= LIMIT_MB) {
  console.log('FAIL: RSS grew by 20 MB or more');
  process.exit(1);
}
console.log('PASS');
