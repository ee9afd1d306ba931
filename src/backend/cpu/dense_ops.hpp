// SPDX-License-Identifier: Apache-2.0
// Small dense vector operations for the active-set path (contiguous, left to the compiler's
// vectorizer), and carving arrays from a workspace.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace batchcone::backend::cpu {

inline double dot(int n, const double* a, const double* b) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// y += alpha·x
inline void axpy(int n, double alpha, const double* x, double* y) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

inline void scal(int n, double alpha, double* x) {
  for (int i = 0; i < n; ++i) x[i] *= alpha;
}

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

inline double norm(int n, const double* v) { return std::sqrt(dot(n, v, v)); }

inline double max_abs(int n, const double* v) {
  double out = 0.0;
  for (int i = 0; i < n; ++i) out = std::max(out, std::abs(v[i]));
  return out;
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
