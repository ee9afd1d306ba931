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
// Each column of L is also described as runs of consecutive rows, so that the updates above are
// contiguous loops (the compiler vectorizes them) rather than gathers through li where the runs
// are long enough on average (ldl_by_runs).
//
// Factors fill in: the trailing rows and columns of the elimination order are often a dense
// block (the Schur complement of a dense QP's primal block, the root of a sparse factor). From
// the column s = LdlPlan::dense_from on, L is therefore kept as a dense "tail": the up-looking
// pass above runs for every row but only over the leading columns c < s, which leaves row k ≥ s
// of the Schur complement S = K₂₂ − L₂₁D₁L₂₁ᵀ in y; S is copied into a t×t column-major array
// (t = n − s, lx[lp[s] + i + t·j], i > j) and factored there right-looking in panels of
// columns (ldl_factor_dense_tail). s = n is the purely sparse factorization, s = 0 the dense one.
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
  const int* run_ptr;     // column c as runs of consecutive rows: runs run_ptr[c]..run_ptr[c+1],
  const int* run_start;   //   run r is slots [run_start[r], run_start[r+1]) with rows li[slot]
                          //   = li[run_start[r]] + (slot − run_start[r])
  const int* row_ptr;     // schedule: row k of L is sched_col/sched_slot[row_ptr[k]..row_ptr[k+1])
  const int* sched_col;   //   the column c of each entry, ascending
  const int* sched_slot;  //   and its slot in L's storage
  const signed char* sign;  // expected pivot sign per permuted row
  int dense_from;           // first row/column of the dense tail (n: none); its t² entries
                            //   follow the lp[dense_from] sparse ones in L's storage
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

// The dense tail. Its factorization is right-looking, in panels of kDensePanel columns: each
// panel is factored column by column (D_j from the updated diagonal, L[:, j] ← a_j/D_j, the
// panel's later columns updated), then every trailing column k loses the panel's contribution
// Σ_j L[k:, j]·(D_j L_kj) accumulated in registers, one pass over it per panel instead of one
// per column. Each entry sees the same subtractions in the same order as column by column, so
// the result is the same to the bit; the passes over memory are kDensePanel times fewer.
constexpr int kDensePanel = 4;

// target[i] −= Σ_j col_j[i]·c_j for i in [from, n): the panel's update of one trailing column.
template <int J, class LV, class T>
BC_HD void dense_panel_update(int n, int from, LV target, const LV* cols, const T* c) {
  BC_INDEPENDENT
  for (int i = from; i < n; ++i) {
    T acc = target[i];
    for (int j = 0; j < J; ++j) acc -= cols[j][i] * c[j];
    target[i] = acc;
  }
}

// Factors the t×t lower triangle (diagonal included, static regularization already added) held
// in `a` (column-major, a[i + t·j]) in place: L below the diagonal, pivots into d, dinv (signs
// `sign`, dynamic regularization here). Accumulates replaced pivots into `bumped` and returns
// whether all pivots are finite.
template <class LV, class DV, class T>
BC_HD mask_t<T> ldl_factor_dense_tail(int t, const signed char* sign, LV a, DV d, DV dinv,
                                      const LdlRegularization<T>& reg, T& bumped) {
  mask_t<T> finite = vfinite(T(0.0));
  for (int j0 = 0; j0 < t; j0 += kDensePanel) {
    const int j1 = j0 + kDensePanel < t ? j0 + kDensePanel : t;
    LV cols[kDensePanel];
    for (int j = j0; j < j1; ++j) {
      const double sigma = sign[j];
      finite = vand(finite, ldl_set_pivot(j, T(a[j + t * j]), sigma, reg, d, dinv, bumped));
      const LV col = cols[j - j0] = a + t * j;
      const T dj = d[j], inv = dinv[j];
      for (int i = j + 1; i < t; ++i) col[i] *= inv;
      for (int k = j + 1; k < j1; ++k) {
        const T c = col[k] * dj;
        const LV target = a + t * k;
        for (int i = k; i < t; ++i) target[i] -= col[i] * c;
      }
    }
    for (int k = j1; k < t; ++k) {
      T c[kDensePanel];
      for (int j = j0; j < j1; ++j) c[j - j0] = cols[j - j0][k] * d[j];
      if (j1 - j0 == kDensePanel) dense_panel_update<kDensePanel>(t, k, a + t * k, cols, c);
      else for (int j = 0; j < j1 - j0; ++j) dense_panel_update<1>(t, k, a + t * k, cols + j, c + j);
    }
  }
  return finite;
}

