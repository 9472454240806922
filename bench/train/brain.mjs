// brain.js NeuralNetwork (CPU). Not quite the same operation, and the table
// says so: brain.js trains one sample at a time (no mini-batches), applies
// the hidden activation (relu) to the output layer too, and learns from the
// output error against one-hot targets (no softmax cross-entropy). Its SGD
// always has momentum, which it requires to be > 0, so plain SGD is momentum
// 1e-9. Adam is its `praxis: 'adam'`. The initial weights are ours (its
// weights[layer][node][input] and biases[layer][node] are overwritten).
import { requirePeer } from '../lib/peers.mjs';
import { accuracyOf, loadInputs, timedTraining, trainResult } from './common.mjs';

function makeNet(brain, p, init) {
  const { sizes } = p;
  const net = new brain.NeuralNetwork({
    hiddenLayers: sizes.slice(1, -1),
    activation: 'relu',
    ...(p.optimizer === 'adam' ? { praxis: 'adam' } : {}),
  });
  net.sizes = sizes.slice();
  net.initialize();
  for (let l = 1; l < sizes.length; l++) {
    const w = init[2 * (l - 1)];
    const b = init[2 * l - 1];
    const fanIn = sizes[l - 1];
    const fanOut = sizes[l];
    for (let node = 0; node < fanOut; node++) {
      const row = net.weights[l][node];
      for (let k = 0; k < fanIn; k++) row[k] = w[k * fanOut + node];
      net.biases[l][node] = b[node];
    }
  }
  return net;
}

function trainOptions(p, epochs) {
  return {
    iterations: epochs,
    errorThresh: 1e-9,
    learningRate: p.lr,
    momentum: 1e-9,
    activation: 'relu',
    ...(p.optimizer === 'adam' ? { praxis: 'adam' } : {}),
    log: false,
  };
}

export async function run(p) {
  const brain = requirePeer('brain.js');
  const { train, test, init } = loadInputs(p);
  const f = train.features;
  const classes = p.sizes[p.sizes.length - 1];
  // brain.js only takes plain arrays (typed arrays are read as key/value objects).
  const data = [];
  for (let i = 0; i < train.n; i++) {
    const output = new Array(classes).fill(0);
    output[train.y[i]] = 1;
    data.push({ input: Array.from(train.x.subarray(i * f, (i + 1) * f)), output });
  }
  if (p.warmupBatches > 0) {
    makeNet(brain, p, init).train(data.slice(0, Math.min(data.length, 64)), trainOptions(p, 1));
  }
  const {
    model: net,
    seconds,
    times,
  } = await timedTraining(
    p,
    () => makeNet(brain, p, init),
    (n) => n.train(data, trainOptions(p, p.epochs)),
  );
  let accuracy = null;
  if (test) {
    const probs = new Float32Array(test.n * classes);
    for (let i = 0; i < test.n; i++) probs.set(net.run(Array.from(test.x.subarray(i * f, (i + 1) * f))), i * classes);
    accuracy = accuracyOf(probs, test.y, classes);
  }
  return trainResult(p, { samples: train.n * p.epochs, seconds, times, accuracy, testSamples: test?.n });
}
