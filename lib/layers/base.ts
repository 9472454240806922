/**
 * The layer registry: a layer kind (one per `type`) knows its options, its output shape for an input shape,
 * its weights, its native spec and how it is rebuilt from JSON. `Layer` is a description that defers to its
 * kind, so adding a layer touches its family file only.
 */
import type { ActivationName } from '../names.js';
import type { InitializerSpec } from '../initializers.js';
import { describe, expectedMessage } from '../errors.js';

/** The shape of one sample, without the batch dimension: `[features]`, `[steps, channels]` or `[h, w, c]`. */
export type Shape = number[];

export type LayerType =
  | 'dense'
  | 'dropout'
  | 'activation'
  | 'conv2d'
  | 'conv1d'
  | 'maxPooling2d'
  | 'averagePooling2d'
  | 'maxPooling1d'
  | 'averagePooling1d'
  | 'globalAveragePooling2d'
  | 'globalMaxPooling2d'
  | 'globalAveragePooling1d'
  | 'globalMaxPooling1d'
  | 'flatten'
  | 'reshape'
  | 'batchNormalization'
  | 'layerNormalization';

/** The JSON description of a layer (what `save` writes and `layerFromJSON` reads). */
export interface LayerConfig {
  type: LayerType;
  name?: string;
  /** The sample shape of the model's input (first layer only). */
  inputShape?: Shape;
  units?: number;
  inputDim?: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: { l1: number; l2: number };
  biasRegularizer?: { l1: number; l2: number };
  rate?: number;
  filters?: number;
  /** [kh, kw] for 2-D layers, [k] for 1-D ones. */
  kernelSize?: number[];
  strides?: number[];
  dilationRate?: number[];
  poolSize?: number[];
  padding?: 'valid' | 'same';
  targetShape?: Shape;
  /** Keras's trainable (saved only when false). */
  trainable?: boolean;
  /** batchNormalization, layerNormalization */
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}

/** A weight tensor of a layer: its name within the layer and its shape. */
export interface WeightSpec {
  name: string;
  shape: number[];
}

/** What the model needs from a layer kind. */
export interface LayerKind {
  type: LayerType;
  /**
   * The sample shape this layer outputs for `input`; throws a RangeError naming the layer (`label`) when the
   * input does not suit it.
   */
  outputShape(c: LayerConfig, input: Shape, label: string): Shape;
  /** Weight tensors for `input`, in getWeights() order. */
  weights(c: LayerConfig, input: Shape): WeightSpec[];
  /** The native spec (see native/napi/model_spec.cc). */
  native(c: LayerConfig, input: Shape): Record<string, unknown>;
  /** Rebuilds the layer from its JSON description, validating it again. */
  fromJSON(c: LayerConfig): Layer;
  /** What summary() shows after the type (the activation, the window). */
  detail?(c: LayerConfig): string;
}

const kinds = new Map<string, LayerKind>();

/** @internal Registers a layer kind (each family file does it for its kinds). */
export function registerLayer(kind: LayerKind): void {
  kinds.set(kind.type, kind);
}

/** @internal The kind of a type name, or undefined. */
export function layerKind(type: unknown): LayerKind | undefined {
  return typeof type === 'string' ? kinds.get(type) : undefined;
}

/** @internal Every registered type name. */
export function layerTypes(): string[] {
  return [...kinds.keys()];
}

/** A layer description; the model builds the native layers from it. */
export class Layer {
  private isTrainable: boolean;
  /** @internal */
  constructor(readonly config: Readonly<LayerConfig>) {
    this.isTrainable = config.trainable !== false;
  }
  /**
   * Keras's fine-tuning switch: the weights of a frozen layer (false) do not move in training (no optimizer
   * step, no regularizer gradient, no weight decay), and a frozen batchNormalization normalizes with its moving
   * statistics in training too. Takes effect from the next fit / computeGradients; saved with the model.
   */
  get trainable(): boolean {
    return this.isTrainable;
  }
  set trainable(v: boolean) {
    if (typeof v !== 'boolean') throw new TypeError(expectedMessage('a boolean', 'trainable', describe(v)));
    this.isTrainable = v;
  }
  get type(): LayerType {
    return this.config.type;
  }
  /** @internal */
  get kind(): LayerKind {
    return kinds.get(this.config.type)!;
  }
  /** The sample shape out of this layer for a sample shape in. */
  outputShape(input: Shape, label = this.config.name ?? this.config.type): Shape {
    return this.kind.outputShape(this.config, input, label);
  }
  /** @internal The weight tensors for an input shape. */
  weights(input: Shape): WeightSpec[] {
    return this.kind.weights(this.config, input);
  }
  /** @internal The native spec for an input shape. */
  toNative(input: Shape): Record<string, unknown> {
    return { ...this.kind.native(this.config, input), trainable: this.isTrainable };
  }
  /** Whether the layer holds trainable weights. */
  get hasWeights(): boolean {
    const t = this.config.type;
    if (t === 'batchNormalization' || t === 'layerNormalization')
      return this.config.scale !== false || this.config.center !== false;
    return t === 'dense' || t === 'conv2d' || t === 'conv1d';
  }
  toJSON(): LayerConfig {
    const c: LayerConfig = { ...this.config };
    delete c.trainable;
    if (!this.isTrainable) c.trainable = false;
    return c;
  }
}

/** `[n, a, b]` for a sample shape `[a, b]`, in messages. */
export function batchShape(shape: readonly (number | string)[]): string {
  return `[n, ${shape.join(', ')}]`;
}

/** The RangeError for an input of the wrong rank or size: `<label> expects [n, ...] but received [n, ...]`. */
export function shapeError(label: string, expected: string, input: Shape, hint = ''): RangeError {
  return new RangeError(
    expectedMessage(expected, `the input of ${label}`, `${batchShape(input)}${hint ? ` (${hint})` : ''}`),
  );
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
