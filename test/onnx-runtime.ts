// onnxruntime-node for the tests that run exported ONNX files: the devDependency, else a copy in /tmp/peers.
// When it is not installed, `ort` is undefined and those tests skip themselves.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface OrtTensor {
  dims: readonly number[];
  data: unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
export interface Ort {
  InferenceSession: { create(model: Uint8Array | string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => unknown;
}

function load(): Ort | undefined {
  for (const base of [import.meta.url, '/tmp/peers/package.json']) {
    try {
      return createRequire(base)('onnxruntime-node') as Ort;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

export const ort: Ort | undefined = load();

/** Warns once per test file that the onnxruntime checks are skipped. */
export function warnIfNoOrt(file: string): void {
  if (!ort)
    console.warn(`${file}: onnxruntime-node is not installed (npm ci installs it); skipping the runtime checks`);
}

/** Runs an ONNX file's first input and output on CPU with one intra-op thread. */
export async function runOnnx(
  file: string,
  x: Float32Array,
  shape: readonly number[],
): Promise<{ data: Float32Array; dims: number[] }> {
  if (!ort) throw new Error('onnxruntime-node is not installed');
  const session = await ort.InferenceSession.create(readFileSync(file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
  const out = result[session.outputNames[0]!]!;
  return { data: out.data as Float32Array, dims: Array.from(out.dims) };
}
