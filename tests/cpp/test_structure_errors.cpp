// SPDX-License-Identifier: Apache-2.0
// Argument validation: every structural fault is rejected by make_structure, and every bad
// solve-time argument by cpu_solve, with std::invalid_argument and a message naming the fault
// (which array, which index, which problem).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchcone/solver.hpp"

namespace batchcone {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Matcher;

// Runs f, which must throw std::invalid_argument whose message matches `m`.
void expect_invalid(const std::function<void()>& f, const Matcher<std::string>& m) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(std::string(e.what()), m);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// A valid structure: n = 3, m = 4, P = triu of a 3×3 with entries (0,0) (0,1) (1,1) (2,2),
// A 4×3 with 6 entries, cones Zero(1) + NonNeg(1) + SOC(2).
StructureSpec valid_spec() {
  StructureSpec s;
  s.n = 3, s.m = 4;
  s.P_colptr = {0, 1, 3, 4};
  s.P_rowval = {0, 0, 1, 2};
  s.A_colptr = {0, 2, 4, 6};
  s.A_rowval = {0, 2, 1, 3, 0, 3};
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::NonNeg, 1}, {ConeKind::SOC, 2}};
  return s;
}

void expect_spec_invalid(const StructureSpec& s, const Matcher<std::string>& m) {
  expect_invalid([&] { make_structure(s); }, m);
}

TEST(StructureErrors, ValidSpecIsAccepted) {
  const Structure st = make_structure(valid_spec());
  EXPECT_EQ(st.n(), 3);
  EXPECT_EQ(st.m(), 4);
  EXPECT_EQ(st.nnz_P(), 4);
  EXPECT_EQ(st.nnz_A(), 6);
  EXPECT_EQ(st.kkt_order(), 7);  // no SOC of ≥ 5 rows: no expansion columns
}

TEST(StructureErrors, NegativeSizes) {
  StructureSpec s = valid_spec();
  s.n = -1;
  expect_spec_invalid(s, AllOf(HasSubstr("n = -1"), HasSubstr("negative")));
  s = valid_spec();
  s.m = -4;
  expect_spec_invalid(s, AllOf(HasSubstr("m = -4"), HasSubstr("negative")));
}

TEST(StructureErrors, ColptrFaults) {
  for (const char* which : {"P", "A"}) {
    SCOPED_TRACE(which);
    const bool p = std::string(which) == "P";
    auto with = [&](const std::function<void(std::vector<int>&, std::vector<int>&)>& edit) {
      StructureSpec s = valid_spec();
      edit(p ? s.P_colptr : s.A_colptr, p ? s.P_rowval : s.A_rowval);
      return s;
    };
    const std::string name(which);
    expect_spec_invalid(with([](auto& cp, auto&) { cp.pop_back(); }),
                        AllOf(HasSubstr(name + "_colptr has length 3"), HasSubstr("n+1 = 4")));
    expect_spec_invalid(with([](auto& cp, auto&) { cp.push_back(cp.back()); }),
                        HasSubstr(name + "_colptr has length 5"));
    expect_spec_invalid(with([](auto& cp, auto&) { cp[0] = 1; }),
                        AllOf(HasSubstr(name + "_colptr[0] is 1"), HasSubstr("expected 0")));
    expect_spec_invalid(with([](auto& cp, auto&) { std::swap(cp[1], cp[2]); }),
                        AllOf(HasSubstr(name + "_colptr is decreasing at column 1")));
    expect_spec_invalid(with([](auto& cp, auto& rv) { rv.push_back(cp.size() - 1); }),
                        AllOf(HasSubstr(name + "_colptr[n] is"), HasSubstr(name + "_rowval has")));
    expect_spec_invalid(with([](auto& cp, auto&) { cp.back() -= 1; }),
                        HasSubstr(name + "_colptr[n] is"));
  }
}

TEST(StructureErrors, RowIndexFaults) {
  StructureSpec s = valid_spec();
  s.A_rowval[5] = 4;  // m = 4: rows must be < 4
  expect_spec_invalid(s, AllOf(HasSubstr("A_rowval[5] = 4"), HasSubstr("column 2"),
                               HasSubstr("out of range [0, 4)")));
  s = valid_spec();
  s.A_rowval[0] = -1;
  expect_spec_invalid(s, AllOf(HasSubstr("A_rowval[0] = -1"), HasSubstr("out of range")));
  s = valid_spec();
  s.P_rowval[3] = 3;  // n = 3
  expect_spec_invalid(s, AllOf(HasSubstr("P_rowval[3] = 3"), HasSubstr("out of range [0, 3)")));
  s = valid_spec();
  s.P_rowval[0] = -2;
  expect_spec_invalid(s, AllOf(HasSubstr("P_rowval[0] = -2"), HasSubstr("out of range")));
}

