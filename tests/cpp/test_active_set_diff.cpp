// SPDX-License-Identifier: Apache-2.0
// Derivatives at the active-set path's solutions (src/backend/cpu/active_set_diff.hpp): the KKT
// solves against a dense solve of the active rows' KKT system built here, close to the interior
// point's derivative (which stands 1e8 in for the inactive rows' infinite scaling), batches
// with several vectors and shared data, and the hand-over to the interior point's derivative of
// solutions that do not determine an active set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "batchcone/diff.hpp"
#include "dense_solve.hpp"
#include "qp_util.hpp"
#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

Settings with_method(QpMethod method) {
  Settings s;
  s.qp_method = method;
  return s;
}

// K_S⁻¹[rx; rz_S] with S the equality rows and the rows with z_i > 0, dz = 0 off S, from the
// fixture's dense P and A: what the derivative solve must return.
void active_set_reference(const Fixture& f, const double* z, const double* rx, const double* rz,
                          double* ox, double* oz) {
  const int n = f.spec.n, m = f.spec.m;
  const int zeros = f.spec.cones[0].kind == ConeKind::Zero ? f.spec.cones[0].dim : 0;
  std::vector<int> S;
  for (int i = 0; i < m; ++i)
    if (i < zeros || z[i] > 0.0) S.push_back(i);
  const int N = n + static_cast<int>(S.size());
  std::vector<double> K(N * N, 0.0), rhs(N);
  std::vector<int> place(m, -1);
  for (int t = 0; t < static_cast<int>(S.size()); ++t) place[S[t]] = n + t;
  for (int j = 0; j < n; ++j) {
    for (int p = f.spec.P_colptr[j]; p < f.spec.P_colptr[j + 1]; ++p) {
      const int i = f.spec.P_rowval[p];
      K[i * N + j] = K[j * N + i] = f.P_vals[p];
    }
    for (int p = f.spec.A_colptr[j]; p < f.spec.A_colptr[j + 1]; ++p) {
      const int r = place[f.spec.A_rowval[p]];
      if (r >= 0) K[r * N + j] = K[j * N + r] = f.A_vals[p];
    }
    rhs[j] = rx[j];
  }
  for (int t = 0; t < static_cast<int>(S.size()); ++t) rhs[n + t] = rz[S[t]];
  const std::vector<double> sol = dense_solve(K, rhs);
  std::copy(sol.begin(), sol.begin() + n, ox);
  std::fill(oz, oz + m, 0.0);
  for (int t = 0; t < static_cast<int>(S.size()); ++t) oz[S[t]] = sol[n + t];
}

std::vector<Fixture> qps() {
  std::mt19937 rng(17);
  std::vector<Fixture> out;
  for (int t = 0; t < 3; ++t) out.push_back(random_nnls(rng, 7, 12));  // pivot elimination
  for (int t = 0; t < 3; ++t) out.push_back(random_qp(rng, 12, 24, 0));
  for (int t = 0; t < 3; ++t) out.push_back(random_qp(rng, 10, 20, 3));  // Householder
  return out;
}

BatchData one(const Fixture& f) {
  return {1, f.P_vals.data(), kDense, f.c.data(), kDense, f.A_vals.data(), kDense, f.b.data(),
          kDense};
}

std::vector<double> randn(std::mt19937& rng, long len) {
  std::normal_distribution<double> g;
  std::vector<double> v(len);
  for (double& x : v) x = g(rng);
  return v;
}

double rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0, s = 1.0;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, std::abs(a[i] - b[i])), s = std::max(s, std::abs(b[i]));
  return d / s;
}

