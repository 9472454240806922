// Training reproduces PyTorch's trajectory (same initial weights, data and
// batches) to float32 precision: losses step by step and the final weights.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { randomArray, rng } from './helpers.js';

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
spec = json.load(open(sys.argv[1]))
torch.manual_seed(0)
layers = []
for i, (w, b, act) in enumerate(spec['layers']):
    lin = torch.nn.Linear(len(w) // len(b), len(b))
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(w, dtype=torch.float32).reshape(-1, len(b)).t())
        lin.bias.copy_(torch.tensor(b, dtype=torch.float32))
    layers.append(lin)
    if act == 'relu': layers.append(torch.nn.ReLU())
    if act == 'tanh': layers.append(torch.nn.Tanh())
model = torch.nn.Sequential(*layers)
x = torch.tensor(spec['x'], dtype=torch.float32).reshape(spec['n'], -1)
y = torch.tensor(spec['y'], dtype=torch.long)
o = spec['optimizer']
if o == 'adam': opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-7)
elif o == 'adamw': opt = torch.optim.AdamW(model.parameters(), lr=0.01, eps=1e-7, weight_decay=0.01)
elif o == 'rmsprop': opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-7)
elif o == 'adagrad': opt = torch.optim.Adagrad(model.parameters(), lr=0.05, initial_accumulator_value=0.1, eps=1e-7)
else: opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=(o == 'nesterov'))
loss_fn = torch.nn.CrossEntropyLoss()
losses = []
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
        weights.append(m.weight.detach().t().reshape(-1).tolist())
        weights.append(m.bias.detach().reshape(-1).tolist())
print(json.dumps({'losses': losses, 'weights': weights}))
`;

describe.skipIf(!hasTorch)('PyTorch trajectories', () => {
  for (const optimizer of ['sgd', 'nesterov', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const)
    it(`matches torch.optim for ${optimizer} step by step`, async () => {
      const r = rng(21);
      const n = 48;
      const x = randomArray(n * 6, r);
      const y = Float32Array.from({ length: n }, () => Math.floor(((r() + 1) / 2) * 4) % 4);
      const model = nn.sequential([
        nn.layers.dense({ units: 10, inputDim: 6, activation: 'relu' }),
        nn.layers.dense({ units: 8, activation: 'tanh' }),
        nn.layers.dense({ units: 4, activation: 'softmax' }),
      ]);
      model.build(6, 3);
      const opt =
        optimizer === 'adam'
          ? nn.optimizers.adam({ learningRate: 0.01 })
          : optimizer === 'adamw'
            ? nn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 })
            : optimizer === 'rmsprop'
              ? nn.optimizers.rmsprop({ learningRate: 0.01 })
              : optimizer === 'adagrad'
                ? nn.optimizers.adagrad({ learningRate: 0.05 })
                : nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: optimizer === 'nesterov' });
      model.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
      const w0 = model.getWeights();
      const dir = mkdtempSync(join(tmpdir(), 'simdnn-torch-'));
      const specFile = join(dir, 'spec.json');
      writeFileSync(
        specFile,
        JSON.stringify({
          layers: [
            [Array.from(w0[0]!), Array.from(w0[1]!), 'relu'],
            [Array.from(w0[2]!), Array.from(w0[3]!), 'tanh'],
            [Array.from(w0[4]!), Array.from(w0[5]!), 'none'],
          ],
          x: Array.from(x),
          y: Array.from(y),
          n,
          batch: 8,
          epochs: 3,
          optimizer,
        }),
      );
      writeFileSync(join(dir, 'run.py'), SCRIPT);
      const torch = JSON.parse(
        execFileSync(PYTHON, [join(dir, 'run.py'), specFile], {
          encoding: 'utf8',
          env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
        }),
      ) as { losses: number[]; weights: number[][] };
      // The same model and initial weights, trained natively; each batch's own loss is recorded.
      const m2 = model;
      const batchLosses: number[] = [];
      let previousMean = 0;
      await m2.fit(nn.tensor(x, [n, 6]), nn.tensor(y, [n]), {
        epochs: 3,
        batchSize: 8,
        shuffle: false,
        verbose: 0,
        callbacks: [
          {
            onBatchEnd: (b, logs) => {
              // logs.loss is the running mean over the epoch: recover this batch's loss.
              const own = b === 0 ? logs.loss! : logs.loss! * (b + 1) - previousMean * b;
              previousMean = logs.loss!;
              batchLosses.push(own);
            },
          },
        ],
      });
      expect(batchLosses.length).toBe(torch.losses.length);
      batchLosses.forEach((l, i) =>
        expect(Math.abs(l - torch.losses[i]!), `step ${i}`).toBeLessThan(2e-5 * (1 + Math.abs(l))),
      );
      const w = m2.getWeights();
      torch.weights.forEach((tw, i) =>
        tw.forEach((v, j) =>
          expect(Math.abs(w[i]![j]! - v), `weight ${i}[${j}]`).toBeLessThan(5e-5 * (1 + Math.abs(v))),
        ),
      );
    }, 60_000);
});