TEST(StructureErrors, UnsortedDuplicateAndLowerTriangle) {
  StructureSpec s = valid_spec();
  std::swap(s.A_rowval[0], s.A_rowval[1]);  // column 0: rows {2, 0}
  expect_spec_invalid(s, AllOf(HasSubstr("A_rowval[1] = 0"), HasSubstr("not strictly increasing")));
  s = valid_spec();
  s.A_rowval[3] = 1;  // column 1: rows {1, 1}
  expect_spec_invalid(s, AllOf(HasSubstr("A_rowval[3] = 1"), HasSubstr("no duplicates")));
  s = valid_spec();
  s.P_rowval[2] = 0;  // column 1: rows {0, 0}
  expect_spec_invalid(s, AllOf(HasSubstr("P_rowval[2] = 0"), HasSubstr("strictly increasing")));
  s = valid_spec();
  s.P_colptr = {0, 2, 3, 4};
  s.P_rowval = {0, 1, 1, 2};  // (1, 0) lies below the diagonal
  expect_spec_invalid(s, AllOf(HasSubstr("P_rowval[1] = 1"), HasSubstr("column 0"),
                               HasSubstr("below the diagonal")));
}

TEST(StructureErrors, ConeFaults) {
  StructureSpec s = valid_spec();
  s.cones[2].dim = 0;
  s.cones.push_back({ConeKind::NonNeg, 2});
  expect_spec_invalid(s, AllOf(HasSubstr("cones[2]"), HasSubstr("SOC"), HasSubstr("dimension 0")));
  s = valid_spec();
  s.cones[1].dim = -3;
  expect_spec_invalid(s,
                      AllOf(HasSubstr("cones[1]"), HasSubstr("NonNeg"), HasSubstr("dimension -3")));
  s = valid_spec();
  s.cones[2].dim = 3;
  expect_spec_invalid(s, AllOf(HasSubstr("sum to 5"), HasSubstr("m = 4")));
  s = valid_spec();
  s.cones.pop_back();
  expect_spec_invalid(s, AllOf(HasSubstr("sum to 2"), HasSubstr("m = 4")));
  s = valid_spec();
  s.cones[1].kind = static_cast<ConeKind>(7);
  expect_spec_invalid(s, AllOf(HasSubstr("cones[1]"), HasSubstr("unknown kind 7")));
}

TEST(StructureErrors, ExpAndPowConeFaults) {
  StructureSpec s = valid_spec();  // rows: Zero 1, NonNeg 1, SOC 2 → Zero 1, Exp 3
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::Exp, 2}, {ConeKind::NonNeg, 1}};
  expect_spec_invalid(s, AllOf(HasSubstr("cones[1]"), HasSubstr("Exp"), HasSubstr("dimension 2"),
                               HasSubstr("expected 3")));
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::Pow, 3, 1.0}};
  expect_spec_invalid(s, AllOf(HasSubstr("cones[1]"), HasSubstr("Pow"), HasSubstr("alpha 1.0"),
                               HasSubstr("0 < alpha < 1")));
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::Pow, 3, std::nan("")}};
  expect_spec_invalid(s, AllOf(HasSubstr("cones[1]"), HasSubstr("alpha nan")));
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::Pow, 3, 0.4}};
  EXPECT_NO_THROW(make_structure(s));
  s.cones = {{ConeKind::Zero, 1}, {ConeKind::Exp, 3}};
  EXPECT_NO_THROW(make_structure(s));
}

// ---------------------------------------------------------------------------------------------
// Solve-time checks.

