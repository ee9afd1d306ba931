// SPDX-License-Identifier: Apache-2.0
// The sparse LDLᵀ over the real symbolic pipeline (make_structure → KKT pattern, AMD, schedule)
// against a dense reference. Matrices are quasidefinite by construction,
//
//   K = [ P + δI      Aᵀ       ]      P diagonally dominant (PSD), H the NT block of random
//       [ A       −(H + δI)    ]      interior points (SOC ≥ 5 rows in expanded form),
//
// so LDLᵀ exists under every symmetric permutation with pivot signs fixed by the block, and all
// matrices here have condition numbers of roughly 1e2..1e4: backward-stable solves give relative
// residuals of a few ε·κ ≪ 1e-10, and forward errors ≪ 1e-8.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "backend/cpu/lanes.hpp"
#include "dense_solve.hpp"
#include "kernels/ipm/linsys.hpp"
#include "symbolic/symbolic.hpp"

namespace batchcone {
namespace {

using Vec = std::vector<double>;
using testing::dense_solve;
using LdlRegularization = kernels::LdlRegularization<>;

constexpr double kDelta = 0.5;
const LdlRegularization kNoReg{0.0, -INFINITY, 1.0};  // no static ε, dynamic never triggers

StructureSpec random_spec(std::mt19937& rng, int n, const std::vector<Cone>& cones,
                          double p_density, double a_density) {
  std::bernoulli_distribution pick_p(p_density), pick_a(a_density);
  StructureSpec s;
  s.n = n;
  s.cones = cones;
  for (const Cone& c : cones) s.m += c.dim;
  s.P_colptr.push_back(0);
  s.A_colptr.push_back(0);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < j; ++i)
      if (pick_p(rng)) s.P_rowval.push_back(i);
    s.P_rowval.push_back(j);
    s.P_colptr.push_back(static_cast<int>(s.P_rowval.size()));
    for (int i = 0; i < s.m; ++i)
      if (pick_a(rng)) s.A_rowval.push_back(i);
    s.A_colptr.push_back(static_cast<int>(s.A_rowval.size()));
  }
  return s;
}

// One problem's values: P (diagonally dominant), A, and the NT scaling of random interior points.
struct Values {
  Vec P, A, w, eta, lambda;
};

Values random_values(std::mt19937& rng, const detail::Symbolic& sym) {
  const StructureSpec& s = sym.spec;
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  Values v;
  v.P.resize(s.P_rowval.size());
  Vec dominance(s.n, 0.0);
  for (int j = 0; j < s.n; ++j)
    for (int p = s.P_colptr[j]; p < s.P_colptr[j + 1]; ++p)
      if (s.P_rowval[p] != j) {
        v.P[p] = g(rng);
        dominance[j] += std::abs(v.P[p]);
        dominance[s.P_rowval[p]] += std::abs(v.P[p]);
      }
  for (int j = 0; j < s.n; ++j) v.P[s.P_colptr[j + 1] - 1] = dominance[j] + u(rng);
  v.A.resize(s.A_rowval.size());
  for (double& a : v.A) a = g(rng);
  // Interior (s, z) per cone, then the solver's own scaling routine.
  const kernels::ConeTable k = sym.cone_table();
  Vec sv(s.m), zv(s.m);
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    for (int i = 0; i < d; ++i)
      sv[o + i] = (k.kind[c] == kernels::kZeroCone) ? 0.0 : u(rng), zv[o + i] = u(rng);
    if (k.kind[c] == kernels::kSocCone) {
      for (int i = 1; i < d; ++i) sv[o + i] = g(rng), zv[o + i] = g(rng);
      sv[o] = std::sqrt(kernels::sumsq(d - 1, sv.data() + o + 1)) + u(rng);
      zv[o] = std::sqrt(kernels::sumsq(d - 1, zv.data() + o + 1)) + u(rng);
    }
  }
  v.w.resize(s.m), v.eta.resize(k.count), v.lambda.resize(s.m);
  EXPECT_TRUE(kernels::cones_update_scaling(k, sv.data(), zv.data(), v.w.data(), v.eta.data(),
                                            v.lambda.data()));
  return v;
}

