/** The shape of the compiled addon's exports (internal; not part of the public API). */
export interface NativeInfo {
  isa: 'avx512' | 'avx2' | 'neon' | 'scalar';
  threads: number;
  physicalCores: number;
  availableIsas: string[];
  napiVersion: number;
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
  Dataset: new (x: Float32Array, y: Float32Array, w: Float32Array | null, n: number, xCols: number, yCols: number) => any;
}
