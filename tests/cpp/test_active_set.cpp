// SPDX-License-Identifier: Apache-2.0
// The active-set path for QPs with Zero and NonNeg cones (src/backend/cpu/active_set.hpp):
// against Clarabel's fixtures and closed forms, both ways of eliminating equalities, the
// hand-over to the interior point of what it cannot solve, shared and per-problem data, and
// the workspace it is given.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/cpu/active_set.hpp"
#include "optimality.hpp"
#include "qp_util.hpp"
#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

Settings with_method(QpMethod method) {
  Settings s;
  s.qp_method = method;
  return s;
}

// The active-set method alone (no interior point for what it leaves Unsolved), one problem.
Result active_set_only(const Structure& st, const Fixture& f) {
  Result r = empty_result(st, 1);
  std::vector<double> ws(backend::cpu::active_set_workspace_bytes(st.symbolic(), 1) / 8 + 1);
  const BatchData d{1,      f.P_vals.data(), kDense, f.c.data(), kDense, f.A_vals.data(),
                    kDense, f.b.data(),      kDense};
  backend::cpu::active_set_solve(st.symbolic(), with_method(QpMethod::ActiveSet), d,
                                 {r.x.data(), r.z.data(), r.s.data(), r.status.data(),
                                  r.iterations.data(), r.objective.data()},
                                 ws.data());
  return r;
}

// min ½‖x − y‖² s.t. A_E x = b_E, x ≥ −10 (inactive): x = y − A_Eᵀw, z_E = w with
// (A_E A_Eᵀ)w = A_E y − b_E, here for two rows (w by Cramer's rule).
void expect_projection(const std::vector<double>& AE, const std::vector<double>& bE,
                       const std::vector<double>& y) {
  const int n = static_cast<int>(y.size());
  std::vector<double> P(n * n, 0.0), A(AE), b(bE), c(n);
  for (int j = 0; j < n; ++j) P[j * n + j] = 1.0, c[j] = -y[j];
  for (int j = 0; j < n; ++j) {
    std::vector<double> row(n, 0.0);
    row[j] = -1.0;
    A.insert(A.end(), row.begin(), row.end()), b.push_back(10.0);
  }
  const Fixture f = dense_qp(n, P, c, A, b, 2);
  const Structure st = make_structure(f.spec);
  const Result r = active_set_only(st, f);
  ASSERT_EQ(static_cast<Status>(r.status[0]), Status::Solved);
  double G[2][2] = {}, rhs[2] = {};
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < n; ++j) G[i][k] += AE[i * n + j] * AE[k * n + j];
    for (int j = 0; j < n; ++j) rhs[i] += AE[i * n + j] * y[j];
    rhs[i] -= bE[i];
  }
  const double det = G[0][0] * G[1][1] - G[0][1] * G[1][0];
  const double w[2] = {(rhs[0] * G[1][1] - G[0][1] * rhs[1]) / det,
                       (G[0][0] * rhs[1] - G[1][0] * rhs[0]) / det};
  for (int j = 0; j < n; ++j)
    EXPECT_NEAR(r.x[j], y[j] - AE[j] * w[0] - AE[n + j] * w[1], 1e-12) << "x" << j;
  EXPECT_NEAR(r.z[0], w[0], 1e-12);
  EXPECT_NEAR(r.z[1], w[1], 1e-12);
  for (int j = 0; j < n; ++j) EXPECT_EQ(r.z[2 + j], 0.0);
  expect_optimal(f, r, 1e-14);
}

}  // namespace

