#include "../conv_kernels.h"
#include "../vec/vec_neon.h"
#define SIMDNN_ISA_NS neon
#include "../generic/conv.inl"
