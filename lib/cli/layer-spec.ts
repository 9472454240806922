/**
 * The `--layers` grammar of `simdnn train`: a comma-separated list of hidden layers, checked token by token
 * against the shape of the data (every problem is a UsageError naming the token and its position).
 *
 *   N, denseN[ACT]              dense layer of N units (ACT: an activation name, default --activation)
 *   convFxK[xK2][sS][dD][same|valid][ACT]
 *                               conv2d: F filters, K x K (or K x K2) kernel, stride S, dilation D,
 *                               padding (default valid), activation (default --activation)
 *   poolP[sS][same], maxpoolP…  max pooling P x P, stride S (default P), padding (default valid)
 *   avgpoolP[sS][same]          average pooling
 *   gap, gmp                    global average / global max pooling (image -> flat)
 *   conv1dFxK[sS][dD][same|valid][ACT]
 *                               conv1d over sequences [steps, channels]
 *   pool1dP[sS][same], maxpool1dP…, avgpool1dP…
 *                               max / average pooling over steps
 *   gap1d                       global average pooling over steps (sequence -> flat)
 *   flatten                     image or sequence -> flat, (h, w, c) order
 *   reshapeAxB[xC…]             reshape each sample to [A, B, C…] (same size), e.g. reshape28x28x1, reshape784x1
 *   dropoutP                    dropout with rate P, 0 <= P < 1 (e.g. dropout0.25)
 *   bn, ln                      batch / layer normalization (over the last axis)
 *   none                        no hidden layer
 *
 * The list is a plain JSON value (it travels to cross-validation worker threads).
 */
import { expectedMessage } from '../errors.js';
import { ACTIVATIONS, type ActivationName } from '../names.js';
import { UsageError, suggest } from './args.js';

export type LayerItem =
  | { kind: 'dense'; units: number; activation?: ActivationName }
  | {
      kind: 'conv2d';
      filters: number;
      kernelSize: [number, number];
      strides: number;
      dilationRate: number;
      padding: 'valid' | 'same';
      activation?: ActivationName;
    }
  | {
      kind: 'conv1d';
      filters: number;
      kernelSize: number;
      strides: number;
      dilationRate: number;
      padding: 'valid' | 'same';
      activation?: ActivationName;
    }
  | {
      kind: 'maxPooling2d' | 'averagePooling2d' | 'maxPooling1d' | 'averagePooling1d';
      poolSize: number;
      strides: number;
      padding: 'valid' | 'same';
    }
  | { kind: 'reshape'; targetShape: number[] }
  | {
      kind:
        | 'globalAveragePooling2d'
        | 'globalMaxPooling2d'
        | 'globalAveragePooling1d'
        | 'flatten'
        | 'batchNormalization'
        | 'layerNormalization';
    }
  | { kind: 'dropout'; rate: number };

/** The token names, for messages and typo hints. */
const WORDS = [
  'dense',
  'conv',
  'conv1d',
  'pool',
  'maxpool',
  'avgpool',
  'pool1d',
  'maxpool1d',
  'avgpool1d',
  'gap',
  'gmp',
  'gap1d',
  'flatten',
  'reshape',
  'dropout',
  'bn',
  'ln',
  'none',
];

const GRAMMAR =
  'N or denseN[act], convFxK[sS][dD][same][act], poolP[sS][same], avgpoolP[sS][same], gap, gmp, ' +
  'conv1dFxK[sS][dD][same][act], pool1dP[sS][same], avgpool1dP[sS][same], gap1d, flatten, reshapeAxB[xC], ' +
  'dropoutP, bn or ln (see simdnn train --help)';

/** Layers that take image samples `[h, w, c]`. */
const IMAGE_KINDS = new Set([
  'conv2d',
  'maxPooling2d',
  'averagePooling2d',
  'globalAveragePooling2d',
  'globalMaxPooling2d',
]);

/** Layers that take sequence samples `[steps, channels]`. */
const SEQUENCE_KINDS = new Set(['conv1d', 'maxPooling1d', 'averagePooling1d', 'globalAveragePooling1d']);

const MAX_SIZE = 1 << 20;

function activationName(raw: string, fail: (what: string) => never): ActivationName | undefined {
  if (raw === '') return undefined;
  const found = ACTIVATIONS.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!found) {
    const hint = suggest(raw, ACTIVATIONS);
    fail(`an activation (${ACTIVATIONS.join(', ')}) after the sizes${hint ? `; did you mean ${hint}?` : ''}`);
  }
  return found;
}

