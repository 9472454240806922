#include "../kernels.h"
namespace simdnn {
namespace neon {
void fill_gemm(GemmKernels&) {}
}  // namespace neon
}  // namespace simdnn
