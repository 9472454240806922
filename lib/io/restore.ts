/**
 * Rebuilds a Sequential model from a validated manifest and its checked
 * binary: layers, build, compile, weights, optimizer state. Everything is
 * checked against the description before the model is allocated.
 */
import { type LayerConfig, layerFromJSON } from '../layers.js';
import { Sequential } from '../model.js';
import type { LossName, MetricName } from '../names.js';
import { optimizerFromJSON, type OptimizerName } from '../optimizers.js';
import { ModelFormatError, type ModelManifest, formatError, impliedShapes, readFloats } from './format.js';

/** Runs `fn`; an error it throws is rethrown with `context` in front, keeping its type. */
function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Error) || e instanceof ModelFormatError) throw e;
    const Ctor = e instanceof TypeError ? TypeError : e instanceof RangeError ? RangeError : ModelFormatError;
    throw new Ctor(`${context}: ${e.message}`);
  }
}

/** The model described by `manifest` with the weights (and optimizer state) in `binary`. */
export function restoreModel(manifest: ModelManifest, binary: Uint8Array, file: string): Sequential {
  const d = manifest.model;
  const layers = d.layers.map((c, i) =>
    withContext(`Invalid layer ${i} in ${file}`, () => layerFromJSON(c as LayerConfig)),
  );
  const inputShape = d.inputShape ?? [d.inputDim!];
  const c0 = layers[0]!.config;
  const first = c0.inputShape ?? (c0.inputDim !== undefined ? [c0.inputDim] : undefined);
  if (first !== undefined && first.join(',') !== inputShape.join(','))
    throw formatError(
      `the input shape of the first layer ([${first.join(', ')}])`,
      `"model.inputShape" in ${file}`,
      `[${inputShape.join(', ')}]`,
    );
  if (!layers.some((l) => l.hasWeights))
    throw formatError('at least one layer with weights', `"model.layers" in ${file}`, 'none');

  // Shapes from the description must match the manifest before anything is allocated.
  const shapes = withContext(`Invalid layers in ${file}`, () =>
    impliedShapes(
      layers.map((l) => l.config),
      inputShape,
    ),
  );
  if (shapes.length !== manifest.weights.length)
    throw formatError(
      `${shapes.length} weight tensors (what the layers in "model" need)`,
      `"weights" in ${file}`,
      `${manifest.weights.length} entries`,
    );
  manifest.weights.forEach((w, i) => {
    const s = shapes[i]!;
    if (s.length !== w.shape.length || s.some((v, j) => v !== w.shape[j]))
      throw formatError(
        `shape [${s.join(', ')}] (from the layers)`,
        `"weights[${i}].shape" (${w.name}) in ${file}`,
        `[${w.shape.join(', ')}]`,
      );
  });

  const model = new Sequential(layers);
  withContext(`Invalid model in ${file}`, () => model.build(inputShape));
  if (d.compile) {
    const c = d.compile;
    withContext(`Invalid compile settings in ${file}`, () =>
      model.compile({
        optimizer: optimizerFromJSON(
          c.optimizer as { name: OptimizerName; config: Record<string, unknown>; schedule?: unknown },
        ),
        loss: c.loss as LossName,
        metrics: c.metrics as MetricName[],
      }),
    );
  }
  model.setWeights(manifest.weights.map((w) => readFloats(binary, w.byteOffset, w.byteLength / 4)));

  const o = manifest.optimizer;
  if (o) {
    if (!d.compile)
      throw formatError(
        '"model.compile" (optimizer state needs a compiled model)',
        file,
        'a model without compile settings',
      );
    const state = {
      iterations: o.iterations,
      slots: o.slots.map((s) => ({ name: s.name, param: s.param, data: readFloats(binary, s.byteOffset, s.length) })),
    };
    withContext(`The optimizer state in ${file} does not fit its model`, () => model.setOptimizerState(state));
    if (o.learningRate !== undefined) model.learningRate = o.learningRate;
    // The generator behind shuffling and dropout, so that resumed training continues the same sequence.
    if (o.randomState !== undefined)
      withContext(`The random state in ${file}`, () => model.setRandomState(o.randomState!));
  }
  return model;
}
