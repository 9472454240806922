// sgemm vs OpenBLAS cblas_sgemm, side by side in one run.
//   bench_gemm [--quick] [--json PATH]
//   bench_gemm --check-openblas     (OpenBLAS against float64 on a set of shapes, JSON)
// Measures the FMA peak of one core (peak.h), then GFLOP/s (median of several
// samples, each long enough to time reliably) for square sizes and the MLP
// shapes at 1 and 2 threads, and checks both results against a float64
// reference. Built and run by bench/gemm/run.mjs, which also chooses
// OpenBLAS's kernels (OPENBLAS_CORETYPE) with --check-openblas.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/gemm.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"
#include "peak.h"

using namespace simdnn;
using simdnn_bench::fma_peak;
using simdnn_bench::FmaPeak;
using simdnn_bench::peak_now_s;
using Clock = std::chrono::steady_clock;

namespace {

double now_s() { return peak_now_s(); }

struct Shape {
  std::string name;
  bool ta, tb;
  size_t m, n, k;
};

struct Stats {
  double median, lo, hi;
};

// Samples of fn in GFLOP/s: each runs it enough times to last >= min_time seconds.
void measure(const std::function<void()>& fn, double flops, int samples, double min_time, std::vector<double>& g) {
  fn();  // warm up (and grow packing buffers)
  const double t0 = now_s();
  fn();
  const double one = std::max(now_s() - t0, 1e-7);
  const long iters = std::max<long>(1, (long)(min_time / one));
  for (int s = 0; s < samples; ++s) {
    const double start = now_s();
    for (long i = 0; i < iters; ++i) fn();
    g.push_back(flops * iters / (now_s() - start) / 1e9);
  }
}

Stats stats(std::vector<double> g) {
  std::sort(g.begin(), g.end());
  const size_t n = g.size();
  return {n % 2 ? g[n / 2] : (g[n / 2 - 1] + g[n / 2]) / 2, g.front(), g.back()};
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// A field of /proc/cpuinfo's first processor ("cpu family", "model", "vendor_id"), or "".
std::string cpu_field(const std::string& key) {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon);
    while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.pop_back();
    if (k == key) return colon + 2 <= line.size() ? line.substr(colon + 2) : "";
  }
  return "";
}

// Largest |c - ref| over largest |ref| on up to 32 rows spread over C, the
// reference computed in double from the same float inputs (row-major, as
// cblas_sgemm is called here).
double relerr_vs_f64(bool ta, bool tb, size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b,
                     size_t ldb, const float* c) {
  const size_t rows = std::min<size_t>(m, 32);
  double maxdiff = 0, maxref = 0;
  std::vector<double> ref(n);
  for (size_t r = 0; r < rows; ++r) {
    const size_t i = rows == m ? r : r * (m - 1) / (rows - 1);
    std::fill(ref.begin(), ref.end(), 0.0);
    for (size_t p = 0; p < k; ++p) {
      const double av = ta ? a[p * lda + i] : a[i * lda + p];
      for (size_t j = 0; j < n; ++j) ref[j] += av * (tb ? b[j * ldb + p] : b[p * ldb + j]);
    }
    for (size_t j = 0; j < n; ++j) {
      maxdiff = std::max(maxdiff, std::fabs(c[i * n + j] - ref[j]));
      maxref = std::max(maxref, std::fabs(ref[j]));
    }
  }
  return maxref > 0 ? maxdiff / maxref : maxdiff;
}

// Above this relative error (float32 sums of up to 2048 products of numbers in
// [-1, 1] stay near 1e-7) a product is wrong, not rounded differently.
constexpr double kMaxRelerr = 1e-5;

std::string cpu_flags() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, out;
  while (std::getline(f, line))
    if (line.rfind("flags", 0) == 0) {
      for (const char* fl : {" avx2", " fma", " avx512f", " avx512bw", " avx512dq", " avx512vl"})
        if (line.find(std::string(fl) + " ") != std::string::npos ||
            line.size() >= std::strlen(fl) && line.compare(line.size() - std::strlen(fl), std::string::npos, fl) == 0)
          out += (out.empty() ? "" : " ") + std::string(fl + 1);
      break;
    }
  return out;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if ((unsigned char)c >= 0x20) o += c;
  }
  return o;
}

}  // namespace

// --openblas-sample M N K TA TB THREADS: one sample of cblas_sgemm on that
// shape (after a warm-up), printed as GFLOP/s. node-entry.mjs interleaves it
// with its nn.matmul samples so that both see the same machine load.
int openblas_sample(char** v) {
  const size_t m = std::strtoul(v[0], nullptr, 10), n = std::strtoul(v[1], nullptr, 10),
               k = std::strtoul(v[2], nullptr, 10);
  const bool ta = std::atoi(v[3]) != 0, tb = std::atoi(v[4]) != 0;
  const int threads = std::atoi(v[5]);
  openblas_set_num_threads(threads);
  const size_t ac = ta ? m : k, bc = tb ? k : n;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  std::vector<double> g;
  measure(
      [&] {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                    (int)k, 1.f, a.data(), (int)ac, b.data(), (int)bc, 0.f, c.data(), (int)n);
      },
      2.0 * m * n * k, 1, 0.05, g);
  std::printf("%.3f\n", g[0]);
  return 0;
}

