// The float64 convolution/pooling reference (reference-conv.ts) is itself proven:
// on small hand-computed cases (TensorFlow's padding sides, average pooling over
// real cells, the argmax rule on ties), against its own finite differences, and
// against PyTorch's float64 forward and autograd when torch is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LayerSpec, refLayers, torchLayers, weightShapes } from './conv-cases.js';
import { type LayerCase, MODEL_CASES, SINGLE_LAYER_CASES } from './conv-reference-cases.js';
import { rng } from './helpers.js';
import { PYTHON, TORCH_MISSING, pythonEnv } from './torch-available.js';
import {
  type RefTensor,
  axisGeometry,
  conv2dForward,
  globalPoolForward,
  pool2dBackward,
  pool2dForward,
  refBackward,
  refFiniteDifference,
  refForward,
  refLoss,
  refOutputShapes,
  refWeights,
} from './reference-conv.js';

const SCRIPT = join(import.meta.dirname, 'python', 'conv_reference.py');

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function randomTensor(shape: number[], r: (lo?: number, hi?: number) => number, scale = 1): RefTensor {
  return { data: Float64Array.from({ length: prod(shape) }, () => scale * r()), shape };
}

function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst / Math.max(scale, 1e-12);
}

describe('the conv reference on hand-computed cases', () => {
  it("applies TensorFlow's padding rule: output sizes and the smaller half before", () => {
    // [input, kernel, stride, dilation, padding] -> [out, padBefore]
    const table: [number, number, number, number, 'valid' | 'same', number, number][] = [
      [5, 3, 1, 1, 'valid', 3, 0],
      [7, 3, 2, 1, 'valid', 3, 0],
      [8, 3, 3, 1, 'valid', 2, 0],
      [7, 3, 1, 2, 'valid', 3, 0],
      [3, 4, 1, 1, 'valid', 0, 0],
      [4, 2, 1, 1, 'same', 4, 0], // total 1: none before, one after
      [5, 4, 2, 1, 'same', 3, 1], // total 3: one before, two after
      [7, 3, 3, 1, 'same', 3, 1], // total 2
      [6, 3, 2, 1, 'same', 3, 0], // total 1
      [5, 3, 1, 2, 'same', 5, 2], // span 5: total 4
      [2, 3, 2, 1, 'same', 1, 0], // total 1
      [9, 1, 3, 1, 'same', 3, 0], // 1x1 never pads
    ];
    for (const [n, k, s, d, p, out, before] of table)
      expect(axisGeometry(n, k, s, d, p), `${n} k${k} s${s} d${d} ${p}`).toEqual({ out, padBefore: before });
  });

  const x9 = (sign = 1): RefTensor => ({
    data: Float64Array.from({ length: 9 }, (_, i) => sign * (i + 1)),
    shape: [1, 3, 3, 1],
  });
  const win = (k: number, s: number, padding: 'valid' | 'same') => ({
    kh: k,
    kw: k,
    sh: s,
    sw: s,
    dh: 1,
    dw: 1,
    padding,
  });

  it('computes y = b + sum x K over the window, padding after for an even kernel', () => {
    // K[0,0] = 1, K[1,1] = -1: y[i, j] = x[i, j] - x[i + 1, j + 1], with x = 1..9 row-major.
    const kernel = Float64Array.from([1, 0, 0, -1]);
    const valid = conv2dForward(x9(), kernel, Float64Array.from([0.5]), 1, win(2, 1, 'valid'));
    expect(valid.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(valid.data)).toEqual([-3.5, -3.5, -3.5, -3.5]);
    // 'same': the one padding row and column are at the bottom and the right.
    const same = conv2dForward(x9(), kernel, null, 1, win(2, 1, 'same'));
    expect(same.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(same.data)).toEqual([-4, -4, 3, -4, -4, 6, 7, 8, 9]);
  });

  it('averages over the real cells only and max-pools ignoring the padded ones', () => {
    const avg = pool2dForward('average', x9(), win(2, 2, 'same')).y;
    expect(Array.from(avg.data)).toEqual([3, 4.5, 7.5, 9]);
    const max = pool2dForward('max', x9(-1), win(2, 2, 'same')).y;
    expect(Array.from(max.data)).toEqual([-1, -3, -7, -9]);
  });

  it('sends the max-pooling gradient to the first maximum in window order', () => {
    const x: RefTensor = { data: Float64Array.from([2, 5, 5, 5, 1, 1, 1, 1]), shape: [1, 2, 2, 2] };
    const r = pool2dForward('max', x, win(2, 2, 'valid'));
    expect(Array.from(r.y.data)).toEqual([5, 5]);
    // Channel 0 holds 2, 5, 1, 1: its maximum is at cell 1. Channel 1 holds 5, 5, 1, 1: the first 5 wins.
    expect(Array.from(pool2dBackward('max', x, win(2, 2, 'valid'), r.argmax, Float64Array.from([1, 10])))).toEqual([
      0, 10, 1, 0, 0, 0, 0, 0,
    ]);
    const g = globalPoolForward('max', { data: Float64Array.from([3, 3, 3]), shape: [1, 3, 1] });
    expect(Array.from(g.argmax!)).toEqual([0]);
  });

  it('flattens in (h, w, c) order, so a dense layer after it sees x[(i W + j) C + c]', () => {
    const x: RefTensor = { data: Float64Array.from({ length: 12 }, (_, i) => i), shape: [1, 2, 3, 2] };
    // A dense kernel that picks input (i=1, j=2, c=0), i.e. index (1*3 + 2)*2 + 0 = 10.
    const kernel = new Float64Array(12);
    kernel[10] = 1;
    const fwd = refForward([{ type: 'flatten' }, { type: 'dense', kernel, bias: null, units: 1, act: 'linear' }], x);
    expect(Array.from(fwd.output.data)).toEqual([10]);
  });
});