// Every QP fixture the method takes is solved to the optimality conditions at rounding level
// with Clarabel's objective; the others are those it must leave: P has no curvature on the
// equalities' null space (the ℓ1 and hinge auxiliaries of lasso, Huber and SVM).
TEST(ActiveSet, QpFixturesSolvedExactlyOrLeftToTheInteriorPoint) {
  std::set<std::string> solved;
  for (const Fixture& f : load_fixtures("qp")) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = active_set_only(st, f);
    const auto status = static_cast<Status>(r.status[0]);
    ASSERT_TRUE(status == Status::Solved || status == Status::Unsolved) << to_string(status);
    if (status == Status::Solved) {
      solved.insert(f.name);
      expect_optimal(f, r, 1e-12);
      EXPECT_LE(std::abs(r.objective[0] - f.objective),
                1e-9 * std::max(1.0, std::abs(f.objective)));
    }
    const Result forced = solve_fixture(f, with_method(QpMethod::ActiveSet));
    ASSERT_EQ(static_cast<Status>(forced.status[0]), Status::Solved);
    expect_optimal(f, forced, 1e-12);
  }
  const std::set<std::string> expected = {"qp_box_ls", "qp_nnls", "qp_portfolio", "qp_eq_ineq",
                                          "qp_dense_psd"};
  EXPECT_EQ(solved, expected);
}

// Two equality rows eliminated by pivot columns (columns 0 and 3 belong to one row each), by
// Householder QR (every column in both rows), and by Householder after a pivot too small for
// its row (1e-4 against 1).
TEST(ActiveSet, EqualityEliminationsMatchTheClosedForm) {
  const std::vector<double> y = {0.3, -1.2, 2.0, 0.7};
  expect_projection({2.0, 1.0, -1.0, 0.0, 0.0, 0.5, 1.0, 3.0}, {1.0, -2.0}, y);
  expect_projection({1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, -1.0}, {1.0, -2.0}, y);
  expect_projection({1e-4, 1.0, 1.0, 0.0, 0.0, 1.0, 2.0, 1.0}, {1.0, -2.0}, y);
}

// Infeasible fixtures (and a batch mixing them with feasible ones) get the interior point's
// statuses and certificates.
TEST(ActiveSet, InfeasibleProblemsGetTheInteriorPointsStatus) {
  int checked = 0;
  for (const Fixture& f : load_fixtures("infeasible")) {
    const bool linear = std::all_of(f.spec.cones.begin(), f.spec.cones.end(), [](const Cone& k) {
      return k.kind == ConeKind::Zero || k.kind == ConeKind::NonNeg;
    });
    if (!linear || f.P_vals.empty()) continue;
    SCOPED_TRACE(f.name);
    ++checked;
    const Result as = solve_fixture(f, with_method(QpMethod::ActiveSet));
    const Result ipm = solve_fixture(f, with_method(QpMethod::InteriorPoint));
    EXPECT_EQ(as.status, ipm.status);
    EXPECT_EQ(as.z, ipm.z);
    EXPECT_EQ(as.x, ipm.x);
  }
  EXPECT_GE(checked, 1);
}

// Singular P on the null space and dependent equality rows: left Unsolved by the method, then
// solved by the interior point.
TEST(ActiveSet, DegenerateProblemsFallBackToTheInteriorPoint) {
  // min x₀² + x₁ s.t. x₁ ≥ 0: P = diag(2, 0) has no curvature along x₁.
  const Fixture flat = dense_qp(2, {2.0, 0.0, 0.0, 0.0}, {0.0, 1.0}, {0.0, -1.0}, {0.0}, 0);
  // min ½‖x‖² s.t. x₀ + x₁ = 1 twice, x ≥ 0.
  const Fixture twice =
      dense_qp(2, {1.0, 0.0, 0.0, 1.0}, {0.0, 0.0}, {1.0, 1.0, 1.0, 1.0, -1.0, 0.0, 0.0, -1.0},
               {1.0, 1.0, 0.0, 0.0}, 2);
  // min ½‖x‖² s.t. x₀ + x₁ = 1, x₀ − x₁ = 0, 2x₀ = 1: more equalities than variables.
  const Fixture over =
      dense_qp(2, {1.0, 0.0, 0.0, 1.0}, {0.0, 0.0}, {1.0, 1.0, 1.0, -1.0, 2.0, 0.0, -1.0, 0.0},
               {1.0, 0.0, 1.0, 0.0}, 3);
  const Structure over_st = make_structure(over.spec);  // never taken, even when forced
  EXPECT_FALSE(
      backend::cpu::active_set_applies(over_st.symbolic(), with_method(QpMethod::ActiveSet)));
  EXPECT_EQ(backend::cpu::active_set_workspace_bytes(over_st.symbolic(), 4), 0u);
  for (const Fixture* f : {&flat, &twice, &over}) {
    const Structure st = make_structure(f->spec);
    if (f != &over) {
      EXPECT_EQ(static_cast<Status>(active_set_only(st, *f).status[0]), Status::Unsolved);
    }
    const Result r = solve_fixture(*f, with_method(QpMethod::ActiveSet));
    ASSERT_EQ(static_cast<Status>(r.status[0]), Status::Solved);
    expect_optimal(*f, r, 1e-8);
  }
  EXPECT_NEAR(solve_fixture(flat).objective[0], 0.0, 1e-8);
  EXPECT_NEAR(solve_fixture(twice).objective[0], 0.25, 1e-8);
  EXPECT_NEAR(solve_fixture(over).objective[0], 0.25, 1e-8);
}