// x ← (I + L)⁻¹ x (forward) over the dense tail, then x ← D⁻¹x, then x ← (I + L)⁻ᵀ x (backward)
// are split by the caller around the leading columns' sweeps. The forward sweep takes a panel of
// solved entries at a time into each later entry, the backward sweep forms each entry's dot
// product in one pass (both in the column-by-column order of operations).
template <class LV, class XV>
BC_HD void dense_tail_forward(int t, LV a, XV x) {
  using T = value_t<XV>;
  for (int j0 = 0; j0 < t; j0 += kDensePanel) {
    const int j1 = j0 + kDensePanel < t ? j0 + kDensePanel : t;
    for (int j = j0; j < j1; ++j) {  // within the panel
      const T xj = x[j];
      for (int i = j + 1; i < j1; ++i) x[i] -= a[i + t * j] * xj;
    }
    BC_INDEPENDENT
    for (int i = j1; i < t; ++i) {
      T acc = x[i];
      for (int j = j0; j < j1; ++j) acc -= a[i + t * j] * x[j];
      x[i] = acc;
    }
  }
}

template <class LV, class XV>
BC_HD void dense_tail_backward(int t, LV a, XV x) {
  for (int j = t - 1; j >= 0; --j) x[j] -= dot_range(j + 1, t, a + t * j, x);
}

// Fully dense factors (dense_from = 0): y ← K x from K's upper triangle, which ldl_factor
// leaves beside L (row i ≤ column j at lx[i + n·j]): each column j adds K[:j, j]·x_j to y[:j]
// and its dot product with x[:j] to y_j, both passes over contiguous memory.
template <class LV, class XV, class YV>
BC_HD void dense_symv(int n, LV lx, XV x, YV y) {
  using T = value_t<YV>;
  for (int j = 0; j < n; ++j) y[j] = 0.0;
  for (int j = 0; j < n; ++j) {
    const LV col = lx + n * j;
    const T xj = x[j];
    BC_INDEPENDENT
    for (int i = 0; i < j; ++i) y[i] += col[i] * xj;
    y[j] += dot_range(0, j, col, x) + col[j] * xj;
  }
}

// Whether the runs of the sparse columns (c < dense_from) are long enough on average to pay for
// their loop overhead. The factors of banded and other very sparse KKT systems (MPC) have runs of
// one or two rows, which plain gathers through li handle faster. Decided once per plan from the
// pattern alone (and outside the column loops, whose bodies are a few multiply-adds), so every
// element type takes the same path and gets the same bits.
constexpr int kMinMeanRun = 4;
BC_HD bool ldl_by_runs(const LdlPlan& pl) {
  return pl.lp[pl.dense_from] >= kMinMeanRun * pl.run_ptr[pl.dense_from];
}

// y[li[p]] −= lx[p]·yc over the slots p ∈ [lp[c], until) of column c, run by run or by gathers.
template <class LV, class YV, class T>
BC_HD void ldl_column_axpy(const LdlPlan& pl, bool by_runs, int c, int until, LV lx, T yc, YV y) {
  if (!by_runs) {
    for (int p = pl.lp[c]; p < until; ++p) y[pl.li[p]] -= lx[p] * yc;
    return;
  }
  for (int r = pl.run_ptr[c]; r < pl.run_ptr[c + 1] && pl.run_start[r] < until; ++r) {
    const int p0 = pl.run_start[r], p1 = pl.run_start[r + 1] < until ? pl.run_start[r + 1] : until;
    const int shift = pl.li[p0] - p0;  // row of slot p
    BC_INDEPENDENT
    for (int p = p0; p < p1; ++p) y[p + shift] -= lx[p] * yc;
  }
}

// Σ_p lx[p]·x[li[p]] over column c of L (the backward sweep's dot product), run by run or by
// gathers.
template <class LV, class XV>
BC_HD value_t<XV> ldl_column_dot(const LdlPlan& pl, bool by_runs, int c, LV lx, XV x) {
  value_t<XV> acc = 0.0;
  if (!by_runs) {
    for (int p = pl.lp[c]; p < pl.lp[c + 1]; ++p) acc += lx[p] * x[pl.li[p]];
    return acc;
  }
  for (int r = pl.run_ptr[c]; r < pl.run_ptr[c + 1]; ++r) {
    const int p0 = pl.run_start[r], p1 = pl.run_start[r + 1];
    acc += dot_range(p0, p1, lx, x, pl.li[p0] - p0);
  }
  return acc;
}

