// Fused optimizer update kernels of one ISA (filled by fill_optim).
#pragma once
#include <cstddef>

namespace simdnn {

struct OptimKernels {
  int placeholder_until_optim_lands;
};

}  // namespace simdnn
