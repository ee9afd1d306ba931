// SPDX-License-Identifier: Apache-2.0
// The structure a batch shares: sizes, sparsity patterns and cones of
//
//   minimize ½xᵀPx + cᵀx   subject to  Ax + s = b,  s ∈ K = K₁ × … × K_p
//
// P is given by its upper triangle (row ≤ col) and both P and A in compressed sparse column
// form with sorted row indices. Cones follow cvxpy's order and Clarabel's conventions (SOC is
// (t, x) with t first). make_structure validates everything and runs the symbolic analysis
// (ordering, elimination tree, factorization schedule) once; the result is immutable and may
// be shared by any number of concurrent solves.
#pragma once

#include <memory>
#include <vector>

namespace batchcone {

enum class ConeKind { Zero, NonNeg, SOC, PSD, Exp, Pow };

// dim: rows of the cone, except PSD: the side k of the k×k matrix, whose svec (upper triangle,
// column-major, off-diagonals scaled by √2) takes k(k+1)/2 rows.
// Exp (dim 3): cl{(x, y, z) : y·exp(x/y) ≤ z, y > 0} (cvxpy's ExpCone, Clarabel's order).
// Pow (dim 3, 0 < alpha < 1): {(x, y, z) : x^alpha·y^(1−alpha) ≥ |z|, x, y ≥ 0} (PowCone3D).
struct Cone {
  ConeKind kind;
  int dim;
  double alpha = 0.0;  // Pow only
};

struct StructureSpec {
  int n = 0;  // variables
  int m = 0;  // constraint rows (Σ cone rows)
  std::vector<int> P_colptr, P_rowval;  // triu(P): n+1 column pointers, sorted rows ≤ col
  std::vector<int> A_colptr, A_rowval;  // A (m × n): n+1 column pointers, sorted rows < m
  std::vector<Cone> cones;
};

namespace detail {
struct Symbolic;
}

class Structure {
 public:
  explicit Structure(std::shared_ptr<const detail::Symbolic> sym) : sym_(std::move(sym)) {}
  const StructureSpec& spec() const;
  int n() const { return spec().n; }
  int m() const { return spec().m; }
  int nnz_P() const { return static_cast<int>(spec().P_rowval.size()); }
  int nnz_A() const { return static_cast<int>(spec().A_rowval.size()); }
  int kkt_order() const;  // n + m + 2·(SOCs stored in expanded form)
  int kkt_nnz() const;    // stored entries of triu(KKT)
  int factor_nnz() const;  // strictly lower entries of the LDLᵀ factor
  const detail::Symbolic& symbolic() const { return *sym_; }
  const std::shared_ptr<const detail::Symbolic>& symbolic_ptr() const { return sym_; }

 private:
  std::shared_ptr<const detail::Symbolic> sym_;
};

// Validates `spec` and analyzes it. Throws std::invalid_argument with a message that names the
// fault (which array, which index, what was expected).
Structure make_structure(StructureSpec spec);

}  // namespace batchcone
