#include "../kernels.h"
namespace simdnn {
namespace avx512 {
void fill_math(MathKernels&) {}
}  // namespace avx512
}  // namespace simdnn
