#include <cmath>

#include "../norm_kernels.h"
#include "../vec/vec_neon.h"
#define SIMDNN_ISA_NS neon
#include "../generic/norm.inl"