// kx ← K with the H block from the scaling in v and ±δ on the x and z diagonals.
Vec load_kkt(const detail::Symbolic& sym, Values& v) {
  const kernels::KktMaps mp = sym.maps();
  Vec kx(mp.nnz);
  kernels::kkt_load_data(mp, static_cast<int>(v.P.size()), v.P.data(), static_cast<int>(v.A.size()),
                         v.A.data(), kx.data());
  kernels::kkt_write_H(mp, sym.cone_table(), v.w.data(), v.eta.data(), kx.data());
  for (int i = 0; i < mp.n; ++i) kx[mp.diag_to_k[i]] += kDelta;
  for (int i = 0; i < mp.m; ++i) kx[mp.diag_to_k[mp.n + i]] -= kDelta;
  return kx;
}

// Dense symmetric K (row-major, order N) in permuted coordinates from the stored upper triangle.
Vec dense_permuted(const kernels::LdlPlan& pl, const Vec& kx) {
  const int N = pl.n;
  Vec K(static_cast<size_t>(N) * N, 0.0);
  for (int j = 0; j < N; ++j)
    for (int p = pl.kp[j]; p < pl.kp[j + 1]; ++p) {
      EXPECT_LE(pl.ki[p], j) << "stored entry below the diagonal";
      K[static_cast<size_t>(pl.ki[p]) * N + j] = K[static_cast<size_t>(j) * N + pl.ki[p]] = kx[p];
    }
  return K;
}

// The same matrix in original coordinates (x, z, expansion columns).
Vec dense_original(const kernels::KktMaps& mp, const Vec& Kp) {
  const int N = mp.order;
  Vec K(Kp.size());
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      K[static_cast<size_t>(mp.perm[i]) * N + mp.perm[j]] = Kp[static_cast<size_t>(i) * N + j];
  return K;
}

Vec matvec(const Vec& K, const Vec& x) {
  const size_t N = x.size();
  Vec y(N, 0.0);
  for (size_t i = 0; i < N; ++i)
    for (size_t j = 0; j < N; ++j) y[i] += K[i * N + j] * x[j];
  return y;
}

double norm_inf(const Vec& v) {
  double r = 0.0;
  for (double t : v) r = std::max(r, std::abs(t));
  return r;
}

double rel_residual(const Vec& K, const Vec& x, const Vec& b) {
  Vec r = matvec(K, x);
  for (size_t i = 0; i < r.size(); ++i) r[i] -= b[i];
  return norm_inf(r) / norm_inf(b);
}

struct Factors {
  Vec lx, d, dinv;
  int bumps;
};

// The plan with the factor layout forced (0 sparse schedule, 1 dense, 2 a dense tail from the
// middle column; −1 the structure's own choice), and the L storage that layout needs.
kernels::LdlPlan plan_in(const detail::Symbolic& sym, int layout) {
  kernels::LdlPlan pl = sym.plan();
  if (layout >= 0) pl.dense_from = layout == 0 ? pl.n : layout == 1 ? 0 : pl.n / 2;
  return pl;
}

size_t l_storage(const detail::Symbolic& sym, const kernels::LdlPlan& pl) {
  const size_t t = pl.n - pl.dense_from;
  return sym.factor.lp[pl.dense_from] + t * t;
}

Factors factor(const detail::Symbolic& sym, Vec& kx, const LdlRegularization& reg,
               int layout = -1) {
  const kernels::LdlPlan pl = plan_in(sym, layout);
  Factors f{Vec(l_storage(sym, pl)), Vec(pl.n), Vec(pl.n), 0};
  Vec y(pl.n, 0.0);
  f.bumps =
      kernels::ldl_factor(pl, kx.data(), f.lx.data(), f.d.data(), f.dinv.data(), y.data(), reg);
  for (double t : y) EXPECT_EQ(t, 0.0) << "ldl_factor must leave its work vector zero";
  return f;
}

Vec random_vec(std::mt19937& rng, int n) {
  std::normal_distribution<double> g(0.0, 1.0);
  Vec v(n);
  for (double& t : v) t = g(rng);
  return v;
}

struct Case {
  const char* name;
  int n;
  std::vector<Cone> cones;
  double p_density, a_density;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"nonneg", 12, {{ConeKind::NonNeg, 15}}, 0.3, 0.25},
      {"lp_no_offdiag_P", 10, {{ConeKind::NonNeg, 20}}, 0.0, 0.2},
      {"mixed_with_expansions",
       15,
       {{ConeKind::Zero, 3},
        {ConeKind::NonNeg, 6},
        {ConeKind::SOC, 3},
        {ConeKind::SOC, 6},
        {ConeKind::SOC, 1},
        {ConeKind::SOC, 20}},
       0.2,
       0.2},
      {"dense_soc_only", 6, {{ConeKind::SOC, 5}, {ConeKind::SOC, 4}}, 0.5, 0.6},
  };
  return all;
}

