// SPDX-License-Identifier: Apache-2.0
// Per-cone unit tests of the NonNeg and SOC kernels at random interior points: NT scaling
// identities, the Jordan algebra, step lengths against bisection on membership, the dense and
// expanded forms of the SOC Hessian block H = WᵀW. The composite table: test_cone_table.cpp.
//
// Tolerances: every identity below is an O(d) chain of well-conditioned floating-point
// operations on O(1)..O(10) data, so it holds to a small multiple of d·ε·scale; we use 1e-12
// relative to the scale of the vectors involved (ε ≈ 2.2e-16, d ≤ 20, scale ≤ ~50).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cone_test_util.hpp"
#include "kernels/cone_table.hpp"

namespace batchcone::kernels {
namespace {

using namespace testing;

constexpr int kSocDims[] = {1, 2, 3, 5, 20};
constexpr int kNonNegDims[] = {1, 2, 7, 30};
constexpr int kTrials = 50;

// ---------------------------------------------------------------------------------------------
// NT scaling.

TEST(NonNegScaling, NtIdentities) {
  std::mt19937 rng(11);
  for (int d : kNonNegDims) {
    for (int t = 0; t < kTrials; ++t) {
      const Vec s = nonneg_interior(rng, d), z = nonneg_interior(rng, d);
      Vec w(d), lambda(d), wz(d), wwz(d), winv_s(d), x = normal_vec(rng, d), wx(d), back(d);
      ASSERT_TRUE(nonneg_update_scaling(d, s.data(), z.data(), w.data(), lambda.data()));
      nonneg_mul_W(d, w.data(), z.data(), wz.data());
      nonneg_mul_W(d, w.data(), wz.data(), wwz.data());
      nonneg_mul_Winv(d, w.data(), s.data(), winv_s.data());
      expect_vec_near(wwz, s, 1e-12, "W W z = s");
      expect_vec_near(wz, lambda, 1e-12, "W z = lambda");
      expect_vec_near(winv_s, lambda, 1e-12, "W^-1 s = lambda");
      nonneg_mul_W(d, w.data(), x.data(), wx.data());
      nonneg_mul_Winv(d, w.data(), wx.data(), back.data());
      expect_vec_near(back, x, 1e-12, "W^-1 W x = x");
    }
  }
}

TEST(NonNegScaling, RejectsBoundaryAndExterior) {
  Vec w(3), lambda(3);
  const Vec inside{1.0, 2.0, 3.0};
  for (double bad : {0.0, -1e-300, -1.0, static_cast<double>(NAN)}) {
    Vec s = inside;
    s[1] = bad;
    EXPECT_FALSE(nonneg_update_scaling(3, s.data(), const_cast<double*>(inside.data()), w.data(),
                                       lambda.data()))
        << bad;
    EXPECT_FALSE(nonneg_update_scaling(3, const_cast<double*>(inside.data()), s.data(), w.data(),
                                       lambda.data()))
        << bad;
  }
}

// W is symmetric: ⟨W eᵢ, eⱼ⟩ = ⟨eᵢ, W eⱼ⟩, and the dense W·W equals H = η²(2wwᵀ − J).
void dense_W(int d, const Vec& w, double eta, bool inverse, std::vector<Vec>& cols) {
  cols.assign(d, Vec(d));
  for (int j = 0; j < d; ++j) {
    Vec e(d, 0.0);
    e[j] = 1.0;
    if (inverse)
      soc_mul_Winv(d, w.data(), eta, e.data(), cols[j].data());
    else
      soc_mul_W(d, w.data(), eta, e.data(), cols[j].data());
  }
}

TEST(SocScaling, NtIdentities) {
  std::mt19937 rng(12);
  for (int d : kSocDims) {
    SCOPED_TRACE(d);
    for (int t = 0; t < kTrials; ++t) {
      const Vec s = soc_interior(rng, d), z = soc_interior(rng, d), x = normal_vec(rng, d);
      Vec w(d), lambda(d), wz(d), wwz(d), winv_s(d), wx(d), back(d), back2(d), winv_x(d);
      double eta = 0.0;
      ASSERT_TRUE(soc_update_scaling(d, s.data(), z.data(), w.data(), eta, lambda.data()));
      ASSERT_GT(eta, 0.0);
      // w lies on the hyperboloid wᵀJw = 1 with w₀ > 0.
      EXPECT_NEAR(w[0] * w[0] - sumsq(d - 1, w.data() + 1), 1.0, 1e-12 * w[0] * w[0]);
      soc_mul_W(d, w.data(), eta, z.data(), wz.data());
      soc_mul_W(d, w.data(), eta, wz.data(), wwz.data());
      soc_mul_Winv(d, w.data(), eta, s.data(), winv_s.data());
      const double scale = max_abs(s) + max_abs(z);
      expect_vec_near(wwz, s, 1e-12 * scale, "W W z = s");
      expect_vec_near(wz, lambda, 1e-12 * scale, "W z = lambda");
      expect_vec_near(winv_s, lambda, 1e-12 * scale, "W^-1 s = lambda");
      // λ is strictly inside the cone (it is the scaled point).
      EXPECT_GT(soc_margin(lambda), 0.0);
      soc_mul_W(d, w.data(), eta, x.data(), wx.data());
      soc_mul_Winv(d, w.data(), eta, wx.data(), back.data());
      expect_vec_near(back, x, 1e-12 * scale, "W^-1 W x = x");
      soc_mul_Winv(d, w.data(), eta, x.data(), winv_x.data());
      soc_mul_W(d, w.data(), eta, winv_x.data(), back2.data());
      expect_vec_near(back2, x, 1e-12 * scale, "W W^-1 x = x");

      std::vector<Vec> W, Wi;
      dense_W(d, w, eta, false, W);
      dense_W(d, w, eta, true, Wi);
      for (int i = 0; i < d; ++i)
        for (int j = 0; j < d; ++j) {
          EXPECT_NEAR(W[j][i], W[i][j], 1e-12 * scale) << "W symmetric at " << i << "," << j;
          EXPECT_NEAR(Wi[j][i], Wi[i][j], 1e-12 * scale) << "W^-1 symmetric at " << i << "," << j;
        }
    }
  }
}

TEST(SocScaling, RejectsBoundaryAndExterior) {
  std::mt19937 rng(13);
  for (int d : kSocDims) {
    SCOPED_TRACE(d);
    const Vec inside = soc_interior(rng, d);
    Vec boundary = inside, outside = inside, negative = inside;
    boundary[0] = std::sqrt(sumsq(d - 1, boundary.data() + 1));  // det = 0 exactly
    outside[0] = boundary[0] - 0.1;
    for (double& v : negative) v = -v;  // inside −Q: det > 0 but x₀ < 0
    Vec w(d), lambda(d);
    double eta = 0.0;
    for (const Vec* bad : {&boundary, &outside, &negative}) {
      EXPECT_FALSE(soc_update_scaling(d, const_cast<double*>(bad->data()),
                                      const_cast<double*>(inside.data()), w.data(), eta,
                                      lambda.data()));
      EXPECT_FALSE(soc_update_scaling(d, const_cast<double*>(inside.data()),
                                      const_cast<double*>(bad->data()), w.data(), eta,
                                      lambda.data()));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Jordan algebra.

TEST(JordanAlgebra, DivUndoesMulAndIdentity) {
  std::mt19937 rng(14);
  for (int d : kSocDims) {
    SCOPED_TRACE(d);
    for (int t = 0; t < kTrials; ++t) {
      const Vec lambda = soc_interior(rng, d), v = normal_vec(rng, d);
      Vec prod(d), back(d), e(d, 0.0), le(d);
      e[0] = 1.0;
      soc_jordan_mul(d, lambda.data(), v.data(), prod.data());
      soc_jordan_div(d, lambda.data(), prod.data(), back.data());
      // λ\· has condition number ~ λ₀/(λ₀ − ‖λ₁‖) ≤ ~ (‖λ₁‖ + 2)/0.05 ≈ 200 here.
      expect_vec_near(back, v, 1e-11 * max_abs(lambda), "lambda \\ (lambda o v) = v");
      soc_jordan_div(d, lambda.data(), prod.data(), prod.data());  // documented: y may alias v
      expect_vec_near(prod, v, 1e-11 * max_abs(lambda), "aliased jordan_div");
      soc_jordan_mul(d, lambda.data(), e.data(), le.data());
      expect_vec_near(le, lambda, 0.0, "lambda o e = lambda");  // exact: products with 0 and 1
    }
  }
  for (int d : kNonNegDims) {
    const Vec lambda = nonneg_interior(rng, d), v = normal_vec(rng, d);
    Vec prod(d), back(d), e(d, 1.0), le(d);
    nonneg_jordan_mul(d, lambda.data(), v.data(), prod.data());
    nonneg_jordan_div(d, lambda.data(), prod.data(), back.data());
    expect_vec_near(back, v, 1e-14, "nonneg div(mul)");
    nonneg_jordan_mul(d, lambda.data(), e.data(), le.data());
    expect_vec_near(le, lambda, 0.0, "nonneg lambda o e");
  }
}

// ---------------------------------------------------------------------------------------------
// Step length vs bisection on membership.

// The largest α in [0, hi] with inside(α), for a membership test that holds on an interval
// [0, α*] (true for convex cones along a ray from an interior point).
template <class F>
double bisect(F inside, double hi) {
  if (inside(hi)) return hi;
  double lo = 0.0;
  for (int it = 0; it < 200 && hi - lo > 1e-16 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (inside(mid) ? lo : hi) = mid;
  }
  return lo;
}

TEST(StepLength, NonNegMatchesBisection) {
  std::mt19937 rng(15);
  for (int d : kNonNegDims) {
    for (int t = 0; t < kTrials; ++t) {
      const Vec x = nonneg_interior(rng, d), dx = normal_vec(rng, d);
      const double amax = 1e6;
      const double got = nonneg_step_length(d, x.data(), dx.data(), amax);
      const double ref = bisect(
          [&](double a) {
            for (int i = 0; i < d; ++i)
              if (x[i] + a * dx[i] < 0.0) return false;
            return true;
          },
          amax);
      EXPECT_NEAR(got, ref, 1e-9 * ref) << "d " << d;
      EXPECT_EQ(nonneg_step_length(d, x.data(), dx.data(), 0.5 * got), 0.5 * got) << "capped";
      Vec up(d);
      for (int i = 0; i < d; ++i) up[i] = std::abs(dx[i]);
      EXPECT_EQ(nonneg_step_length(d, x.data(), up.data(), amax), amax) << "stays inside";
    }
  }
}

TEST(StepLength, SocMatchesBisection) {
  std::mt19937 rng(16);
  for (int d : {2, 3, 5, 20}) {  // d = 1 (Q¹ = ℝ₊) has its own test below
    SCOPED_TRACE(d);
    for (int t = 0; t < 4 * kTrials; ++t) {
      const Vec x = soc_interior(rng, d), dx = normal_vec(rng, d);
      const double amax = 1e6;
      const double got = soc_step_length(d, x.data(), dx.data(), amax);
      const double ref = bisect(
          [&](double a) {
            Vec y(d);
            for (int i = 0; i < d; ++i) y[i] = x[i] + a * dx[i];
            return soc_margin(y) >= 0.0;
          },
          amax);
      // Membership is evaluated with O(ε·‖x‖) error, the root of a transversal crossing moves
      // by that over the slope, so 1e-9 relative is generous except for near-tangent rays.
      EXPECT_NEAR(got, ref, 1e-9 * std::max(ref, 1e-3)) << "trial " << t;
      EXPECT_EQ(soc_step_length(d, x.data(), dx.data(), 0.5 * ref), 0.5 * ref) << "capped";
    }
  }
}

TEST(StepLength, SocDirectionsInsideTheConeGiveAlphaMax) {
  std::mt19937 rng(17);
  for (int d : kSocDims) {
    for (int t = 0; t < kTrials; ++t) {
      const Vec x = soc_interior(rng, d), dx = soc_interior(rng, d);
      EXPECT_EQ(soc_step_length(d, x.data(), dx.data(), 1e6), 1e6) << "d " << d;
      EXPECT_EQ(soc_step_length(d, x.data(), dx.data(), 3.0), 3.0) << "d " << d;
    }
  }
}

// Q¹ = {t ≥ 0} = ℝ₊: the SOC step length must agree with the NonNeg one. det(x + α dx) =
// (x₀ + α dx₀)² always has a double root, so this exercises the b² − 4ac ≈ 0 branch.
// Regression: b² − 4ac rounds to a tiny negative number for about a third of all decreasing
// directions; soc_step_length used to return alpha_max then ("the whole ray stays inside")
// although the ray leaves the cone at −x₀/dx₀. It now also applies the linear bound on x₀.
TEST(StepLength, SocDim1EqualsNonNeg) {
  {
    const double x[1] = {0.1}, dx[1] = {-0.3};  // b² − 4ac = −8.7e-19 in double precision
    EXPECT_NEAR(soc_step_length(1, x, dx, 1e6), 1.0 / 3.0, 1e-12);
  }
  std::mt19937 rng(22);
  std::uniform_real_distribution<double> u(0.05, 5.0);
  int wrong = 0;
  for (int t = 0; t < 200; ++t) {
    const double x[1] = {u(rng)}, dx[1] = {-u(rng)};
    const double want = nonneg_step_length(1, x, dx, 1e6);
    const double got = soc_step_length(1, x, dx, 1e6);
    // The double-root formula loses about half the digits (√ε ≈ 1e-8) even when it does not
    // fail outright, so the tolerance here is loose: 1e-6 relative.
    if (!(std::abs(got - want) <= 1e-6 * want)) ++wrong;
    const double up[1] = {u(rng)};
    EXPECT_EQ(soc_step_length(1, x, up, 1e6), 1e6);
  }
  EXPECT_EQ(wrong, 0) << "of 200 random decreasing directions in Q^1";
}

// Along dx = −x the ray leaves the cone through the apex at α = 1: det(x + α dx) = (1−α)²·det x
// has a double root, where the discriminant b² − 4ac is 0 only up to rounding. For d = 1
// (Q¹ = ℝ₊) every decreasing direction is of this kind.
TEST(StepLength, SocDoubleRootThroughTheApex) {
  std::mt19937 rng(18);
  for (int d : kSocDims) {
    SCOPED_TRACE(d);
    for (int t = 0; t < kTrials; ++t) {
      const Vec x = soc_interior(rng, d);
      Vec dx = x;
      std::uniform_real_distribution<double> k(0.1, 10.0);
      const double scale = k(rng);
      for (double& v : dx) v *= -scale;
      const double got = soc_step_length(d, x.data(), dx.data(), 1e6);
      EXPECT_NEAR(got, 1.0 / scale, 1e-6 / scale) << "trial " << t << " x0 " << x[0];
    }
  }
}

// Rays that pass close to the apex: the two roots of det are nearly equal and the discriminant
// is O(ε) noise when the miss distance is O(√ε). The answer may then be off by O(√ε) relative
// (harmless under max_step_fraction = 0.99) but must never be "the ray stays inside".
TEST(StepLength, SocNearApexRaysMatchBisection) {
  std::mt19937 rng(23);
  for (int d : {2, 3, 5, 20}) {
    SCOPED_TRACE(d);
    for (double miss : {1e-14, 1e-10, 1e-8, 1e-6, 1e-3}) {
      for (int t = 0; t < kTrials; ++t) {
        const Vec x = soc_interior(rng, d), g = normal_vec(rng, d);
        Vec dx(d);
        for (int i = 0; i < d; ++i) dx[i] = -x[i] + miss * g[i];
        const double got = soc_step_length(d, x.data(), dx.data(), 1e6);
        const double ref = bisect(
            [&](double a) {
              Vec y(d);
              for (int i = 0; i < d; ++i) y[i] = x[i] + a * dx[i];
              return soc_margin(y) >= 0.0;
            },
            1e6);
        EXPECT_NEAR(got, ref, 1e-6 * ref) << "miss " << miss << " trial " << t;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SOC Hessian block: dense form and sparse expansion.

TEST(SocHessian, DenseAndExpandedFormsEqualWW) {
  std::mt19937 rng(19);
  for (int d : kSocDims) {
    SCOPED_TRACE(d);
    for (int t = 0; t < kTrials; ++t) {
      const Vec s = soc_interior(rng, d), z = soc_interior(rng, d);
      Vec w(d), lambda(d);
      double eta = 0.0;
      ASSERT_TRUE(soc_update_scaling(d, s.data(), z.data(), w.data(), eta, lambda.data()));
      std::vector<Vec> W;
      dense_W(d, w, eta, false, W);
      const SocExpansion ex = soc_expansion(d, w.data());
      Vec u(d), v(d, 0.0);
      u[0] = ex.u0;
      for (int i = 1; i < d; ++i) u[i] = ex.u1 * w[i], v[i] = ex.v1 * w[i];
      const double e2 = eta * eta;
      double hmax = 0.0;
      for (int i = 0; i < d; ++i) hmax = std::max(hmax, std::abs(e2 * soc_H_entry(w.data(), i, i)));
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          double ww = 0.0;  // (W·W)ᵢⱼ = Σₖ Wᵢₖ Wₖⱼ, W[k] is column k
          for (int k = 0; k < d; ++k) ww += W[k][i] * W[j][k];
          const double h = e2 * soc_H_entry(w.data(), i, j);
          const double dij = (i == j) ? (i == 0 ? ex.d0 : 1.0) : 0.0;
          const double hexp = e2 * (dij + u[i] * u[j] - v[i] * v[j]);
          EXPECT_NEAR(h, ww, 1e-12 * hmax) << "H vs WW at " << i << "," << j;
          EXPECT_NEAR(hexp, h, 1e-12 * hmax) << "expansion vs H at " << i << "," << j;
        }
      }
      // D − vvᵀ ≻ 0 (quasidefiniteness of the expanded KKT): dense Cholesky must succeed with
      // pivots bounded away from zero (the smallest is ≥ d0·(1 − ...) > 0 analytically).
      std::vector<Vec> M(d, Vec(d));
      for (int i = 0; i < d; ++i)
        for (int j = 0; j < d; ++j)
          M[i][j] = ((i == j) ? (i == 0 ? ex.d0 : 1.0) : 0.0) - v[i] * v[j];
      for (int k = 0; k < d; ++k) {
        for (int p = 0; p < k; ++p) M[k][k] -= M[k][p] * M[k][p];
        ASSERT_GT(M[k][k], 1e-12) << "D - vv^T not positive definite at pivot " << k;
        M[k][k] = std::sqrt(M[k][k]);
        for (int i = k + 1; i < d; ++i) {
          for (int p = 0; p < k; ++p) M[i][k] -= M[i][p] * M[k][p];
          M[i][k] /= M[k][k];
        }
      }
    }
  }
}

}  // namespace
}  // namespace batchcone::kernels
