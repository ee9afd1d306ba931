// SPDX-License-Identifier: Apache-2.0
// Derivatives of the solution: adjoint identity and central finite differences on problems with
// planted strictly complementary solutions (solved at default settings, so polished to rounding:
// differences at step 1e-5 agree with the derivatives to 1e-5, boundary pairs included), closed
// forms (equality-constrained QP, projections onto the ball and the second-order cone), batching
// and shared-input sums, and zero derivatives for problems that did not solve.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/cpu/active_set.hpp"
#include "batchcone/diff.hpp"
#include "cone_test_util.hpp"
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

// A problem with a planted primal–dual solution (x*, z*, s*) that is unique and strictly
// complementary with margins of order one, so the solution map is differentiable there:
// b = Ax* + s*, c = −Px* − Aᵀz*. NonNeg rows are active (s = 0 < z) or inactive (z = 0 < s);
// SOCs have s at the apex with z interior, or s interior with z = 0. (Boundary pairs
// s = t(1, u), z = r(1, −u) are tested by the closed-form projections below: there the IPM's
// own solution is only accurate to ~√(gap) — Clarabel's too — so step-1e-6 differences of it are
// noise.) LPs get exactly n active rows (a vertex), QPs and SOCPs a positive definite P and
// fewer than n active rows. Exp and pow families (P ≻ 0) have three 3-D cones: s interior with
// z = 0, z interior with s = 0, and a complementary boundary pair (s on ∂K, z = r·(outer
// normal) on ∂K*: exp s = (ty, y, y·eᵗ), z = r(−eᵗ, −eᵗ(1−t), 1); pow s = (a, b, ±aᵅb¹⁻ᵅ),
// z = r(αp/a, (1−α)p/b, ∓1) with p = aᵅb¹⁻ᵅ).
// One exp/pow cone's planted pair: role 0 s interior and z = 0, role 1 z interior and s = 0,
// role 2 a complementary boundary pair (see planted()).
void plant_nonsym(const Cone& k, int role, std::mt19937& rng, double* s, double* z) {
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const double a = u(rng), b = u(rng), r = u(rng), t = u(rng) - 1.25;
  double* inner = role == 0 ? s : z;
  if (k.kind == ConeKind::Exp) {
    if (role < 2) {  // (t·b, b, b·eᵗ·(1 + margin)) is inside K; (−a, t, a·e^(−t/a−1)·2) inside K*
      if (role == 0) inner[0] = t * b, inner[1] = b, inner[2] = b * std::exp(t) * (1 + a);
      else inner[0] = -a, inner[1] = t, inner[2] = a * std::exp(-t / a - 1) * (1 + b);
      return;
    }
    s[0] = t * b, s[1] = b, s[2] = b * std::exp(t);
    z[0] = -r * std::exp(t), z[1] = -r * std::exp(t) * (1 - t), z[2] = r;
    return;
  }
  const double al = k.alpha, p = std::pow(a, al) * std::pow(b, 1 - al), sign = t < 0 ? -1.0 : 1.0;
  if (role == 0) inner[0] = a, inner[1] = b, inner[2] = 0.5 * sign * p;
  if (role == 1) inner[0] = a, inner[1] = b, inner[2] = 0.5 * sign * std::pow(a / al, al) * std::pow(b / (1 - al), 1 - al);
  if (role < 2) return;
  s[0] = a, s[1] = b, s[2] = sign * p;
  z[0] = r * al * p / a, z[1] = r * (1 - al) * p / b, z[2] = -sign * r;
}

// A strictly complementary PSD pair of side k: S = Q·diag(a₁ … a_{k−1}, 0)·Qᵀ and
// Z = Q·diag(0 … 0, r)·Qᵀ for a random orthogonal Q (svec: upper triangle, √2 off-diagonal).
void plant_psd(int k, std::mt19937& rng, double* s, double* z) {
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const std::vector<double> q = kernels::testing::random_orthogonal(rng, k);
  std::vector<double> es(k), ez(k, 0.0);
  for (int i = 0; i + 1 < k; ++i) es[i] = u(rng);
  es[k - 1] = 0.0, ez[k - 1] = u(rng);
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i) {
      double vs = 0, vz = 0;
      for (int p = 0; p < k; ++p) {
        vs += q[i + k * p] * es[p] * q[j + k * p];
        vz += q[i + k * p] * ez[p] * q[j + k * p];
      }
      const double scale = i == j ? 1.0 : std::sqrt(2.0);
      s[j * (j + 1) / 2 + i] = scale * vs, z[j * (j + 1) / 2 + i] = scale * vz;
    }
}

