// SPDX-License-Identifier: Apache-2.0
// Batching semantics: a problem's result does not depend on the batch it is solved in, on how
// its inputs are laid out (shared with stride 0, copied with kDense), on the thread count, or on
// concurrent solves. A single problem runs problem by problem, a batch in blocks of SIMD lanes
// (src/backend/cpu/lane_backend.hpp), and both run the same per-problem operations in the same
// order (no contraction into fused multiply-adds), so all these comparisons are bit-for-bit
// (memcmp), not within a tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

// Problem `k` of `a` equals problem `j` of `b`, bit for bit (NaN objectives included).
void expect_same_problem(const Result& a, int k, const Result& b, int j, int n, int m) {
  EXPECT_EQ(a.status[k], b.status[j]) << to_string(static_cast<Status>(a.status[k])) << " vs "
                                      << to_string(static_cast<Status>(b.status[j]));
  EXPECT_EQ(a.iterations[k], b.iterations[j]);
  EXPECT_EQ(std::memcmp(&a.objective[k], &b.objective[j], sizeof(double)), 0)
      << a.objective[k] << " vs " << b.objective[j];
  EXPECT_EQ(std::memcmp(a.x.data() + k * n, b.x.data() + j * n, sizeof(double) * n), 0) << "x";
  EXPECT_EQ(std::memcmp(a.z.data() + k * m, b.z.data() + j * m, sizeof(double) * m), 0) << "z";
  EXPECT_EQ(std::memcmp(a.s.data() + k * m, b.s.data() + j * m, sizeof(double) * m), 0) << "s";
}

std::vector<double> repeat(const std::vector<double>& v, int times) {
  std::vector<double> out;
  for (int k = 0; k < times; ++k) out.insert(out.end(), v.begin(), v.end());
  return out;
}

// Every committed fixture: each cone, exp/pow retries under dual scaling, infeasible problems.
std::vector<Fixture> all_fixtures() {
  std::vector<Fixture> all;
  for (const char* fam : {"lp", "qp", "socp", "sdp", "exp", "pow", "infeasible"})
    for (Fixture& f : load_fixtures(fam)) all.push_back(std::move(f));
  return all;
}

// B = 5 and 11 leave padding lanes in the last block for every lane width (2, 4 or 8).
TEST(Batch, CopiesOfOneFixtureMatchTheSingleSolve) {
  for (const int B : {5, 11}) {
    SCOPED_TRACE(B);
    for (const Fixture& f : all_fixtures()) {
      SCOPED_TRACE(f.name);
      const Structure st = make_structure(f.spec);
      const int n = st.n(), m = st.m();
      const Result one = solve_fixture(f);
      const Result shared =
          solve_values(st, B, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0, f.b.data(), 0);
      const std::vector<double> P = repeat(f.P_vals, B), c = repeat(f.c, B),
                                A = repeat(f.A_vals, B), b = repeat(f.b, B);
      const Result copied = solve_values(st, B, P.data(), kDense, c.data(), kDense, A.data(),
                                         kDense, b.data(), kDense);
      for (int k = 0; k < B; ++k) {
        expect_same_problem(shared, k, one, 0, n, m);
        expect_same_problem(copied, k, one, 0, n, m);
      }
    }
  }
}

// Problems of one block that stop at different points, one of them because every step is too
// short (InsufficientProgress before its first step): each ends with its own status and keeps
// it while the block goes on (a failed problem that was tested again for termination would
// never leave the block).
TEST(Batch, ProblemsThatFailStayFinishedInTheirBlock) {
  const Fixture f = load_fixtures("lp").front();
  const Structure st = make_structure(f.spec);
  const int n = st.n(), m = st.m(), B = 3;
  Settings fail_fast;
  fail_fast.min_terminate_step_length = 0.999;  // above every step length (≤ 0.99)
  const Result failed = solve_values(st, B, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0,
                                     f.b.data(), 0, fail_fast);
  const Result one = solve_values(st, 1, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0,
                                  f.b.data(), 0, fail_fast);
  for (int k = 0; k < B; ++k) {
    EXPECT_EQ(failed.status[k], static_cast<int>(Status::InsufficientProgress));
    expect_same_problem(failed, k, one, 0, n, m);
  }
}