/** A single layer followed by flatten and a dense layer, so that one MSE loss exercises its backward. */
function wrapForLoss(c: LayerCase): LayerSpec[] {
  return [c.layer, { type: 'flatten' }, { type: 'dense', units: 2, act: 'linear' }];
}

function randomWeights(layers: LayerSpec[], input: number[], r: (lo?: number, hi?: number) => number) {
  return weightShapes(layers, input).map((s) => Float64Array.from({ length: prod(s) }, () => 0.6 * r()));
}

function randomTargets(loss: string, n: number, width: number, r: () => number): number[][] {
  return Array.from({ length: n }, () =>
    loss === 'sparseCategoricalCrossentropy'
      ? [Math.floor(((r() + 1) / 2) * width) % width]
      : Array.from({ length: width }, () => r()),
  );
}

describe('the conv reference against its own finite differences', () => {
  const cases: { name: string; input: number[]; layers: LayerSpec[]; loss: string }[] = [
    ...SINGLE_LAYER_CASES.map((c) => ({
      name: c.name,
      input: c.input,
      layers: wrapForLoss(c),
      loss: 'meanSquaredError',
    })),
    ...MODEL_CASES,
  ];
  it(`backward matches central differences of the loss (${cases.length} stacks, weights and inputs)`, () => {
    let seed = 1;
    for (const c of cases) {
      const r = rng(seed++);
      const weights = randomWeights(c.layers, c.input, r);
      const layers = refLayers(c.layers, weights);
      const x = randomTensor([2, ...c.input], r);
      const width = refOutputShapes(layers, c.input)
        .at(-1)!
        .reduce((a, b) => a * b, 1);
      const targets = randomTargets(c.loss, 2, width, r);
      const loss = c.loss as 'meanSquaredError';
      const analytic = refLoss(layers, loss, x, targets);
      const tensors: (number | 'x')[] = [...refWeights(layers).map((_, i) => i), 'x'];
      for (const which of tensors) {
        const size = which === 'x' ? x.data.length : refWeights(layers)[which]!.length;
        // Up to 12 coordinates per tensor, spread over it.
        const coords = Array.from({ length: Math.min(size, 12) }, (_, i) =>
          Math.floor((i * size) / Math.min(size, 12)),
        );
        const fd = refFiniteDifference(layers, loss, x, targets, which, coords);
        const an = coords.map((i) => (which === 'x' ? analytic.dx[i]! : analytic.grads[which]![i]!));
        const scale = Math.max(1e-3, ...an.map(Math.abs));
        fd.forEach((v, i) =>
          expect(Math.abs(v - an[i]!) / scale, `${c.name}: tensor ${which}[${coords[i]}]`).toBeLessThan(1e-6),
        );
      }
    }
  });
});