Fixture planted(const std::string& family, unsigned seed, bool boundary_pair = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  Fixture f;
  f.name = family + "_planted_" + std::to_string(seed);
  const bool lp = family == "lp", socp = family == "socp";
  const bool exp_cone = family == "exp", pow_cone = family == "pow", sdp = family == "sdp";
  const int n = lp ? 6 : 8, active = lp ? 4 : (socp || exp_cone || pow_cone || sdp ? 2 : 4);
  f.spec.n = n;
  if (lp)
    f.spec.cones = {{ConeKind::Zero, 2}, {ConeKind::NonNeg, 12}};
  else if (socp)
    f.spec.cones = {{ConeKind::Zero, 1},
                    {ConeKind::NonNeg, 4},
                    {ConeKind::SOC, 3},
                    {ConeKind::SOC, 6},
                    {ConeKind::SOC, 4}};
  else if (exp_cone)
    f.spec.cones = {{ConeKind::Zero, 1}, {ConeKind::NonNeg, 4}, {ConeKind::Exp, 3},
                    {ConeKind::Exp, 3}, {ConeKind::Exp, 3}};
  else if (sdp)
    f.spec.cones = {{ConeKind::Zero, 1}, {ConeKind::NonNeg, 4}, {ConeKind::PSD, 3}};
  else if (pow_cone)
    f.spec.cones = {{ConeKind::Zero, 1}, {ConeKind::NonNeg, 4}, {ConeKind::Pow, 3, 0.3},
                    {ConeKind::Pow, 3, 0.6}, {ConeKind::Pow, 3, 0.45}};
  else
    f.spec.cones = {{ConeKind::Zero, 2}, {ConeKind::NonNeg, 10}};
  int m = 0;
  auto rows = [](const Cone& k) { return k.kind == ConeKind::PSD ? k.dim * (k.dim + 1) / 2 : k.dim; };
  for (const Cone& k : f.spec.cones) m += rows(k);
  f.spec.m = m;
  f.spec.P_colptr = {0};
  for (int j = 0; j < n; ++j) {  // dense triu(P) for QPs, diagonal for SOCPs, none for LPs
    for (int i = lp ? j + 1 : (socp ? j : 0); i <= j && !lp; ++i) f.spec.P_rowval.push_back(i);
    f.spec.P_colptr.push_back(static_cast<int>(f.spec.P_rowval.size()));
  }
  const auto G = randn(rng, static_cast<size_t>(n) * n);
  for (int j = 0; j < n; ++j)
    for (int p = f.spec.P_colptr[j]; p < f.spec.P_colptr[j + 1]; ++p) {
      const int i = f.spec.P_rowval[p];
      double v = (i == j) ? 0.5 : 0.0;
      if (!socp)
        for (int k = 0; k < n; ++k) v += G[k * n + i] * G[k * n + j] / n;
      f.P_vals.push_back(socp ? 1.0 : v);
    }
  f.spec.A_colptr = {0};
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) f.spec.A_rowval.push_back(i);
    f.spec.A_colptr.push_back(static_cast<int>(f.spec.A_rowval.size()));
  }
  f.A_vals = randn(rng, static_cast<size_t>(m) * n);
  const auto x = randn(rng, n);
  std::vector<double> sv(m, 0.0), zv(m, 0.0);
  int o = 0, nonsym_index = 0;
  for (const Cone& k : f.spec.cones) {
    if (k.kind == ConeKind::Exp || k.kind == ConeKind::Pow)
      plant_nonsym(k, boundary_pair ? nonsym_index++ : nonsym_index++ % 2, rng, sv.data() + o,
                   zv.data() + o);
    if (k.kind == ConeKind::PSD) plant_psd(k.dim, rng, sv.data() + o, zv.data() + o);
    if (k.kind == ConeKind::Zero)
      for (int i = 0; i < k.dim; ++i) zv[o + i] = randn(rng, 1)[0];
    if (k.kind == ConeKind::NonNeg)
      for (int i = 0; i < k.dim; ++i) (i < active ? zv : sv)[o + i] = u(rng);
    if (k.kind == ConeKind::SOC) {  // SOC(3): s at the apex, z interior; others: s interior, z = 0
      auto& inner = (k.dim == 3) ? zv : sv;
      const auto tail = randn(rng, k.dim - 1);
      inner[o] = std::sqrt(dot(tail, tail)) + u(rng);
      for (int i = 1; i < k.dim; ++i) inner[o + i] = tail[i - 1];
    }
    o += rows(k);
  }
  f.b = sv;
  f.c.assign(n, 0.0);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      f.b[i] += f.A_vals[j * m + i] * x[j];
      f.c[j] -= f.A_vals[j * m + i] * zv[i];
    }
  for (int j = 0; j < n; ++j)
    for (int p = f.spec.P_colptr[j]; p < f.spec.P_colptr[j + 1]; ++p) {
      const int i = f.spec.P_rowval[p];
      f.c[i] -= f.P_vals[p] * x[j];
      if (i != j) f.c[j] -= f.P_vals[p] * x[i];
    }
  f.x = x, f.z = zv, f.s = sv;
  return f;
}