function size(raw: string | undefined, fallback: number, what: string, fail: (what: string) => never): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > MAX_SIZE) fail(`${what} from 1 to ${MAX_SIZE}`);
  return v;
}

/** One token -> one layer (undefined for "none"). */
function parseToken(token: string, fail: (what: string) => never): LayerItem | undefined {
  const t = token.toLowerCase();
  let m: RegExpExecArray | null;
  if (t === 'none') return undefined;
  if ((m = /^(?:dense)?(\d+)([a-z]*)$/.exec(t)))
    return { kind: 'dense', units: size(m[1], 0, 'a number of units', fail), activation: activationName(m[2]!, fail) };
  // conv2d: convFxK[xK2]…, conv1d: conv1dFxK… (no second kernel size).
  if ((m = /^conv(1d)?(\d+)x(\d+)(?:x(\d+))?(?:s(\d+))?(?:d(\d+))?(same|valid)?([a-z]*)$/.exec(t))) {
    const oneD = m[1] !== undefined;
    if (oneD && m[4] !== undefined) fail('one kernel size for conv1d (conv1dFxK)');
    const k = size(m[3], 0, 'a kernel size', fail);
    const strides = size(m[5], 1, 'a stride', fail);
    const dilationRate = size(m[6], 1, 'a dilation', fail);
    if (strides > 1 && dilationRate > 1) fail('a stride or a dilation, not both above 1 (as in Keras)');
    const common = {
      filters: size(m[2], 0, 'a number of filters', fail),
      strides,
      dilationRate,
      padding: m[7] === 'same' ? ('same' as const) : ('valid' as const),
      activation: activationName(m[8]!, fail),
    };
    return oneD
      ? { kind: 'conv1d', kernelSize: k, ...common }
      : { kind: 'conv2d', kernelSize: [k, size(m[4], k, 'a kernel width', fail)], ...common };
  }
  if ((m = /^(max|avg)?pool(1d)?(\d+)(?:s(\d+))?(same|valid)?$/.exec(t))) {
    const poolSize = size(m[3], 0, 'a pool size', fail);
    const average = m[1] === 'avg';
    return {
      kind: m[2] ? (average ? 'averagePooling1d' : 'maxPooling1d') : average ? 'averagePooling2d' : 'maxPooling2d',
      poolSize,
      strides: size(m[4], poolSize, 'a stride', fail),
      padding: m[5] === 'same' ? 'same' : 'valid',
    };
  }
  if ((m = /^reshape(\d+(?:x\d+)*)$/.exec(t)))
    return { kind: 'reshape', targetShape: m[1]!.split('x').map((d) => size(d, 0, 'sizes', fail)) };
  if ((m = /^dropout(\d*\.?\d+)$/.exec(t))) {
    const rate = Number(m[1]);
    if (!(rate >= 0 && rate < 1)) fail('a dropout rate from 0 to 1 (exclusive), such as dropout0.25');
    return { kind: 'dropout', rate };
  }
  const simple: Record<string, LayerItem['kind']> = {
    gap: 'globalAveragePooling2d',
    gmp: 'globalMaxPooling2d',
    gap1d: 'globalAveragePooling1d',
    flatten: 'flatten',
    bn: 'batchNormalization',
    ln: 'layerNormalization',
  };
  if (simple[t]) return { kind: simple[t] } as LayerItem;
  const word = /^[a-z]+/.exec(t)?.[0] ?? t;
  const hint = suggest(word, WORDS);
  fail(`a layer token${hint && hint !== word ? ` (did you mean ${hint}…?)` : ''}: ${GRAMMAR}`);
}

/**
 * True when the list starts (before any dense or reshape layer) with a layer that needs image samples
 * (a list starting with reshape takes the data's flat rows and reshapes them itself).
 */
export function wantsImages(items: readonly LayerItem[]): boolean {
  for (const it of items) {
    if (it.kind === 'dense' || it.kind === 'reshape') return false;
    if (SEQUENCE_KINDS.has(it.kind)) return false;
    if (IMAGE_KINDS.has(it.kind) || it.kind === 'flatten') return true;
  }
  return false;
}