// --check-openblas: cblas_sgemm on products of every transpose combination,
// odd sizes, the 10-wide MLP shapes and 512^3, at 1 and 2 threads, each
// against a float64 reference. Prints one line of JSON: the core OpenBLAS
// chose, the largest relative error and whether every product is within
// kMaxRelerr. run.mjs uses it to pick OPENBLAS_CORETYPE.
int check_openblas() {
  struct Case {
    bool ta, tb;
    size_t m, n, k;
  };
  const Case cases[] = {{false, false, 512, 512, 512}, {false, false, 128, 256, 784}, {true, false, 784, 256, 128},
                        {false, true, 128, 784, 256},  {false, false, 128, 10, 128},  {true, false, 128, 10, 128},
                        {false, true, 128, 128, 10},   {true, true, 77, 45, 133},     {false, false, 1, 256, 784},
                        {false, false, 131, 67, 259}};
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  double worst = 0;
  for (int threads : {1, 2}) {
    openblas_set_num_threads(threads);
    for (const Case& s : cases) {
      const size_t ar = s.ta ? s.k : s.m, ac = s.ta ? s.m : s.k, br = s.tb ? s.n : s.k, bc = s.tb ? s.k : s.n;
      std::vector<float> a(ar * ac), b(br * bc), c(s.m * s.n, 7.f);
      for (auto& x : a) x = u(rng);
      for (auto& x : b) x = u(rng);
      cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, (int)s.m, (int)s.n,
                  (int)s.k, 1.f, a.data(), (int)ac, b.data(), (int)bc, 0.f, c.data(), (int)s.n);
      worst = std::max(worst, relerr_vs_f64(s.ta, s.tb, s.m, s.n, s.k, a.data(), ac, b.data(), bc, c.data()));
    }
  }
  std::printf("{\"core\": \"%s\", \"config\": \"%s\", \"max_relerr\": %.3g, \"ok\": %s}\n",
              json_escape(openblas_get_corename()).c_str(), json_escape(openblas_get_config()).c_str(), worst,
              worst <= kMaxRelerr ? "true" : "false");
  return 0;
}

