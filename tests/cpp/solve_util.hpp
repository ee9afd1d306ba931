// SPDX-License-Identifier: Apache-2.0
// Test helpers: solve fixtures in batches and measure residuals of the returned solutions.
#pragma once

#include <vector>

#include "batchcone/solver.hpp"
#include "fixtures.hpp"

namespace batchcone::testing {

struct Result {
  std::vector<double> x, z, s, objective;
  std::vector<std::int32_t> status, iterations;
};

// Outputs sized for `batch` problems of the structure, zero-filled.
Result empty_result(const Structure& st, int batch);

// Solves `batch` copies of one fixture's values (or several value sets, concatenated).
Result solve_values(const Structure& st, int batch, const double* P, long P_stride,
                    const double* c, long c_stride, const double* A, long A_stride,
                    const double* b, long b_stride, const Settings& settings = Settings{});

// Solves the fixture alone (batch of 1).
Result solve_fixture(const Fixture& f, const Settings& settings = Settings{});

// Primal residual ‖Ax + s − b‖₂ / max(1, ‖b‖∞ + ‖x‖₂ + ‖s‖₂), dual residual
// ‖Px + Aᵀz + c‖₂ / max(1, ‖c‖∞ + ‖x‖₂ + ‖z‖₂) (Clarabel's definitions), the cone violation of
// s and z (how far outside K and K*) and the complementarity |sᵀz| / (1 + |cᵀx| + |bᵀz|), all in
// the user's coordinates.
struct Residuals {
  double primal, dual, cone_s, cone_z, complementarity;
};
Residuals residuals(const Fixture& f, const double* x, const double* z, const double* s);

}  // namespace batchcone::testing
