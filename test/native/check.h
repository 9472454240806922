// Minimal check macros for the standalone C++ kernel tests (no framework
// needed; each test binary exits non-zero on the first failure summary).
#pragma once
#include <cstdio>
#include <cstdlib>

static int g_failures = 0;
static int g_checks = 0;
#define CHECK(cond, ...)                                                            \
  do {                                                                              \
    ++g_checks;                                                                     \
    if (!(cond)) {                                                                  \
      ++g_failures;                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      if (g_failures > 20) std::exit(1);                                            \
    }                                                                               \
  } while (0)
static inline int check_summary(const char* name) {
  std::printf("%s: %d checks, %d passed, %d failed\n", name, g_checks, g_checks - g_failures, g_failures);
  return g_failures ? 1 : 0;
}
