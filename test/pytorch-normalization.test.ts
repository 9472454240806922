// Training with batch and layer normalization reproduces PyTorch step by step
// (same initial weights, data and batches): the losses, the weights, the
// moving statistics after training and the predictions in inference mode.
// PyTorch's BatchNorm updates its running variance with the unbiased batch
// variance and calls 1 − Keras's momentum `momentum`, so the reference keeps
// its BatchNorm's own update off (momentum 0) and does Keras's update itself:
// moving = moving·momentum + batch·(1 − momentum), the biased batch variance.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, randomArray, rng, withIsaAsync } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = (() => {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SCRIPT = String.raw`
import json, sys, torch
torch.set_num_threads(1)
f32 = torch.float32
def t(v, shape=None):
    r = torch.tensor(v, dtype=f32)
    return r.reshape(shape) if shape is not None else r

class KerasBatchNorm(torch.nn.Module):
    # Channels last: every axis but the last is normalized, as Keras.
    def __init__(self, c, momentum, eps):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(c, eps=eps, momentum=0.0)
        self.keep = torch.tensor(momentum, dtype=f32)
        self.take = torch.tensor(1.0, dtype=f32) - self.keep
    def forward(self, x):
        flat = x.reshape(-1, x.shape[-1])
        if self.training:
            with torch.no_grad():
                mean = flat.mean(dim=0)
                var = flat.var(dim=0, unbiased=False)
                self.bn.running_mean.copy_(self.bn.running_mean * self.keep + mean * self.take)
                self.bn.running_var.copy_(self.bn.running_var * self.keep + var * self.take)
        return self.bn(flat).reshape(x.shape)

class Conv(torch.nn.Module):
    # Channels-last input, kernel [kh, kw, in, filters] (conv1d: [k, in, filters]).
    def __init__(self, kernel, bias, shape):
        super().__init__()
        k = t(kernel, shape)
        self.two = len(shape) == 4
        if self.two:
            self.conv = torch.nn.Conv2d(shape[2], shape[3], (shape[0], shape[1]), bias=bias is not None)
            w = k.permute(3, 2, 0, 1)
        else:
            self.conv = torch.nn.Conv1d(shape[1], shape[2], shape[0], bias=bias is not None)
            w = k.permute(2, 1, 0)
        with torch.no_grad():
            self.conv.weight.copy_(w)
            if bias is not None: self.conv.bias.copy_(t(bias))
    def forward(self, x):
        if self.two:
            return self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.conv(x.permute(0, 2, 1)).permute(0, 2, 1)

class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)

def run(spec):
  torch.manual_seed(0)
  mods = []
  for l in spec['layers']:
      k = l['type']
      if k == 'dense':
          lin = torch.nn.Linear(l['shape'][0], l['shape'][1], bias=len(l['w']) > 1)
          with torch.no_grad():
              lin.weight.copy_(t(l['w'][0], l['shape']).t())
              if len(l['w']) > 1: lin.bias.copy_(t(l['w'][1]))
          mods.append(lin)
      elif k == 'conv':
          mods.append(Conv(l['w'][0], l['w'][1] if len(l['w']) > 1 else None, l['shape']))
      elif k == 'bn':
          m = KerasBatchNorm(len(l['w'][0]), l['momentum'], l['epsilon'])
          with torch.no_grad():
              m.bn.weight.copy_(t(l['w'][0])); m.bn.bias.copy_(t(l['w'][1]))
              m.bn.running_mean.copy_(t(l['w'][2])); m.bn.running_var.copy_(t(l['w'][3]))
          mods.append(m)
      elif k == 'ln':
          m = torch.nn.LayerNorm(len(l['w'][0]), eps=l['epsilon'])
          with torch.no_grad():
              m.weight.copy_(t(l['w'][0])); m.bias.copy_(t(l['w'][1]))
          mods.append(m)
      elif k == 'relu': mods.append(torch.nn.ReLU())
      elif k == 'tanh': mods.append(torch.nn.Tanh())
      elif k == 'flatten': mods.append(Flatten())
  model = torch.nn.Sequential(*mods)
  x = t(spec['x'], spec['xshape'])
  y = torch.tensor(spec['y'], dtype=torch.long)
  if spec['optimizer'] == 'adam': opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-7)
  else: opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
  loss_fn = torch.nn.CrossEntropyLoss()
  losses = []
  model.train()
  for epoch in range(spec['epochs']):
      for s in range(0, spec['n'], spec['batch']):
          opt.zero_grad()
          loss = loss_fn(model(x[s:s + spec['batch']]), y[s:s + spec['batch']])
          loss.backward()
          opt.step()
          losses.append(loss.item())
  weights = []
  for m in model:
      if isinstance(m, torch.nn.Linear):
          weights += [m.weight.detach().t().reshape(-1).tolist()] + ([m.bias.detach().tolist()] if m.bias is not None else [])
      elif isinstance(m, Conv):
          w = m.conv.weight.detach()
          w = w.permute(2, 3, 1, 0) if m.two else w.permute(2, 1, 0)
          weights += [w.reshape(-1).tolist()] + ([m.conv.bias.detach().tolist()] if m.conv.bias is not None else [])
      elif isinstance(m, KerasBatchNorm):
          weights += [m.bn.weight.detach().tolist(), m.bn.bias.detach().tolist(),
                      m.bn.running_mean.tolist(), m.bn.running_var.tolist()]
      elif isinstance(m, torch.nn.LayerNorm):
          weights += [m.weight.detach().tolist(), m.bias.detach().tolist()]
  model.eval()
  with torch.no_grad():
      pred = torch.softmax(model(x), dim=1).reshape(-1).tolist()
  return {'losses': losses, 'weights': weights, 'pred': pred}
