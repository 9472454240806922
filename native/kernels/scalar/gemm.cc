// Scalar GEMM kernels: the reference every other ISA is tested against.
#include "../vec/vec_scalar.h"
#define SIMDNN_ISA_NS scalar
#define SIMDNN_GEMM_MR 4
#define SIMDNN_GEMM_NV 4
#include "../generic/gemm.inl"
