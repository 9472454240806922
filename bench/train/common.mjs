// What every JavaScript training module shares: the data and initial weights
// a run starts from, the accuracy of predicted probabilities, and the result
// record every competitor reports.
import { loadInitWeights, loadPart } from '../lib/data.mjs';

/**
 * Params (from the suite): dataDir, initFile, sizes [in, h1, ..., classes],
 * optimizer 'adam'|'sgd', lr, batchSize, epochs, threads, trainLimit,
 * testLimit, measureAccuracy, warmupBatches, run (index, used as seed).
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
export function trainResult(p, { samples, seconds, accuracy = null, extra = {} }) {
  return {
    samplesPerSec: samples / seconds,
    samples,
    seconds,
    epochs: p.epochs,
    trainSamples: samples / p.epochs,
    accuracy,
    testSamples: accuracy === null ? 0 : (p.testLimit ?? null),
    ...extra,
  };
}

export const now = () => performance.now() / 1000;
