// Memory bandwidth of the fused optimizer updates, next to a STREAM-like triad
// measured in the same run. Prints one JSON document on stdout.
//
//   bench_optim [--sizes 1048576,16777216] [--threads 1,2] [--quick]
//
// Traffic counts each array read and each array written once (STREAM rules):
//   triad a = b + s*c: 12 bytes/element; sgd+momentum: w, g, v read, w, v written = 20;
//   adam / adamw: w, g, m, v read, w, m, v written = 28 bytes/parameter.
// Every timed update goes through simdnn::Optimizer::step (the path training
// uses: schedule, bias corrections, thread split), one tensor of n parameters.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/optimizer.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"

using namespace simdnn;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double median, min, max, p25, p75;
};

Stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto q = [&](double f) {
    double x = f * (v.size() - 1);
    size_t i = (size_t)x;
    double r = x - i;
    return i + 1 < v.size() ? v[i] * (1 - r) + v[i + 1] * r : v[i];
  };
  return {q(0.5), v.front(), v.back(), q(0.25), q(0.75)};
}

std::vector<size_t> parse_list(const char* s) {
  std::vector<size_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoull(p, nullptr, 10));
    const char* c = std::strchr(p, ',');
    if (!c) break;
    p = c + 1;
  }
  return out;
}

float* alloc(size_t n) {
  void* p = std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
  if (!p) {
    std::fprintf(stderr, "out of memory allocating %zu floats\n", n);
    std::exit(1);
  }
  return static_cast<float*>(p);
}

int reps_for(size_t n, bool quick) {
  int r = n >= (size_t)8 << 20 ? 21 : 61;
  return quick ? std::max(5, r / 4) : r;
}

void print_stats(const char* key, const Stats& s) {
  std::printf("\"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"p25\": %.6g, \"p75\": %.6g}", key, s.median,
              s.min, s.max, s.p25, s.p75);
}

// a = b + s * c over [0, n) split into contiguous slices, one per thread.
Stats triad(size_t n, size_t threads, int reps, std::vector<double>* gbs_out) {
  float *a = alloc(n), *b = alloc(n), *c = alloc(n);
  set_num_threads(threads);
  auto slices = [&](auto&& body) {
    parallel_run(threads, [&](size_t tid, size_t nt) {
      size_t lo = n * tid / nt, hi = n * (tid + 1) / nt;
      body(lo, hi);
    });
  };
  slices([&](size_t lo, size_t hi) {  // first touch by the thread that uses the slice
    for (size_t i = lo; i < hi; ++i) a[i] = 0, b[i] = 1, c[i] = 2;
  });
  const float s = 3.0f;
  std::vector<double> ms;
  for (int r = -2; r < reps; ++r) {
    auto t0 = Clock::now();
    slices([&](size_t lo, size_t hi) {
      float* __restrict pa = a;
      const float* __restrict pb = b;
      const float* __restrict pc = c;
      for (size_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
    });
    double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (r >= 0) ms.push_back(t);
  }
  volatile float sink = a[n / 2];
  (void)sink;
  std::free(a), std::free(b), std::free(c);
  for (double t : ms) gbs_out->push_back(12.0 * n / (t * 1e6));
  return stats_of(ms);
}

struct OptCase {
  const char* name;
  OptimizerConfig cfg;
  double bytes_per_param;
};

Stats update(const OptCase& oc, size_t n, size_t threads, int reps, std::vector<double>* gbs_out) {
  set_num_threads(threads);
  Optimizer opt(oc.cfg);
  opt.add_param(n);
  float *w = alloc(n), *g = alloc(n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < 4096 && i < n; ++i) w[i] = u(rng), g[i] = u(rng) * 0.01f;
  for (size_t i = 4096; i < n; ++i) w[i] = w[i & 4095], g[i] = g[i & 4095];
  std::vector<double> ms;
  float* wp = w;
  const float* gp = g;
  for (int r = -2; r < reps; ++r) {
    auto t0 = Clock::now();
    opt.step(&wp, &gp);
    double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (r >= 0) ms.push_back(t);
  }
  std::free(w), std::free(g);
  for (double t : ms) gbs_out->push_back(oc.bytes_per_param * n / (t * 1e6));
  return stats_of(ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {(size_t)1 << 20, (size_t)1 << 24};
  std::vector<size_t> threads = {1, 2};
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc)
      sizes = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--sizes n,n] [--threads t,t] [--quick]\n", argv[0]);
      return 2;
    }
  }
  if (*dispatch_error()) {
    std::fprintf(stderr, "%s\n", dispatch_error());
    return 1;
  }

  std::vector<OptCase> cases;
  {
    OptimizerConfig c;
    c.kind = OptimizerKind::Sgd;
    c.learning_rate = 0.01f;
    c.momentum = 0.9f;
    cases.push_back({"sgd-momentum", c, 20});
    c = OptimizerConfig();
    c.kind = OptimizerKind::Adam;
    c.learning_rate = 1e-3f;
    cases.push_back({"adam", c, 28});
    c.kind = OptimizerKind::AdamW;
    c.weight_decay = 0.01f;
    cases.push_back({"adamw", c, 28});
  }

  std::printf("{\"isa\": \"%s\", \"physical_cores\": %zu, \"triad\": [", kernels().name, physical_cores());
  // The triad on arrays as large as the largest optimizer size (DRAM-bound).
  const size_t triad_n = *std::max_element(sizes.begin(), sizes.end());
  bool first = true;
  for (size_t t : threads) {
    for (size_t n : sizes) {
      std::vector<double> gbs;
      Stats s = triad(n, t, reps_for(n, quick), &gbs);
      std::printf("%s\n  {\"n\": %zu, \"threads\": %zu, \"bytes\": %.0f, ", first ? "" : ",", n, t, 12.0 * n);
      print_stats("ms", s);
      std::printf(", ");
      print_stats("gbs", stats_of(gbs));
      std::printf("}");
      std::fflush(stdout);
      first = false;
    }
  }
  std::printf("\n], \"triad_n\": %zu, \"updates\": [", triad_n);
  first = true;
  for (size_t n : sizes)
    for (size_t t : threads)
      for (const OptCase& oc : cases) {
        std::vector<double> gbs;
        Stats s = update(oc, n, t, reps_for(n, quick), &gbs);
        std::printf("%s\n  {\"optimizer\": \"%s\", \"n\": %zu, \"threads\": %zu, \"bytes\": %.0f, ", first ? "" : ",",
                    oc.name, n, t, oc.bytes_per_param * n);
        print_stats("ms", s);
        std::printf(", ");
        print_stats("gbs", stats_of(gbs));
        std::printf("}");
        std::fflush(stdout);
        first = false;
      }
  std::printf("\n]}\n");
  return 0;
}
