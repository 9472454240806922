// AVX-512 GEMM kernels. 12 x 32 register tile (the row-major transpose of
// BLIS's 32 x 12 for SKX): 24 accumulators + 2 B vectors + broadcasts of the
// 32 zmm registers. KC is smaller than BLIS's 384 so that a KC x 32 B panel
// (24 KiB) stays in a 32 KiB L1 (Zen 4).
#include "../vec/vec_avx512.h"
#define SIMDNN_ISA_NS avx512
#define SIMDNN_GEMM_MR 12
#define SIMDNN_GEMM_NV 2
#define SIMDNN_GEMM_KC 192
#define SIMDNN_GEMM_MC 192
#define SIMDNN_GEMM_NC 4096
#include "../generic/gemm.inl"
