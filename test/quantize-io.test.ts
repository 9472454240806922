// Quantized models saved and loaded: the same output bits, a weights file at
// most 0.3x the float model's, and corrupted or foreign files refused with
// errors naming the file and the problem.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { randomArray, rng } from './helpers.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('save and loadModel of a quantized model', () => {
  it('round-trips to the same bits, in a file at most 0.3x the float one, and refuses corrupted files', async () => {
    const m = nn.sequential([
      nn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [9, 9, 2] }),
      nn.layers.maxPooling2d(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 64, activation: 'relu' }),
      nn.layers.dense({ units: 4, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    m.build([9, 9, 2], 4);
    const x = nn.tensor(randomArray(50 * 162, rng(2)), [50, 9, 9, 2]);
    const q = await m.quantize({ calibration: x });
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-q-'));
    const floatDir = join(dir, 'float'),
      qDir = join(dir, 'int8');
    await m.save(floatDir, { includeOptimizer: false });
    await q.save(qDir);
    const q2 = await nn.loadModel<nn.QuantizedModel>(qDir);
    expect(q2).toBeInstanceOf(nn.QuantizedModel);
    expect(bytes(q2.predict(x).data).equals(bytes(q.predict(x).data))).toBe(true);
    expect(q2.evaluate(x, new Float32Array(50))).toEqual(q.evaluate(x, new Float32Array(50)));
    const size = (d: string) => statSync(join(d, 'weights.bin')).size;
    expect(size(qDir) / size(floatDir)).toBeLessThanOrEqual(0.3);

    const w = join(qDir, 'weights.bin');
    const good = readFileSync(w);
    const flipped = Buffer.from(good);
    flipped[10]! ^= 1;
    writeFileSync(w, flipped);
    await expect(nn.loadModel(qDir)).rejects.toThrow(
      `Cannot load the quantized model ${join(qDir, 'model.json')}: the SHA-256 checksum of weights.bin does not match (the file is corrupted)`,
    );
    writeFileSync(w, good.subarray(0, 100));
    await expect(nn.loadModel(qDir)).rejects.toThrow(`bytes in weights.bin, but it has 100`);
    writeFileSync(w, good);
    const mf = join(qDir, 'model.json');
    const manifest = JSON.parse(readFileSync(mf, 'utf8'));
    writeFileSync(mf, JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(nn.loadModel(qDir)).rejects.toThrow('expected formatVersion 1, but received 99');
    manifest.ops[0].weights.offset = 1e9;
    writeFileSync(mf, JSON.stringify(manifest));
    await expect(nn.loadModel(qDir)).rejects.toThrow('ops[0].weights lies outside weights.bin');
  });
});