// One block mixing an LP (P = 0: the two-solve start) with QPs on the same structure.
TEST(Batch, LinearAndQuadraticProblemsShareABlock) {
  for (const Fixture& f : load_fixtures("qp")) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const int n = st.n(), m = st.m(), B = 3;
    std::vector<double> P = repeat(f.P_vals, B);
    std::fill(P.begin() + st.nnz_P(), P.begin() + 2 * st.nnz_P(), 0.0);  // problem 1: an LP
    const std::vector<double> c = repeat(f.c, B), A = repeat(f.A_vals, B), b = repeat(f.b, B);
    const Result batch =
        solve_values(st, B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense);
    for (int k = 0; k < B; ++k) {
      SCOPED_TRACE(k);
      const Result alone = solve_values(st, 1, P.data() + k * st.nnz_P(), kDense, f.c.data(),
                                        kDense, f.A_vals.data(), kDense, f.b.data(), kDense);
      expect_same_problem(batch, k, alone, 0, n, m);
    }
  }
}

// B value sets on one fixture's structure: c and b perturbed, P scaled by [0.5, 2], A perturbed
// by ~1e-2 relative. Returned concatenated (kDense layout).
struct ValueSets {
  std::vector<double> P, c, A, b;
};

ValueSets perturbed(const Fixture& f, int B, std::mt19937& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> scale(0.5, 2.0);
  ValueSets v;
  for (int k = 0; k < B; ++k) {
    const double ps = scale(rng);
    for (double p : f.P_vals) v.P.push_back(p * ps);
    for (double c : f.c) v.c.push_back(c + 0.1 * g(rng));
    for (double a : f.A_vals) v.A.push_back(a * (1.0 + 1e-2 * g(rng)));
    for (double b : f.b) v.b.push_back(b + 0.1 * std::abs(g(rng)));  // loosen: stays feasible
  }
  return v;
}

TEST(Batch, PerturbedBatchEqualsIndividualSolves) {
  std::mt19937 rng(7);
  const int B = 16;
  int solved = 0, total = 0;
  for (const char* fam : {"lp", "qp", "socp", "infeasible"}) {
    for (const Fixture& f : load_fixtures(fam)) {
      SCOPED_TRACE(f.name);
      const Structure st = make_structure(f.spec);
      const int n = st.n(), m = st.m();
      const ValueSets v = perturbed(f, B, rng);
      const Result batch = solve_values(st, B, v.P.data(), kDense, v.c.data(), kDense, v.A.data(),
                                        kDense, v.b.data(), kDense);
      for (int k = 0; k < B; ++k) {
        SCOPED_TRACE(k);
        const Result alone =
            solve_values(st, 1, v.P.data() + k * st.nnz_P(), kDense, v.c.data() + k * n, kDense,
                         v.A.data() + k * st.nnz_A(), kDense, v.b.data() + k * m, kDense);
        expect_same_problem(batch, k, alone, 0, n, m);
        solved += batch.status[k] == static_cast<int>(Status::Solved);
        ++total;
      }
      // The batch holds problems that finish at different iterations (the point of the test).
    }
  }
  EXPECT_GT(solved, total / 2) << "perturbations should mostly keep problems solvable";
}

