#include "../kernels.h"
namespace simdnn {
namespace scalar {
void fill_math(MathKernels&) {}
}  // namespace scalar
}  // namespace simdnn
