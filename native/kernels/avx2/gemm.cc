// AVX2 + FMA GEMM kernels. 6 x 16 register tile: 12 accumulators + 2 B
// vectors + 1 broadcast of the 16 ymm registers. KC x NR of B (16 KiB) stays
// in L1, the MC x KC block of A (144 KiB) in L2.
#include "../vec/vec_avx2.h"
#define SIMDNN_ISA_NS avx2
#define SIMDNN_GEMM_MR 6
#define SIMDNN_GEMM_NV 2
#define SIMDNN_GEMM_KC 256
#define SIMDNN_GEMM_MC 144
#define SIMDNN_GEMM_NC 4080
#include "../generic/gemm.inl"
