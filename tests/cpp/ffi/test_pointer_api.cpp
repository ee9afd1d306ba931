// SPDX-License-Identifier: Apache-2.0
// The pointer API (src/ffi/pointer_api.hpp, the PyTorch operators' entry points) against closed
// forms: min ½‖x‖² + cᵀx s.t. x ≥ 0 has x = max(−c, 0), so dΣx/dc = −1 on the active entries
// and 0 elsewhere; bad strides and keys give error codes with messages, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "batchcone/settings.hpp"
#include "ffi/c_api.hpp"
#include "ffi/settings_codec.hpp"

namespace {

constexpr std::int64_t kKey = 424242;
constexpr int kN = 3;

// P = I (diagonal, triu CSC), A = −I, s ∈ NonNeg(3): Ax + s = b with b = 0 is x ≥ 0.
void register_box_qp() {
  const int colptr[kN + 1] = {0, 1, 2, 3}, rows[kN] = {0, 1, 2}, kind = 1, dim = kN;
  const double alpha = 0;
  char err[256] = "";
  ASSERT_EQ(batchcone_register_structure(kKey, kN, kN, colptr, kN + 1, rows, kN, colptr, kN + 1,
                                         rows, kN, &kind, &dim, &alpha, 1, err, sizeof err),
            0)
      << err;
}

struct Batch {
  std::vector<double> settings = batchcone::ffi_support::encode_settings(batchcone::Settings{});
  std::vector<double> P = std::vector<double>(kN, 1.0), A = std::vector<double>(kN, -1.0),
                      b = std::vector<double>(kN, 0.0);
  std::vector<double> c = {1.0, -2.0, 0.5, -1.0, -1.0, 3.0};  // two problems
  std::vector<double> x = std::vector<double>(2 * kN), z = x, s = x, obj = std::vector<double>(2);
  std::vector<std::int32_t> status = std::vector<std::int32_t>(2), iters = status;
  char err[512] = "";

  int solve(std::int64_t c_stride = kN, std::int64_t key = kKey) {
    return batchcone_solve_f64(key, settings.data(), settings.size(), 2, P.data(), 0, c.data(),
                               c_stride, A.data(), 0, b.data(), 0, x.data(), z.data(), s.data(),
                               status.data(), iters.data(), obj.data(), err, sizeof err);
  }
};

TEST(PointerApi, SolveMatchesTheClosedFormWithSharedOperands) {
  register_box_qp();
  Batch bt;
  ASSERT_EQ(bt.solve(), 0) << bt.err;
  for (int k = 0; k < 2 * kN; ++k) EXPECT_NEAR(bt.x[k], std::max(-bt.c[k], 0.0), 1e-9) << k;
  EXPECT_EQ(bt.status[0], 1);
  EXPECT_EQ(bt.status[1], 1);
  EXPECT_NEAR(bt.obj[0], -2.0, 1e-9);  // ½·4 − 4
}

TEST(PointerApi, VjpAndKktSolveGiveTheClosedFormGradient) {
  register_box_qp();
  Batch bt;
  ASSERT_EQ(bt.solve(), 0) << bt.err;
  const std::vector<double> ones(2 * kN, 1.0);
  std::vector<double> gc(2 * kN), gP(kN), gA(kN), gb(kN);  // P, A, b shared: summed blocks
  ASSERT_EQ(
      batchcone_vjp_f64(kKey, bt.settings.data(), bt.settings.size(), 2, bt.P.data(), 0,
                        bt.c.data(), kN, bt.A.data(), 0, bt.b.data(), 0, bt.x.data(), bt.z.data(),
                        bt.s.data(), bt.status.data(), ones.data(), nullptr, nullptr, gP.data(),
                        gc.data(), gA.data(), gb.data(), bt.err, sizeof bt.err),
      0)
      << bt.err;
  for (int k = 0; k < 2 * kN; ++k) EXPECT_NEAR(gc[k], bt.c[k] < 0 ? -1.0 : 0.0, 1e-7) << k;
  // K⁻¹[1; 0] gives dΣx/dc = −(first block), the same numbers.
  const std::vector<double> zero(2 * kN, 0.0);
  std::vector<double> ox(2 * kN), oz(2 * kN);
  ASSERT_EQ(batchcone_kkt_solve_f64(kKey, bt.settings.data(), bt.settings.size(), 2, bt.P.data(), 0,
                                    bt.c.data(), kN, bt.A.data(), 0, bt.b.data(), 0, bt.x.data(),
                                    bt.z.data(), bt.s.data(), bt.status.data(), ones.data(),
                                    zero.data(), ox.data(), oz.data(), bt.err, sizeof bt.err),
            0)
      << bt.err;
  for (int k = 0; k < 2 * kN; ++k) EXPECT_NEAR(-ox[k], gc[k], 1e-9) << k;
}

TEST(PointerApi, BadStridesKeysAndSettingsAreErrorsWithMessages) {
  register_box_qp();
  Batch bt;
  EXPECT_EQ(bt.solve(2), 1);
  EXPECT_NE(std::string(bt.err).find("c has stride 2; expected 0 (shared) or 3"), std::string::npos)
      << bt.err;
  EXPECT_EQ(bt.solve(kN, 99), 1);
  EXPECT_NE(std::string(bt.err).find("99"), std::string::npos) << bt.err;
  bt.settings.pop_back();
  EXPECT_EQ(bt.solve(), 1);
  EXPECT_GT(std::string(bt.err).size(), 0u);
}

}  // namespace