// The solves equal the dense reference to rounding; the interior point's derivative at the same
// solution is within its stand-in's error, so the two really differ and both are right.
TEST(ActiveSetDiff, KktSolveIsTheActiveRowsSystem) {
  std::mt19937 rng(3);
  for (const Fixture& f : qps()) {
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f);
    ASSERT_EQ(static_cast<Status>(r.status[0]), Status::Solved);
    const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
    const auto rx = randn(rng, st.n()), rz = randn(rng, st.m());
    std::vector<double> ox(st.n()), oz(st.m()), wx(st.n()), wz(st.m()), ix(st.n()), iz(st.m());
    cpu_kkt_solve(st, Settings{}, one(f), sol, {rx.data(), rz.data()}, {ox.data(), oz.data()});
    active_set_reference(f, r.z.data(), rx.data(), rz.data(), wx.data(), wz.data());
    EXPECT_LT(rel_diff(ox, wx), 1e-12);
    EXPECT_LT(rel_diff(oz, wz), 1e-12);
    cpu_kkt_solve(st, with_method(QpMethod::InteriorPoint), one(f), sol, {rx.data(), rz.data()},
                  {ix.data(), iz.data()});
    EXPECT_LT(rel_diff(ix, wx), 1e-5);
    EXPECT_LT(rel_diff(iz, wz), 1e-5);
  }
}

// A batch with shared P and A and per-problem c and b, three vectors per problem: each output
// row equals the one-problem, one-vector solve.
TEST(ActiveSetDiff, BatchesOfVectorsEqualOneAtATime) {
  std::mt19937 rng(8);
  for (const Fixture& f : qps()) {
    const Structure st = make_structure(f.spec);
    const int B = 5, R = 3;
    const long n = st.n(), m = st.m();
    std::vector<double> c, b;
    for (int k = 0; k < B; ++k) {
      for (double v : f.c) c.push_back(v * (1.0 + 0.2 * k));
      for (double v : f.b) b.push_back(v * (1.0 + 0.05 * k));
    }
    const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0, b.data(),
                         kDense};
    const Result r = solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0,
                                  b.data(), kDense);
    const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
    const auto vx = randn(rng, R * B * n), vz = randn(rng, R * B * m);
    std::vector<double> ox(vx.size()), oz(vz.size());
    cpu_kkt_solve(st, Settings{}, data, sol, {vx.data(), vz.data(), R}, {ox.data(), oz.data()});
    for (int k = 0; k < B; ++k) {
      Fixture fk = f;
      std::copy(c.begin() + k * n, c.begin() + (k + 1) * n, fk.c.begin());
      std::copy(b.begin() + k * m, b.begin() + (k + 1) * m, fk.b.begin());
      const SolutionView sk{r.x.data() + k * n, r.z.data() + k * m, r.s.data() + k * m,
                            r.status.data() + k};
      for (int j = 0; j < R; ++j) {
        const long row = static_cast<long>(j) * B + k;
        std::vector<double> wx(n), wz(m);
        cpu_kkt_solve(st, Settings{}, one(fk), sk, {vx.data() + row * n, vz.data() + row * m},
                      {wx.data(), wz.data()});
        for (long i = 0; i < n; ++i) EXPECT_EQ(ox[row * n + i], wx[i]);
        for (long i = 0; i < m; ++i) EXPECT_EQ(oz[row * m + i], wz[i]);
      }
    }
  }
}

