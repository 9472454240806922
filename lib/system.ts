/** Library-wide settings and facts: info, threads, the global seed. */
import { createRequire } from 'node:module';
import { native, prebuilt } from './native.js';
import { checkInteger } from './validate.js';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export interface Info {
  /** simdnn's version. */
  version: string;
  /** The kernel set in use: the fastest this CPU supports, or the one forced with `SIMDNN_ISA`. */
  isa: 'avx512' | 'avx2' | 'neon' | 'scalar';
  /** Compute threads used by the kernels. */
  threads: number;
  /** Physical cores detected (the default thread count). */
  physicalCores: number;
  /** The N-API version the addon was built for. */
  napiVersion: number;
  /** True only when the binary came from `prebuilds/` (not a local build). */
  prebuilt: boolean;
  /** Every kernel set this CPU and build can run (any can be forced with `SIMDNN_ISA`). */
  availableIsas: string[];
  /**
   * The caches the matrix products are blocked for, in bytes (L1d and L2 of one core, L3 as reported), and where
   * the sizes came from (`sysfs`, a CPUID leaf, or `default` when neither said).
   */
  caches: { l1d: number; l2: number; l3: number; source: string };
  /**
   * The matrix product's register tile (`mr` x `nr`) and cache blocking (`kc`, `mc`, `nc`) of the kernel set in
   * use, derived from `caches` (`SIMDNN_GEMM_BLOCKING=KC,MC,NC` overrides the blocking, for tuning).
   */
  gemm: { mr: number; nr: number; kc: number; mc: number; nc: number };
  /** The int8 kernel quantized models use ('avx512-vnni', 'avx-vnni', 'avx2-int16', 'neon-dot', 'neon-widen', 'scalar'; `SIMDNN_INT8` forces one). */
  int8: string;
  /** Every int8 kernel this CPU runs, fastest first. */
  availableInt8: string[];
}

/** What simdnn runs on. */
export function info(): Info {
  const n = native.info();
  return {
    version: pkg.version,
    isa: n.isa,
    threads: n.threads,
    physicalCores: n.physicalCores,
    napiVersion: n.napiVersion,
    prebuilt,
    availableIsas: n.availableIsas,
    caches: { ...n.caches },
    gemm: { ...n.gemm },
    int8: n.int8,
    availableInt8: n.availableInt8.split(', '),
  };
}

/** Sets the number of compute threads used by the kernels (1 to 256; default: physical cores). */
export function setThreads(n: number): void {
  native.setThreads(checkInteger(n, 'n', { min: 1, max: 256 }));
}

let globalSeed: number | undefined;

/** Sets the global seed used by every random choice that is not given its own `seed`. */
export function setSeed(seed: number): void {
  globalSeed = checkInteger(seed, 'seed', { min: 0, max: 2 ** 32 - 1 });
}

/** The seed to use: the given one, else the global one, else a fresh random one. */
export function resolveSeed(seed: number | undefined): number {
  if (seed !== undefined) return seed;
  if (globalSeed !== undefined) return globalSeed;
  return Math.floor(Math.random() * 2 ** 32);
}
