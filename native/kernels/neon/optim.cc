#include "../optim_kernels.h"
#include "../vec/vec_neon.h"
#define SIMDNN_ISA_NS neon
#include "../generic/optim.inl"
