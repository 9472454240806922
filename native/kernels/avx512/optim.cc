#include "../kernels.h"
namespace simdnn {
namespace avx512 {
void fill_optim(OptimKernels&) {}
}  // namespace avx512
}  // namespace simdnn
