// SPDX-License-Identifier: Apache-2.0
// Numeric LDLᵀ of a symmetric quasidefinite matrix over a precomputed straight-line schedule,
// and the triangular solves. The pattern, the fill-reducing permutation and the schedule are
// computed once per structure (src/symbolic); every problem of the batch runs the same schedule
// over its own values, with no markers, tree walks or pivoting.
//
// Up-looking factorization, row k at a time, of the permuted upper-triangular K (CSC):
//   y ← K[0:k, k];  D_k ← K_kk + σ_k ε
//   for each column c of row k's pattern, ascending (so y_c is final when reached):
//     y[rows of L[:, c] above k] −= L[:, c]·y_c;  L_kc = y_c / D_c;  D_k −= y_c·L_kc
//   dynamic regularization: if σ_k·D_k < δ_eps then D_k ← σ_k·δ
// where σ_k = ±1 is the expected sign of pivot k (+ primal, − dual).
//
// Factors that fill in to nearly dense (small dense QPs, dense SOC blocks) use a dense layout
// instead (LdlPlan::dense): L in full column-major storage, lx[i + n·j] for i > j, factored
// right-looking over the same permuted order with the same regularization, so every inner loop
// runs over contiguous memory (the compiler vectorizes it) instead of gathering through li.
#pragma once

#include "hd.hpp"

namespace batchcone::kernels {

struct LdlPlan {
  int n;                  // order of K
  const int* kp;          // permuted upper-triangular K: column k holds rows ki[kp[k]..kp[k+1]),
  const int* ki;          //   sorted, the diagonal last
  const int* lp;          // strictly lower L by columns: rows li[lp[c]..lp[c+1]), sorted
  const int* li;
  const int* row_ptr;     // schedule: row k of L is sched_col/sched_slot[row_ptr[k]..row_ptr[k+1])
  const int* sched_col;   //   the column c of each entry, ascending
  const int* sched_slot;  //   and its slot in L's storage
  const signed char* sign;  // expected pivot sign per permuted row
  int dense = 0;            // 1: dense layout (lx has n·n entries; lp, li, schedule unused)
};

struct LdlRegularization {
  double static_eps;   // ε added with sign σ_k to every diagonal
  double dynamic_eps;  // pivots with σ_k·D_k below this are replaced
  double dynamic_delta;  // by σ_k·dynamic_delta
};

// The pivot D_k ← dk after regularization (shared by both layouts): false on a non-finite pivot.
template <class DV>
BC_HD bool ldl_set_pivot(int k, double dk, double sigma, const LdlRegularization& reg, DV d,
                         DV dinv, int& bumped) {
  if (sigma * dk < reg.dynamic_eps) {
    dk = sigma * reg.dynamic_delta;
    ++bumped;
  }
  if (!(dk == dk) || dk - dk != 0.0) return false;  // NaN or ±∞
  d[k] = dk;
  dinv[k] = 1.0 / dk;
  return true;
}

// Dense layout: L ← the strict lower triangle of K (from its upper-triangular CSC), then
// right-looking elimination: for each column j, D_j from the updated diagonal, L[:, j] ← a_j/D_j,
// and the trailing columns k > j lose L[k:, j]·(D_j L_kj).
template <class KV, class LV, class DV>
BC_HD int ldl_factor_dense(const LdlPlan& pl, KV kx, LV lx, DV d, DV dinv,
                           const LdlRegularization& reg) {
  const int n = pl.n;
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) lx[i + n * j] = 0.0;
  for (int k = 0; k < n; ++k)
    for (int p = pl.kp[k]; p < pl.kp[k + 1]; ++p) lx[k + n * pl.ki[p]] = kx[p];  // (row k, col ki)
  int bumped = 0;
  for (int j = 0; j < n; ++j) {
    const double sigma = pl.sign[j];
    if (!ldl_set_pivot(j, lx[j + n * j] + sigma * reg.static_eps, sigma, reg, d, dinv, bumped))
      return -1;
    const LV col = lx + n * j;
    const double dj = d[j], inv = dinv[j];
    for (int i = j + 1; i < n; ++i) col[i] *= inv;
    for (int k = j + 1; k < n; ++k) {
      const double c = col[k] * dj;
      const LV target = lx + n * k;
      for (int i = k; i < n; ++i) target[i] -= col[i] * c;
    }
  }
  return bumped;
}