function outSize(input: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - window) / stride) + 1;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Parses `--layers` and checks it against the samples: `imageShape` (`[h, w, c]`) when the data has images,
 * `features` always. Returns the layers and the sample shape the model takes (`[features]` or `imageShape`).
 */
export function parseLayers(
  text: string,
  data: { name: string; features: number; imageShape?: readonly number[] },
): { items: LayerItem[]; inputShape: number[] } {
  const tokens = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const items: LayerItem[] = [];
  const positions: { token: string; index: number }[] = [];
  tokens.forEach((token, index) => {
    const fail = (what: string): never => {
      throw new UsageError(
        expectedMessage(what, `--layers (token ${index + 1} of ${tokens.length})`, JSON.stringify(token)),
        'train',
      );
    };
    const item = parseToken(token, fail);
    if (item) {
      items.push(item);
      positions.push({ token, index });
    } else if (tokens.length > 1) fail('"none" alone (it means no hidden layer)');
  });

  const images = wantsImages(items);
  if (images && !data.imageShape)
    throw new UsageError(
      expectedMessage(
        'image data for conv, pooling and flatten layers (--data digits or fashion-mnist), or a reshape token first',
        '--layers',
        `${JSON.stringify(text)} with --data ${data.name}, whose samples are flat rows of ${data.features} features`,
      ),
      'train',
    );
  const inputShape = images ? [...data.imageShape!] : [data.features];
  let shape = inputShape.slice();
  items.forEach((item, i) => {
    const { token, index } = positions[i]!;
    const fail = (what: string, received: string): never => {
      throw new UsageError(
        expectedMessage(what, `--layers token ${index + 1} ${JSON.stringify(token)}`, received),
        'train',
      );
    };
    const after = i === 0 ? `the input of ${data.name}` : `${JSON.stringify(positions[i - 1]!.token)}`;
    if (IMAGE_KINDS.has(item.kind) && shape.length !== 3)
      fail(
        'image samples [h, w, c]',
        `${shape.length === 1 ? 'flat' : 'sequence'} samples ${fmt(shape)} from ${after} (put image layers first, or reshape, e.g. reshape28x28x1)`,
      );
    if (SEQUENCE_KINDS.has(item.kind) && shape.length !== 2)
      fail(
        'sequence samples [steps, channels]',
        `${shape.length === 1 ? 'flat' : 'image'} samples ${fmt(shape)} from ${after} (reshape first, e.g. reshape${shape.reduce((a, b) => a * b, 1)}x1)`,
      );
    switch (item.kind) {
      case 'dense':
        if (shape.length !== 1)
          fail(
            'flat samples',
            shape.length === 3
              ? `image samples ${fmt(shape)} from ${after} (add flatten or gap before it)`
              : `sequence samples ${fmt(shape)} from ${after} (add flatten or gap1d before it)`,
          );
        shape = [item.units];
        break;
      case 'conv2d': {
        const [h, w] = shape as [number, number, number];
        const [kh, kw] = item.kernelSize;
        const eh = (kh - 1) * item.dilationRate + 1;
        const ew = (kw - 1) * item.dilationRate + 1;
        if (item.padding === 'valid' && (eh > h || ew > w))
          fail(
            `a kernel (${eh} x ${ew}${item.dilationRate > 1 ? ' with dilation' : ''}) no larger than its input (add "same" to pad)`,
            `an input of ${fmt(shape)} from ${after}`,
          );
        shape = [outSize(h, eh, item.strides, item.padding), outSize(w, ew, item.strides, item.padding), item.filters];
        break;
      }
      case 'maxPooling2d':
      case 'averagePooling2d': {
        const [h, w, c] = shape as [number, number, number];
        if (item.padding === 'valid' && (item.poolSize > h || item.poolSize > w))
          fail(
            `a pool (${item.poolSize} x ${item.poolSize}) no larger than its input`,
            `an input of ${fmt(shape)} from ${after}`,
          );
        shape = [
          outSize(h, item.poolSize, item.strides, item.padding),
          outSize(w, item.poolSize, item.strides, item.padding),
          c,
        ];
        break;
      }
      case 'conv1d': {
        const [steps] = shape as [number, number];
        const e = (item.kernelSize - 1) * item.dilationRate + 1;
        if (item.padding === 'valid' && e > steps)
          fail(
            `a kernel (${e}${item.dilationRate > 1 ? ' with dilation' : ''}) no longer than its input (add "same" to pad)`,
            `an input of ${fmt(shape)} from ${after}`,
          );
        shape = [outSize(steps, e, item.strides, item.padding), item.filters];
        break;
      }
      case 'maxPooling1d':
      case 'averagePooling1d': {
        const [steps, c] = shape as [number, number];
        if (item.padding === 'valid' && item.poolSize > steps)
          fail(`a pool (${item.poolSize}) no longer than its input`, `an input of ${fmt(shape)} from ${after}`);
        shape = [outSize(steps, item.poolSize, item.strides, item.padding), c];
        break;
      }
      case 'globalAveragePooling1d':
        shape = [shape[1]!];
        break;
      case 'reshape': {
        const from = shape.reduce((a, b) => a * b, 1);
        const to = item.targetShape.reduce((a, b) => a * b, 1);
        if (from !== to)
          fail(
            `a target shape of ${from} values, as ${fmt(shape)} from ${after} (e.g. reshape${from}x1)`,
            `${fmt(item.targetShape)}, ${to} values`,
          );
        if (item.targetShape.length > 3)
          fail('a target shape of 1 to 3 sizes ([features], [steps, channels] or [h, w, c])', fmt(item.targetShape));
        shape = [...item.targetShape];
        break;
      }
      case 'globalAveragePooling2d':
      case 'globalMaxPooling2d':
        shape = [shape[2]!];
        break;
      case 'flatten':
        if (shape.length === 1) fail('image or sequence samples', `flat samples ${fmt(shape)} from ${after}`);
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      default:
        break;
    }
  });
  if (shape.length !== 1)
    throw new UsageError(
      expectedMessage(
        'a list that ends with flat samples for the output layer (end it with flatten, gap or gap1d)',
        '--layers',
        `${JSON.stringify(text)}, whose last layer gives ${fmt(shape)}`,
      ),
      'train',
    );
  return { items, inputShape };
}