constexpr unsigned kSeeds = 5;

class DiffFamily : public ::testing::TestWithParam<const char*> {};

// The planted solution is an exact reference: the polished solution matches it to 1e-10.
void expect_planted_solution(const Fixture& f) {
  SCOPED_TRACE(f.name);
  const Result r = solve_fixture(f);
  ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
  for (int i = 0; i < f.spec.n; ++i) EXPECT_NEAR(r.x[i], f.x[i], 1e-10 * (1 + std::abs(f.x[i])));
  for (int i = 0; i < f.spec.m; ++i) EXPECT_NEAR(r.z[i], f.z[i], 1e-10 * (1 + std::abs(f.z[i])));
  for (int i = 0; i < f.spec.m; ++i) EXPECT_NEAR(r.s[i], f.s[i], 1e-10 * (1 + std::abs(f.s[i])));
}

TEST_P(DiffFamily, PlantedSolutionIsFound) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) expect_planted_solution(planted(GetParam(), seed));
}

TEST(DiffBoundaryPairs, PlantedSolutionIsFound) {
  for (const char* family : {"exp", "pow", "sdp"})
    for (unsigned seed = 0; seed < kSeeds; ++seed)
      expect_planted_solution(planted(family, seed, true));
}

// ⟨JVP(t), w⟩ = ⟨t, VJP(w)⟩ to `tol` relative for a random tangent t and cotangent w at the
// solution r of f.
void expect_adjoint_identity(const Structure& st, const Fixture& f, const Result& r,
                             std::mt19937& rng, double tol) {
  const Tangent t = random_tangent(rng, f);
  const auto xb = randn(rng, st.n()), zb = randn(rng, st.m()), sb = randn(rng, st.m());
  const Jvp j = jvp(st, f, r, t, derivative_settings());
  const Tangent g = vjp(st, f, r, xb, zb, sb);
  const double lhs = dot(j.dx, xb) + dot(j.dz, zb) + dot(j.ds, sb);
  const double rhs = dot(t.P, g.P) + dot(t.c, g.c) + dot(t.A, g.A) + dot(t.b, g.b);
  EXPECT_NEAR(lhs, rhs, tol * std::max({1.0, std::abs(lhs), std::abs(rhs)})) << f.name;
}

// ⟨JVP(t), w⟩ = ⟨t, VJP(w)⟩: both solve with the same symmetric K.
TEST_P(DiffFamily, AdjointIdentity) {
  std::mt19937 rng(7);
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    const Fixture f = planted(GetParam(), seed);
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f);
    ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
    expect_adjoint_identity(st, f, r, rng, 1e-10);
  }
}