struct Batch {
  Structure st = make_structure(valid_spec());
  int B = 4;
  std::vector<double> P, c, A, b, x, z, s, obj;
  std::vector<std::int32_t> status, iters;
  Batch() {
    for (int k = 0; k < B; ++k) {
      P.insert(P.end(), {2.0, 0.1, 1.0, 1.5});
      c.insert(c.end(), {1.0, -1.0, 0.5});
      A.insert(A.end(), {1.0, -1.0, 1.0, -1.0, 0.5, 0.2});
      b.insert(b.end(), {1.0, 2.0, 3.0, 0.5});
    }
    x.resize(B * 3), z.resize(B * 4), s.resize(B * 4), obj.resize(B), status.resize(B),
        iters.resize(B);
  }
  BatchData data() {
    return {B, P.data(), kDense, c.data(), kDense, A.data(), kDense, b.data(), kDense};
  }
  BatchSolution out() {
    return {x.data(), z.data(), s.data(), status.data(), iters.data(), obj.data()};
  }
};

TEST(SolveErrors, ValidBatchSolves) {
  Batch bt;
  cpu_solve(bt.st, Settings{}, bt.data(), bt.out());
  for (int k = 0; k < bt.B; ++k) EXPECT_EQ(static_cast<Status>(bt.status[k]), Status::Solved);
}

TEST(SolveErrors, NonFiniteInputsNameArrayEntryAndProblem) {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(), INFINITY, -INFINITY};
  const char* what[] = {"NaN", "infinite", "infinite"};
  for (int v = 0; v < 3; ++v) {
    for (const char* name : {"P_vals", "c", "A_vals", "b"}) {
      SCOPED_TRACE(std::string(name) + " " + what[v]);
      Batch bt;
      std::vector<double>& arr = std::string(name) == "P_vals"   ? bt.P
                                 : std::string(name) == "c"      ? bt.c
                                 : std::string(name) == "A_vals" ? bt.A
                                                                 : bt.b;
      const int len = static_cast<int>(arr.size()) / bt.B;
      arr[3 * len + 1] = bad[v];  // entry 1 of problem 3
      expect_invalid([&] { cpu_solve(bt.st, Settings{}, bt.data(), bt.out()); },
                     AllOf(HasSubstr(std::string(name) + "[1] of problem 3"), HasSubstr(what[v])));
    }
  }
}

TEST(SolveErrors, SharedInputIsCheckedOnce) {
  Batch bt;
  bt.c[2] = NAN;  // with stride 0 the only block is problem 0's
  BatchData d = bt.data();
  d.c_stride = 0;
  expect_invalid([&] { cpu_solve(bt.st, Settings{}, d, bt.out()); },
                 HasSubstr("c[2] of problem 0 is NaN"));
  // Values past the shared block are never read, so non-finite garbage there is fine.
  Batch ok;
  ok.b[ok.b.size() - 1] = NAN;
  d = ok.data();
  d.b_stride = 0;
  cpu_solve(ok.st, Settings{}, d, ok.out());
  for (int k = 0; k < ok.B; ++k) EXPECT_EQ(static_cast<Status>(ok.status[k]), Status::Solved);
}

TEST(SolveErrors, NullPointersNegativeBatchAndStrides) {
  const char* names[] = {"P_vals", "c", "A_vals", "b"};
  for (int i = 0; i < 4; ++i) {
    Batch bt;
    BatchData d = bt.data();
    const double** ptr[] = {&d.P_vals, &d.c, &d.A_vals, &d.b};
    long* stride[] = {&d.P_stride, &d.c_stride, &d.A_stride, &d.b_stride};
    *ptr[i] = nullptr;
    expect_invalid([&] { cpu_solve(bt.st, Settings{}, d, bt.out()); },
                   AllOf(HasSubstr(names[i]), HasSubstr("is null")));
    d = bt.data();
    *stride[i] = -2;  // −1 is kDense; anything below is an error
    expect_invalid([&] { cpu_solve(bt.st, Settings{}, d, bt.out()); },
                   AllOf(HasSubstr(std::string(names[i]) + " stride -2"), HasSubstr("negative")));
  }
  for (int i = 0; i < 6; ++i) {
    Batch bt;
    BatchSolution o = bt.out();
    if (i == 0) o.x = nullptr;
    if (i == 1) o.z = nullptr;
    if (i == 2) o.s = nullptr;
    if (i == 3) o.status = nullptr;
    if (i == 4) o.iterations = nullptr;
    if (i == 5) o.objective = nullptr;
    expect_invalid([&] { cpu_solve(bt.st, Settings{}, bt.data(), o); },
                   AllOf(HasSubstr("output pointer"), HasSubstr("null")));
  }
  Batch bt;
  BatchData d = bt.data();
  d.batch = -1;
  expect_invalid([&] { cpu_solve(bt.st, Settings{}, d, bt.out()); },
                 AllOf(HasSubstr("batch size -1"), HasSubstr("negative")));
}

