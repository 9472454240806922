// What every JavaScript training module shares: the data and initial weights
// a run starts from, the accuracy of predicted probabilities, and the result
// record every competitor reports.
import { loadInitWeights, loadPart } from '../lib/data.mjs';
import { median } from '../lib/harness.mjs';

/**
 * Params (from the suite): dataDir, initFile, sizes [in, h1, ..., classes],
 * optimizer 'adam'|'sgd', lr, batchSize, epochs, threads, trainLimit,
 * testLimit, measureAccuracy, warmupBatches, repeats (fresh models trained
 * and timed one after the other in this process; the median counts), run
 * (index, used as seed).
 */
export function loadInputs(p) {
  const train = loadPart(p.dataDir, 'train', p.trainLimit);
  const test = p.measureAccuracy ? loadPart(p.dataDir, 'test', p.testLimit) : null;
  const init = loadInitWeights(p.initFile, p.sizes);
  return { train, test, init };
}

/** Fraction of rows of `probs` ([n, classes] row-major) whose argmax is the label. */
export function accuracyOf(probs, labels, classes) {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probs[i * classes + j] > probs[i * classes + best]) best = j;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

/** The record each training module returns. */
export function trainResult(p, { samples, seconds, times, accuracy = null, testSamples = 0, extra = {} }) {
  return {
    repeatSeconds: times,
    samplesPerSec: samples / seconds,
    samples,
    seconds,
    epochs: p.epochs,
    trainSamples: samples / p.epochs,
    accuracy,
    testSamples: accuracy === null ? 0 : testSamples,
    ...extra,
  };
}

export const now = () => performance.now() / 1000;

/** Trains `p.repeats` (default 1) fresh models from make(), timing each train(model); the last model and the median time. */
export async function timedTraining(p, make, train) {
  const times = [];
  let model;
  for (let r = 0; r < (p.repeats ?? 1); r++) {
    model = make();
    const t0 = now();
    await train(model);
    times.push(now() - t0);
  }
  return { model, seconds: median(times), times };
}
