// Network::predict against forward(Pass::Predict): by blocks of rows on
// several threads (and layer by layer where blocks do not pay, or where the
// output shares the input's storage) the outputs are bitwise those of the
// single-threaded forward pass, on every ISA table, for row counts around the
// block size (1, primes, one more and one less than a block multiple), with
// dropout and standalone activation layers in the stack.
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"
#include "nn/network.h"

using namespace simdnn;

namespace {

LayerSpec dense(size_t units, Act act) {
  LayerSpec s;
  s.type = LayerType::Dense;
  s.units = units;
  s.act = act;
  s.bias_init = {Init::GlorotUniform, 0, 0};  // non-zero biases
  return s;
}

LayerSpec other(LayerType type, Act act, float rate) {
  LayerSpec s;
  s.type = type;
  s.act = act;
  s.rate = rate;
  return s;
}

LayerSpec window(LayerType type, size_t in_h, size_t in_w, size_t in_c, size_t k, size_t filters, bool same) {
  LayerSpec s;
  s.type = type;
  s.units = filters;
  s.act = Act::Relu;
  s.bias_init = {Init::GlorotUniform, 0, 0};
  s.geom.in_h = in_h;
  s.geom.in_w = in_w;
  s.geom.in_c = in_c;
  s.geom.k_h = s.geom.k_w = k;
  if (type != LayerType::Conv) s.geom.s_h = s.geom.s_w = k;
  s.geom.same = same;
  return s;
}

bool same_bits(const std::vector<float>& a, const float* b) { return std::memcmp(a.data(), b, a.size() * 4) == 0; }

// `wide`: the stack starts with wide outputs, so that predict takes blocks with one thread too.
void test_stack(const char* isa, const char* name, const std::vector<LayerSpec>& specs, size_t inputs,
                bool wide = false) {
  Network net(inputs, specs, 7);
  const size_t outputs = net.output_size();
  const size_t mr = kernels().gemm.mr, block = (36 + mr - 1) / mr * mr;
  double weights = 0;
  for (const Param* p : net.params()) weights += (double)p->value().size();
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t rows : {1, 5, 71, 72, 73, 97, 257, 1009}) {
    std::vector<float> x(rows * inputs);
    for (float& v : x) v = u(gen);
    set_num_threads(1);
    const float* f = net.forward(x.data(), rows, Pass::Predict);
    const std::vector<float> ref(f, f + rows * outputs);
    for (size_t threads : {1, 2, 3}) {
      set_num_threads(threads);
      std::vector<float> out(rows * outputs, -7.f);
      const bool blocked = net.predict(x.data(), rows, out.data());
      CHECK(same_bits(ref, out.data()), "%s %s rows=%zu threads=%zu blocked=%d: predict differs from forward", isa,
            name, rows, threads, (int)blocked);
      // Blocks are taken from 2 blocks of rows (36 rounded up to MR) and 4e6 flops on (97 rows for the dense
      // stacks), with 2 threads or more, or with one thread when the first layers' outputs are wide.
      const bool expect_blocked = (threads > 1 || wide) && rows >= 2 * block && 2.0 * weights * rows >= 4e6;
      CHECK(blocked == expect_blocked, "%s %s rows=%zu threads=%zu: blocked=%d", isa, name, rows, threads,
            (int)blocked);
      // Output in the input's own storage (x is at least as large): layer by layer, same values.
      std::vector<float> shared = x;
      const bool b2 = net.predict(shared.data(), rows, shared.data());
      CHECK(!b2 && std::memcmp(shared.data(), ref.data(), ref.size() * 4) == 0,
            "%s %s rows=%zu threads=%zu: predict into x's storage differs (blocked=%d)", isa, name, rows, threads,
            (int)b2);
    }
  }
}

}  // namespace

int main() {
  for (int isa = 0; isa < 4; ++isa) {
    if (!kernels_for((Isa)isa)) {
      std::printf("SKIP %s: not supported by this CPU or build\n", isa_name((Isa)isa));
      continue;
    }
    select_isa((Isa)isa);
    const char* name = isa_name((Isa)isa);
    // 100-128-64-10: 21,834 weights and biases; 2 x 97 x 21,834 > 4e6 > 2 x 73 x 21,834.
    test_stack(name, "relu-tanh-softmax", {dense(128, Act::Relu), dense(64, Act::Tanh), dense(10, Act::Softmax)}, 100);
    test_stack(name, "dropout and activations",
               {dense(128, Act::Linear), other(LayerType::Activation, Act::Relu, 0.f),
                other(LayerType::Dropout, Act::Linear, 0.4f), dense(64, Act::Gelu), dense(10, Act::Linear),
                other(LayerType::Dropout, Act::Linear, 0.2f)},
               100);
    // [16, 16, 3] -> conv 12 same (3,072 floats a sample: wide) -> maxpool 2 -> conv 8 -> dense 160 -> dense 10:
    test_stack(name, "conv-pool-conv-dense",
               {window(LayerType::Conv, 16, 16, 3, 3, 12, true), window(LayerType::MaxPool, 16, 16, 12, 2, 0, false),
                window(LayerType::Conv, 8, 8, 12, 3, 8, false), dense(160, Act::Relu), dense(10, Act::Softmax)},
               16 * 16 * 3, true);
  }
  return check_summary("test_predict");
}
