// The same bytes for every competitor: the parent writes each data set once
// as raw little-endian float32 features and uint8 labels (plus the initial
// weights) into a cache folder; Node children read them with readFileSync,
// the PyTorch script with numpy.fromfile. No competitor parses or scales data
// its own way, and all start from identical weights. The sources are read
// here with a few lines of code rather than through simdnn, so that the peers
// can be measured even while simdnn itself does not load.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { root } from './peers.mjs';

export const cacheDir = process.env.SIMDNN_BENCH_CACHE || join(tmpdir(), 'simdnn-bench-data');
const FORMAT = 1;

function writeAtomic(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

function bytesOf(typed) {
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * Writes `name`'s train and test parts (once; later calls reuse them) and
 * returns their folder. `load` is called only when the cache is missing and
 * must return { train: { x, y }, test: { x, y }, features, classes } with
 * x as Float32Array (row-major) and y as class ids.
 */
export function prepareDataset(name, load) {
  const dir = join(cacheDir, name);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.format === FORMAT) return dir;
  }
  mkdirSync(dir, { recursive: true });
  const d = load();
  const meta = { format: FORMAT, name, features: d.features, classes: d.classes, parts: {} };
  for (const part of ['train', 'test']) {
    const { x, y } = d[part];
    const n = y.length;
    if (x.length !== n * d.features) throw new Error(`${name}/${part}: ${x.length} values for ${n} x ${d.features}`);
    writeAtomic(join(dir, `${part}-x.f32`), bytesOf(Float32Array.from(x)));
    writeAtomic(join(dir, `${part}-y.u8`), bytesOf(Uint8Array.from(y)));
    meta.parts[part] = n;
  }
  writeAtomic(metaFile, JSON.stringify(meta, null, 1));
  return dir;
}

/** One part of a prepared data set, optionally only its first `limit` samples. */
export function loadPart(dir, part, limit) {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const total = meta.parts[part];
  const n = limit ? Math.min(limit, total) : total;
  const xb = readFileSync(join(dir, `${part}-x.f32`));
  const x = new Float32Array(xb.buffer.slice(xb.byteOffset, xb.byteOffset + n * meta.features * 4));
  const y = new Uint8Array(readFileSync(join(dir, `${part}-y.u8`)).subarray(0, n));
  return { x, y, n, features: meta.features, classes: meta.classes };
}

/** xorshift32 uniform numbers in [0, 1): a generator we can repeat exactly. */
function uniform(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Glorot-uniform kernels and zero biases for the layer sizes (e.g. [784, 256,
 * 128, 10]), in simdnn's getWeights() order and layout: W1 [in, out]
 * row-major, b1, W2, b2, ... Written once to the cache; returns the file.
 */
export function prepareInitWeights(sizes, seed = 1) {
  const file = join(cacheDir, `init-${sizes.join('-')}-seed${seed}.f32`);
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const rand = uniform(seed);
  const parts = [];
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1];
    const fanOut = sizes[l];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * limit;
    parts.push(w, new Float32Array(fanOut));
  }
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  writeAtomic(file, bytesOf(all));
  return file;
}

/** The initial weights as [W1 [in*out], b1 [out], ...] for the layer sizes. */
export function loadInitWeights(file, sizes) {
  const b = readFileSync(file);
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const out = [];
  let o = 0;
  for (let l = 1; l < sizes.length; l++) {
    for (const len of [sizes[l - 1] * sizes[l], sizes[l]]) {
      out.push(all.slice(o, o + len));
      o += len;
    }
  }
  if (o !== all.length) throw new Error(`${file}: ${all.length} floats, expected ${o} for sizes ${sizes.join('-')}`);
  return out;
}

/** An IDX file (gzip or not) as { dims, bytes } (uint8 data only, as in (Fashion-)MNIST). */
function readIdxBytes(file) {
  let b = readFileSync(file);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  if (b[0] !== 0 || b[1] !== 0 || b[2] !== 0x08) throw new Error(`${file}: not a uint8 IDX file`);
  const rank = b[3];
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  return { dims, bytes: b.subarray(4 + 4 * rank) };
}