/** Short text of one layer, for the model line. */
export function describeItem(item: LayerItem, activation: ActivationName): string {
  switch (item.kind) {
    case 'dense':
      return `dense ${item.units} ${item.activation ?? activation}`;
    case 'conv2d': {
      const [kh, kw] = item.kernelSize;
      const extra = [
        item.strides > 1 ? `stride ${item.strides}` : '',
        item.dilationRate > 1 ? `dilation ${item.dilationRate}` : '',
        item.padding === 'same' ? 'same' : '',
      ].filter(Boolean);
      return `conv ${item.filters}@${kh}x${kw}${extra.length ? ` ${extra.join(' ')}` : ''} ${item.activation ?? activation}`;
    }
    case 'conv1d': {
      const extra = [
        item.strides > 1 ? `stride ${item.strides}` : '',
        item.dilationRate > 1 ? `dilation ${item.dilationRate}` : '',
        item.padding === 'same' ? 'same' : '',
      ].filter(Boolean);
      return `conv1d ${item.filters}@${item.kernelSize}${extra.length ? ` ${extra.join(' ')}` : ''} ${item.activation ?? activation}`;
    }
    case 'maxPooling1d':
    case 'averagePooling1d':
      return `${item.kind === 'maxPooling1d' ? 'maxpool1d' : 'avgpool1d'} ${item.poolSize}${item.strides !== item.poolSize ? ` stride ${item.strides}` : ''}${item.padding === 'same' ? ' same' : ''}`;
    case 'globalAveragePooling1d':
      return 'global avgpool1d';
    case 'reshape':
      return `reshape ${item.targetShape.join('x')}`;
    case 'maxPooling2d':
    case 'averagePooling2d':
      return `${item.kind === 'maxPooling2d' ? 'maxpool' : 'avgpool'} ${item.poolSize}${item.strides !== item.poolSize ? ` stride ${item.strides}` : ''}${item.padding === 'same' ? ' same' : ''}`;
    case 'dropout':
      return `dropout ${item.rate}`;
    case 'globalAveragePooling2d':
      return 'global avgpool';
    case 'globalMaxPooling2d':
      return 'global maxpool';
    case 'batchNormalization':
      return 'batchnorm';
    case 'layerNormalization':
      return 'layernorm';
    case 'flatten':
      return 'flatten';
  }
}
