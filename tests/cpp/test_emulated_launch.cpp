// SPDX-License-Identifier: Apache-2.0
// The CUDA backend's path without a GPU (src/backend/cuda/device_backend.hpp): the emulated
// launch runs the device steps with a host loop over problems, on batch-interleaved storage and a
// host copy of the packed structure, through the same DeviceBackend and IPM loop (status
// read-back cadence included). It must give the CPU backend's statuses and iteration counts, and
// its x and z to 1e-12, on every fixture family at B = 1 and B = 3 (distinct problems sharing a
// structure), the CPU's K⁻¹v and Kv at the solutions, several vectors per problem, and the CPU's
// messages for non-finite inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/cuda/device_backend.hpp"
#include "batchcone/diff.hpp"
#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

class EmulatedLaunch : public ::testing::TestWithParam<const char*> {};

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << "entry " << i;
}

TEST_P(EmulatedLaunch, SolveEqualsCpuSolve) {
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    for (const int B : {1, 3}) {
      SCOPED_TRACE("B = " + std::to_string(B));
      std::vector<double> c;  // copies with scaled c: different problems, one structure
      for (int k = 0; k < B; ++k)
        for (double v : f.c) c.push_back(v * (1.0 + 0.1 * k));
      const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(),
                           0, f.b.data(),      0};
      Settings interior;  // the device path is the interior point's
      interior.qp_method = QpMethod::InteriorPoint;
      const Result cpu = solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(),
                                      0, f.b.data(), 0, interior);
      Result emu{std::vector<double>(B * st.n()), std::vector<double>(B * st.m()),
                 std::vector<double>(B * st.m()), std::vector<double>(B),
                 std::vector<std::int32_t>(B),    std::vector<std::int32_t>(B)};
      device_backend::emulated_solve(st, Settings{}, data,
                                     {emu.x.data(), emu.z.data(), emu.s.data(), emu.status.data(),
                                      emu.iterations.data(), emu.objective.data()});
      EXPECT_EQ(emu.status, cpu.status);
      EXPECT_EQ(emu.iterations, cpu.iterations);
      expect_close(emu.x, cpu.x, 1e-12);
      expect_close(emu.z, cpu.z, 1e-12);
    }
  }
}

TEST_P(EmulatedLaunch, KktSolveAndMultiplyEqualCpu) {
  const int B = 3, R = 2;  // problems, vectors per problem
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    std::vector<double> c;
    for (int k = 0; k < B; ++k)
      for (double v : f.c) c.push_back(v * (1.0 + 0.1 * k));
    const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(),
                         0, f.b.data(),      0};
    const Result r = solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0,
                                  f.b.data(), 0);
    const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
    std::vector<double> vx(R * B * st.n()), vz(R * B * st.m());
    for (size_t i = 0; i < vx.size(); ++i) vx[i] = std::sin(1.0 + i);
    for (size_t i = 0; i < vz.size(); ++i) vz[i] = std::cos(1.0 + i);
    // The device has no active-set path: the CPU's interior-point derivative is its reference.
    Settings ipm;
    ipm.qp_method = QpMethod::InteriorPoint;
    for (const bool multiply : {false, true}) {
      SCOPED_TRACE(multiply ? "multiply" : "solve");
      std::vector<double> cx(vx.size()), cz(vz.size()), ex(vx.size()), ez(vz.size());
      const KktVectors v{vx.data(), vz.data(), R};
      if (multiply)
        cpu_kkt_multiply(st, ipm, data, sol, v, {cx.data(), cz.data()});
      else
        cpu_kkt_solve(st, ipm, data, sol, v, {cx.data(), cz.data()});
      device_backend::emulated_kkt_apply(st, Settings{}, data, sol, v, {ex.data(), ez.data()},
                                         multiply);
      expect_close(ex, cx, 1e-12);
      expect_close(ez, cz, 1e-12);
    }
  }
}

template <class Call>
std::string message_of(Call&& call) {
  try {
    call();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

// Non-finite inputs, which the device path reads through its executor (device memory), are
// reported exactly as the CPU backend reports them.
TEST(EmulatedLaunchInputs, NonFiniteValuesAreReportedLikeTheCpu) {
  const Fixture f = load_fixtures("qp")[0];
  const Structure st = make_structure(f.spec);
  const int B = 3, n = st.n(), m = st.m();
  std::vector<double> c, b = f.b;
  for (int k = 0; k < B; ++k) c.insert(c.end(), f.c.begin(), f.c.end());
  std::vector<double> x(B * n), z(B * m), s(B * m), obj(B);
  std::vector<std::int32_t> status(B), iters(B);
  const BatchSolution out{x.data(), z.data(), s.data(), status.data(), iters.data(), obj.data()};
  auto both = [&](const char* want) {
    const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0, b.data(), 0};
    const std::string cpu = message_of([&] { cpu_solve(st, Settings{}, data, out); });
    EXPECT_EQ(cpu, std::string("batchcone: ") + want);
    EXPECT_EQ(message_of([&] { device_backend::emulated_solve(st, Settings{}, data, out); }), cpu);
  };
  c[2 * n + 1] = std::nan("");
  both("c[1] of problem 2 is NaN");
  c[2 * n + 1] = f.c[1];
  b[0] = INFINITY;  // shared by the batch: problem 0
  both("b[0] of problem 0 is infinite");
  b[0] = f.b[0];

  // The derivative calls also check the solution and the vectors.
  const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0, b.data(), 0};
  const Result r =
      solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(), 0, b.data(), 0);
  std::vector<double> sz = r.z, vx(B * n, 1.0), vz(B * m, 1.0), ox(B * n), oz(B * m);
  sz[m + 2] = std::nan("");
  const SolutionView sol{r.x.data(), sz.data(), r.s.data(), r.status.data()};
  const std::string cpu = message_of([&] {
    cpu_kkt_solve(st, Settings{}, data, sol, {vx.data(), vz.data()}, {ox.data(), oz.data()});
  });
  EXPECT_EQ(cpu, "batchcone: solution z[2] of problem 1 is NaN");
  EXPECT_EQ(message_of([&] {
              device_backend::emulated_kkt_apply(st, Settings{}, data, sol, {vx.data(), vz.data()},
                                                 {ox.data(), oz.data()}, false);
            }),
            cpu);
}

