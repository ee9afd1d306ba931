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
