// SPDX-License-Identifier: Apache-2.0
// A dense reference solve for tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace batchcone::testing {

// K⁻¹b for a dense N×N row-major K, by Gaussian elimination with partial pivoting.
inline std::vector<double> dense_solve(std::vector<double> K, std::vector<double> b) {
  const size_t N = b.size();
  for (size_t k = 0; k < N; ++k) {
    size_t piv = k;
    for (size_t i = k + 1; i < N; ++i)
      if (std::abs(K[i * N + k]) > std::abs(K[piv * N + k])) piv = i;
    for (size_t j = 0; j < N; ++j) std::swap(K[k * N + j], K[piv * N + j]);
    std::swap(b[k], b[piv]);
    for (size_t i = k + 1; i < N; ++i) {
      const double f = K[i * N + k] / K[k * N + k];
      for (size_t j = k; j < N; ++j) K[i * N + j] -= f * K[k * N + j];
      b[i] -= f * b[k];
    }
  }
  for (size_t k = N; k-- > 0;) {
    for (size_t j = k + 1; j < N; ++j) b[k] -= K[k * N + j] * b[j];
    b[k] /= K[k * N + k];
  }
  return b;
}

}  // namespace batchcone::testing