// Parameters: the case and the factor layout (see plan_in).
class LdlTest : public ::testing::TestWithParam<std::tuple<int, int>> {
 protected:
  const Case& test_case() const { return cases()[std::get<0>(GetParam())]; }
  int seed() const { return std::get<0>(GetParam()); }
  int layout() const { return std::get<1>(GetParam()); }
};

TEST_P(LdlTest, FactorSolveMatchesDense) {
  const Case& cs = test_case();
  std::mt19937 rng(100 + seed());
  for (int trial = 0; trial < 5; ++trial) {
    const Structure st =
        make_structure(random_spec(rng, cs.n, cs.cones, cs.p_density, cs.a_density));
    const detail::Symbolic& sym = st.symbolic();
    const kernels::LdlPlan pl = plan_in(sym, layout());
    Values v = random_values(rng, sym);
    Vec kx = load_kkt(sym, v);
    const Vec Kp = dense_permuted(pl, kx);
    const Factors f = factor(sym, kx, kNoReg, layout());
    ASSERT_EQ(f.bumps, 0) << "quasidefinite K needs no pivot replacement";
    int positive = 0;
    for (int k = 0; k < pl.n; ++k) {
      EXPECT_GT(f.d[k] * pl.sign[k], 0.0) << "pivot " << k << " = " << f.d[k];
      EXPECT_EQ(f.dinv[k], 1.0 / f.d[k]);
      positive += f.d[k] > 0;
    }
    int expansions = 0;
    for (int e : sym.kkt.expansion) expansions += e >= 0;
    EXPECT_EQ(pl.n, st.n() + st.m() + 2 * expansions);
    EXPECT_EQ(positive, st.n() + expansions) << "inertia: x rows and each expansion's u column";

    const Vec b = random_vec(rng, pl.n);
    Vec x = b;
    kernels::ldl_solve(pl, f.lx.data(), f.dinv.data(), x.data());
    EXPECT_LE(rel_residual(Kp, x, b), 1e-10) << cs.name;
    const Vec ref = dense_solve(Kp, b);
    for (int i = 0; i < pl.n; ++i) EXPECT_NEAR(x[i], ref[i], 1e-8 * std::max(1.0, norm_inf(ref)));

    // kkt_symv over the stored triangle (the dense layout: over the copy of K the factorization
    // keeps beside L) equals the dense product (same terms, O(nnz·ε)).
    const Vec xr = random_vec(rng, pl.n);
    Vec y(pl.n, 7.0);  // garbage: kkt_symv overwrites
    kernels::kkt_symv(pl, kx.data(), f.lx.data(), xr.data(), y.data());
    const Vec yd = matvec(Kp, xr);
    for (int i = 0; i < pl.n; ++i) EXPECT_NEAR(y[i], yd[i], 1e-12 * (1.0 + norm_inf(yd)));
  }
}