interface TorchResult {
  y: number[];
  yShape: number[];
  objective: number;
  dx: number[];
  grads: number[][];
}

function runTorch(cases: Record<string, unknown>[]): TorchResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-convref-'));
  try {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ cases }));
    const out = execFileSync(PYTHON, [SCRIPT, spec], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: pythonEnv(),
    });
    return (JSON.parse(out) as { results: TorchResult[] }).results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The single-layer cases with an upstream gradient, and the whole stacks with a loss, as sent to torch. */
function singleLayerCases() {
  let seed = 1000;
  return SINGLE_LAYER_CASES.map((c) => {
    const r = rng(seed++);
    const layers = [c.layer];
    const weights = randomWeights(layers, c.input, r);
    const ref = refLayers(layers, weights);
    const x = randomTensor([2, ...c.input], r);
    const fwd = refForward(ref, x);
    const dy = Float64Array.from(fwd.output.data, () => r());
    const back = refBackward(ref, fwd, dy);
    const torch = {
      layers: torchLayers(layers),
      x: Array.from(x.data),
      xShape: x.shape,
      weights: weights.map((w) => Array.from(w)),
      weightShapes: weightShapes(layers, c.input),
      dy: Array.from(dy),
    };
    return { c, fwd, back, torch };
  });
}

function modelCases() {
  let seed = 2000;
  return MODEL_CASES.map((c) => {
    const r = rng(seed++);
    const weights = randomWeights(c.layers, c.input, r);
    const ref = refLayers(c.layers, weights);
    const x = randomTensor([3, ...c.input], r);
    const width = prod(refOutputShapes(ref, c.input).at(-1)!);
    const targets = randomTargets(c.loss, 3, width, r);
    const torch = {
      layers: torchLayers(c.layers),
      x: Array.from(x.data),
      xShape: x.shape,
      weights: weights.map((w) => Array.from(w)),
      weightShapes: weightShapes(c.layers, c.input),
      loss: c.loss,
      targets,
    };
    return { c, out: refForward(ref, x).output, loss: refLoss(ref, c.loss, x, targets), torch };
  });
}

describe.skipIf(TORCH_MISSING !== null)(
  `the conv reference against PyTorch (float64)${TORCH_MISSING ? `: skipped, ${TORCH_MISSING}` : ''}`,
  () => {
    const single = singleLayerCases();
    const models = modelCases();
    // One python process for both tests (importing torch takes seconds).
    let results: TorchResult[] | undefined;
    const torch = () => (results ??= runTorch([...single.map((p) => p.torch), ...models.map((p) => p.torch)]));

    it(`every single-layer case: forward, input gradient and weight gradients (${SINGLE_LAYER_CASES.length} cases)`, () => {
      single.forEach((p, i) => {
        const t = torch()[i]!;
        expect(p.fwd.output.shape, `${p.c.name}: output shape`).toEqual(t.yShape);
        expect(maxRelError(p.fwd.output.data, t.y), `${p.c.name}: forward`).toBeLessThan(1e-12);
        expect(maxRelError(p.back.dx, t.dx), `${p.c.name}: input gradient`).toBeLessThan(1e-12);
        p.back.grads.forEach((g, j) =>
          expect(maxRelError(g, t.grads[j]!), `${p.c.name}: gradient of weight ${j}`).toBeLessThan(1e-12),
        );
      });
    });

    it(`whole stacks: outputs, loss and every gradient (${MODEL_CASES.length} models)`, () => {
      models.forEach((p, i) => {
        const t = torch()[single.length + i]!;
        expect(maxRelError(p.out.data, t.y), `${p.c.name}: output`).toBeLessThan(1e-12);
        expect(Math.abs(p.loss.loss - t.objective), `${p.c.name}: loss`).toBeLessThan(1e-12 * (1 + t.objective));
        expect(maxRelError(p.loss.dx, t.dx), `${p.c.name}: input gradient`).toBeLessThan(1e-10);
        p.loss.grads.forEach((g, j) =>
          expect(maxRelError(g, t.grads[j]!), `${p.c.name}: gradient of weight ${j}`).toBeLessThan(1e-10),
        );
      });
    });
  },
);
