// SPDX-License-Identifier: Apache-2.0
// The composite cone K = K₁ × … × K_p (kernels/cone_table.hpp) over a table mixing Zero, NonNeg
// and SOC cones (dense and expanded sizes, and the one-row SOC): the initial shift into the
// interior, the step length as the minimum over cones, and per-cone NT scaling.
//
// Tolerances: 1e-12 relative to the data scale, as in test_cone_nonneg_soc.cpp (short chains of
// well-conditioned operations on O(1)..O(10) data).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "cone_test_util.hpp"
#include "kernels/cone_table.hpp"

namespace batchcone::kernels {
namespace {

using namespace testing;

constexpr int kTrials = 50;

// ---------------------------------------------------------------------------------------------
// Composite cone table.

struct Table {
  std::vector<int> kind, offset, dim;
  int degree = 0, m = 0;
  void add(int k, int d) {
    kind.push_back(k), offset.push_back(m), dim.push_back(d);
    degree += (k == kNonNegCone) ? d : (k == kSocCone ? 1 : 0);
    m += d;
  }
  ConeTable view() const {
    // No PSD cones here: every cone's w block is its own rows.
    return {static_cast<int>(kind.size()), kind.data(), offset.data(), dim.data(), offset.data(),
            m, degree};
  }
};

Table mixed_table() {
  Table t;
  t.add(kZeroCone, 3);
  t.add(kNonNegCone, 4);
  t.add(kSocCone, 1);
  t.add(kSocCone, 3);
  t.add(kZeroCone, 1);
  t.add(kSocCone, 20);
  t.add(kNonNegCone, 2);
  return t;
}

double min_margin(const Table& t, const Vec& v) {
  double a = INFINITY;
  for (size_t c = 0; c < t.kind.size(); ++c) {
    const int o = t.offset[c], d = t.dim[c];
    if (t.kind[c] == kNonNegCone) {
      for (int i = 0; i < d; ++i) a = std::min(a, v[o + i]);
    } else if (t.kind[c] == kSocCone) {
      a = std::min(a, soc_margin(Vec(v.begin() + o, v.begin() + o + d)));
    }
  }
  return a;
}

TEST(ConeTable, ShiftToInteriorPlacesVectorsStrictlyInside) {
  std::mt19937 rng(20);
  const Table t = mixed_table();
  const ConeTable k = t.view();
  Vec scratch(t.m);
  for (int trial = 0; trial < kTrials; ++trial) {
    for (bool primal : {true, false}) {
      const Vec v0 = normal_vec(rng, t.m, 3.0);
      Vec v = v0;
      cones_shift_to_interior(k, v.data(), primal, scratch.data());
      EXPECT_GE(min_margin(t, v), 1.0 - 1e-12) << "every margin ≥ target ≥ 1";
      // Independently: the common shift moves the smallest margin α to max(α, target), with
      // target = max(1, 0.1·β/ν) and β the sum of positive margins (per NonNeg entry, per SOC).
      double alpha0 = INFINITY, beta0 = 0.0;
      for (size_t c = 0; c < t.kind.size(); ++c) {
        const int o = t.offset[c], d = t.dim[c];
        if (t.kind[c] == kNonNegCone) {
          for (int i = 0; i < d; ++i)
            alpha0 = std::min(alpha0, v0[o + i]), beta0 += std::max(v0[o + i], 0.0);
        } else if (t.kind[c] == kSocCone) {
          const double a = soc_margin(Vec(v0.begin() + o, v0.begin() + o + d));
          alpha0 = std::min(alpha0, a), beta0 += std::max(a, 0.0);
        }
      }
      const double target = std::max(1.0, 0.1 * beta0 / t.degree);
      EXPECT_NEAR(min_margin(t, v), std::max(alpha0, target), 1e-12 * (1.0 + max_abs(v0)));
      for (size_t c = 0; c < t.kind.size(); ++c) {
        const int o = t.offset[c];
        for (int i = 0; i < t.dim[c]; ++i) {
          if (t.kind[c] == kZeroCone) {
            EXPECT_EQ(v[o + i], primal ? 0.0 : v0[o + i]) << "zero cone row " << o + i;
          } else if (t.kind[c] == kSocCone && i > 0) {
            EXPECT_EQ(v[o + i], v0[o + i]) << "only t shifts";
          }
        }
      }
    }
  }
  // Already deep inside (margins ≥ target): unchanged.
  Vec deep(t.m, 0.0);
  for (size_t c = 0; c < t.kind.size(); ++c)
    if (t.kind[c] != kZeroCone) {
      const int count = (t.kind[c] == kSocCone) ? 1 : t.dim[c];
      for (int i = 0; i < count; ++i) deep[t.offset[c] + i] = 2.0;
    }
  Vec copy_of = deep;
  cones_shift_to_interior(k, copy_of.data(), false, scratch.data());
  EXPECT_EQ(copy_of, deep);
}

TEST(ConeTable, StepLengthIsMinimumOverConesAndScalingIsPerCone) {
  std::mt19937 rng(21);
  const Table t = mixed_table();
  const ConeTable k = t.view();
  for (int trial = 0; trial < kTrials; ++trial) {
    Vec x(t.m), s(t.m), z(t.m), dx = normal_vec(rng, t.m);
    double want = 1e6;
    for (size_t c = 0; c < t.kind.size(); ++c) {
      const int o = t.offset[c], d = t.dim[c];
      const Vec xi = t.kind[c] == kSocCone ? soc_interior(rng, d) : nonneg_interior(rng, d);
      const Vec si = t.kind[c] == kSocCone ? soc_interior(rng, d) : nonneg_interior(rng, d);
      const Vec zi = t.kind[c] == kSocCone ? soc_interior(rng, d) : nonneg_interior(rng, d);
      std::copy(xi.begin(), xi.end(), x.begin() + o);
      std::copy(si.begin(), si.end(), s.begin() + o);
      std::copy(zi.begin(), zi.end(), z.begin() + o);
      if (t.kind[c] == kZeroCone) dx[o] = -1e9;  // zero cones impose nothing
      if (t.kind[c] == kNonNegCone)
        want = std::min(want, nonneg_step_length(d, xi.data(), dx.data() + o, 1e6));
      if (t.kind[c] == kSocCone)
        want = std::min(want, soc_step_length(d, xi.data(), dx.data() + o, 1e6));
    }
    Vec scratch(t.m);
    EXPECT_EQ(cones_step_length(k, x.data(), dx.data(), 1e6, scratch.data()), want);
    EXPECT_EQ(cones_step_length(k, x.data(), dx.data(), 0.25 * want, scratch.data()), 0.25 * want);

    Vec w(t.m), eta(t.kind.size()), lambda(t.m), wz(t.m), winv_s(t.m);
    for (size_t c = 0; c < t.kind.size(); ++c)
      if (t.kind[c] == kZeroCone) {
        for (int i = 0; i < t.dim[c]; ++i) s[t.offset[c] + i] = 0.0;
      }
    ASSERT_TRUE(cones_update_scaling(k, s.data(), z.data(), w.data(), eta.data(), lambda.data()));
    cones_mul_W(k, w.data(), eta.data(), z.data(), wz.data(), kApplyW);
    cones_mul_W(k, w.data(), eta.data(), s.data(), winv_s.data(), kApplyWinvT);
    const double scale = max_abs(s) + max_abs(z);
    expect_vec_near(wz, lambda, 1e-12 * scale, "composite W z = lambda");
    expect_vec_near(winv_s, lambda, 1e-12 * scale, "composite W^-1 s = lambda");
    // A non-interior NonNeg entry makes the composite scaling fail.
    s[t.offset[1] + 2] = -1.0;
    EXPECT_FALSE(cones_update_scaling(k, s.data(), z.data(), w.data(), eta.data(), lambda.data()));
  }
}

// Composite Jordan product/division and e: cone by cone, zero-cone rows give 0.
TEST(ConeTable, JordanOperationsAndIdentityPerCone) {
  std::mt19937 rng(22);
  const Table t = mixed_table();
  const ConeTable k = t.view();
  for (int trial = 0; trial < kTrials; ++trial) {
    Vec lambda(t.m), v = normal_vec(rng, t.m), prod(t.m, NAN), back(t.m, NAN);
    for (size_t c = 0; c < t.kind.size(); ++c) {
      const Vec li =
          t.kind[c] == kSocCone ? soc_interior(rng, t.dim[c]) : nonneg_interior(rng, t.dim[c]);
      std::copy(li.begin(), li.end(), lambda.begin() + t.offset[c]);
    }
    Vec scratch(t.m);
    cones_jordan_mul(k, lambda.data(), v.data(), prod.data(), scratch.data());
    cones_jordan_div(k, lambda.data(), prod.data(), back.data());
    Vec want = v, e(t.m, 0.0), le(t.m, NAN);
    for (size_t c = 0; c < t.kind.size(); ++c)
      for (int i = 0; i < t.dim[c]; ++i)
        if (t.kind[c] == kZeroCone) want[t.offset[c] + i] = 0.0;
    // λ\· is conditioned by λ₀/(λ₀ − ‖λ₁‖) ≤ ~200 for these points: 1e-11 relative.
    expect_vec_near(back, want, 1e-11 * max_abs(lambda), "composite div(mul)");
    cones_add_identity(k, e.data(), 1.0);
    cones_jordan_mul(k, lambda.data(), e.data(), le.data(), scratch.data());
    Vec lz = lambda;
    for (size_t c = 0; c < t.kind.size(); ++c)
      for (int i = 0; i < t.dim[c]; ++i)
        if (t.kind[c] == kZeroCone) lz[t.offset[c] + i] = 0.0;
    expect_vec_near(le, lz, 0.0, "lambda o e");
    for (size_t c = 0; c < t.kind.size(); ++c) {
      const int o = t.offset[c];
      for (int i = 0; i < t.dim[c]; ++i) {
        const double want_e = t.kind[c] == kNonNegCone || (t.kind[c] == kSocCone && i == 0);
        EXPECT_EQ(e[o + i], want_e) << "e at row " << o + i;
      }
    }
  }
}

}  // namespace
}  // namespace batchcone::kernels
