// predict runs 3x3 convolutions with stride 1 and dilation 1 (and at least 8
// input channels, linear or ReLU) by Winograd F(2x2, 3x3): its outputs match a
// float64 direct convolution on every ISA, for both paddings, odd and prime
// sizes (a last row or column of tiles half outside the output), one pixel,
// one filter, batches of one sample and of many blocks of tiles, on 1 and 2
// threads.
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ISAS, rng, withIsa } from './helpers.js';
import { conv2dForward } from './reference-conv.js';

interface Case {
  shape: [number, number, number];
  filters: number;
  padding: 'valid' | 'same';
  activation: 'relu' | 'linear';
  useBias: boolean;
  batch: number;
}

const CASES: Case[] = [
  { shape: [13, 13, 32], filters: 64, padding: 'valid', activation: 'relu', useBias: true, batch: 9 },
  { shape: [7, 5, 17], filters: 3, padding: 'same', activation: 'linear', useBias: true, batch: 4 },
  { shape: [3, 3, 8], filters: 1, padding: 'valid', activation: 'relu', useBias: false, batch: 1 },
  { shape: [1, 1, 9], filters: 5, padding: 'same', activation: 'linear', useBias: true, batch: 3 },
  { shape: [11, 2, 13], filters: 33, padding: 'same', activation: 'relu', useBias: true, batch: 2 },
  { shape: [6, 9, 8], filters: 16, padding: 'valid', activation: 'linear', useBias: false, batch: 31 },
];

const threadsBefore = nn.info().threads;
afterAll(() => nn.setThreads(threadsBefore));

// The largest error relative to the largest sum of magnitudes Σ|x·k| + |b| (the scale of an output's
// rounding error: outputs near zero come from cancelling sums).
function maxRelError(got: Float32Array, want: Float64Array, magnitudes: Float64Array): number {
  let scale = 0;
  let worst = 0;
  for (const v of magnitudes) scale = Math.max(scale, v);
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst / Math.max(scale, 1e-12);
}

describe('Winograd F(2x2, 3x3) predict of 3x3 convolutions', () => {
  for (const isa of ISAS)
    it(`matches a float64 direct convolution (${isa})`, () => {
      withIsa(isa, () => {
        CASES.forEach((c, k) => {
          const r = rng(11 + k);
          const model = nn.sequential([
            nn.layers.conv2d({
              filters: c.filters,
              kernelSize: 3,
              padding: c.padding,
              activation: c.activation,
              useBias: c.useBias,
              inputShape: c.shape,
            }),
          ]);
          model.build(c.shape, 4 + k);
          // Random biases too (they start at zero).
          const weights = model.getWeights().map((w) => w.map(() => r()));
          model.setWeights(weights);
          const size = c.shape[0] * c.shape[1] * c.shape[2];
          const xs = Float64Array.from({ length: c.batch * size }, () => 2 * r());
          const x = nn.tensor(Float32Array.from(xs), [c.batch, ...c.shape]);
          const kernel = Float64Array.from(weights[0]!);
          const bias = c.useBias ? Float64Array.from(weights[1]!) : null;
          const win = { kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: c.padding };
          const ref = conv2dForward({ data: xs, shape: [c.batch, ...c.shape] }, kernel, bias, c.filters, win);
          const abs = (a: Float64Array) => a.map(Math.abs);
          const mag = conv2dForward(
            { data: abs(xs), shape: [c.batch, ...c.shape] },
            abs(kernel),
            bias && abs(bias),
            c.filters,
            win,
          );
          const want = c.activation === 'relu' ? ref.data.map((v) => Math.max(v, 0)) : ref.data;
          for (const threads of [1, 2]) {
            nn.setThreads(threads);
            const got = model.predict(x);
            expect(got.shape).toEqual(ref.shape);
            const err = maxRelError(got.data, want, mag.data);
            // Float32 rounding of sums of 9·C products and of the transforms (whose entries are 0, ±½, ±1).
            expect(err, `case ${k} on ${threads} thread(s): max error ${err}`).toBeLessThan(2e-6);
            // One sample alone gives the bits it gets in the batch.
            const last = model.predict(x.slice(c.batch - 1, c.batch)).data;
            const per = got.data.length / c.batch;
            expect(Array.from(last)).toEqual(Array.from(got.data.subarray((c.batch - 1) * per)));
          }
        });
      });
    });
});
