#include "../kernels.h"
namespace simdnn {
namespace avx2 {
void fill_gemm(GemmKernels&) {}
}  // namespace avx2
}  // namespace simdnn
