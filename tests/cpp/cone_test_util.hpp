// SPDX-License-Identifier: Apache-2.0
// Random points and comparisons shared by the cone tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/vec.hpp"

namespace batchcone::kernels::testing {

using Vec = std::vector<double>;

inline double max_abs(const Vec& v) {
  double r = 0.0;
  for (double t : v) r = std::max(r, std::abs(t));
  return r;
}

inline void expect_vec_near(const Vec& got, const Vec& want, double rel, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  const double tol = rel * std::max(1.0, max_abs(want));
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol) << what << " entry " << i;
}

// A random k×k orthogonal matrix (column-major): Gram–Schmidt on a Gaussian matrix.
inline Vec random_orthogonal(std::mt19937& rng, int k) {
  std::normal_distribution<double> g;
  Vec q(k * k);
  for (double& v : q) v = g(rng);
  for (int j = 0; j < k; ++j) {
    for (int p = 0; p < j; ++p) {
      double d = 0;
      for (int i = 0; i < k; ++i) d += q[i + k * j] * q[i + k * p];
      for (int i = 0; i < k; ++i) q[i + k * j] -= d * q[i + k * p];
    }
    double nrm = 0;
    for (int i = 0; i < k; ++i) nrm += q[i + k * j] * q[i + k * j];
    for (int i = 0; i < k; ++i) q[i + k * j] /= std::sqrt(nrm);
  }
  return q;
}

inline Vec normal_vec(std::mt19937& rng, int d, double sd = 1.0) {
  std::normal_distribution<double> g(0.0, sd);
  Vec v(d);
  for (double& t : v) t = g(rng);
  return v;
}

// A random point strictly inside Qᵈ: x₁ ~ N(0, I), x₀ = ‖x₁‖ + margin.
inline Vec soc_interior(std::mt19937& rng, int d) {
  Vec v = normal_vec(rng, d);
  std::uniform_real_distribution<double> margin(0.05, 2.0);
  v[0] = std::sqrt(sumsq(d - 1, v.data() + 1)) + margin(rng);
  return v;
}

inline Vec nonneg_interior(std::mt19937& rng, int d) {
  std::uniform_real_distribution<double> u(0.05, 5.0);
  Vec v(d);
  for (double& t : v) t = u(rng);
  return v;
}

// x₀ − ‖x₁‖: ≥ 0 exactly on the cone.
inline double soc_margin(const Vec& x) {
  return x[0] - std::sqrt(sumsq(static_cast<int>(x.size()) - 1, x.data() + 1));
}

}  // namespace batchcone::kernels::testing
