#include "../kernels.h"
namespace simdnn {
namespace avx2 {
void fill_optim(OptimKernels&) {}
}  // namespace avx2
}  // namespace simdnn