int main(int argc, char** argv) {
  bool quick = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--openblas-sample") && i + 6 < argc) return openblas_sample(argv + i + 1);
    if (!std::strcmp(argv[i], "--check-openblas")) return check_openblas();
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
  }
  set_num_threads(2);
  const int samples = quick ? 3 : 9;
  const double min_time = quick ? 0.02 : 0.05;

  std::vector<Shape> shapes;
  for (size_t s : {64, 128, 256, 512, 1024, 2048})
    shapes.push_back({"square " + std::to_string(s), false, false, s, s, s});
  // MLP 784-256-128-10 at batch 128: forward (NN), weight grad (TN), input grad (NT).
  const size_t widths[][2] = {{784, 256}, {256, 128}, {128, 10}};
  for (const auto& w : widths) {
    const std::string l = std::to_string(w[0]) + "->" + std::to_string(w[1]);
    shapes.push_back({"fwd " + l + " NN", false, false, 128, w[1], w[0]});
    shapes.push_back({"wgrad " + l + " TN", true, false, w[0], w[1], 128});
    shapes.push_back({"igrad " + l + " NT", false, true, 128, w[0], w[1]});
  }
  shapes.push_back({"batch1 784->256 NN", false, false, 1, 256, 784});

  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf("CPU: %s (%s family %s model %s), flags: %s\n", cpu_model().c_str(), cpu_field("vendor_id").c_str(),
              cpu_field("cpu family").c_str(), cpu_field("model").c_str(), cpu_flags().c_str());
  std::printf("simdnn sgemm (%s) vs OpenBLAS (%s, core %s, OPENBLAS_CORETYPE=%s)\n", kernels().name,
              openblas_get_config(), openblas_get_corename(), coretype ? coretype : "(unset)");
  const FmaPeak fp = fma_peak();
  const double peak = fp.best();
  if (fp.zmm > 0)
    std::printf("FMA peak, one core: %.1f GFLOP/s (ymm %.1f, zmm %.1f)\n\n", peak, fp.ymm, fp.zmm);
  else
    std::printf("FMA peak, one core: %.1f GFLOP/s (ymm)\n\n", peak);
  std::printf("%-22s %3s %16s %16s %7s %7s %7s %9s %9s\n", "shape", "thr", "ours GFLOP/s", "OpenBLAS", "ratio",
              "ours%pk", "blas%pk", "err ours", "err blas");

  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::string rows_json;
  for (const Shape& s : shapes) {
    if (quick && s.m * s.n * s.k > 600ull * 600 * 600) continue;
    const size_t ar = s.ta ? s.k : s.m, ac = s.ta ? s.m : s.k, br = s.tb ? s.n : s.k, bc = s.tb ? s.k : s.n;
    std::vector<float> a(ar * ac), b(br * bc), c1(s.m * s.n), c2(s.m * s.n);
    for (auto& x : a) x = u(rng);
    for (auto& x : b) x = u(rng);
    const double flops = 2.0 * s.m * s.n * s.k;
    for (int threads : {1, 2}) {
      auto ours = [&] {
        sgemm_with(kernels(), threads, s.ta, s.tb, s.m, s.n, s.k, 1.f, a.data(), ac, b.data(), bc, 0.f, c1.data(), s.n);
      };
      auto blas = [&] {
        cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, (int)s.m,
                    (int)s.n, (int)s.k, 1.f, a.data(), (int)ac, b.data(), (int)bc, 0.f, c2.data(), (int)s.n);
      };
      openblas_set_num_threads(threads);
      // Samples taken in turn (ours, OpenBLAS, OpenBLAS, ours, ...), so that
      // a change in the load of this shared machine hits both alike.
      std::vector<double> go, gb;
      for (int i = 0; i < samples; ++i) {
        const bool ours_first = i % 2 == 0;
        for (int side = 0; side < 2; ++side) {
          if ((side == 0) == ours_first) {
            measure(ours, flops, 1, min_time, go);
          } else {
            measure(blas, flops, 1, min_time, gb);
            // OpenBLAS workers spin for a while after a call; let them go to sleep.
            if (threads > 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }
      }
      const Stats so = stats(go), sb = stats(gb);
      // Both results against float64 (a wrong OpenBLAS kernel must not pass as a fast one).
      const double eo = relerr_vs_f64(s.ta, s.tb, s.m, s.n, s.k, a.data(), ac, b.data(), bc, c1.data());
      const double eb = relerr_vs_f64(s.ta, s.tb, s.m, s.n, s.k, a.data(), ac, b.data(), bc, c2.data());
      const double ratio = so.median / sb.median;
      const double pk = peak * threads;
      std::printf("%-22s %3d %7.1f (%4.0f-%4.0f) %6.1f (%4.0f-%4.0f) %6.2fx %6.0f%% %6.0f%% %9.1e %9.1e%s%s\n",
                  s.name.c_str(), threads, so.median, so.lo, so.hi, sb.median, sb.lo, sb.hi, ratio,
                  100 * so.median / pk, 100 * sb.median / pk, eo, eb, eo > kMaxRelerr ? "  OURS WRONG" : "",
                  eb > kMaxRelerr ? "  OPENBLAS WRONG" : "");
      std::fflush(stdout);
      char buf[768];
      std::snprintf(buf, sizeof buf,
                    "%s    {\"shape\": \"%s\", \"trans_a\": %s, \"trans_b\": %s, \"m\": %zu, \"n\": %zu, \"k\": %zu, "
                    "\"threads\": %d, \"ours_gflops\": {\"median\": %.2f, \"min\": %.2f, \"max\": %.2f}, "
                    "\"openblas_gflops\": {\"median\": %.2f, \"min\": %.2f, \"max\": %.2f}, \"ratio\": %.3f, "
                    "\"ours_pct_peak\": %.1f, \"openblas_pct_peak\": %.1f, \"ours_relerr\": %.3g, "
                    "\"openblas_relerr\": %.3g}",
                    rows_json.empty() ? "" : ",\n", s.name.c_str(), s.ta ? "true" : "false", s.tb ? "true" : "false",
                    s.m, s.n, s.k, threads, so.median, so.lo, so.hi, sb.median, sb.lo, sb.hi, ratio,
                    100 * so.median / pk, 100 * sb.median / pk, eo, eb);
      rows_json += buf;
    }
  }

  if (!json_path.empty()) {
    char date[64];
    std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    std::ofstream f(json_path);
    f << "{\n  \"date\": \"" << date << "\",\n  \"machine\": {\"cpu\": \"" << json_escape(cpu_model())
      << "\", \"vendor\": \"" << json_escape(cpu_field("vendor_id")) << "\", \"family\": \""
      << json_escape(cpu_field("cpu family")) << "\", \"model\": \"" << json_escape(cpu_field("model"))
      << "\", \"cores\": " << physical_cores() << ", \"flags\": \"" << cpu_flags() << "\"},\n"
      << "  \"ours_isa\": \"" << kernels().name << "\",\n  \"openblas\": {\"config\": \""
      << json_escape(openblas_get_config()) << "\", \"core\": \"" << json_escape(openblas_get_corename())
      << "\", \"OPENBLAS_CORETYPE\": \"" << json_escape(coretype ? coretype : "") << "\"},\n"
      << "  \"fma_peak_gflops_per_core\": " << peak << ",\n  \"fma_peak\": {\"ymm\": " << fp.ymm
      << ", \"zmm\": " << (fp.zmm > 0 ? std::to_string(fp.zmm) : std::string("null"))
      << "},\n  \"max_relerr\": " << kMaxRelerr << ",\n  \"samples\": " << samples << ",\n  \"results\": [\n"
      << rows_json << "\n  ]\n}\n";
    std::printf("\nwrote %s\n", json_path.c_str());
  }
  return 0;
}
