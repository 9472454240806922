// What every inference module shares: the inputs (the first test images), the
// weights (the same file the training suites start from), and the timing
// loop. Batch 1 reports the median latency of single calls; batch N reports
// samples per second over a run of back-to-back calls.
import { loadInitWeights, loadPart } from '../lib/data.mjs';

/**
 * Params (from the suite): dataDir, initFile, sizes, batch, threads,
 * warmupCalls, calls, maxSeconds, run (timeCalls reads the number of outputs
 * per sample from p.classes, or else the last of p.sizes).
 */
export function loadInferInputs(p) {
  const part = loadPart(p.dataDir, 'test', Math.max(p.batch, 1));
  const x = part.x.slice(0, p.batch * part.features);
  return { x, features: part.features, weights: loadInitWeights(p.initFile, p.sizes) };
}

const ns = () => process.hrtime.bigint();

/**
 * Times `call` (sync or async; returns the outputs of the batch). Returns the
 * metric for the batch size, a few more figures, and the first output row
 * (to check that every competitor computes the same function).
 */
export async function timeCalls(p, call) {
  const first = await call();
  const classes = p.classes ?? p.sizes[p.sizes.length - 1];
  const sample = Array.from(first.subarray(0, classes));
  for (let i = 0; i < p.warmupCalls; i++) await call();
  const deadline = ns() + BigInt(Math.round(p.maxSeconds * 1e9));
  if (p.batch === 1) {
    const times = [];
    for (let i = 0; i < p.calls; i++) {
      const t0 = ns();
      await call();
      times.push(Number(ns() - t0) / 1e3);
      if (ns() > deadline) break;
    }
    times.sort((a, b) => a - b);
    const q = (f) => times[Math.min(times.length - 1, Math.floor(f * times.length))];
    return { latencyUs: q(0.5), p10Us: q(0.1), p90Us: q(0.9), calls: times.length, firstOutput: sample };
  }
  let done = 0;
  const t0 = ns();
  while (done < p.calls) {
    await call();
    done++;
    if (ns() > deadline) break;
  }
  const seconds = Number(ns() - t0) / 1e9;
  return {
    samplesPerSec: (done * p.batch) / seconds,
    usPerCall: (seconds / done) * 1e6,
    calls: done,
    firstOutput: sample,
  };
}