// The matrix stored through the maps is the intended one: eliminating the expansion columns
// (a diagonal block) from the original-coordinate K gives [P+δI Aᵀ; A −(H+δI)] exactly as built
// from the spec, the values and H = diag(w²) / η²(2wwᵀ − J) / 0.
TEST_P(LdlTest, StoredMatrixIsTheIntendedKkt) {
  const Case& cs = test_case();
  std::mt19937 rng(200 + seed());
  const Structure st = make_structure(random_spec(rng, cs.n, cs.cones, cs.p_density, cs.a_density));
  const detail::Symbolic& sym = st.symbolic();
  const kernels::KktMaps mp = sym.maps();
  for (int i = 0; i < mp.order; ++i) EXPECT_EQ(mp.iperm[mp.perm[i]], i);
  Values v = random_values(rng, sym);
  const Vec kx = load_kkt(sym, v);
  const Vec K = dense_original(mp, dense_permuted(sym.plan(), kx));
  const int N = mp.order, R = mp.n + mp.m;
  // Schur complement onto the first R rows; the extra block must be diagonal.
  Vec S(static_cast<size_t>(R) * R);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < R; ++j) {
      double acc = K[static_cast<size_t>(i) * N + j];
      for (int e = R; e < N; ++e)
        acc -= K[static_cast<size_t>(i) * N + e] * K[static_cast<size_t>(e) * N + j] /
               K[static_cast<size_t>(e) * N + e];
      S[static_cast<size_t>(i) * R + j] = acc;
    }
  for (int e = R; e < N; ++e)
    for (int f = R; f < N; ++f)
      if (e != f) {
        EXPECT_EQ(K[static_cast<size_t>(e) * N + f], 0.0);
      }
  // Intended matrix, from scratch.
  const StructureSpec& s = sym.spec;
  Vec T(static_cast<size_t>(R) * R, 0.0);
  auto at = [&](int i, int j) -> double& { return T[static_cast<size_t>(i) * R + j]; };
  for (int j = 0; j < s.n; ++j) {
    at(j, j) += kDelta;
    for (int p = s.P_colptr[j]; p < s.P_colptr[j + 1]; ++p) {
      at(s.P_rowval[p], j) += v.P[p];
      if (s.P_rowval[p] != j) at(j, s.P_rowval[p]) += v.P[p];
    }
    for (int p = s.A_colptr[j]; p < s.A_colptr[j + 1]; ++p)
      at(s.n + s.A_rowval[p], j) = at(j, s.n + s.A_rowval[p]) = v.A[p];
  }
  const kernels::ConeTable k = sym.cone_table();
  for (int c = 0; c < k.count; ++c) {
    const int o = s.n + k.offset[c], d = k.dim[c];
    for (int i = 0; i < d; ++i) {
      at(o + i, o + i) -= kDelta;
      if (k.kind[c] == kernels::kNonNegCone)
        at(o + i, o + i) -= v.w[k.offset[c] + i] * v.w[k.offset[c] + i];
      if (k.kind[c] == kernels::kSocCone)
        for (int j = 0; j < d; ++j)
          at(o + i, o + j) -=
              v.eta[c] * v.eta[c] * kernels::soc_H_entry(v.w.data() + k.offset[c], i, j);
    }
  }
  const double scale = norm_inf(T);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < R; ++j)
      EXPECT_NEAR(S[static_cast<size_t>(i) * R + j], T[static_cast<size_t>(i) * R + j],
                  1e-12 * scale)
          << "entry (" << i << ", " << j << ")";
}

// Several value sets over one plan, stored back to back as the CPU backend does: each factor
// solves its own matrix, and no problem's data leaks into another's.
TEST_P(LdlTest, BatchedValueSetsEachMatchTheirDenseSolve) {
  const Case& cs = test_case();
  std::mt19937 rng(300 + seed());
  const Structure st = make_structure(random_spec(rng, cs.n, cs.cones, cs.p_density, cs.a_density));
  const detail::Symbolic& sym = st.symbolic();
  const kernels::LdlPlan pl = plan_in(sym, layout());
  const int B = 6, N = pl.n, nnz = st.kkt_nnz(), lnz = static_cast<int>(l_storage(sym, pl));
  Vec kx_all, lx_all(static_cast<size_t>(B) * lnz), d_all(static_cast<size_t>(B) * N),
      dinv_all(static_cast<size_t>(B) * N), y(N, 0.0), sol_all(static_cast<size_t>(B) * N);
  std::vector<Vec> dense, rhs;
  for (int k = 0; k < B; ++k) {
    Values v = random_values(rng, sym);
    const Vec kx = load_kkt(sym, v);
    kx_all.insert(kx_all.end(), kx.begin(), kx.end());
    dense.push_back(dense_permuted(pl, kx));
    rhs.push_back(random_vec(rng, N));
  }
  ASSERT_EQ(kx_all.size(), static_cast<size_t>(B) * nnz);
  for (int k = 0; k < B; ++k) {
    const int bumps =
        kernels::ldl_factor(pl, kx_all.data() + k * nnz, lx_all.data() + k * lnz,
                            d_all.data() + k * N, dinv_all.data() + k * N, y.data(), kNoReg);
    EXPECT_EQ(bumps, 0);
  }
  for (int k = 0; k < B; ++k) {
    double* x = sol_all.data() + k * N;
    std::copy(rhs[k].begin(), rhs[k].end(), x);
    kernels::ldl_solve(pl, lx_all.data() + k * lnz, dinv_all.data() + k * N, x);
    const Vec xv(x, x + N);
    EXPECT_LE(rel_residual(dense[k], xv, rhs[k]), 1e-10) << "problem " << k;
    if (k > 0) {
      EXPECT_GT(rel_residual(dense[k - 1], xv, rhs[k]), 1e-6) << "solved someone else's K";
    }
  }
}

