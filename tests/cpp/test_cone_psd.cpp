// SPDX-License-Identifier: Apache-2.0
// The PSD cone and the dense kernels under it: Cholesky, Jacobi SVD and eigenvalues against
// constructions with known answers; NT scaling identities W(Z) = W⁻ᵀ(S) = Λ and WᵀW(Z) = S;
// Jordan product and division; step length against bisection on Cholesky-checked membership.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "cone_test_util.hpp"
#include "kernels/cones/psd.hpp"

namespace batchcone::kernels {
namespace {

using Vec = std::vector<double>;
using testing::random_orthogonal;

// svec of Q diag(eig) Qᵀ.
Vec svec_with_eigenvalues(std::mt19937& rng, int k, const Vec& eig) {
  const Vec q = random_orthogonal(rng, k);
  Vec m(k * k, 0.0), v(k * (k + 1) / 2);
  for (int j = 0; j < k; ++j)
    for (int i = 0; i < k; ++i)
      for (int p = 0; p < k; ++p) m[i + k * j] += q[i + k * p] * eig[p] * q[j + k * p];
  psd_svec(k, m.data(), v.data());
  return v;
}

Vec random_eigs(std::mt19937& rng, int k, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  Vec e(k);
  for (double& v : e) v = u(rng);
  return e;
}

bool in_cone(int k, const Vec& v) {
  Vec m(k * k);
  psd_mat(k, v.data(), m.data());
  return dense_cholesky(k, m.data());
}

double max_abs_diff(const Vec& a, const Vec& b) {
  double r = 0;
  for (size_t i = 0; i < a.size(); ++i) r = std::max(r, std::abs(a[i] - b[i]));
  return r;
}

TEST(Dense, EigenvaluesSvdAndCholeskyRecoverKnownAnswers) {
  std::mt19937 rng(5);
  for (int k : {1, 2, 3, 6}) {
    const Vec eig = random_eigs(rng, k, -2.0, 3.0);
    const Vec v = svec_with_eigenvalues(rng, k, eig);
    Vec m(k * k), got(k);
    psd_mat(k, v.data(), m.data());
    dense_eigenvalues(k, m.data(), got.data());
    Vec want = eig;
    std::sort(want.begin(), want.end()), std::sort(got.begin(), got.end());
    EXPECT_LT(max_abs_diff(got, want), 1e-12) << "k=" << k;

    std::normal_distribution<double> g;
    Vec a(k * k), u, sigma(k), vv(k * k);
    for (double& x : a) x = g(rng);
    u = a;
    dense_svd(k, u.data(), sigma.data(), vv.data());
    Vec back(k * k, 0.0);
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i)
        for (int p = 0; p < k; ++p) back[i + k * j] += u[i + k * p] * sigma[p] * vv[j + k * p];
    EXPECT_LT(max_abs_diff(back, a), 1e-12) << "U Σ Vᵀ = A, k=" << k;

    const Vec spd = svec_with_eigenvalues(rng, k, random_eigs(rng, k, 0.5, 2.0));
    Vec l(k * k), ll(k * k, 0.0), full(k * k);
    psd_mat(k, spd.data(), l.data());
    full = l;
    ASSERT_TRUE(dense_cholesky(k, l.data()));
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i)
        for (int p = 0; p < k; ++p) ll[i + k * j] += l[i + k * p] * l[j + k * p];
    EXPECT_LT(max_abs_diff(ll, full), 1e-13);
    const Vec indefinite = svec_with_eigenvalues(rng, k, Vec(k, -1.0));
    EXPECT_FALSE(in_cone(k, indefinite));
  }
}

TEST(PsdCone, NtScalingIdentities) {
  std::mt19937 rng(6);
  for (int k : {1, 2, 4, 7}) {
    const int d = k * (k + 1) / 2;
    const Vec s = svec_with_eigenvalues(rng, k, random_eigs(rng, k, 0.05, 5.0));
    const Vec z = svec_with_eigenvalues(rng, k, random_eigs(rng, k, 0.05, 5.0));
    Vec aux(6 * k * k + k + 3 * d), lambda(d), wz(d), winvs(d), hz(d);
    ASSERT_TRUE(psd_update_scaling(k, s.data(), z.data(), aux.data(), lambda.data(),
                                   aux.data() + 2 * k * k));
    double* work = aux.data() + 2 * k * k;
    psd_congruence(k, aux.data(), true, z.data(), wz.data(), work);            // W(Z)
    psd_congruence(k, aux.data() + k * k, false, s.data(), winvs.data(), work);  // W⁻ᵀ(S)
    EXPECT_LT(max_abs_diff(wz, lambda), 1e-11) << "W(Z) = Λ, k=" << k;
    EXPECT_LT(max_abs_diff(winvs, lambda), 1e-11) << "W⁻ᵀ(S) = Λ, k=" << k;
    psd_congruence(k, aux.data(), false, wz.data(), hz.data(), work);  // Wᵀ(W(Z))
    EXPECT_LT(max_abs_diff(hz, s), 1e-10) << "WᵀW Z = S, k=" << k;
    for (int j = 0; j < k; ++j)  // λ is diagonal
      for (int i = 0; i < j; ++i) EXPECT_EQ(lambda[svec_index(i, j)], 0.0);
    // Jordan division undoes the product by a diagonal λ
    std::normal_distribution<double> g;
    Vec v(d), prod(d), back(d);
    for (double& x : v) x = g(rng);
    psd_jordan_mul(k, lambda.data(), v.data(), prod.data(), work);
    psd_jordan_div(k, lambda.data(), prod.data(), back.data());
    EXPECT_LT(max_abs_diff(back, v), 1e-12);
    Vec outside = svec_with_eigenvalues(rng, k, Vec(k, -1.0)), s_copy = s;
    EXPECT_FALSE(psd_update_scaling(k, s_copy.data(), outside.data(), aux.data(), lambda.data(),
                                    work));
  }
}

TEST(PsdCone, StepLengthMatchesBisection) {
  std::mt19937 rng(7);
  for (int k : {1, 3, 5}) {
    const int d = k * (k + 1) / 2;
    for (int trial = 0; trial < 20; ++trial) {
      const Vec x = svec_with_eigenvalues(rng, k, random_eigs(rng, k, 0.1, 3.0));
      std::normal_distribution<double> g;
      Vec dx(d), work(2 * k * k + k);
      for (double& v : dx) v = g(rng);
      const double alpha = psd_step_length(k, x.data(), dx.data(), 1e6, work.data());
      double lo = 0, hi = 1e6;
      auto inside = [&](double a) {
        Vec y(d);
        for (int i = 0; i < d; ++i) y[i] = x[i] + a * dx[i];
        return in_cone(k, y);
      };
      if (inside(hi)) {
        EXPECT_EQ(alpha, 1e6);
        continue;
      }
      for (int it = 0; it < 200; ++it) (inside(0.5 * (lo + hi)) ? lo : hi) = 0.5 * (lo + hi);
      EXPECT_NEAR(alpha, lo, 1e-9 * std::max(1.0, lo)) << "k=" << k;
    }
  }
}

}  // namespace
}  // namespace batchcone::kernels