// Factors PKPᵀ = (I+L) D (I+L)ᵀ. kx: the permuted upper-triangular values (unregularized);
// lx: L values; d, dinv: pivots and their inverses; y: work of length n, zero on entry and exit.
// Returns (per problem) the number of pivots that dynamic regularization replaced, or −1 where
// a pivot was not finite.
template <class KV, class LV, class DV, class YV, class T = value_t<LV>>
BC_HD T ldl_factor(const LdlPlan& pl, KV kx, LV lx, DV d, DV dinv, YV y,
                   const LdlRegularization<T>& reg) {
  const int n = pl.n, s = pl.dense_from, t = n - s;
  const LV tail = lx + pl.lp[s];
  const bool by_runs = ldl_by_runs(pl);
  T bumped = 0.0;
  mask_t<T> finite = vfinite(T(0.0));
  for (int k = 0; k < n; ++k) {
    const int diag = pl.kp[k + 1] - 1;
    for (int p = pl.kp[k]; p < diag; ++p) y[pl.ki[p]] = kx[p];
    const double sigma = pl.sign[k];
    T dk = kx[diag] + sigma * reg.static_eps;
    for (int e = pl.row_ptr[k]; e < pl.row_ptr[k + 1] && pl.sched_col[e] < s; ++e) {
      const int c = pl.sched_col[e];
      const int slot = pl.sched_slot[e];
      const T yc = y[c];
      y[c] = 0.0;
      ldl_column_axpy(pl, by_runs, c, slot, lx, yc, y);
      const T lkc = yc * dinv[c];
      lx[slot] = lkc;
      dk -= yc * lkc;
    }
    if (k < s) {
      finite = vand(finite, ldl_set_pivot(k, dk, sigma, reg, d, dinv, bumped));
      continue;
    }
    const LV row = tail + (k - s);  // row k − s of the tail, stride t
    for (int i = s; i < k; ++i) row[t * (i - s)] = y[i], y[i] = 0.0;
    row[t * (k - s)] = dk;
  }
  if (t > 0) finite = vand(finite, ldl_factor_dense_tail(t, pl.sign + s, tail, d + s, dinv + s, reg, bumped));
  if (s == 0) {  // fully dense: K's upper triangle into the unused half, for dense_symv
    for (int j = 0; j < n; ++j)
      for (int i = 0; i <= j; ++i) lx[i + n * j] = 0.0;
    for (int k = 0; k < n; ++k)
      for (int p = pl.kp[k]; p < pl.kp[k + 1]; ++p) lx[pl.ki[p] + n * k] = kx[p];
  }
  return ldl_result(finite, bumped);
}

// x ← (PKPᵀ)⁻¹ x in permuted coordinates: (I+L) forward sweep, D⁻¹, (I+L)ᵀ backward sweep, the
// dense tail's part of each sweep after (forward) or before (backward) the leading columns'.
template <class LV, class DV, class XV>
BC_HD void ldl_solve(const LdlPlan& pl, LV lx, DV dinv, XV x) {
  using T = value_t<XV>;
  const int s = pl.dense_from, t = pl.n - s;
  const LV tail = lx + pl.lp[s];
  const bool by_runs = ldl_by_runs(pl);
  for (int c = 0; c < s; ++c) ldl_column_axpy(pl, by_runs, c, pl.lp[c + 1], lx, T(x[c]), x);
  dense_tail_forward(t, tail, x + s);
  for (int k = 0; k < pl.n; ++k) x[k] *= dinv[k];
  dense_tail_backward(t, tail, x + s);
  for (int c = s - 1; c >= 0; --c) x[c] -= ldl_column_dot(pl, by_runs, c, lx, x);
}

// y ← K x for the symmetric K stored as the permuted upper triangle (kp, ki, kx); with fully
// dense factors from the copy of K that the factorization keeps in lx (dense_symv).
template <class KV, class LV, class XV, class YV>
BC_HD void kkt_symv(const LdlPlan& pl, KV kx, LV lx, XV x, YV y) {
  using T = value_t<YV>;
  if (pl.dense_from == 0) return dense_symv(pl.n, lx, x, y);
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