// Static regularization ε = 1e-8 perturbs the solve by O(ε); refinement against the stored,
// unregularized K recovers full accuracy. Residuals are measured on the reduced system
// [P+δI Aᵀ; A −(H+δI)] (expansion rows carry zero right-hand side), assembled densely.
TEST_P(LdlTest, RefinementRemovesStaticRegularizationError) {
  const Case& cs = test_case();
  std::mt19937 rng(400 + seed());
  const Structure st = make_structure(random_spec(rng, cs.n, cs.cones, cs.p_density, cs.a_density));
  const detail::Symbolic& sym = st.symbolic();
  const kernels::KktMaps mp = sym.maps();
  const kernels::LdlPlan pl = plan_in(sym, layout());
  Values v = random_values(rng, sym);
  Vec kx = load_kkt(sym, v);
  const Vec K = dense_original(mp, dense_permuted(pl, kx));
  const Factors f = factor(sym, kx, LdlRegularization{1e-8, -INFINITY, 1.0}, layout());
  ASSERT_EQ(f.bumps, 0);
  const int N = mp.order, n = mp.n, m = mp.m;
  const Vec rx = random_vec(rng, n), rz = random_vec(rng, m);
  Vec b(N, 0.0);
  std::copy(rx.begin(), rx.end(), b.begin());
  std::copy(rz.begin(), rz.end(), b.begin() + n);
  const Vec ref = dense_solve(K, b);  // full solution, extras included

  auto solve = [&](int max_iter) {
    Vec x(n, NAN), z(m, NAN), work(4 * N);
    const kernels::RefinementSettings ir{max_iter, 1e-15, 0.0, 5.0};
    EXPECT_TRUE(kernels::kkt_solve(pl, mp, kx.data(), f.lx.data(), f.dinv.data(), rx.data(),
                                   rz.data(), x.data(), z.data(), work.data(), ir));
    double err = 0.0;
    for (int i = 0; i < n; ++i) err = std::max(err, std::abs(x[i] - ref[i]));
    for (int i = 0; i < m; ++i) err = std::max(err, std::abs(z[i] - ref[n + i]));
    return err / norm_inf(ref);
  };
  const double unrefined = solve(0), refined = solve(10);
  // Without refinement the O(ε) perturbation shows (this guards the test's own premise) ...
  EXPECT_GT(unrefined, 1e-11);
  // ... and refinement brings the x, z parts to the exact solution of the unregularized K.
  EXPECT_LE(refined, 1e-12) << "unrefined error " << unrefined;
}

