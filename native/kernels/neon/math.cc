#include "../kernels.h"
namespace simdnn {
namespace neon {
void fill_math(MathKernels&) {}
}  // namespace neon
}  // namespace simdnn