// Central differences (step h) of the solver's own solution (default settings) against the JVP
// in every output and against the VJP through ⟨w, solution⟩, to `tol` relative.
void check_against_differences(const Fixture& f, std::mt19937& rng, double h, double tol) {
  SCOPED_TRACE(f.name);
  const Structure st = make_structure(f.spec);
  const Result r = solve_fixture(f);
  ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
  Tangent t = random_tangent(rng, f);
  for (double& v : t.P) v *= 0.1;  // keep P + hΔP positive definite
  auto shifted = [&](double step) {
    Fixture g = f;
    for (size_t i = 0; i < g.P_vals.size(); ++i) g.P_vals[i] += step * t.P[i];
    for (size_t i = 0; i < g.c.size(); ++i) g.c[i] += step * t.c[i];
    for (size_t i = 0; i < g.A_vals.size(); ++i) g.A_vals[i] += step * t.A[i];
    for (size_t i = 0; i < g.b.size(); ++i) g.b[i] += step * t.b[i];
    return solve_fixture(g);
  };
  const Result up = shifted(h), down = shifted(-h);
  ASSERT_EQ(up.status[0], static_cast<int>(Status::Solved));
  ASSERT_EQ(down.status[0], static_cast<int>(Status::Solved));
  const Jvp j = jvp(st, f, r, t, derivative_settings());
  auto expect_fd = [&](const std::vector<double>& hi, const std::vector<double>& lo,
                       const std::vector<double>& d, const char* what) {
    double err = 0;
    for (size_t i = 0; i < d.size(); ++i) err = std::max(err, std::abs((hi[i] - lo[i]) / (2 * h) - d[i]));
    EXPECT_LE(err, tol * std::max(1.0, norm_inf(d))) << what;
  };
  expect_fd(up.x, down.x, j.dx, "dx");
  expect_fd(up.z, down.z, j.dz, "dz");
  expect_fd(up.s, down.s, j.ds, "ds");
  const auto xb = randn(rng, st.n()), zb = randn(rng, st.m()), sb = randn(rng, st.m());
  const Tangent g = vjp(st, f, r, xb, zb, sb);
  auto pair = [&](const Result& q) { return dot(q.x, xb) + dot(q.z, zb) + dot(q.s, sb); };
  const double fd = (pair(up) - pair(down)) / (2 * h);
  const double an = dot(t.P, g.P) + dot(t.c, g.c) + dot(t.A, g.A) + dot(t.b, g.b);
  EXPECT_NEAR(fd, an, tol * std::max(1.0, std::abs(an)));
}

// The difference quotient's own error at step 1e-5 is O(h²) and the polished solutions' rounding
// over h ~1e-11: both below the tolerance.
TEST_P(DiffFamily, DerivativesMatchCentralDifferences) {
  std::mt19937 rng(11);
  for (unsigned seed = 0; seed < kSeeds; ++seed)
    check_against_differences(planted(GetParam(), seed), rng, 1e-5, 1e-5);
}