print(json.dumps([run(json.load(open(f))) for f in sys.argv[1:]]))
`;

interface Net {
  name: string;
  sample: number[];
  /** useBias of the layers right before a batch normalization. */
  layers: (bias: boolean) => nn.Layer[];
  /** The reference's layer list: type and (for weighted layers) how many tensors. */
  kinds: ('dense' | 'conv' | 'bn' | 'ln' | 'relu' | 'tanh' | 'flatten')[];
  batch: number;
  n: number;
}

const NETS: Net[] = [
  {
    name: 'conv2d-BN-relu x2, batches of 1',
    sample: [6, 6, 2],
    layers: (bias) => [
      nn.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], useBias: bias }),
      nn.layers.batchNormalization({ momentum: 0.9 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.conv2d({ filters: 3, kernelSize: 2, useBias: bias }),
      nn.layers.batchNormalization(),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    kinds: ['conv', 'bn', 'relu', 'conv', 'bn', 'relu', 'flatten', 'dense'],
    batch: 1,
    n: 4,
  },
  {
    name: 'conv2d-BN-relu x2, batches of 4',
    sample: [6, 6, 2],
    layers: (bias) => [
      nn.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], useBias: bias }),
      nn.layers.batchNormalization({ momentum: 0.9 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.conv2d({ filters: 3, kernelSize: 2, useBias: bias }),
      nn.layers.batchNormalization(),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    kinds: ['conv', 'bn', 'relu', 'conv', 'bn', 'relu', 'flatten', 'dense'],
    batch: 4,
    n: 12,
  },
  {
    name: 'conv1d-BN-relu, layer normalization',
    sample: [7, 2],
    layers: (bias) => [
      nn.layers.conv1d({ filters: 4, kernelSize: 2, inputShape: [7, 2], useBias: bias }),
      nn.layers.batchNormalization({ momentum: 0.8 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.layerNormalization(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    kinds: ['conv', 'bn', 'relu', 'ln', 'flatten', 'dense'],
    batch: 3,
    n: 9,
  },
  {
    name: 'dense-BN-relu-dense-LN-tanh, batches of 2',
    sample: [6],
    layers: (bias) => [
      nn.layers.dense({ units: 8, inputDim: 6, useBias: bias }),
      nn.layers.batchNormalization({ momentum: 0.9 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.dense({ units: 5 }),
      nn.layers.layerNormalization(),
      nn.layers.activation({ activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    kinds: ['dense', 'bn', 'relu', 'dense', 'ln', 'tanh', 'dense'],
    batch: 2,
    n: 10,
  },
];

interface Prepared {
  net: Net;
  optimizer: 'adam' | 'sgd';
  x: Float32Array;
  y: Float32Array;
  model: () => nn.Sequential;
  spec: string;
}

const EPOCHS = 2;

// A bias right before a batch normalization has a gradient of zero (the
// normalization subtracts it again) up to rounding, which Adam divides by its
// own square root: its path, and the moving mean with it, would follow each
// library's rounding. The Adam cases leave that bias out, as Keras examples
// do; the SGD cases keep it (it moves by nothing in both).
function prepare(net: Net, optimizer: 'adam' | 'sgd'): Prepared {
  const bias = optimizer === 'sgd';
  const r = rng(7);
  const size = net.sample.reduce((a, b) => a * b, 1);
  const x = randomArray(net.n * size, r, -1, 2);
  const y = Float32Array.from({ length: net.n }, () => Math.floor(((r() + 1) / 2) * 3) % 3);
  const first = nn.sequential(net.layers(bias));
  first.build(net.sample, 5);
  // Non-trivial normalization weights and moving statistics (and biases) to start from.
  const shapes = first.weightShapes();
  const w0 = first.getWeights().map((w, i) => (shapes[i]!.length === 1 ? w.map(() => 0.5 + 0.5 * r(0, 1)) : w));
  const model = () => {
    const m = nn.sequential(net.layers(bias));
    m.build(net.sample, 5);
    m.compile({
      optimizer:
        optimizer === 'adam'
          ? nn.optimizers.adam({ learningRate: 0.01 })
          : nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }),
      loss: 'sparseCategoricalCrossentropy',
    });
    m.setWeights(w0);
    return m;
  };
  let wi = 0;
  const layers = net.kinds.map((kind, li) => {
    const weighted = kind === 'dense' || kind === 'conv';
    const take = weighted ? (!bias && net.kinds[li + 1] === 'bn' ? 1 : 2) : kind === 'bn' ? 4 : kind === 'ln' ? 2 : 0;
    const w = w0.slice(wi, wi + take).map((a) => Array.from(a));
    const shape = take ? shapes[wi] : undefined;
    wi += take;
    const c = first.layers[li]!.config;
    return { type: kind, w, shape, momentum: c.momentum ?? 0.99, epsilon: c.epsilon ?? 1e-3 };
  });
  const spec = JSON.stringify({
    layers,
    x: Array.from(x),
    xshape: [net.n, ...net.sample],
    y: Array.from(y),
    n: net.n,
    batch: net.batch,
    epochs: EPOCHS,
    optimizer,
  });
  return { net, optimizer, x, y, model, spec };
}

type TorchResult = { losses: number[]; weights: number[][]; pred: number[] };

function runTorch(cases: Prepared[]): TorchResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-torch-norm-'));
  const files = cases.map((c, i) => {
    const f = join(dir, `spec${i}.json`);
    writeFileSync(f, c.spec);
    return f;
  });
  writeFileSync(join(dir, 'run.py'), SCRIPT);
  return JSON.parse(
    execFileSync(PYTHON, [join(dir, 'run.py'), ...files], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
    }),
  ) as TorchResult[];
}

async function compare(c: Prepared, torch: TorchResult) {
  const { net } = c;
  const model = c.model();
  const batchLosses: number[] = [];
  let previousMean = 0;
  await model.fit(nn.tensor(c.x, [net.n, ...net.sample]), nn.tensor(c.y, [net.n]), {
    epochs: EPOCHS,
    batchSize: net.batch,
    shuffle: false,
    verbose: 0,
    callbacks: [
      {
        onBatchEnd: (b, logs) => {
          const own = b === 0 ? logs.loss! : logs.loss! * (b + 1) - previousMean * b;
          previousMean = logs.loss!;
          batchLosses.push(own);
        },
      },
    ],
  });
  expect(batchLosses.length).toBe(torch.losses.length);
  batchLosses.forEach((l, i) =>
    expect(Math.abs(l - torch.losses[i]!), `step ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(l))),
  );
  const w = model.getWeights();
  expect(w.length).toBe(torch.weights.length);
  torch.weights.forEach((tw, i) =>
    tw.forEach((v, j) => expect(Math.abs(w[i]![j]! - v), `weight ${i}[${j}]`).toBeLessThan(2e-4 * (1 + Math.abs(v)))),
  );
  const pred = model.predict(nn.tensor(c.x, [net.n, ...net.sample])).data;
  torch.pred.forEach((v, i) => expect(Math.abs(pred[i]! - v), `prediction ${i}`).toBeLessThan(2e-4));
}

describe.skipIf(!hasTorch)('PyTorch trajectories with normalization layers', () => {
  const cases = NETS.flatMap((net) => (['adam', 'sgd'] as const).map((o) => prepare(net, o)));
  let torch: TorchResult[] = [];
  beforeAll(() => {
    torch = runTorch(cases);
  }, 120_000);
  cases.forEach((c, i) =>
    it(`${c.net.name}, ${c.optimizer}: losses, weights, moving statistics and inference predictions`, async () => {
      await compare(c, torch[i]!);
    }),
  );
  for (const isa of ISAS)
    it(`the conv2d network with batches of 4 matches on ${isa}`, async () => {
      await withIsaAsync(isa, () => compare(cases[2]!, torch[2]!));
    });
});