// Settings::nonfinite_as_status: a problem with a NaN or an infinity gets status InvalidInput and
// NaN outputs, and the others are solved as in a batch without it; the KKT calls at such a
// solution do not raise, and the other problems' results are those of the clean batch. The CPU
// and the device path agree.
TEST(EmulatedLaunchInputs, NonFiniteProblemsGetTheirOwnStatus) {
  const Fixture f = load_fixtures("qp")[0];
  const Structure st = make_structure(f.spec);
  const int B = 4, n = st.n(), m = st.m(), nnz_A = st.nnz_A();
  std::vector<double> c, A;
  for (int k = 0; k < B; ++k) {
    c.insert(c.end(), f.c.begin(), f.c.end());
    A.insert(A.end(), f.A_vals.begin(), f.A_vals.end());
  }
  for (int k = 0; k < B; ++k) c[k * n] += 0.1 * k;  // distinct problems
  const std::vector<double> clean_c = c;
  c[1 * n + 2] = std::nan("");
  A[3 * nnz_A] = -INFINITY;
  Settings status_mode;
  status_mode.nonfinite_as_status = true;
  const BatchData data{B, f.P_vals.data(), 0, c.data(), kDense, A.data(), kDense, f.b.data(), 0};
  // The reference: the same problems with the bad values restored (A shared, as the copies).
  const Result ref = solve_values(st, B, f.P_vals.data(), 0, clean_c.data(), kDense,
                                  f.A_vals.data(), 0, f.b.data(), 0);
  for (const bool device : {false, true}) {
    Result r = empty_result(st, B);
    const BatchSolution out{r.x.data(),      r.z.data(),          r.s.data(),
                            r.status.data(), r.iterations.data(), r.objective.data()};
    if (device)
      device_backend::emulated_solve(st, status_mode, data, out);
    else
      cpu_solve(st, status_mode, data, out);
    for (int k = 0; k < B; ++k) {
      const bool bad = k == 1 || k == 3;
      EXPECT_EQ(r.status[k], bad ? static_cast<int>(Status::InvalidInput) : ref.status[k])
          << "problem " << k << (device ? " (device)" : " (cpu)");
      EXPECT_EQ(std::isnan(r.objective[k]), bad);
      for (int i = 0; i < n; ++i) {
        if (bad)
          EXPECT_TRUE(std::isnan(r.x[k * n + i]));
        else
          EXPECT_NEAR(r.x[k * n + i], ref.x[k * n + i], 1e-12);
      }
    }
    // Derivatives at this solution: no error, the good problems' K⁻¹v as in the clean batch.
    std::vector<double> vx(B * n, 1.0), vz(B * m, 1.0), ox(B * n), oz(B * m), rx(B * n), rz(B * m);
    const SolutionView sol{r.x.data(), r.z.data(), r.s.data(), r.status.data()};
    const SolutionView ref_sol{ref.x.data(), ref.z.data(), ref.s.data(), ref.status.data()};
    const BatchData ref_data{B, f.P_vals.data(), 0, clean_c.data(), kDense, f.A_vals.data(),
                             0, f.b.data(),      0};
    cpu_kkt_solve(st, Settings{}, ref_data, ref_sol, {vx.data(), vz.data()},
                  {rx.data(), rz.data()});
    if (device)
      device_backend::emulated_kkt_apply(st, status_mode, data, sol, {vx.data(), vz.data()},
                                         {ox.data(), oz.data()}, false);
    else
      cpu_kkt_solve(st, status_mode, data, sol, {vx.data(), vz.data()}, {ox.data(), oz.data()});
    for (int k : {0, 2})
      for (int i = 0; i < n; ++i) EXPECT_NEAR(ox[k * n + i], rx[k * n + i], 1e-10);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EmulatedLaunch,
                         ::testing::Values("lp", "qp", "socp", "sdp", "exp", "pow", "infeasible"));

}  // namespace
}  // namespace batchcone::testing