// The CPU runs a block of kLanes problems at once on SIMD packs over batch-interleaved storage
// (src/backend/cpu/lanes.hpp): the factorization, the solves and the refined KKT solve give every
// lane, bit for bit, what the one-problem code gives that problem (the same operations in the
// same order, per lane), dynamic regularization and static ε per lane included.
TEST_P(LdlTest, LanesEqualOneProblemAtATime) {
  using backend::cpu::lanes::kLanes;
  using backend::cpu::lanes::LaneView;
  using backend::cpu::lanes::Pack;
  const Case& cs = test_case();
  std::mt19937 rng(300 + seed());
  const Structure st = make_structure(random_spec(rng, cs.n, cs.cones, cs.p_density, cs.a_density));
  const detail::Symbolic& sym = st.symbolic();
  const kernels::LdlPlan pl = plan_in(sym, layout());
  const kernels::KktMaps mp = sym.maps();
  const int N = pl.n, nnz = mp.nnz, lnz = static_cast<int>(l_storage(sym, pl));
  // Blocks of packs: value i of lane l at [i·kLanes + l].
  std::vector<Pack> kx(nnz), lx(lnz), d(N), dinv(N), y(N, Pack(0.0)), x(N), rx(st.n()), rz(st.m()),
      ox(st.n()), oz(st.m()), work(4 * N);
  auto view = [](std::vector<Pack>& v) { return LaneView{reinterpret_cast<double*>(v.data())}; };
  auto at = [](std::vector<Pack>& v, int i, int l) -> double& {
    return reinterpret_cast<double*>(v.data())[i * kLanes + l];
  };
  std::vector<Vec> kxs, bs, rxs, rzs;
  Pack eps;
  for (int l = 0; l < kLanes; ++l) {
    Values v = random_values(rng, sym);
    kxs.push_back(load_kkt(sym, v));
    for (int p = 0; p < nnz; ++p) at(kx, p, l) = kxs[l][p];
    bs.push_back(random_vec(rng, N)), rxs.push_back(random_vec(rng, st.n())),
        rzs.push_back(random_vec(rng, st.m()));
    for (int i = 0; i < N; ++i) at(x, i, l) = bs[l][i];
    for (int i = 0; i < st.n(); ++i) at(rx, i, l) = rxs[l][i];
    for (int i = 0; i < st.m(); ++i) at(rz, i, l) = rzs[l][i];
    eps.v[l] = 1e-9 * (l + 1);
  }
  // dynamic_eps = 1 replaces some pivots in some lanes (|D| ~ 1e-1..1e1 here): per-lane selects.
  const kernels::LdlRegularization<Pack> reg{eps, 1.0, 2e-7};
  const Pack bumps = kernels::ldl_factor(pl, view(kx), view(lx), view(d), view(dinv), view(y), reg);
  kernels::ldl_solve(pl, view(lx), view(dinv), view(x));
  const kernels::RefinementSettings ir{3, 1e-15, 0.0, 5.0};
  int bumped_lanes = 0;
  kernels::kkt_solve(pl, mp, view(kx), view(lx), view(dinv), view(rx), view(rz), view(ox), view(oz),
                     view(work), ir);
  for (int l = 0; l < kLanes; ++l) {
    SCOPED_TRACE(l);
    const Factors f = factor(sym, kxs[l], LdlRegularization{1e-9 * (l + 1), 1.0, 2e-7}, layout());
    EXPECT_EQ(bumps.v[l], f.bumps);
    bumped_lanes += f.bumps > 0;
    for (int p = 0; p < lnz; ++p) ASSERT_EQ(at(lx, p, l), f.lx[p]) << "L slot " << p;
    for (int i = 0; i < N; ++i) ASSERT_EQ(at(dinv, i, l), f.dinv[i]) << "pivot " << i;
    Vec xs = bs[l];
    kernels::ldl_solve(pl, f.lx.data(), f.dinv.data(), xs.data());
    for (int i = 0; i < N; ++i) EXPECT_EQ(at(x, i, l), xs[i]);
    Vec w(4 * N), oxs(st.n()), ozs(st.m());
    kernels::kkt_solve(pl, mp, kxs[l].data(), f.lx.data(), f.dinv.data(), rxs[l].data(),
                       rzs[l].data(), oxs.data(), ozs.data(), w.data(), ir);
    for (int i = 0; i < st.n(); ++i) EXPECT_EQ(at(ox, i, l), oxs[i]);
    for (int i = 0; i < st.m(); ++i) EXPECT_EQ(at(oz, i, l), ozs[i]);
  }
  EXPECT_GT(bumped_lanes, 0) << "no lane exercised dynamic regularization";
}

const char* const kLayoutNames[] = {"_sparse", "_dense", "_tail"};

INSTANTIATE_TEST_SUITE_P(Cases, LdlTest,
                         ::testing::Combine(::testing::Range(0, 4), ::testing::Values(0, 1, 2)),
                         [](const ::testing::TestParamInfo<std::tuple<int, int>>& i) {
                           return std::string(cases()[std::get<0>(i.param)].name) +
                                  kLayoutNames[std::get<1>(i.param)];
                         });

TEST(Ldl, DynamicRegularizationReplacesZeroPivotsAndNaNFails) {
  // n = 1, a zero cone row that A does not touch: its pivot is exactly 0.
  StructureSpec s;
  s.n = 1, s.m = 2;
  s.P_colptr = {0, 1}, s.P_rowval = {0};
  s.A_colptr = {0, 1}, s.A_rowval = {0};
  s.cones = {{ConeKind::NonNeg, 1}, {ConeKind::Zero, 1}};
  const Structure st = make_structure(s);
  const detail::Symbolic& sym = st.symbolic();
  const kernels::KktMaps mp = sym.maps();
  Vec P{2.0}, A{1.0}, kx(mp.nnz);
  kernels::kkt_load_data(mp, 1, P.data(), 1, A.data(), kx.data());
  kernels::kkt_write_identity_H(mp, sym.cone_table(), kx.data());
  for (int layout : {0, 1, 2}) {
    Vec k = kx;
    const Factors f = factor(sym, k, LdlRegularization{0.0, 1e-13, 2e-7}, layout);
    EXPECT_EQ(f.bumps, 1);
    const int zrow = mp.iperm[mp.n + 1];
    EXPECT_EQ(f.d[zrow], -2e-7) << "replaced by σ·δ with σ = −1";
    k[mp.p_to_k[0]] = NAN;
    EXPECT_EQ(factor(sym, k, LdlRegularization{0.0, 1e-13, 2e-7}, layout).bumps, -1);
  }
}

}  // namespace
}  // namespace batchcone
