/**
 * The IDX format (MNIST, Fashion-MNIST): a big-endian header — two zero bytes, a type byte, a
 * dimension count, one int32 per dimension — then the values, row-major, big-endian. Files may be
 * gzip-compressed (detected by their magic bytes).
 */
import { expectedMessage } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkBoolean, checkKnownKeys, checkNumber, checkOptions } from '../validate.js';
import { gunzipIfNeeded, readSource } from './source.js';

/** IDX type byte -> element size and big-endian reader. */
const TYPES: Record<number, { size: number; name: string; read: (v: DataView, o: number) => number }> = {
  0x08: { size: 1, name: 'uint8', read: (v, o) => v.getUint8(o) },
  0x09: { size: 1, name: 'int8', read: (v, o) => v.getInt8(o) },
  0x0b: { size: 2, name: 'int16', read: (v, o) => v.getInt16(o) },
  0x0c: { size: 4, name: 'int32', read: (v, o) => v.getInt32(o) },
  0x0d: { size: 4, name: 'float32', read: (v, o) => v.getFloat32(o) },
  0x0e: { size: 8, name: 'float64', read: (v, o) => v.getFloat64(o) },
};

const hex = (v: number, digits: number) => '0x' + v.toString(16).padStart(digits, '0');

/**
 * Reads an IDX file into a float32 tensor with the shape from its header (e.g. `[60000, 28, 28]`
 * for MNIST images, `[60000]` for labels). Values are converted as is (uint8 pixels stay 0..255).
 * Raw and gzip-compressed files are both accepted.
 *
 * @param file - a path, a `file:` URL, or a Buffer with the file's bytes
 * @returns a new Tensor
 * @throws Error naming the file and the problem when it is not IDX data, or truncated, or has extra bytes
 * @example
 * ```ts
 * const labels = nn.data.readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'); // [10000]
 * ```
 */
export function readIdx(file: string | URL | Uint8Array): Tensor {
  const src = readSource(file, 'file', 'IDX');
  const bytes = gunzipIfNeeded(src);
  const fail = (problem: string) => new Error(`Invalid ${src.name}: ${problem}`);
  if (bytes.length < 4)
    throw fail(`it has ${bytes.length} byte${bytes.length === 1 ? '' : 's'}, too few for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = TYPES[bytes[2]!];
  const rank = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || rank === 0)
    throw fail(
      `the magic number ${hex(magic, 8)} is not an IDX one (0x0000, a type byte 08/09/0b/0c/0d/0e, ` +
        `a dimension count >= 1; e.g. 0x00000803 for images, 0x00000801 for labels)`,
    );
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes)
    throw fail(`truncated: the header of a ${rank}-D file needs ${headerBytes} bytes, but the file has ${bytes.length}`);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dim = view.getInt32(4 + 4 * d);
    if (dim < 0) throw fail(`dimension ${d} is negative (${dim})`);
    shape.push(dim);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * type.size;
  const have = bytes.length - headerBytes;
  if (have < dataBytes)
    throw fail(
      `truncated: the header gives shape [${shape.join(', ')}] of ${type.name}, which needs ${dataBytes} bytes ` +
        `of data, but the file has ${have}`,
    );
  if (have > dataBytes)
    {
    const extra = have - dataBytes;
    throw fail(`it has ${extra} unexpected byte${extra === 1 ? '' : 's'} after the data of shape [${shape.join(', ')}]`);
  }
  const out = new Float32Array(count);
  if (type.size === 1 && type.name === 'uint8') out.set(bytes.subarray(headerBytes));
  else for (let i = 0; i < count; i++) out[i] = type.read(view, headerBytes + i * type.size);
  return new Tensor(out, shape);
}

/** Options of {@link loadIdxDataset}. */
export interface LoadIdxOptions {
  /** Factor applied to the image values (default 1/255: uint8 pixels become 0..1). */
  scale?: number;
  /**
   * `true`: `x` keeps the image dimensions, with a channel axis added to 2-D images: `[n, rows, cols, 1]`
   * (channels last, the input of `conv2d`); `[n, rows, cols, c]` files stay as they are. Default `false`:
   * one flattened image per row, `[n, rows * cols]`.
   */
  images?: boolean;
}

/** Images and labels from {@link loadIdxDataset}. */
export interface IdxDataset {
  /** One flattened image per row, `[n, rows * cols]`, or with `images` `[n, rows, cols, 1]` (float32, scaled). */
  x: Tensor;
  /** Class ids: `[n]` (float32). */
  y: Tensor;
  /** The shape of one image, e.g. `[28, 28]`. */
  imageShape: number[];
}

/**
 * Reads an IDX image file and its IDX label file (MNIST style) into a feature matrix and class ids.
 *
 * @param imagesFile - images, shape `[n, rows, cols]` (or `[n, ...]`): a path, `file:` URL or Buffer
 * @param labelsFile - labels, shape `[n]`
 * @param options - `scale` (default 1/255), `images` (default false; true gives `x: [n, rows, cols, 1]`)
 * @returns `{ x: [n, rows * cols] (or [n, rows, cols, 1]), y: [n], imageShape }`
 * @example
 * ```ts
 * const { x, y } = nn.data.loadIdxDataset('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
 * const cnnData = nn.data.loadIdxDataset(imagesFile, labelsFile, { images: true }); // x: [n, 28, 28, 1]
 * ```
 */
export function loadIdxDataset(
  imagesFile: string | URL | Uint8Array,
  labelsFile: string | URL | Uint8Array,
  options?: LoadIdxOptions,
): IdxDataset {
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['scale', 'images'], 'options');
  const scale = opts.scale === undefined ? 1 / 255 : checkNumber(opts.scale, 'options.scale');
  const asImages = opts.images === undefined ? false : checkBoolean(opts.images, 'options.images');
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.rank < 2)
    throw new RangeError(
      expectedMessage('an IDX file of images [n, rows, cols]', 'imagesFile', `data of shape [${images.shape.join(', ')}]`),
    );
  const n = images.shape[0]!;
  if (labels.rank !== 1 || labels.shape[0] !== n)
    throw new RangeError(
      expectedMessage(`an IDX file of ${n} labels (one per image)`, 'labelsFile', `data of shape [${labels.shape.join(', ')}]`),
    );
  const data = images.data;
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i]! *= scale;
  const imageShape = images.shape.slice(1);
  const sampleShape = !asImages
    ? [imageShape.reduce((a, b) => a * b, 1)]
    : imageShape.length === 2
      ? [...imageShape, 1]
      : imageShape;
  return { x: new Tensor(data, [n, ...sampleShape]), y: labels, imageShape };
}
