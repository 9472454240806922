#include "../kernels.h"
namespace simdnn {
namespace scalar {
void fill_gemm(GemmKernels&) {}
}  // namespace scalar
}  // namespace simdnn
