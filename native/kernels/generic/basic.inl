// Generic basic kernels, compiled once per ISA. Include after the ISA's vec
// header with SIMDNN_ISA_NS defined to that ISA's namespace.
namespace simdnn {
namespace SIMDNN_ISA_NS {

static float dot(const float* a, const float* b, size_t n) {
  vf acc0 = vzero(), acc1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = vfmadd(vload(a + i), vload(b + i), acc0);
    acc1 = vfmadd(vload(a + i + kLanes), vload(b + i + kLanes), acc1);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = vfmadd(vload(a + i), vload(b + i), acc0);
  if (i < n) acc1 = vfmadd(vload_partial(a + i, n - i), vload_partial(b + i, n - i), acc1);
  return vreduce_add(vadd(acc0, acc1));
}

static void axpy(size_t n, float alpha, const float* x, float* y) {
  const vf va = vset1(alpha);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vstore(y + i, vfmadd(va, vload(x + i), vload(y + i)));
  if (i < n) vstore_partial(y + i, vfmadd(va, vload_partial(x + i, n - i), vload_partial(y + i, n - i)), n - i);
}

static void scale(size_t n, float alpha, const float* x, float* y) {
  const vf va = vset1(alpha);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vstore(y + i, vmul(va, vload(x + i)));
  if (i < n) vstore_partial(y + i, vmul(va, vload_partial(x + i, n - i)), n - i);
}

static float sum(const float* x, size_t n) {
  vf acc0 = vzero(), acc1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = vadd(acc0, vload(x + i));
    acc1 = vadd(acc1, vload(x + i + kLanes));
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = vadd(acc0, vload(x + i));
  if (i < n) acc1 = vadd(acc1, vload_partial(x + i, n - i));
  return vreduce_add(vadd(acc0, acc1));
}

static float sum_squares(const float* x, size_t n) { return dot(x, x, n); }

void fill_basic(BasicKernels& k) {
  k.dot = dot;
  k.axpy = axpy;
  k.scale = scale;
  k.sum = sum;
  k.sum_squares = sum_squares;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
