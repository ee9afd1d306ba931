// SPDX-License-Identifier: Apache-2.0
#include "null_space.hpp"

#include <algorithm>
#include <cmath>

#include "dense_ops.hpp"

namespace batchcone::backend::cpu {
namespace {

// A pivot column's entry below this fraction of its row's largest entry: use Householder
// instead (the eliminated basis Z would have entries beyond 1/kPivotTol and condition ZᵀPZ
// badly, though each of them is exact to rounding).
constexpr double kPivotTol = 1e-2;
// A Householder column shorter than this fraction of A_E's largest row norm: A_E has dependent
// rows (left to the interior point).
constexpr double kRankTol = 1e-10;

}  // namespace

std::size_t NullSpaceArrays::doubles(int n, int m_eq) {
  const std::size_t r = std::max(n - m_eq, 0);
  const std::size_t ints = m_eq + r + n;  // pivot_col, free_col, role
  return n * r + static_cast<std::size_t>(n) * m_eq + 3 * m_eq + n + (ints + 1) / 2 + 1;
}

NullSpaceArrays NullSpaceArrays::carve(double*& at, int n, int m_eq) {
  NullSpaceArrays w{};
  const int r = std::max(n - m_eq, 0);
  w.Z = take(at, static_cast<std::size_t>(n) * r);
  w.V = take(at, static_cast<std::size_t>(n) * m_eq);
  w.rdiag = take(at, m_eq), w.beta = take(at, m_eq), w.pivot = take(at, m_eq);
  w.work = take(at, n);
  w.pivot_col = reinterpret_cast<int*>(take(at, (m_eq + r + n + 1) / 2 + 1));
  w.free_col = w.pivot_col + m_eq;
  w.role = w.free_col + r;
  return w;
}

bool NullSpace::factor(const double* A_vals) {
  pivoted_ = choose_pivots(A_vals);
  if (pivoted_) {
    pivot_basis(A_vals);
    return true;
  }
  return householder(A_vals);
}

// Each equality row's largest single-entry column; false if one is missing or too small.
bool NullSpace::choose_pivots(const double* A_vals) {
  const int m_eq = pat_.m_eq;
  if (!pat_.pivots_possible) return false;
  double* row_max = w_.rdiag;
  std::fill(row_max, row_max + m_eq, 0.0);
  std::fill(w_.pivot, w_.pivot + m_eq, 0.0);
  for (int j = 0; j < n_; ++j)
    for (int p = pat_.A.colptr[j]; p < pat_.A.colptr[j + 1]; ++p) {
      const int e = pat_.eq_index[pat_.A.rowval[p]];
      if (e >= 0) row_max[e] = std::max(row_max[e], std::abs(A_vals[p]));
    }
  for (int j = 0; j < n_; ++j) {
    const int p = pat_.single_entry[j];
    if (p < 0) continue;
    const int e = pat_.eq_index[pat_.A.rowval[p]];
    if (std::abs(A_vals[p]) > std::abs(w_.pivot[e])) w_.pivot[e] = A_vals[p], w_.pivot_col[e] = j;
  }
  for (int e = 0; e < m_eq; ++e)
    if (!(std::abs(w_.pivot[e]) >= kPivotTol * row_max[e] && row_max[e] > 0.0)) return false;
  return true;
}

// Z's column k for free variable j: e_j − Σᵢ e_Bᵢ a_ij/D_i.
void NullSpace::pivot_basis(const double* A_vals) {
  std::fill(w_.role, w_.role + n_, -1);
  for (int e = 0; e < pat_.m_eq; ++e) w_.role[w_.pivot_col[e]] = e;
  for (int j = 0, k = 0; j < n_; ++j)
    if (w_.role[j] < 0) w_.free_col[k++] = j;
  std::fill(w_.Z, w_.Z + static_cast<std::size_t>(n_) * r_, 0.0);
  for (int k = 0; k < r_; ++k) {
    const int j = w_.free_col[k];
    row(j)[k] = 1.0;
    for (int p = pat_.A.colptr[j]; p < pat_.A.colptr[j + 1]; ++p) {
      const int e = pat_.eq_index[pat_.A.rowval[p]];
      if (e >= 0) row(w_.pivot_col[e])[k] = -A_vals[p] / w_.pivot[e];
    }
  }
}

// Householder QR of A_Eᵀ in V: column k holds R's column k above the diagonal and the
// reflector vₖ from the diagonal down (R's diagonal in rdiag); then Z = Q[0; I].
bool NullSpace::householder(const double* A_vals) {
  const int n = n_, m_eq = pat_.m_eq;
  std::fill(w_.V, w_.V + static_cast<std::size_t>(n) * m_eq, 0.0);
  for (int j = 0; j < n; ++j)
    for (int p = pat_.A.colptr[j]; p < pat_.A.colptr[j + 1]; ++p) {
      const int e = pat_.eq_index[pat_.A.rowval[p]];
      if (e >= 0) col(w_.V, n, e)[j] = A_vals[p];
    }
  double scale = 0.0;
  for (int e = 0; e < m_eq; ++e)
    scale = std::max(scale, std::sqrt(dot(n, col(w_.V, n, e), col(w_.V, n, e))));
  for (int k = 0; k < m_eq; ++k) {
    double* v = col(w_.V, n, k) + k;
    const double norm = std::sqrt(dot(n - k, v, v));
    if (!(norm > kRankTol * scale)) return false;
    const double alpha = v[0] > 0.0 ? -norm : norm;
    v[0] -= alpha;
    w_.rdiag[k] = alpha, w_.beta[k] = 1.0 / (-alpha * v[0]);
    for (int j = k + 1; j < m_eq; ++j) {
      double* cj = col(w_.V, n, j) + k;
      axpy(n - k, -w_.beta[k] * dot(n - k, v, cj), v, cj);
    }
  }
  for (int j = 0; j < r_; ++j) {
    std::fill(w_.work, w_.work + n, 0.0);
    w_.work[m_eq + j] = 1.0;
    apply_Q(w_.work, false);
    for (int l = 0; l < n; ++l) row(l)[j] = w_.work[l];
  }
  return true;
}

// y ← Qᵀy (transpose = true) or Qy.
void NullSpace::apply_Q(double* y, bool transpose) const {
  for (int t = 0; t < pat_.m_eq; ++t) {
    const int k = transpose ? t : pat_.m_eq - 1 - t;
    const double* v = col(w_.V, n_, k) + k;
    axpy(n_ - k, -w_.beta[k] * dot(n_ - k, v, y + k), v, y + k);
  }
}

double NullSpace::R_at(int i, int j) const { return i == j ? w_.rdiag[i] : col(w_.V, n_, j)[i]; }

void NullSpace::particular(const double* b, double* xp) const {
  const int m_eq = pat_.m_eq;
  std::fill(xp, xp + n_, 0.0);
  if (pivoted_) {
    for (int e = 0; e < m_eq; ++e) xp[w_.pivot_col[e]] = b[pat_.eq_rows[e]] / w_.pivot[e];
    return;
  }
  for (int i = 0; i < m_eq; ++i) {  // Rᵀy = b_E, x_p = Q[y; 0]
    double v = b[pat_.eq_rows[i]];
    for (int l = 0; l < i; ++l) v -= R_at(l, i) * xp[l];
    xp[i] = v / w_.rdiag[i];
  }
  apply_Q(xp, false);
}

void NullSpace::multipliers(double* grad, double* z) const {
  const int m_eq = pat_.m_eq;
  if (pivoted_) {
    for (int e = 0; e < m_eq; ++e) z[pat_.eq_rows[e]] = -grad[w_.pivot_col[e]] / w_.pivot[e];
    return;
  }
  apply_Q(grad, true);
  for (int i = m_eq - 1; i >= 0; --i) {  // R z_E = −(Qᵀgrad)₁
    double v = -grad[i];
    for (int l = i + 1; l < m_eq; ++l) v -= R_at(i, l) * z[pat_.eq_rows[l]];
    z[pat_.eq_rows[i]] = v / w_.rdiag[i];
  }
}

}  // namespace batchcone::backend::cpu
