// Calibration of a float network for quantization: the range of the values
// at chosen points (the input, and the outputs of chosen layers) over a set
// of samples, in prediction mode (dropout off, batch normalization with its
// moving statistics).
#pragma once
#include <cstddef>
#include <vector>

#include "network.h"

namespace simdnn {

struct ValueRange {
  float lo = 0.f, hi = 0.f;
};

// points: -1 for the network's input, else a layer index (its output).
// percentile == 0: the minimum and maximum. Otherwise (50 < p < 100) the
// range from the (100 - p)-th to the p-th percentile of the values, from a
// histogram of 4096 bins over [min, max] (a second pass over the samples).
std::vector<ValueRange> calibration_ranges(Network& net, const float* x, size_t rows, const std::vector<long>& points,
                                           double percentile);

}  // namespace simdnn