TEST(Batch, SharedMatricesWithPerProblemVectorsEqualCopies) {
  std::mt19937 rng(8);
  const int B = 8;
  for (const char* fam : {"qp", "socp"}) {
    for (const Fixture& f : load_fixtures(fam)) {
      SCOPED_TRACE(f.name);
      const Structure st = make_structure(f.spec);
      const ValueSets v = perturbed(f, B, rng);
      const Result shared = solve_values(st, B, f.P_vals.data(), 0, v.c.data(), kDense,
                                         f.A_vals.data(), 0, v.b.data(), kDense);
      const std::vector<double> P = repeat(f.P_vals, B), A = repeat(f.A_vals, B);
      const Result copied = solve_values(st, B, P.data(), kDense, v.c.data(), kDense, A.data(),
                                         kDense, v.b.data(), kDense);
      // An explicit stride equal to the natural length is the same layout as kDense; a larger
      // stride skips padding.
      const int n = st.n(), m = st.m();
      std::vector<double> cpad(static_cast<size_t>(B) * (n + 3), NAN);
      for (int k = 0; k < B; ++k)
        std::copy(v.c.begin() + k * n, v.c.begin() + (k + 1) * n, cpad.begin() + k * (n + 3));
      const Result strided = solve_values(st, B, f.P_vals.data(), 0, cpad.data(), n + 3,
                                          f.A_vals.data(), 0, v.b.data(), m);
      for (int k = 0; k < B; ++k) {
        expect_same_problem(shared, k, copied, k, n, m);
        expect_same_problem(strided, k, copied, k, n, m);
      }
    }
  }
}

TEST(Batch, ThreadCountAndConcurrentSolvesDoNotChangeResults) {
  std::mt19937 rng(9);
  const int B = 12;
  const std::vector<Fixture> fx = load_fixtures("socp");
  ASSERT_GE(fx.size(), 4u);
  std::vector<Structure> st;
  std::vector<ValueSets> v;
  std::vector<Result> seq;
  for (int t = 0; t < 4; ++t) {
    st.push_back(make_structure(fx[t].spec));
    v.push_back(perturbed(fx[t], B, rng));
  }
  for (int t = 0; t < 4; ++t) {
    Settings one, all, three;
    one.num_threads = 1, all.num_threads = 0, three.num_threads = 3;
    auto run = [&](const Settings& s) {
      return solve_values(st[t], B, v[t].P.data(), kDense, v[t].c.data(), kDense, v[t].A.data(),
                          kDense, v[t].b.data(), kDense, s);
    };
    seq.push_back(run(one));
    const Result r_all = run(all), r_three = run(three);
    for (int k = 0; k < B; ++k) {
      expect_same_problem(r_all, k, seq[t], k, st[t].n(), st[t].m());
      expect_same_problem(r_three, k, seq[t], k, st[t].n(), st[t].m());
    }
  }
  // Four solves at once from separate threads (each with its own workspace and outputs), all
  // sharing the process-wide thread pool; repeated to give interleavings a chance.
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<Result> conc(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        conc[t] = solve_values(st[t], B, v[t].P.data(), kDense, v[t].c.data(), kDense,
                               v[t].A.data(), kDense, v[t].b.data(), kDense);
      });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t)
      for (int k = 0; k < B; ++k) expect_same_problem(conc[t], k, seq[t], k, st[t].n(), st[t].m());
  }
}

// min −x₁ − x₂  s.t.  x ≥ 0,  x₁ + x₂ ≤ b₀   (NonNeg(3): −x₁ + s₀ = 0, −x₂ + s₁ = 0,
// x₁ + x₂ + s₂ = b₀). Optimal value −b₀ for b₀ ≥ 0, primal infeasible for b₀ < 0.
StructureSpec small_lp_spec() {
  StructureSpec s;
  s.n = 2, s.m = 3;
  s.P_colptr = {0, 0, 0};
  s.A_colptr = {0, 2, 4};
  s.A_rowval = {0, 2, 1, 2};
  s.cones = {{ConeKind::NonNeg, 3}};
  return s;
}

