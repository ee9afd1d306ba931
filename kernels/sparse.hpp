// SPDX-License-Identifier: Apache-2.0
// Products with CSC matrices whose pattern is shared by the batch and whose values are per problem.
#pragma once

#include "hd.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

// A compressed-sparse-column pattern (no values): column j holds rows rowval[colptr[j] .. colptr[j+1]).
struct CscPattern {
  int nrows;
  int ncols;
  const int* colptr;
  const int* rowval;
  BC_HD int nnz() const { return colptr[ncols]; }
};

// Written for any element type (kernels/vec.hpp).

// y ← y + α·A·x
template <class Vals, class U, class V>
BC_HD void csc_gemv(const CscPattern& a, Vals vals, double alpha, U x, V y) {
  for (int j = 0; j < a.ncols; ++j) {
    const value_t<V> axj = alpha * x[j];
    for (int p = a.colptr[j]; p < a.colptr[j + 1]; ++p) y[a.rowval[p]] += vals[p] * axj;
  }
}

// y ← y + α·Aᵀ·x
template <class Vals, class U, class V>
BC_HD void csc_gemv_t(const CscPattern& a, Vals vals, double alpha, U x, V y) {
  for (int j = 0; j < a.ncols; ++j) {
    value_t<V> acc = 0.0;
    for (int p = a.colptr[j]; p < a.colptr[j + 1]; ++p) acc += vals[p] * x[a.rowval[p]];
    y[j] += alpha * acc;
  }
}

// y ← y + α·S·x, where S is symmetric and `a` holds its upper triangle (row ≤ col).
template <class Vals, class U, class V>
BC_HD void csc_symv_upper(const CscPattern& a, Vals vals, double alpha, U x, V y) {
  for (int j = 0; j < a.ncols; ++j) {
    const value_t<V> xj = x[j];
    value_t<V> acc = 0.0;
    for (int p = a.colptr[j]; p < a.colptr[j + 1]; ++p) {
      const int i = a.rowval[p];
      const value_t<V> v = vals[p];
      if (i == j) {
        acc += v * xj;
      } else {
        acc += v * x[i];
        y[i] += alpha * v * xj;
      }
    }
    y[j] += alpha * acc;
  }
}

}  // namespace batchcone::kernels