/**
 * Fashion-MNIST (60,000 + 10,000 images, pixels scaled to 0..1), read from
 * SIMDNN_BENCH_FASHION (default /usr/share/datasets/fashion-mnist; Debian's
 * dataset-fashion-mnist).
 */
export function prepareFashionMnist() {
  const dir = process.env.SIMDNN_BENCH_FASHION || '/usr/share/datasets/fashion-mnist';
  return prepareDataset('fashion-mnist', () => {
    const part = (images, labels) => {
      const find = (base) => [`${base}.gz`, base].map((f) => join(dir, f)).find((f) => existsSync(f));
      const [fi, fl] = [find(images), find(labels)];
      if (!fi || !fl)
        throw new Error(
          `Fashion-MNIST not found in ${dir}: apt-get install dataset-fashion-mnist, or set SIMDNN_BENCH_FASHION`,
        );
      const img = readIdxBytes(fi);
      const x = new Float32Array(img.bytes.length);
      for (let i = 0; i < x.length; i++) x[i] = img.bytes[i] / 255;
      return { x, y: readIdxBytes(fl).bytes };
    };
    return {
      features: 784,
      classes: 10,
      train: part('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
      test: part('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
    };
  });
}

/**
 * The bundled 8x8 digits (data/digits.csv.gz: 1,797 rows of 64 pixel counts
 * 0..16 and the class), pixels scaled to 0..1, split the same way everywhere:
 * every fifth sample (index % 5 == 4) is a test sample (359), the rest train
 * (1,438).
 */
export function prepareDigits() {
  return prepareDataset('digits', () => {
    const f = 64;
    const parts = { train: { x: [], y: [] }, test: { x: [], y: [] } };
    const lines = gunzipSync(readFileSync(join(root, 'data', 'digits.csv.gz')))
      .toString('utf8')
      .trim()
      .split('\n');
    lines.forEach((line, i) => {
      const v = line.split(',').map(Number);
      if (v.length !== f + 1)
        throw new Error(`data/digits.csv.gz line ${i + 1}: ${v.length} fields, expected ${f + 1}`);
      const p = i % 5 === 4 ? parts.test : parts.train;
      for (let j = 0; j < f; j++) p.x.push(v[j] / 16);
      p.y.push(v[f]);
    });
    return { features: f, classes: 10, train: parts.train, test: parts.test };
  });
}

/**
 * Glorot-uniform kernels and zero biases for layers of any shape: `layers` is
 * [{ kernel: number of kernel values, fanIn, fanOut, bias: number of biases }]
 * (a conv kernel [kh, kw, in, filters] has fanIn kh·kw·in and fanOut
 * kh·kw·filters, as Keras counts them). The values are written in that order
 * (kernel, bias, kernel, bias, ...) to `<cache>/init-<name>-seed<seed>.f32`
 * once; returns the file. loadWeightList reads it back.
 */
export function prepareGlorotWeights(name, layers, seed = 1) {
  const file = join(cacheDir, `init-${name}-seed${seed}.f32`);
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const rand = uniform(seed);
  const all = new Float32Array(layers.reduce((s, l) => s + l.kernel + l.bias, 0));
  let o = 0;
  for (const l of layers) {
    const limit = Math.sqrt(6 / (l.fanIn + l.fanOut));
    for (let i = 0; i < l.kernel; i++) all[o++] = (2 * rand() - 1) * limit;
    o += l.bias;
  }
  writeAtomic(file, bytesOf(all));
  return file;
}

/** The arrays of a weight file, split into consecutive pieces of the given lengths. */
export function loadWeightList(file, lengths) {
  const b = readFileSync(file);
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const total = lengths.reduce((s, n) => s + n, 0);
  if (total !== all.length) throw new Error(`${file}: ${all.length} floats, expected ${total}`);
  const out = [];
  let o = 0;
  for (const n of lengths) {
    out.push(all.slice(o, o + n));
    o += n;
  }
  return out;
}
