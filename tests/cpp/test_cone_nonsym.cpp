// SPDX-License-Identifier: Apache-2.0
// Exponential and power cones: membership against the cones' closed-form definitions, the dual
// barrier's gradient, Hessian and third derivative against central differences of the barrier
// value, logarithmic homogeneity, the conjugate point (∇f(s) = −z̄ with s = −∇f*(z̄)) against
// the central-path identity and a Newton reference, the scaling identities Hz = s and Hz̃ = s̃ of the primal–dual
// scaling, and backtracking step lengths against bisection on membership.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/cones/exp.hpp"
#include "kernels/cones/pow.hpp"

namespace batchcone::kernels {
namespace {

std::mt19937 rng(7);

double unif(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

// Interior dual points: exp  z₀ < 0, z₂ > −z₀e^(z₁/z₀−1); pow  (z₀/α)^α(z₁/(1−α))^(1−α) > |z₂|.
void exp_dual_point(double* z) {
  z[0] = -unif(0.2, 2.0);
  z[1] = unif(-1.0, 1.0);
  z[2] = -z[0] * std::exp(z[1] / z[0] - 1.0) * unif(1.5, 4.0);
}
void exp_primal_point(double* s) {
  s[1] = unif(0.2, 2.0);
  s[0] = unif(-1.0, 1.0);
  s[2] = s[1] * std::exp(s[0] / s[1]) * unif(1.1, 3.0);
}
void pow_dual_point(const PowCone& k, double* z) {
  z[0] = unif(0.2, 2.0), z[1] = unif(0.2, 2.0);
  const double bound = std::pow(z[0] / k.alpha, k.alpha) * std::pow(z[1] / (1 - k.alpha), 1 - k.alpha);
  z[2] = bound * unif(-0.9, 0.9);
}
void pow_primal_point(const PowCone& k, double* s) {
  s[0] = unif(0.2, 2.0), s[1] = unif(0.2, 2.0);
  s[2] = std::pow(s[0], k.alpha) * std::pow(s[1], 1 - k.alpha) * unif(-0.9, 0.9);
}

template <class Cone>
void check_derivatives(const Cone& cone, const double* z) {
  const double h = 1e-5;
  double g[3], H[9];
  cone.grad_hess(z, g, H);
  for (int i = 0; i < 3; ++i) {
    double zp[3] = {z[0], z[1], z[2]}, zm[3] = {z[0], z[1], z[2]};
    zp[i] += h, zm[i] -= h;
    EXPECT_NEAR(g[i], (cone.barrier(zp) - cone.barrier(zm)) / (2 * h), 1e-5 * (1 + std::fabs(g[i])));
    double gp[3], gm[3], Hp[9], Hm[9];
    cone.grad_hess(zp, gp, Hp);
    cone.grad_hess(zm, gm, Hm);
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(H[3 * j + i], (gp[j] - gm[j]) / (2 * h), 1e-5 * (1 + std::fabs(H[3 * j + i])));
  }
  // Third derivative: ∇³f*[u, v] = d/dt ∇²f*(z + t v) u.
  const double u[3] = {unif(-1, 1), unif(-1, 1), unif(-1, 1)};
  const double v[3] = {unif(-1, 1), unif(-1, 1), unif(-1, 1)};
  double t3[3], gp[3], Hp[9], Hm[9];
  cone.third(z, u, v, t3);
  const double zp[3] = {z[0] + h * v[0], z[1] + h * v[1], z[2] + h * v[2]};
  const double zm[3] = {z[0] - h * v[0], z[1] - h * v[1], z[2] - h * v[2]};
  cone.grad_hess(zp, gp, Hp);
  cone.grad_hess(zm, gp, Hm);
  for (int i = 0; i < 3; ++i) {
    double fd = 0.0;
    for (int j = 0; j < 3; ++j) fd += (Hp[3 * i + j] - Hm[3 * i + j]) / (2 * h) * u[j];
    EXPECT_NEAR(t3[i], fd, 1e-5 * (1 + std::fabs(fd)));
  }
  // Logarithmic homogeneity of degree 3: ⟨∇f*(z), z⟩ = −3 and ∇²f*(z) z = −∇f*(z).
  EXPECT_NEAR(dot3(g, z), -3.0, 1e-12);
  double Hz[3];
  matvec3(H, z, Hz);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(Hz[i], -g[i], 1e-10 * (1 + std::fabs(g[i])));
}

TEST(ConeNonsym, ExpMembershipMatchesDefinition) {
  const ExpCone k;
  for (int t = 0; t < 200; ++t) {
    const double v[3] = {unif(-2, 2), unif(-2, 2), unif(-2, 2)};
    const bool prim = v[1] > 0 && v[1] * std::exp(v[0] / v[1]) < v[2];
    const bool dual = v[0] < 0 && -v[0] * std::exp(v[1] / v[0] - 1) < v[2];
    EXPECT_EQ(k.in_primal(v), prim);
    EXPECT_EQ(k.in_dual(v), dual);
  }
  double c[3];
  k.unit_point(c);
  EXPECT_TRUE(k.in_primal(c) && k.in_dual(c));
}

TEST(ConeNonsym, PowMembershipMatchesDefinition) {
  for (double a : {0.2, 0.5, 0.8}) {
    const PowCone k{a};
    for (int t = 0; t < 200; ++t) {
      const double v[3] = {unif(-0.5, 2), unif(-0.5, 2), unif(-2, 2)};
      const bool pos = v[0] > 0 && v[1] > 0;
      EXPECT_EQ(k.in_primal(v), pos && std::pow(v[0], a) * std::pow(v[1], 1 - a) > std::fabs(v[2]));
      EXPECT_EQ(k.in_dual(v),
                pos && std::pow(v[0] / a, a) * std::pow(v[1] / (1 - a), 1 - a) > std::fabs(v[2]));
    }
  }
}

TEST(ConeNonsym, BarrierDerivativesMatchDifferences) {
  const ExpCone e;
  for (int t = 0; t < 20; ++t) {
    double z[3];
    exp_dual_point(z);
    check_derivatives(e, z);
  }
  for (double a : {0.25, 0.5, 0.7}) {
    const PowCone p{a};
    for (int t = 0; t < 20; ++t) {
      double z[3];
      pow_dual_point(p, z);
      check_derivatives(p, z);
    }
  }
}

// The unit point is on the central path at μ = 1: s = z = −∇f*(z).
TEST(ConeNonsym, UnitPointIsCentral) {
  double z[3], g[3], H[9];
  ExpCone{}.unit_point(z);
  ExpCone{}.grad_hess(z, g, H);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(-g[i], z[i], 1e-8);  // Clarabel's constants: 9 digits
  const PowCone p{0.3};
  p.unit_point(z);
  p.grad_hess(z, g, H);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(-g[i], z[i], 1e-12);
}

// Reference for ∇f(s) independent of the closed forms: z̄ with s + ∇f*(z̄) = 0 by damped Newton
// on the self-concordant ⟨s,z⟩ + f*(z) (minimized at z̄), from the cone's unit point.
template <class Cone>
bool conjugate_by_newton(const Cone& cone, const double* s, double* zb) {
  cone.unit_point(zb);
  for (int it = 0; it < 200; ++it) {
    double g[3], h[9], r[3], dz[3];
    cone.grad_hess(zb, g, h);
    for (int i = 0; i < 3; ++i) r[i] = -(s[i] + g[i]);
    if (!chol_solve3(h, r, dz)) return false;
    const double lam = std::sqrt(std::max(0.0, dot3(r, dz)));
    if (lam < 1e-12) return true;
    double t = lam > 0.25 ? 1.0 / (1.0 + lam) : 1.0, y[3];
    for (int k = 0; k < 60; ++k, t *= 0.5) {
      for (int i = 0; i < 3; ++i) y[i] = zb[i] + t * dz[i];
      if (cone.in_dual(y)) break;
    }
    for (int i = 0; i < 3; ++i) zb[i] = y[i];
  }
  return false;
}

// The closed-form primal gradient g: s = −∇f*(−g) (the defining identity), −g agrees with the
// Newton reference, and f(s) = −3 − f*(−g) is the conjugate: f(s) ≥ −⟨s,z⟩ − f*(z) for all z.
template <class Cone, class PrimalPoint, class DualPoint>
void check_primal_gradient(const Cone& k, PrimalPoint primal, DualPoint dual) {
  for (int t = 0; t < 50; ++t) {
    double s[3], g[3], zb[3], gz[3], H[9];
    primal(s);
    k.primal_gradient(s, g);
    const double z[3] = {-g[0], -g[1], -g[2]};
    ASSERT_TRUE(k.in_dual(z));
    k.grad_hess(z, gz, H);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(-gz[i], s[i], 1e-12 * (1 + std::fabs(s[i])));
    ASSERT_TRUE(conjugate_by_newton(k, s, zb));
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(zb[i], z[i], 1e-9 * (1 + std::fabs(z[i])));
    const double f = -3.0 - k.barrier(z);
    for (int r = 0; r < 10; ++r) {
      double y[3];
      dual(y);
      EXPECT_GE(f + 1e-10, -dot3(s, y) - k.barrier(y));
    }
  }
}

// Near the boundary (s₁·log(s₂/s₁) − s₀ = 1e-10 relative) the closed form still satisfies the
// defining identity to rounding.
TEST(ConeNonsym, ExpPrimalGradientNearBoundary) {
  const ExpCone k;
  for (double gap : {1e-4, 1e-7, 1e-10}) {
    const double s[3] = {1.0 * std::log(2.0) - gap, 1.0, 2.0};
    double g[3], gz[3], H[9];
    k.primal_gradient(s, g);
    const double z[3] = {-g[0], -g[1], -g[2]};
    k.grad_hess(z, gz, H);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(-gz[i], s[i], 1e-6 * (1 + std::fabs(s[i]))) << gap;
  }
}

TEST(ConeNonsym, PrimalGradientIsConjugate) {
  check_primal_gradient(ExpCone{}, exp_primal_point, exp_dual_point);
  for (double a : {0.2, 0.35, 0.5, 0.8}) {
    const PowCone p{a};
    check_primal_gradient(p, [&](double* s) { pow_primal_point(p, s); },
                          [&](double* z) { pow_dual_point(p, z); });
  }
}

// Primal–dual scaling: H symmetric positive definite with Hz = s and Hz̃ = s̃.
template <class Cone, class PrimalPoint, class DualPoint>
void check_scaling(const Cone& k, PrimalPoint primal, DualPoint dual) {
  for (int t = 0; t < 30; ++t) {
    double s[3], z[3], w[kNonsymWSize];
    primal(s);
    dual(z);
    ASSERT_TRUE(nonsym_update_scaling(k, s, z, w, 1.0, false));
    double Hz[3], st[3], H[9], zt[3], Hzt[3];
    nonsym_mul_H(w, z, Hz);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(Hz[i], s[i], 1e-9 * (1 + std::fabs(s[i])));
    k.grad_hess(z, st, H);
    k.primal_gradient(s, zt);
    nonsym_mul_H(w, zt, Hzt);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(Hzt[i], st[i], 1e-8 * (1 + std::fabs(st[i])));
    double x[3] = {1.0, 0.0, 0.0}, hx[3];
    for (int r = 0; r < 5; ++r) {
      x[0] = unif(-1, 1), x[1] = unif(-1, 1), x[2] = unif(-1, 1);
      nonsym_mul_H(w, x, hx);
      EXPECT_GT(dot3(x, hx), 0.0);
    }
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(w[kNonsymHs + 3 * i + j], w[kNonsymHs + 3 * j + i]);
  }
}

TEST(ConeNonsym, PrimalDualScalingMapsZToS) {
  check_scaling(ExpCone{}, exp_primal_point, exp_dual_point);
  const PowCone p{0.6};
  check_scaling(p, [&](double* s) { pow_primal_point(p, s); }, [&](double* z) { pow_dual_point(p, z); });
}

// Backtracking returns a point inside, and the next rung of the ladder (α/0.8) is outside or
// beyond the cap; bisection on membership bounds the true boundary from above.
template <class Inside, class Point>
void check_backtracking(Inside inside, Point interior_point) {
  for (int t = 0; t < 50; ++t) {
    double s[3], ds[3] = {unif(-3, 3), unif(-3, 3), unif(-3, 3)};
    interior_point(s);
    const double a = backtrack_in_cone(s, ds, 1.0, 1e-4, 0.8, inside);
    double lo = 0.0, hi = 10.0;  // bisection for the exit point along the ray
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi), y[3] = {s[0] + mid * ds[0], s[1] + mid * ds[1], s[2] + mid * ds[2]};
      (inside(y) ? lo : hi) = mid;
    }
    if (lo >= 1.0) {
      EXPECT_EQ(a, 1.0);
    } else if (lo < 1e-4) {
      EXPECT_EQ(a, 0.0);
    } else {
      EXPECT_LE(a, lo);
      EXPECT_GT(a / 0.8, lo * (1 - 1e-12));
    }
  }
}

TEST(ConeNonsym, BacktrackingEndsOnNaN) {
  const ExpCone e;
  double s[3], ds[3] = {NAN, 0.0, 0.0};
  exp_primal_point(s);
  EXPECT_EQ(backtrack_in_cone(s, ds, 1.0, 1e-4, 0.8, [&](const double* y) { return e.in_primal(y); }), 0.0);
  ds[0] = 1.0;
  EXPECT_EQ(backtrack_in_cone(s, ds, NAN, 1e-4, 0.8, [&](const double* y) { return e.in_primal(y); }), 0.0);
}

TEST(ConeNonsym, BacktrackingStepLength) {
  const ExpCone e;
  check_backtracking([&](const double* y) { return e.in_primal(y); }, exp_primal_point);
  check_backtracking([&](const double* y) { return e.in_dual(y); }, exp_dual_point);
  const PowCone p{0.3};
  check_backtracking([&](const double* y) { return p.in_primal(y); },
                     [&](double* s) { pow_primal_point(p, s); });
  check_backtracking([&](const double* y) { return p.in_dual(y); },
                     [&](double* z) { pow_dual_point(p, z); });
}

}  // namespace
}  // namespace batchcone::kernels