// Shared matrices (stride 0, reduced once) give bitwise the per-problem copies' results; a
// batch alternating between two shared matrices' worth of copies too.
TEST(ActiveSet, SharedAndPerProblemDataAgree) {
  std::mt19937 rng(3);
  const Fixture f = random_nnls(rng, 6, 10);
  const Structure st = make_structure(f.spec);
  const int batch = 9;
  std::vector<double> bs, As, Ps;
  for (int k = 0; k < batch; ++k) {
    std::vector<double> b = f.b;
    for (double& v : b) v += 0.1 * k;
    bs.insert(bs.end(), b.begin(), b.end());
    As.insert(As.end(), f.A_vals.begin(), f.A_vals.end());
    Ps.insert(Ps.end(), f.P_vals.begin(), f.P_vals.end());
  }
  const Settings s = with_method(QpMethod::ActiveSet);
  const Result shared = solve_values(st, batch, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(),
                                     0, bs.data(), kDense, s);
  const Result copies = solve_values(st, batch, Ps.data(), kDense, f.c.data(), 0, As.data(), kDense,
                                     bs.data(), kDense, s);
  EXPECT_EQ(shared.x, copies.x);
  EXPECT_EQ(shared.z, copies.z);
  EXPECT_EQ(shared.status, std::vector<std::int32_t>(batch, 1));
  for (int k = 0; k < batch; ++k) {
    Fixture fk = f;
    std::copy(bs.begin() + k * st.m(), bs.begin() + (k + 1) * st.m(), fk.b.begin());
    Result one;
    one.x.assign(shared.x.begin() + k * st.n(), shared.x.begin() + (k + 1) * st.n());
    one.z.assign(shared.z.begin() + k * st.m(), shared.z.begin() + (k + 1) * st.m());
    one.s.assign(shared.s.begin() + k * st.m(), shared.s.begin() + (k + 1) * st.m());
    expect_optimal(fk, one, 1e-13);
  }
}

