#include "../conv_kernels.h"
#include "../vec/vec_scalar.h"
#define SIMDNN_ISA_NS scalar
#include "../generic/conv.inl"
