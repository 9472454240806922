#include "../conv_kernels.h"
#include "../vec/vec_avx2.h"
#define SIMDNN_ISA_NS avx2
#include "../generic/conv.inl"
