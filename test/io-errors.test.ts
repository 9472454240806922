// Loading damaged or foreign input: every problem is a clear Error naming the
// file and what is wrong; a small fuzz checks that corruption never yields a
// crash or a different model.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dense, dropout } from '../lib/layers.js';
import { Sequential } from '../lib/model.js';
import { adam } from '../lib/optimizers.js';
import { l2 } from '../lib/regularizers.js';
import { loadModel } from '../lib/io/load.js';
import { descriptionDigest } from '../lib/io/format.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'simdnn-io-err-'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const X = [
  [0.5, -1, 2, 0.25],
  [3, 0, -0.5, 1],
];

/** A compiled model with non-trivial optimizer state (set directly, no training needed). */
function makeModel(): Sequential {
  const m = new Sequential([
    dense({ units: 6, inputDim: 4, activation: 'relu', kernelRegularizer: l2(1e-3) }),
    dropout({ rate: 0.1 }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  m.build(4, 5);
  const state = m.getOptimizerState()!;
  state.iterations = 17;
  state.slots.forEach((s, i) => s.data.forEach((_, j) => (s.data[j] = Math.abs(Math.sin(i * 31 + j)) * 0.01)));
  m.setOptimizerState(state);
  return m;
}

/** Re-signs an edited model.json so that only the intended problem remains. */
function resign(json: Record<string, unknown>): string {
  json.descriptionSha256 = descriptionDigest(json);
  return JSON.stringify(json);
}

function sameModel(a: Sequential, b: Sequential): boolean {
  if (JSON.stringify(a.toJSON()) !== JSON.stringify(b.toJSON())) return false;
  if (!bytes(a.predict(X).data).equals(bytes(b.predict(X).data))) return false;
  const wa = a.getWeights();
  const wb = b.getWeights();
  if (wa.length !== wb.length || wa.some((w, i) => !bytes(w).equals(bytes(wb[i]!)))) return false;
  const sa = a.getOptimizerState()!;
  const sb = b.getOptimizerState();
  return (
    !!sb && sa.iterations === sb.iterations && sa.slots.every((s, i) => bytes(s.data).equals(bytes(sb.slots[i]!.data)))
  );
}

describe('loading damaged input', () => {
  it('reports missing folders and files', async () => {
    const dir = tmp();
    const missing = join(dir, 'nope');
    await expect(loadModel(missing)).rejects.toThrow(
      `Expected a saved model (a folder with model.json and weights.bin, a model.json file, or a model buffer file) for source, but received ${JSON.stringify(missing)}, which does not exist`,
    );
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected a model folder containing model.json for ${JSON.stringify(dir)}, but received a folder without model.json`,
    );
    await makeModel().save(dir);
    rmSync(join(dir, 'weights.bin'));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected the weights file weights.bin next to model.json for ${join(dir, 'weights.bin')}, but received a missing file`,
    );
    await expect(loadModel(42 as never)).rejects.toThrow(
      'Expected a folder written by model.save(), a model.json path, or a Buffer from model.toBuffer() for source, but received 42',
    );
  });

  it('reports truncated, oversized and altered weights.bin', async () => {
    const dir = tmp();
    await makeModel().save(dir);
    const mj = join(dir, 'model.json');
    const wb = join(dir, 'weights.bin');
    const original = readFileSync(wb);
    const n = original.length;
    writeFileSync(wb, original.subarray(0, n - 4));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected ${n} bytes (the size ${mj} records) for ${wb}, but received ${n - 4} bytes: the file is truncated, or it belongs to another model`,
    );
    writeFileSync(wb, Buffer.concat([original, Buffer.alloc(8)]));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected ${n} bytes (the size ${mj} records) for ${wb}, but received ${n + 8} bytes: the file has extra bytes, or it belongs to another model`,
    );
    const flipped = Buffer.from(original);
    flipped[10]! ^= 0x01;
    writeFileSync(wb, flipped);
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected data with the SHA-256 ${sha(original)} recorded in ${mj} for ${wb}, but received data with the SHA-256 ${sha(flipped)}: the weights were altered or corrupted`,
    );
  });

  it('reports bad JSON, edits, wrong formatVersion and mismatched shapes in model.json', async () => {
    const dir = tmp();
    await makeModel().save(dir);
    const mj = join(dir, 'model.json');
    const text = readFileSync(mj, 'utf8');
    const json = () => JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    writeFileSync(mj, text.slice(0, 100));
    await expect(loadModel(dir)).rejects.toThrow(
      new RegExp(`^Expected valid JSON for ${mj}, but received text that does not parse \\(`),
    );

    const edited = json();
    edited.model.compile.optimizer.config.learningRate = 0.5; // hand-edited, not re-signed
    writeFileSync(mj, JSON.stringify(edited));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected a model description whose SHA-256 is the ${edited.descriptionSha256} recorded in it for ${mj}, but received one whose SHA-256 is ${descriptionDigest(edited)}: the description was altered or corrupted`,
    );

    const v2 = json();
    v2.formatVersion = 2;
    writeFileSync(mj, resign(v2));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected formatVersion 1 (the format versions simdnn ${v2.libraryVersion} reads) for "formatVersion" in ${mj}, but received 2: the model was saved by a newer simdnn (${v2.libraryVersion}); upgrade simdnn to load it`,
    );
    const v0 = json();
    v0.formatVersion = 0;
    writeFileSync(mj, resign(v0));
    await expect(loadModel(dir)).rejects.toThrow(`for "formatVersion" in ${mj}, but received 0`);

    const shapes = json();
    shapes.model.layers[2].units = 4; // the manifest says 3
    writeFileSync(mj, resign(shapes));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected shape [6, 4] (from the layers) for "weights[2].shape" (dense_2/kernel) in ${mj}, but received [6, 3]`,
    );

    const offsets = json();
    offsets.weights[1].byteOffset = offsets.weightsByteLength;
    writeFileSync(mj, resign(offsets));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected a range that ends within the ${offsets.weightsByteLength} bytes of weights for "weights[1].byteOffset" in ${mj}, but received ${offsets.weightsByteLength} (ending at byte ${offsets.weightsByteLength + 24})`,
    );

    const lengths = json();
    lengths.weights[0].byteLength = 1e300;
    writeFileSync(mj, resign(lengths));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected 96 (4 bytes for each of the 24 values of shape [4, 6]) for "weights[0].byteLength" in ${mj}, but received 1e+300`,
    );

    const nan = json();
    nan.optimizer.slots[0].length = 'NaN';
    writeFileSync(mj, resign(nan));
    await expect(loadModel(dir)).rejects.toThrow(`for "optimizer.slots[0].length" in ${mj}, but received "NaN"`);

    const layer = json();
    layer.model.layers[0].activation = 'swish';
    writeFileSync(mj, resign(layer));
    await expect(loadModel(dir)).rejects.toThrow(`Invalid layer 0 in ${mj}: Expected one of "linear", "relu"`);

    const foreign = json();
    foreign.format = 'other';
    writeFileSync(mj, JSON.stringify(foreign));
    await expect(loadModel(dir)).rejects.toThrow(
      `Expected "simdnn" (a model saved by simdnn) for "format" in ${mj}, but received "other"`,
    );
  });

  it('reports buffers with a bad magic, a newer container version, truncation and corruption', async () => {
    const buf = makeModel().toBuffer();
    await expect(loadModel(Buffer.from('PK\x03\x04 not a model'))).rejects.toThrow(
      'Expected a model buffer from model.toBuffer() (starting with the bytes "SIMDNN\\0\\x01") for the model buffer, but received bytes starting with "PK\\u0003\\u0004 not"',
    );
    await expect(loadModel(new Uint8Array(3))).rejects.toThrow(
      'Expected a model buffer from model.toBuffer() (starting with the bytes "SIMDNN\\0\\x01") for the model buffer, but received 3 bytes',
    );
    const v2 = Buffer.from(buf);
    v2[7] = 2;
    await expect(loadModel(v2)).rejects.toThrow(
      'Expected container version 1 (byte 8 of the buffer) for the model buffer, but received version 2: the buffer was written by a newer or different simdnn',
    );
    await expect(loadModel(buf.subarray(0, 20))).rejects.toThrow(
      'Expected at least 44 bytes (header and checksum) for the model buffer, but received 20 bytes: the buffer is truncated',
    );
    await expect(loadModel(buf.subarray(0, 200))).rejects.toThrow(
      new RegExp(
        `^Expected a JSON length of at most 156 bytes \\(what the buffer holds\\) for the model buffer, but received ${buf.readUInt32LE(8)}: the buffer is truncated or corrupted$`,
      ),
    );
    const flipped = Buffer.from(buf);
    flipped[buf.length - 40]! ^= 0x80;
    await expect(loadModel(flipped)).rejects.toThrow(
      `Expected a buffer whose trailing SHA-256 matches its content for the model buffer, but received a buffer of ${buf.length} bytes that does not match it: it was altered, corrupted or truncated`,
    );
  });

  it('fuzz: 200 random corruptions of a buffer and of a folder give a clean Error or the identical model', async () => {
    const model = makeModel();
    const buf = model.toBuffer();
    const dir = tmp();
    await model.save(dir);
    const files = {
      'model.json': readFileSync(join(dir, 'model.json')),
      'weights.bin': readFileSync(join(dir, 'weights.bin')),
    };
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const corrupt = (b: Buffer): Buffer => {
      const kind = rnd(4);
      if (kind === 0) {
        const c = Buffer.from(b);
        for (let k = 1 + rnd(3); k > 0; k--) c[rnd(c.length)]! ^= 1 << rnd(8);
        return c;
      }
      if (kind === 1) return b.subarray(0, rnd(b.length));
      if (kind === 2) return Buffer.concat([b, Buffer.from(Array.from({ length: 1 + rnd(64) }, () => rnd(256)))]);
      const c = Buffer.from(b); // overwrite a run of bytes
      const at = rnd(c.length);
      for (let i = at; i < Math.min(c.length, at + 1 + rnd(16)); i++) c[i] = rnd(256);
      return c;
    };
    const outcomes = { error: 0, identical: 0 };
    for (let trial = 0; trial < 200; trial++) {
      let loading: Promise<Sequential>;
      if (trial % 2 === 0) loading = loadModel(corrupt(buf));
      else {
        const which = rnd(2) === 0 ? 'model.json' : 'weights.bin';
        writeFileSync(
          join(dir, 'model.json'),
          which === 'model.json' ? corrupt(files['model.json']) : files['model.json'],
        );
        writeFileSync(
          join(dir, 'weights.bin'),
          which === 'weights.bin' ? corrupt(files['weights.bin']) : files['weights.bin'],
        );
        loading = loadModel(dir);
      }
      let loaded: Sequential | undefined;
      try {
        loaded = await loading;
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^(Expected |Invalid |The optimizer state)/);
        outcomes.error++;
      }
      if (loaded) {
        expect(sameModel(model, loaded)).toBe(true);
        outcomes.identical++;
      }
    }
    expect(outcomes.error + outcomes.identical).toBe(200);
    console.log(`fuzz outcomes: ${outcomes.error} clean errors, ${outcomes.identical} identical models`);
    expect(outcomes.error).toBeGreaterThan(150);
  });
});
