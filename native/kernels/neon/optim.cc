#include "../kernels.h"
namespace simdnn {
namespace neon {
void fill_optim(OptimKernels&) {}
}  // namespace neon
}  // namespace simdnn