// Dense layout: x ← (PKPᵀ)⁻¹ x.
template <class LV, class DV, class XV>
BC_HD void ldl_solve_dense(int n, LV lx, DV dinv, XV x) {
  for (int j = 0; j < n; ++j) {
    const double xj = x[j];
    const LV col = lx + n * j;
    for (int i = j + 1; i < n; ++i) x[i] -= col[i] * xj;
  }
  for (int k = 0; k < n; ++k) x[k] *= dinv[k];
  for (int j = n - 1; j >= 0; --j) {
    const LV col = lx + n * j;
    double acc = x[j];
    for (int i = j + 1; i < n; ++i) acc -= col[i] * x[i];
    x[j] = acc;
  }
}

// Factors PKPᵀ = (I+L) D (I+L)ᵀ. kx: the permuted upper-triangular values (unregularized);
// lx: L values; d, dinv: pivots and their inverses; y: work of length n, zero on entry and exit.
// Returns the number of pivots that dynamic regularization replaced, or −1 on a non-finite pivot.
template <class KV, class LV, class DV, class YV>
BC_HD int ldl_factor(const LdlPlan& pl, KV kx, LV lx, DV d, DV dinv, YV y,
                     const LdlRegularization& reg) {
  if (pl.dense) return ldl_factor_dense(pl, kx, lx, d, dinv, reg);
  int bumped = 0;
  for (int k = 0; k < pl.n; ++k) {
    const int diag = pl.kp[k + 1] - 1;
    for (int p = pl.kp[k]; p < diag; ++p) y[pl.ki[p]] = kx[p];
    const double sigma = pl.sign[k];
    double dk = kx[diag] + sigma * reg.static_eps;
    for (int e = pl.row_ptr[k]; e < pl.row_ptr[k + 1]; ++e) {
      const int c = pl.sched_col[e];
      const int slot = pl.sched_slot[e];
      const double yc = y[c];
      y[c] = 0.0;
      for (int p = pl.lp[c]; p < slot; ++p) y[pl.li[p]] -= lx[p] * yc;
      const double lkc = yc * dinv[c];
      lx[slot] = lkc;
      dk -= yc * lkc;
    }
    if (!ldl_set_pivot(k, dk, sigma, reg, d, dinv, bumped)) return -1;
  }
  return bumped;
}

// x ← (PKPᵀ)⁻¹ x in permuted coordinates: (I+L) forward sweep, D⁻¹, (I+L)ᵀ backward sweep.
template <class LV, class DV, class XV>
BC_HD void ldl_solve(const LdlPlan& pl, LV lx, DV dinv, XV x) {
  if (pl.dense) return ldl_solve_dense(pl.n, lx, dinv, x);
  for (int c = 0; c < pl.n; ++c) {
    const double xc = x[c];
    for (int p = pl.lp[c]; p < pl.lp[c + 1]; ++p) x[pl.li[p]] -= lx[p] * xc;
  }
  for (int k = 0; k < pl.n; ++k) x[k] *= dinv[k];
  for (int c = pl.n - 1; c >= 0; --c) {
    double acc = x[c];
    for (int p = pl.lp[c]; p < pl.lp[c + 1]; ++p) acc -= lx[p] * x[pl.li[p]];
    x[c] = acc;
  }
}

// y ← K x for the symmetric K stored as the permuted upper triangle (kp, ki, kx).
template <class KV, class XV, class YV>
BC_HD void kkt_symv(const LdlPlan& pl, KV kx, XV x, YV y) {
  for (int k = 0; k < pl.n; ++k) y[k] = 0.0;
  for (int j = 0; j < pl.n; ++j) {
    const double xj = x[j];
    double acc = 0.0;
    for (int p = pl.kp[j]; p < pl.kp[j + 1]; ++p) {
      const int i = pl.ki[p];
      if (i == j) {
        acc += kx[p] * xj;
      } else {
        acc += kx[p] * x[i];
        y[i] += kx[p] * xj;
      }
    }
    y[j] += acc;
  }
}

}  // namespace batchcone::kernels