// A batch of feasible and infeasible box QPs: every problem gets its own single solve's result
// (the infeasible ones the interior point's, solved concurrently in the shared workspace).
TEST(ActiveSet, MixedBatchEqualsSingleSolves) {
  // min ½‖x‖² + qᵀx s.t. x ≤ h_hi, −x ≤ h_lo (x ∈ [−h_lo, h_hi]; empty when h_hi < −h_lo).
  const int n = 3, batch = 12;
  std::vector<double> P(n * n, 0.0), A(2 * n * n, 0.0), q(n, 0.0), h(2 * n, 1.0);
  for (int j = 0; j < n; ++j) P[j * n + j] = 1.0, A[j * n + j] = 1.0, A[(n + j) * n + j] = -1.0;
  const Fixture f = dense_qp(n, P, q, A, h, 0);
  const Structure st = make_structure(f.spec);
  std::vector<double> qs, hs;
  for (int k = 0; k < batch; ++k) {
    for (int j = 0; j < n; ++j) qs.push_back(std::sin(k + 3.0 * j) * 3.0);
    for (int i = 0; i < 2 * n; ++i) hs.push_back(k % 3 == 1 && i == 0 ? -2.0 : 1.0);
  }
  const Settings s = with_method(QpMethod::ActiveSet);
  const Result all = solve_values(st, batch, f.P_vals.data(), 0, qs.data(), kDense, f.A_vals.data(),
                                  0, hs.data(), kDense, s);
  for (int k = 0; k < batch; ++k) {
    const Result one = solve_values(st, 1, f.P_vals.data(), 0, qs.data() + k * n, kDense,
                                    f.A_vals.data(), 0, hs.data() + k * 2 * n, kDense, s);
    const auto status = static_cast<Status>(all.status[k]);
    EXPECT_EQ(status, k % 3 == 1 ? Status::PrimalInfeasible : Status::Solved) << k;
    EXPECT_EQ(all.status[k], one.status[0]) << k;
    for (int j = 0; j < n; ++j) EXPECT_EQ(all.x[k * n + j], one.x[j]) << k;
    for (int i = 0; i < 2 * n; ++i) EXPECT_EQ(all.z[k * 2 * n + i], one.z[i]) << k;
  }
}

// Random NNLS and strictly convex dense QPs: the method and the interior point agree, and
// Auto picks the method for them.
TEST(ActiveSet, RandomQpsAgreeWithTheInteriorPoint) {
  std::mt19937 rng(11);
  std::vector<Fixture> problems;
  for (int t = 0; t < 4; ++t) problems.push_back(random_nnls(rng, 8, 14));
  for (int t = 0; t < 4; ++t) problems.push_back(random_qp(rng, 12, 24, 0));
  for (const Fixture& f : problems) {
    const Structure st = make_structure(f.spec);
    EXPECT_TRUE(backend::cpu::active_set_applies(st.symbolic(), Settings{}));
    const Result as = active_set_only(st, f);
    const Result ipm = solve_fixture(f, with_method(QpMethod::InteriorPoint));
    ASSERT_EQ(static_cast<Status>(as.status[0]), Status::Solved);
    ASSERT_EQ(static_cast<Status>(ipm.status[0]), Status::Solved);
    expect_optimal(f, as, 1e-13);
    EXPECT_NEAR(as.objective[0], ipm.objective[0],
                1e-8 * std::max(1.0, std::abs(ipm.objective[0])));
  }
}

// A caller's workspace of exactly cpu_workspace_bytes serves the method (AddressSanitizer
// checks the bounds) for batches below and above the slot count.
TEST(ActiveSet, AdvertisedWorkspaceSuffices) {
  std::mt19937 rng(5);
  const Fixture f = random_nnls(rng, 5, 9);
  const Structure st = make_structure(f.spec);
  for (int batch : {1, 3, 40}) {
    std::vector<double> bs;
    for (int k = 0; k < batch; ++k) bs.insert(bs.end(), f.b.begin(), f.b.end());
    Result r = empty_result(st, batch);
    const std::size_t bytes = cpu_workspace_bytes(st, batch);
    std::vector<unsigned char> ws(bytes);
    cpu_solve(st, with_method(QpMethod::ActiveSet),
              {batch, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0, bs.data(), kDense},
              {r.x.data(), r.z.data(), r.s.data(), r.status.data(), r.iterations.data(),
               r.objective.data()},
              ws.data(), bytes);
    EXPECT_EQ(r.status, std::vector<std::int32_t>(batch, 1));
  }
}

TEST(ActiveSet, UnknownMethodIsRejected) {
  std::mt19937 rng(1);
  const Fixture f = random_nnls(rng, 2, 3);
  Settings s;
  s.qp_method = static_cast<QpMethod>(7);
  try {
    solve_fixture(f, s);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("qp_method = 7"), std::string::npos) << e.what();
  }
}

}  // namespace batchcone::testing
