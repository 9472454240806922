#include "../kernels.h"
namespace simdnn {
namespace avx512 {
void fill_gemm(GemmKernels&) {}
}  // namespace avx512
}  // namespace simdnn
