#include "../conv_kernels.h"
#include "../vec/vec_avx512.h"
#define SIMDNN_ISA_NS avx512
#include "../generic/conv.inl"
