// SPDX-License-Identifier: Apache-2.0
// The equality rows of one problem eliminated for the active-set path (active_set.hpp): every x
// with A_E x = b_E is x = x_p + Zu, Z an n×(n − m_E) basis of A_E's null space, and the
// equality multipliers follow from stationarity, Px + c + A_Iᵀz_I + A_Eᵀz_E = 0.
//
// Two ways, chosen per problem:
// - Pivot columns. When each equality row i has a column that no other equality row uses (a
//   slack or residual variable of cvxpy's canonical form, as in t = Ax − b), take the largest
//   such entry D_i as the row's pivot and solve the row for its column: x_Bᵢ = (b_i − Σ_{j free}
//   a_ij x_j)/D_i. Z's column for a free variable j is e_j − Σᵢ e_Bᵢ a_ij/D_i, x_p = Σᵢ e_Bᵢ
//   b_i/D_i, and the stationarity row of Bᵢ gives z_i = −(Px + c + A_Iᵀz_I)_Bᵢ/D_i. It costs a pass
//   over A_E's entries, and a tiny pivot (below kPivotTol of its row) falls back to
// - Householder QR of A_Eᵀ = Q[R; 0]: Z = Q₂, x_p = Q₁R⁻ᵀb_E, z_E = −R⁻¹Q₁ᵀ(Px + c + A_Iᵀz_I).
//   It handles any full-rank A_E in O(m_E²n); dependent rows are left to the interior point.
#pragma once

#include <cstddef>

#include "kernels/sparse.hpp"

namespace batchcone::backend::cpu {

// Per structure: which rows are equalities, and for each column its only equality-row entry
// (its index in A's values), or −1 when it has none or several.
struct EqualityPattern {
  kernels::CscPattern A;
  int m_eq;
  const int* eq_index;      // m: row → its position among the equality rows, or −1
  const int* eq_rows;       // m_eq
  const int* single_entry;  // n
  bool pivots_possible;     // every equality row has at least one single-entry column
};

// Scratch for one problem at a time (carved from the CPU workspace).
struct NullSpaceArrays {
  double *Z, *V, *rdiag, *beta, *pivot, *work;  // n×r, n×m_E, m_E, m_E, m_E, n
  int *pivot_col, *free_col, *role;  // m_E, r, n (role: equality row a column pivots, or −1)
  static std::size_t doubles(int n, int m_eq);
  static NullSpaceArrays carve(double*& at, int n, int m_eq);
};

class NullSpace {
 public:
  NullSpace(const EqualityPattern& pattern, int n, const NullSpaceArrays& w)
      : pat_(pattern), n_(n), r_(n - pattern.m_eq), w_(w) {}

  // Eliminates A_E (m_E ≤ n rows) for A's values; false when its rows are (nearly) dependent.
  bool factor(const double* A_vals);
  // Z: n×(n − m_E), row-major (row l: how x_l moves with u).
  const double* Z() const { return w_.Z; }
  // x_p with A_E x_p = b_E, for the full right-hand side b (m).
  void particular(const double* b, double* xp) const;
  // Writes z_E into z (m) from grad = Px + c + A_Iᵀz_I (n); grad is overwritten.
  void multipliers(double* grad, double* z) const;

 private:
  bool choose_pivots(const double* A_vals);
  void pivot_basis(const double* A_vals);
  bool householder(const double* A_vals);
  void apply_Q(double* y, bool transpose) const;
  double R_at(int i, int j) const;
  double* row(int l) { return w_.Z + static_cast<std::size_t>(l) * r_; }

  EqualityPattern pat_;
  int n_, r_;
  NullSpaceArrays w_;
  bool pivoted_ = false;
};

}  // namespace batchcone::backend::cpu
