/** The shape of the compiled addon's exports (internal; not part of the public API). */
export interface NativeInfo {
  isa: 'avx512' | 'avx2' | 'neon' | 'scalar';
  int8: string;
  availableInt8: string;
  threads: number;
  physicalCores: number;
  availableIsas: string[];
  napiVersion: number;
  caches: { l1d: number; l2: number; l3: number; source: string };
  gemm: { mr: number; nr: number; kc: number; mc: number; nc: number };
}

export interface NativeAddon {
  info(): NativeInfo;
  setThreads(n: number): void;
  selectIsa(name: string): void;
  dot(a: Float32Array, b: Float32Array): number;
  matmul(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    out: Float32Array,
  ): Float32Array;
  matmulAsync(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
  ): Promise<Float32Array>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Model: new (spec: any) => any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  QuantizedModel: new (spec: any) => any;
  calibrationRanges(model: unknown, x: Float32Array, rows: number, points: number[], percentile: number): Float32Array;
  selectInt8(name: string): void;
  Dataset: new (n: number, xCols: number, yCols: number, hasWeights: boolean) => NativeDataset;
}

/** Samples held in native memory, filled in chunks. */
export interface NativeDataset {
  /** Copies rows from firstRow on; returns the index of the first non-finite value when checking, else -1. */
  write(part: 0 | 1 | 2, firstRow: number, values: Float32Array, checkFinite: boolean): number;
}