TEST(SolveErrors, BatchZeroIsANoOp) {
  const Structure st = make_structure(valid_spec());
  BatchData d;  // batch 0, every pointer null
  BatchSolution o;
  EXPECT_NO_THROW(cpu_solve(st, Settings{}, d, o));
  EXPECT_NO_THROW(cpu_solve(st, Settings{}, d, o, nullptr, 0));
}

TEST(SolveErrors, EmptyArraysMayBeNull) {
  // An LP: nnz_P = 0, so P_vals is never read and may be null.
  StructureSpec s = valid_spec();
  s.P_colptr = {0, 0, 0, 0};
  s.P_rowval.clear();
  const Structure st = make_structure(s);
  Batch bt;
  BatchData d = bt.data();
  d.P_vals = nullptr;
  // Bounded LP: minimize cᵀx with x₀ fixed, x₁ ≤ 2, ‖(x₂, ...)‖ ≤ ... may be unbounded; only
  // the argument check matters here, so any terminal status is fine.
  EXPECT_NO_THROW(cpu_solve(st, Settings{}, d, bt.out()));
}

TEST(SolveErrors, WorkspaceTooSmall) {
  Batch bt;
  const std::size_t need = cpu_workspace_bytes(bt.st, bt.B);
  ASSERT_GT(need, 0u);
  EXPECT_EQ(cpu_workspace_bytes(bt.st, 0) <= need, true);
  std::vector<double> ws(need / sizeof(double) + 1);
  expect_invalid([&] { cpu_solve(bt.st, Settings{}, bt.data(), bt.out(), ws.data(), need - 1); },
                 AllOf(HasSubstr(std::to_string(need - 1) + " bytes is too small"),
                       HasSubstr(std::to_string(need) + " needed")));
  expect_invalid([&] { cpu_solve(bt.st, Settings{}, bt.data(), bt.out(), nullptr, need); },
                 HasSubstr("too small"));
  EXPECT_NO_THROW(cpu_solve(bt.st, Settings{}, bt.data(), bt.out(), ws.data(), need));
  EXPECT_EQ(static_cast<Status>(bt.status[0]), Status::Solved);
}

TEST(SolveErrors, InvalidSettings) {
  struct Bad {
    std::function<void(Settings&)> edit;
    const char* name;
  };
  const std::vector<Bad> bad = {
      {[](Settings& s) { s.max_iter = -1; }, "max_iter = -1"},
      {[](Settings& s) { s.tol_feas = 0; }, "tol_feas"},
      {[](Settings& s) { s.tol_gap_abs = -1e-8; }, "tol_gap_abs"},
      {[](Settings& s) { s.tol_ktratio = NAN; }, "tol_ktratio"},
      {[](Settings& s) { s.max_step_fraction = 0; }, "max_step_fraction"},
      {[](Settings& s) { s.max_step_fraction = 1.5; }, "max_step_fraction"},
      {[](Settings& s) { s.reduced_tol_feas = 0; }, "reduced_tol_feas"},
      {[](Settings& s) { s.equilibrate_max_iter = -1; }, "equilibrate_max_iter"},
      {[](Settings& s) { s.equilibrate_min_scaling = 10, s.equilibrate_max_scaling = 1; },
       "equilibrate_max_scaling"},
      {[](Settings& s) { s.iterative_refinement_max_iter = -1; }, "iterative_refinement_max_iter"},
      {[](Settings& s) { s.dynamic_regularization_delta = 0; }, "dynamic_regularization_delta"},
      {[](Settings& s) { s.num_threads = -2; }, "num_threads"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    Settings s;
    b.edit(s);
    expect_invalid([&] { validate(s); }, AllOf(HasSubstr("setting"), HasSubstr(b.name)));
    Batch bt;
    expect_invalid([&] { cpu_solve(bt.st, s, bt.data(), bt.out()); }, HasSubstr(b.name));
  }
  EXPECT_NO_THROW(validate(Settings{}));
  // Settings are checked even for an empty batch.
  Settings s;
  s.max_iter = -1;
  const Structure st = make_structure(valid_spec());
  expect_invalid([&] { cpu_solve(st, s, BatchData{}, BatchSolution{}); }, HasSubstr("max_iter"));
}

}  // namespace
}  // namespace batchcone