TEST(Batch, FeasibleAndInfeasibleProblemsInOneBatch) {
  const Structure st = make_structure(small_lp_spec());
  const std::vector<double> b0 = {1.0, -1.0, 2.5, 0.5, -3.0, 4.0, -0.25, 10.0};
  const int B = static_cast<int>(b0.size());
  const double c[] = {-1.0, -1.0}, A[] = {-1.0, 1.0, -1.0, 1.0};
  std::vector<double> b;
  for (double v : b0) b.insert(b.end(), {0.0, 0.0, v});
  const Result r = solve_values(st, B, nullptr, 0, c, 0, A, 0, b.data(), kDense);
  for (int k = 0; k < B; ++k) {
    SCOPED_TRACE("b0 = " + std::to_string(b0[k]));
    const Status s = static_cast<Status>(r.status[k]);
    if (b0[k] >= 0) {
      EXPECT_EQ(s, Status::Solved) << to_string(s);
      // Clarabel's termination: relative gap 1e-8 on an O(b₀) objective.
      EXPECT_NEAR(r.objective[k], -b0[k], 1e-7 * std::max(1.0, b0[k]));
      EXPECT_NEAR(r.x[2 * k] + r.x[2 * k + 1], b0[k], 1e-7 * std::max(1.0, b0[k]));
    } else {
      EXPECT_EQ(s, Status::PrimalInfeasible) << to_string(s);
      EXPECT_TRUE(std::isnan(r.objective[k]));
      // The certificate: z ≥ 0 with Aᵀz = 0 and bᵀz < 0, i.e. z = t·(1, 1, 1), normalized.
      const double* z = r.z.data() + 3 * k;
      EXPECT_GT(z[2], 0.0);
      EXPECT_NEAR(z[0], z[2], 1e-6 * z[2]);
      EXPECT_NEAR(z[1], z[2], 1e-6 * z[2]);
    }
    // Same result alone.
    const Result alone = solve_values(st, 1, nullptr, 0, c, 0, A, 0, b.data() + 3 * k, kDense);
    expect_same_problem(r, k, alone, 0, st.n(), st.m());
  }
}

TEST(Batch, IterationLimit) {
  for (const char* fam : {"lp", "qp", "socp"}) {
    for (const Fixture& f : load_fixtures(fam)) {
      SCOPED_TRACE(f.name);
      for (int limit : {0, 1, 2}) {
        Settings s;  // max_iter bounds interior-point iterations
        s.qp_method = QpMethod::InteriorPoint;
        s.max_iter = limit;
        const Result r = solve_fixture(f, s);
        const Status st = static_cast<Status>(r.status[0]);
        EXPECT_TRUE(st == Status::MaxIterations || st == Status::AlmostSolved ||
                    st == Status::AlmostPrimalInfeasible || st == Status::AlmostDualInfeasible)
            << to_string(st);
        EXPECT_EQ(r.iterations[0], limit);
        for (double v : r.x) EXPECT_TRUE(std::isfinite(v));
        for (double v : r.z) EXPECT_TRUE(std::isfinite(v));
        for (double v : r.s) EXPECT_TRUE(std::isfinite(v));
        if (st == Status::MaxIterations || st == Status::AlmostSolved) {
          EXPECT_TRUE(std::isfinite(r.objective[0]));
        }
      }
    }
  }
}

// Q¹ = {t : t ≥ 0} = ℝ₊: an LP whose NonNeg rows are declared as one-row SOCs is the same
// problem (same barrier degree, same NT scaling w = √(s/z)), so it must solve to the same
// optimum. The structure validator accepts SOC dimension 1.
TEST(Batch, OneRowSocsBehaveLikeNonNeg) {
  for (const Fixture& f : load_fixtures("lp")) {
    SCOPED_TRACE(f.name);
    Fixture g = f;
    g.spec.cones.clear();
    for (const Cone& k : f.spec.cones) {
      if (k.kind == ConeKind::NonNeg)
        for (int i = 0; i < k.dim; ++i) g.spec.cones.push_back({ConeKind::SOC, 1});
      else
        g.spec.cones.push_back(k);
    }
    const Result a = solve_fixture(f), b = solve_fixture(g);
    ASSERT_EQ(static_cast<Status>(a.status[0]), Status::Solved);
    EXPECT_EQ(static_cast<Status>(b.status[0]), Status::Solved)
        << to_string(static_cast<Status>(b.status[0])) << " after " << b.iterations[0]
        << " iterations";
    EXPECT_NEAR(b.objective[0], a.objective[0], 1e-6 * std::max(1.0, std::abs(a.objective[0])));
  }
}

}  // namespace
}  // namespace batchcone::testing
