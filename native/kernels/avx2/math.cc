#include "../kernels.h"
namespace simdnn {
namespace avx2 {
void fill_math(MathKernels&) {}
}  // namespace avx2
}  // namespace simdnn
