// SPDX-License-Identifier: Apache-2.0
// Dense helpers for the active-set path beyond kernels/vec.hpp's (whose dot, axpy, scale,
// norm_inf and sumsq it uses): Givens rotations, column access and carving arrays from a
// workspace.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/vec.hpp"

namespace batchcone::backend::cpu {

using kernels::axpy;
using kernels::dot;
using kernels::norm_inf;
using kernels::scale;
using kernels::sumsq;

// (a, b) ← (c·a + s·b, −s·a + c·b): a Givens rotation of two vectors.
inline void rotate(int n, double c, double s, double* a, double* b) {
  for (int i = 0; i < n; ++i) {
    const double ai = a[i], bi = b[i];
    a[i] = c * ai + s * bi;
    b[i] = -s * ai + c * bi;
  }
}

// √(a² + b²): std::hypot's care for overflow and underflow only where a square needs it.
inline double norm2(double a, double b) {
  const double sq = a * a + b * b;
  return sq > 1e-300 && sq < 1e300 ? std::sqrt(sq) : std::hypot(a, b);
}

// Column j of a column-major matrix with `rows` rows (or row j of a row-major one).
inline double* col(double* M, int rows, int j) { return M + static_cast<std::size_t>(j) * rows; }
inline const double* col(const double* M, int rows, int j) {
  return M + static_cast<std::size_t>(j) * rows;
}

// The next `count` doubles at `at`, which moves past them.
inline double* take(double*& at, std::size_t count) {
  double* out = at;
  at += count;
  return out;
}

}  // namespace batchcone::backend::cpu