// Solutions that do not determine an active set get the interior point's derivative: an
// interior-point solution (z and s both positive on its rows) in a batch with an active-set
// one, and a weakly active row (z_i = s_i = 0: min ½‖x − y‖² s.t. x ≤ y).
TEST(ActiveSetDiff, OtherSolutionsGetTheInteriorPointsDerivative) {
  std::mt19937 rng(4);
  const Fixture f = random_qp(rng, 8, 16, 0);
  const Structure st = make_structure(f.spec);
  Settings rough = with_method(QpMethod::InteriorPoint);
  rough.polish_enable = false;  // a polished solution can be exactly complementary
  const Result exact = solve_fixture(f), ipm = solve_fixture(f, rough);
  const long n = st.n(), m = st.m();
  Result both = exact;
  both.x.insert(both.x.end(), ipm.x.begin(), ipm.x.end());
  both.z.insert(both.z.end(), ipm.z.begin(), ipm.z.end());
  both.s.insert(both.s.end(), ipm.s.begin(), ipm.s.end());
  both.status.push_back(ipm.status[0]);
  const BatchData data{2, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0, f.b.data(), 0};
  const SolutionView sol{both.x.data(), both.z.data(), both.s.data(), both.status.data()};
  const auto vx = randn(rng, 2 * n), vz = randn(rng, 2 * m);
  std::vector<double> ox(2 * n), oz(2 * m), ix(2 * n), iz(2 * m);
  cpu_kkt_solve(st, Settings{}, data, sol, {vx.data(), vz.data()}, {ox.data(), oz.data()});
  cpu_kkt_solve(st, with_method(QpMethod::InteriorPoint), data, sol, {vx.data(), vz.data()},
                {ix.data(), iz.data()});
  for (long i = 0; i < n; ++i) EXPECT_EQ(ox[n + i], ix[n + i]) << i;
  for (long i = 0; i < m; ++i) EXPECT_EQ(oz[m + i], iz[m + i]) << i;
  EXPECT_GT(rel_diff(std::vector<double>(ox.begin(), ox.begin() + n),
                     std::vector<double>(ix.begin(), ix.begin() + n)), 0.0);

  const Fixture weak = dense_qp(2, {1.0, 0.0, 0.0, 1.0}, {-1.0, -2.0}, {1.0, 0.0, 0.0, 1.0},
                                {1.0, 5.0}, 0);  // x₀ ≤ 1 = y₀ is weakly active
  const Structure ws = make_structure(weak.spec);
  const Result w = solve_fixture(weak);
  ASSERT_EQ(w.z[0], 0.0);
  ASSERT_EQ(w.s[0], 0.0);
  const SolutionView wsol{w.x.data(), w.z.data(), w.s.data(), w.status.data()};
  const std::vector<double> rx = {1.0, -1.0}, rz = {0.5, 2.0};
  std::vector<double> a(2), az(2), b(2), bz(2);
  cpu_kkt_solve(ws, Settings{}, one(weak), wsol, {rx.data(), rz.data()}, {a.data(), az.data()});
  cpu_kkt_solve(ws, with_method(QpMethod::InteriorPoint), one(weak), wsol, {rx.data(), rz.data()},
                {b.data(), bz.data()});
  EXPECT_EQ(a, b);
  EXPECT_EQ(az, bz);
}

// cpu_vjp and cpu_jvp at active-set solutions: adjoint to each other, and the VJP of Σx with
// respect to c equals −(K⁻¹[1; 0])_x from the dense reference (shared P, A and b: summed).
TEST(ActiveSetDiff, VjpAndJvpAreTheActiveSetsAndAdjoint) {
  std::mt19937 rng(6);
  for (const Fixture& f : qps()) {
    const Structure st = make_structure(f.spec);
    const long n = st.n(), m = st.m();
    const Result r = solve_fixture(f);
    const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
    const auto xbar = randn(rng, n), zbar = randn(rng, m), sbar = randn(rng, m);
    std::vector<double> gP(st.nnz_P()), gc(n), gA(st.nnz_A()), gb(m);
    cpu_vjp(st, Settings{}, one(f), sol, {xbar.data(), zbar.data(), sbar.data()},
            {gP.data(), gc.data(), gA.data(), gb.data()});
    const auto dP = randn(rng, st.nnz_P()), dc = randn(rng, n), dA = randn(rng, st.nnz_A()),
               db = randn(rng, m);
    std::vector<double> dx(n), dz(m), ds(m);
    cpu_jvp(st, Settings{}, one(f), sol,
            {dP.data(), kDense, dc.data(), kDense, dA.data(), kDense, db.data(), kDense},
            {dx.data(), dz.data(), ds.data()});
    auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
      double s = 0.0;
      for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
      return s;
    };
    const double lhs = dot(xbar, dx) + dot(zbar, dz) + dot(sbar, ds);
    const double rhs = dot(gP, dP) + dot(gc, dc) + dot(gA, dA) + dot(gb, db);
    EXPECT_NEAR(lhs, rhs, 1e-11 * std::max(1.0, std::abs(rhs)));

    const std::vector<double> ones(n, 1.0), zero(m, 0.0);
    std::vector<double> g1(n), wx(n), wz(m);
    cpu_vjp(st, Settings{}, one(f), sol, {ones.data(), nullptr, nullptr},
            {nullptr, g1.data(), nullptr, nullptr});
    active_set_reference(f, r.z.data(), ones.data(), zero.data(), wx.data(), wz.data());
    for (double& v : wx) v = -v;
    EXPECT_LT(rel_diff(g1, wx), 1e-12);
  }
}

}  // namespace
}  // namespace batchcone::testing
