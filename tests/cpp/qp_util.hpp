// SPDX-License-Identifier: Apache-2.0
// Dense QP fixtures for the active-set tests.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "fixtures.hpp"

namespace batchcone::testing {

// A QP from dense matrices: P (n×n, upper triangle used) and A (m×n) row-major, the first
// `zeros` rows equalities and the rest inequalities; entries that are 0 are left out.
inline Fixture dense_qp(int n, const std::vector<double>& P, const std::vector<double>& c,
                 const std::vector<double>& A, const std::vector<double>& b, int zeros) {
  Fixture f;
  const int m = static_cast<int>(b.size());
  f.spec.n = n, f.spec.m = m;
  f.spec.P_colptr.push_back(0), f.spec.A_colptr.push_back(0);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i <= j; ++i)
      if (P[i * n + j] != 0.0) f.spec.P_rowval.push_back(i), f.P_vals.push_back(P[i * n + j]);
    for (int i = 0; i < m; ++i)
      if (A[i * n + j] != 0.0) f.spec.A_rowval.push_back(i), f.A_vals.push_back(A[i * n + j]);
    f.spec.P_colptr.push_back(static_cast<int>(f.spec.P_rowval.size()));
    f.spec.A_colptr.push_back(static_cast<int>(f.spec.A_rowval.size()));
  }
  if (zeros > 0) f.spec.cones.push_back({ConeKind::Zero, zeros});
  if (m > zeros) f.spec.cones.push_back({ConeKind::NonNeg, m - zeros});
  f.c = c, f.b = b;
  return f;
}

// Random NNLS in cvxpy's canonical form: variables (x, t), t = Mx − b as equality rows (t's
// columns have one entry each: eliminated by pivots), x ≥ 0, objective ‖t‖².
inline Fixture random_nnls(std::mt19937& rng, int nx, int rows) {
  std::normal_distribution<double> g;
  const int n = nx + rows, m = rows + nx;
  std::vector<double> P(n * n, 0.0), c(n, 0.0), A(m * n, 0.0), b(m, 0.0);
  for (int i = 0; i < rows; ++i) {
    P[(nx + i) * n + nx + i] = 2.0;
    for (int j = 0; j < nx; ++j) A[i * n + j] = -g(rng);
    A[i * n + nx + i] = 1.0;
    b[i] = -g(rng);
  }
  for (int j = 0; j < nx; ++j) A[(rows + j) * n + j] = -1.0;
  return dense_qp(n, P, c, A, b, rows);
}

// min ½xᵀ(GGᵀ/n + I)x + qᵀx s.t. Cx ≤ 1 + |h|, with `zeros` random equality rows first.
inline Fixture random_qp(std::mt19937& rng, int n, int m, int zeros) {
  std::normal_distribution<double> g;
  std::vector<double> G(n * n), P(n * n, 0.0), q(n), C(m * n), h(m);
  for (double& v : G) v = g(rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < n; ++k) P[i * n + j] += G[i * n + k] * G[j * n + k] / n;
      P[i * n + j] += i == j ? 1.0 : 0.0;
    }
  for (double& v : q) v = 3.0 * g(rng);
  for (double& v : C) v = g(rng);
  for (int i = 0; i < m; ++i) h[i] = i < zeros ? 0.3 * g(rng) : 1.0 + std::abs(g(rng));
  return dense_qp(n, P, q, C, h, zeros);
}

}  // namespace batchcone::testing