// Exp/pow cones with a complementary boundary pair (s on ∂K, z on ∂K*), and a PSD(3) cone with
// complementary rank-2 S and rank-1 Z: the interior-point iterate there is only accurate to
// ~√gap (1e-6 here), which no step of central differences survives; the polished solution is
// exact, so the differences match to 1e-5 at step 1e-5 as everywhere else.
TEST(DiffBoundaryPairs, MatchDifferencesAndAdjoint) {
  std::mt19937 rng(5);
  for (const char* family : {"exp", "pow", "sdp"})
    for (unsigned seed = 0; seed < kSeeds; ++seed) {
      const Fixture f = planted(family, seed, true);
      check_against_differences(f, rng, 1e-5, 1e-5);
      const Structure st = make_structure(f.spec);
      // H's infinite directions are kInfiniteScaling = 1e8 times its others (cone_table.hpp), so
      // the solves that both sides use are accurate to ~1e-16·1e8 relative.
      expect_adjoint_identity(st, f, solve_fixture(f), rng, 1e-6);
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

// Projection onto the unit ball, min ½‖x − a‖² s.t. ‖x‖ ≤ 1 with ‖a‖ > 1: x = a/‖a‖ and
// dx/da = (I − xxᵀ)/‖a‖. Written as s = (1, x) ∈ SOC(3): A = [0 0; −1 0; 0 −1], b = (1, 0, 0),
// c = −a, so the tangent of c is −da.
TEST(DiffClosedForm, ProjectionOntoTheBall) {
  Fixture f;
  f.spec.n = 2, f.spec.m = 3;
  f.spec.P_colptr = {0, 1, 2}, f.spec.P_rowval = {0, 1};
  f.spec.A_colptr = {0, 1, 2}, f.spec.A_rowval = {1, 2};
  f.spec.cones = {{ConeKind::SOC, 3}};
  const double a[2] = {1.5, -2.0}, na = 2.5;
  f.P_vals = {1, 1}, f.A_vals = {-1, -1}, f.c = {-a[0], -a[1]}, f.b = {1, 0, 0};
  const Structure st = make_structure(f.spec);
  const Result r = solve_fixture(f);
  ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
  const double x[2] = {a[0] / na, a[1] / na};
  for (int j = 0; j < 2; ++j) {
    Tangent t{{0, 0}, {0, 0}, {0, 0}, {0, 0, 0}};
    t.c[j] = -1;  // da = e_j
    const Jvp d = jvp(st, f, r, t, derivative_settings());
    for (int i = 0; i < 2; ++i)
      EXPECT_NEAR(d.dx[i], ((i == j) - x[i] * x[j]) / na, 1e-6) << "dx" << i << "/da" << j;
  }
}

// Projection onto the second-order cone, min ½‖x − a‖² s.t. x ∈ Qᵈ (A = −I, b = 0, c = −a).
// For ‖a₁‖ > |a₀| the solution is on the boundary (a boundary pair s, z) and
//   DΠ(a) = 1/(2‖a₁‖)·[[‖a₁‖, a₁ᵀ], [a₁, (a₀ + ‖a₁‖)I − a₀â₁â₁ᵀ]]   (â₁ = a₁/‖a₁‖);
// d = 6 also exercises the sparse SOC expansion.
TEST(DiffClosedForm, ProjectionOntoTheSecondOrderCone) {
  std::mt19937 rng(17);
  for (int d : {3, 6}) {
    for (int trial = 0; trial < 4; ++trial) {
      Fixture f;
      f.spec.n = d, f.spec.m = d;
      f.spec.P_colptr = {0}, f.spec.A_colptr = {0};
      for (int j = 0; j < d; ++j) {
        f.spec.P_rowval.push_back(j), f.spec.A_rowval.push_back(j);
        f.spec.P_colptr.push_back(j + 1), f.spec.A_colptr.push_back(j + 1);
      }
      f.spec.cones = {{ConeKind::SOC, d}};
      std::vector<double> a = randn(rng, d);
      double na1 = 0;
      for (int i = 1; i < d; ++i) na1 += a[i] * a[i];
      na1 = std::sqrt(na1);
      a[0] = 0.8 * na1 * (2.0 * (trial % 2) - 1.0) * (trial < 2 ? 0.5 : 1.0);  // |a₀| < ‖a₁‖
      f.P_vals.assign(d, 1.0), f.A_vals.assign(d, -1.0), f.b.assign(d, 0.0);
      for (double v : a) f.c.push_back(-v);
      const Structure st = make_structure(f.spec);
      const Result r = solve_fixture(f);
      ASSERT_EQ(r.status[0], static_cast<int>(Status::Solved));
      for (int j = 0; j < d; ++j) {
        Tangent t{std::vector<double>(d, 0.0), std::vector<double>(d, 0.0),
                  std::vector<double>(d, 0.0), std::vector<double>(d, 0.0)};
        t.c[j] = -1;  // da = e_j
        const Jvp dj = jvp(st, f, r, t, derivative_settings());
        for (int i = 0; i < d; ++i) {
          double want;
          if (i == 0 && j == 0)
            want = 0.5;
          else if (i == 0 || j == 0)
            want = 0.5 * a[i + j] / na1;
          else
            want = ((i == j) * (a[0] + na1) - a[0] * a[i] * a[j] / (na1 * na1)) / (2 * na1);
          EXPECT_NEAR(dj.dx[i], want, 1e-6)
              << "d=" << d << " trial " << trial << " dx" << i << "/da" << j;
        }
      }
    }
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

// A batch of different problems on one structure (planted problems share their pattern), which
// runs in blocks of lanes: each problem's JVP, VJP and KKT solve equal its own single-problem
// ones exactly.
TEST_P(DiffFamily, BatchedEqualsPerProblem) {
  std::mt19937 rng(23);
  const int B = static_cast<int>(kSeeds);
  std::vector<Fixture> fs;
  for (unsigned seed = 0; seed < kSeeds; ++seed) fs.push_back(planted(GetParam(), seed));
  const Structure st = make_structure(fs[0].spec);
  std::vector<double> P, c, A, b, xb, zb, sb, dP, dc, dA, db;
  auto append = [](std::vector<double>& to, const std::vector<double>& v) {
    to.insert(to.end(), v.begin(), v.end());
  };
  std::vector<Tangent> ts;
  std::vector<std::vector<double>> xbs, zbs, sbs;
  for (const Fixture& f : fs) {
    append(P, f.P_vals), append(c, f.c), append(A, f.A_vals), append(b, f.b);
    ts.push_back(random_tangent(rng, f));
    append(dP, ts.back().P), append(dc, ts.back().c), append(dA, ts.back().A),
        append(db, ts.back().b);
    xbs.push_back(randn(rng, st.n())), zbs.push_back(randn(rng, st.m())),
        sbs.push_back(randn(rng, st.m()));
    append(xb, xbs.back()), append(zb, zbs.back()), append(sb, sbs.back());
  }
  const Result r =
      solve_values(st, B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense);
  const BatchData data{B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense};
  const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
  std::vector<double> dx(B * st.n()), dz(B * st.m()), ds(B * st.m());
  cpu_jvp(st, derivative_settings(), data, sol,
          {dP.data(), kDense, dc.data(), kDense, dA.data(), kDense, db.data(), kDense},
          {dx.data(), dz.data(), ds.data()});
  std::vector<double> gP(P.size()), gc(c.size()), gA(A.size()), gb(b.size());
  cpu_vjp(st, derivative_settings(), data, sol, {xb.data(), zb.data(), sb.data()},
          {gP.data(), gc.data(), gA.data(), gb.data()});
  std::vector<double> wx(B * st.n()), wz(B * st.m());
  cpu_kkt_solve(st, derivative_settings(), data, sol, {xb.data(), zb.data()}, {wx.data(), wz.data()});
  for (int k = 0; k < B; ++k) {
    SCOPED_TRACE(fs[k].name);
    const Result rk = solve_fixture(fs[k]);
    const Jvp j = jvp(st, fs[k], rk, ts[k], derivative_settings());
    const Tangent g = vjp(st, fs[k], rk, xbs[k], zbs[k], sbs[k]);
    std::vector<double> ox(st.n()), oz(st.m());
    cpu_kkt_solve(st, derivative_settings(), one(fs[k]),
                  {rk.x.data(), rk.z.data(), rk.s.data(), rk.status.data()},
                  {xbs[k].data(), zbs[k].data()}, {ox.data(), oz.data()});
    for (int i = 0; i < st.n(); ++i) EXPECT_EQ(dx[k * st.n() + i], j.dx[i]);
    for (int i = 0; i < st.m(); ++i) EXPECT_EQ(ds[k * st.m() + i], j.ds[i]);
    for (int i = 0; i < st.nnz_A(); ++i) EXPECT_EQ(gA[k * st.nnz_A() + i], g.A[i]);
    for (int i = 0; i < st.nnz_P(); ++i) EXPECT_EQ(gP[k * st.nnz_P() + i], g.P[i]);
    for (int i = 0; i < st.n(); ++i) EXPECT_EQ(wx[k * st.n() + i], ox[i]);
    for (int i = 0; i < st.m(); ++i) EXPECT_EQ(wz[k * st.m() + i], oz[i]);
  }
}

// Several vectors per problem (KktVectors::count, vector j of problem k in row j·B + k), as the
// JAX layer passes the tangents of a jacfwd: K factored once per problem for all of them, every
// result bit for bit the one-vector call's, in lane blocks (B = kSeeds) and for one problem.
TEST_P(DiffFamily, ManyVectorsPerProblemEqualOneAtATime) {
  std::mt19937 rng(31);
  const int B = static_cast<int>(kSeeds), R = 3;
  std::vector<Fixture> fs;
  std::vector<double> P, c, A, b;
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    fs.push_back(planted(GetParam(), seed));
    const Fixture& f = fs.back();
    P.insert(P.end(), f.P_vals.begin(), f.P_vals.end()), c.insert(c.end(), f.c.begin(), f.c.end());
    A.insert(A.end(), f.A_vals.begin(), f.A_vals.end()), b.insert(b.end(), f.b.begin(), f.b.end());
  }
  const Structure st = make_structure(fs[0].spec);
  const long n = st.n(), m = st.m();
  const Result r =
      solve_values(st, B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense);
  const BatchData data{B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense};
  const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
  const std::vector<double> vx = randn(rng, R * B * n), vz = randn(rng, R * B * m);
  for (const bool multiply : {false, true}) {
    SCOPED_TRACE(multiply ? "multiply" : "solve");
    auto apply = [&](const BatchData& d, const SolutionView& s, const KktVectors& v,
                     const KktOutputs& o) {
      multiply ? cpu_kkt_multiply(st, derivative_settings(), d, s, v, o)
               : cpu_kkt_solve(st, derivative_settings(), d, s, v, o);
    };
    std::vector<double> ox(R * B * n), oz(R * B * m);
    apply(data, sol, {vx.data(), vz.data(), R}, {ox.data(), oz.data()});
    for (int k = 0; k < B; ++k) {
      SCOPED_TRACE(fs[k].name);
      const Result rk = solve_fixture(fs[k]);
      const SolutionView sk{rk.x.data(), rk.z.data(), rk.s.data(), rk.status.data()};
      std::vector<double> kx, kz, one_x(R * n), one_z(R * m);  // problem k's R vectors alone
      for (int j = 0; j < R; ++j) {
        const long row = static_cast<long>(j) * B + k;
        kx.insert(kx.end(), vx.begin() + row * n, vx.begin() + (row + 1) * n);
        kz.insert(kz.end(), vz.begin() + row * m, vz.begin() + (row + 1) * m);
      }
      apply(one(fs[k]), sk, {kx.data(), kz.data(), R}, {one_x.data(), one_z.data()});
      for (int j = 0; j < R; ++j) {
        const long row = static_cast<long>(j) * B + k;
        std::vector<double> wx(n), wz(m);
        apply(one(fs[k]), sk, {kx.data() + j * n, kz.data() + j * m}, {wx.data(), wz.data()});
        for (long i = 0; i < n; ++i) EXPECT_EQ(ox[row * n + i], wx[i]);
        for (long i = 0; i < m; ++i) EXPECT_EQ(oz[row * m + i], wz[i]);
        for (long i = 0; i < n; ++i) EXPECT_EQ(one_x[j * n + i], wx[i]);
        for (long i = 0; i < m; ++i) EXPECT_EQ(one_z[j * m + i], wz[i]);
      }
    }
  }
}

// The building blocks of the JAX layer: K (K⁻¹ r) = r at the solution, with the interior
// point's solves and (for the QPs) the active set's. The latter is the limit on inactive rows
// (diff.hpp): dz_i = 0 there, where K multiplies by a finite stand-in for the infinite H.
TEST_P(DiffFamily, KktSolveInvertsKktMultiply) {
  std::mt19937 rng(29);
  for (const QpMethod method : {QpMethod::InteriorPoint, QpMethod::Auto}) {
    Settings settings = derivative_settings();
    settings.qp_method = method;
    for (unsigned seed = 0; seed < kSeeds; ++seed) {
      const Fixture f = planted(GetParam(), seed);
      SCOPED_TRACE(f.name + (method == QpMethod::Auto ? " auto" : " ipm"));
      const Structure st = make_structure(f.spec);
      const Result r = solve_fixture(f, settings);
      const auto rx = randn(rng, st.n()), rz = randn(rng, st.m());
      std::vector<double> wx(st.n()), wz(st.m()), yx(st.n()), yz(st.m());
      const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
      cpu_kkt_solve(st, settings, one(f), sol, {rx.data(), rz.data()}, {wx.data(), wz.data()});
      cpu_kkt_multiply(st, settings, one(f), sol, {wx.data(), wz.data()}, {yx.data(), yz.data()});
      const double scale = std::max(norm_inf(rx), norm_inf(rz));
      const bool active_set = backend::cpu::active_set_applies(st.symbolic(), settings);
      for (int i = 0; i < st.n(); ++i) EXPECT_NEAR(yx[i], rx[i], 1e-9 * scale);
      for (int i = 0; i < st.m(); ++i) {
        if (active_set && r.z[i] == 0.0 && r.s[i] > 0.0)  // exactly inactive
          EXPECT_EQ(wz[i], 0.0) << i;
        else
          EXPECT_NEAR(yz[i], rz[i], 1e-9 * scale) << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Planted, DiffFamily, ::testing::Values("lp", "qp", "socp", "exp", "pow"));

}  // namespace
}  // namespace batchcone::testing
