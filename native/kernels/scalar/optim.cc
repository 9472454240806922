#include "../kernels.h"
namespace simdnn {
namespace scalar {
void fill_optim(OptimKernels&) {}
}  // namespace scalar
}  // namespace simdnn
