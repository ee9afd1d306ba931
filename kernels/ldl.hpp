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
#include "vec.hpp"

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

// Regularization of one factorization; T is the element type (static ε is per problem).
template <class T = double>
struct LdlRegularization {
  T static_eps;          // ε added with sign σ_k to every diagonal
  double dynamic_eps;    // pivots with σ_k·D_k below this are replaced
  double dynamic_delta;  // by σ_k·dynamic_delta
};

// The pivot D_k ← dk after regularization (shared by both layouts); counts replaced pivots in
// `bumped` and returns whether the pivot is finite.
template <class T, class DV>
BC_HD mask_t<T> ldl_set_pivot(int k, T dk, double sigma, const LdlRegularization<T>& reg, DV d,
                              DV dinv, T& bumped) {
  const mask_t<T> replace = sigma * dk < T(reg.dynamic_eps);
  dk = vselect(replace, T(sigma * reg.dynamic_delta), dk);
  bumped += vselect(replace, T(1.0), T(0.0));
  d[k] = dk;
  dinv[k] = 1.0 / dk;
  return vfinite(dk);
}

// The factorization's result per problem: the number of replaced pivots, or −1 where a pivot
// was not finite (the factor is then unusable).
template <class T>
BC_HD T ldl_result(mask_t<T> finite, T bumped) {
  return vselect(finite, bumped, T(-1.0));
}

// Dense layout: L ← the strict lower triangle of K (from its upper-triangular CSC), then
// right-looking elimination: for each column j, D_j from the updated diagonal, L[:, j] ← a_j/D_j,
// and the trailing columns k > j lose L[k:, j]·(D_j L_kj).
template <class KV, class LV, class DV, class T = value_t<LV>>
BC_HD T ldl_factor_dense(const LdlPlan& pl, KV kx, LV lx, DV d, DV dinv,
                         const LdlRegularization<T>& reg) {
  const int n = pl.n;
  for (int j = 0; j < n; ++j)
    for (int i = j; i < n; ++i) lx[i + n * j] = 0.0;
  for (int k = 0; k < n; ++k)
    for (int p = pl.kp[k]; p < pl.kp[k + 1]; ++p) lx[k + n * pl.ki[p]] = kx[p];  // (row k, col ki)
  T bumped = 0.0;
  mask_t<T> finite = vfinite(T(0.0));
  for (int j = 0; j < n; ++j) {
    const double sigma = pl.sign[j];
    const T pivot = lx[j + n * j] + sigma * reg.static_eps;
    finite = vand(finite, ldl_set_pivot(j, pivot, sigma, reg, d, dinv, bumped));
    const LV col = lx + n * j;
    const T dj = d[j], inv = dinv[j];
    for (int i = j + 1; i < n; ++i) col[i] *= inv;
    for (int k = j + 1; k < n; ++k) {
      const T c = col[k] * dj;
      const LV target = lx + n * k;
      for (int i = k; i < n; ++i) target[i] -= col[i] * c;
    }
  }
  return ldl_result(finite, bumped);
}

// Dense layout: x ← (PKPᵀ)⁻¹ x.
template <class LV, class DV, class XV>
BC_HD void ldl_solve_dense(int n, LV lx, DV dinv, XV x) {
  using T = value_t<XV>;
  for (int j = 0; j < n; ++j) {
    const T xj = x[j];
    const LV col = lx + n * j;
    for (int i = j + 1; i < n; ++i) x[i] -= col[i] * xj;
  }
  for (int k = 0; k < n; ++k) x[k] *= dinv[k];
  for (int j = n - 1; j >= 0; --j) {
    const LV col = lx + n * j;
    T acc = x[j];
    for (int i = j + 1; i < n; ++i) acc -= col[i] * x[i];
    x[j] = acc;
  }
}

// Factors PKPᵀ = (I+L) D (I+L)ᵀ. kx: the permuted upper-triangular values (unregularized);
// lx: L values; d, dinv: pivots and their inverses; y: work of length n, zero on entry and exit.
// Returns (per problem) the number of pivots that dynamic regularization replaced, or −1 where
// a pivot was not finite.
template <class KV, class LV, class DV, class YV, class T = value_t<LV>>
BC_HD T ldl_factor(const LdlPlan& pl, KV kx, LV lx, DV d, DV dinv, YV y,
                   const LdlRegularization<T>& reg) {
  if (pl.dense) return ldl_factor_dense(pl, kx, lx, d, dinv, reg);
  T bumped = 0.0;
  mask_t<T> finite = vfinite(T(0.0));
  for (int k = 0; k < pl.n; ++k) {
    const int diag = pl.kp[k + 1] - 1;
    for (int p = pl.kp[k]; p < diag; ++p) y[pl.ki[p]] = kx[p];
    const double sigma = pl.sign[k];
    T dk = kx[diag] + sigma * reg.static_eps;
    for (int e = pl.row_ptr[k]; e < pl.row_ptr[k + 1]; ++e) {
      const int c = pl.sched_col[e];
      const int slot = pl.sched_slot[e];
      const T yc = y[c];
      y[c] = 0.0;
      for (int p = pl.lp[c]; p < slot; ++p) y[pl.li[p]] -= lx[p] * yc;
      const T lkc = yc * dinv[c];
      lx[slot] = lkc;
      dk -= yc * lkc;
    }
    finite = vand(finite, ldl_set_pivot(k, dk, sigma, reg, d, dinv, bumped));
  }
  return ldl_result(finite, bumped);
}

// x ← (PKPᵀ)⁻¹ x in permuted coordinates: (I+L) forward sweep, D⁻¹, (I+L)ᵀ backward sweep.
template <class LV, class DV, class XV>
BC_HD void ldl_solve(const LdlPlan& pl, LV lx, DV dinv, XV x) {
  using T = value_t<XV>;
  if (pl.dense) return ldl_solve_dense(pl.n, lx, dinv, x);
  for (int c = 0; c < pl.n; ++c) {
    const T xc = x[c];
    for (int p = pl.lp[c]; p < pl.lp[c + 1]; ++p) x[pl.li[p]] -= lx[p] * xc;
  }
  for (int k = 0; k < pl.n; ++k) x[k] *= dinv[k];
  for (int c = pl.n - 1; c >= 0; --c) {
    T acc = x[c];
    for (int p = pl.lp[c]; p < pl.lp[c + 1]; ++p) acc -= lx[p] * x[pl.li[p]];
    x[c] = acc;
  }
}

// y ← K x for the symmetric K stored as the permuted upper triangle (kp, ki, kx).
template <class KV, class XV, class YV>
BC_HD void kkt_symv(const LdlPlan& pl, KV kx, XV x, YV y) {
  using T = value_t<YV>;
  for (int k = 0; k < pl.n; ++k) y[k] = 0.0;
  for (int j = 0; j < pl.n; ++j) {
    const T xj = x[j];
    T acc = 0.0;
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
