// NEON GEMM kernels. 8 x 12 register tile: 24 accumulators + 3 B vectors +
// broadcasts of the 32 q registers.
#include "../vec/vec_neon.h"
#define SIMDNN_ISA_NS neon
#define SIMDNN_GEMM_MR 8
#define SIMDNN_GEMM_NV 3
#include "../generic/gemm.inl"
