// SPDX-License-Identifier: Apache-2.0
// GoogleTest expectation shared by the problem tests: a solution satisfies the optimality
// conditions of its fixture (solve_util.hpp's residuals) to `tol`.
#pragma once

#include <gtest/gtest.h>

#include "solve_util.hpp"

namespace batchcone::testing {

inline void expect_optimal(const Fixture& f, const Result& r, double tol) {
  const Residuals res = residuals(f, r.x.data(), r.z.data(), r.s.data());
  EXPECT_LE(res.primal, tol);
  EXPECT_LE(res.dual, tol);
  EXPECT_LE(res.cone_s, tol);
  EXPECT_LE(res.cone_z, tol);
  EXPECT_LE(res.complementarity, tol);
}

}  // namespace batchcone::testing
