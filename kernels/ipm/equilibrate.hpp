// SPDX-License-Identifier: Apache-2.0
// Modified Ruiz equilibration of the KKT data [P Aᵀ; A 0] (one problem), as Clarabel does it.
//
// Each of equilibrate_max_iter passes takes ∞-norms of the columns of [P; A] (δ_d) and of the
// rows of A (δ_e), maps zero norms to 1, sets δ ← 1/√δ clipped so the cumulative scalings D, E
// stay in [min_scaling, max_scaling], and applies P ← δ_d P δ_d, A ← δ_e A δ_d, q ← δ_d q,
// b ← δ_e b. Then, when both are nonzero, the cost is scaled by 1/max(mean column norm of the
// stored triu(P), ‖q‖∞) (the cumulative c clipped likewise): P ← cP, q ← cq.
// After the passes every SOC, PSD, exp and pow block of E is replaced by its mean, so E maps the cone onto itself.
// The solver then works on (P̃, q̃, Ã, b̃) = (cDPD, cDq, EAD, Eb).
#pragma once

#include "../vec.hpp"
#include "state.hpp"

namespace batchcone::kernels {

// Written for any element type T (kernels/vec.hpp): the CPU equilibrates a block of problems at
// once; per-problem choices (a zero norm, a cost scaling that does not apply) are per-lane
// selects, which reproduce the one-problem results exactly (a skipped scaling multiplies by 1).

// out ← column ∞-norms of the symmetric P stored as its upper triangle.
template <class V>
BC_HD void p_column_norms(const Context& cx, const State<V>& st, V out) {
  fill(cx.dims.n, out, 0.0);
  for (int j = 0; j < cx.dims.n; ++j) {
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p) {
      const value_t<V> v = vabs(st.pv[p]);
      out[j] = vmax(out[j], v);
      out[cx.P.rowval[p]] = vmax(out[cx.P.rowval[p]], v);
    }
  }
}

// δ_d ← column ∞-norms of [P; A], δ_e ← row ∞-norms of A.
template <class V>
BC_HD void kkt_column_norms(const Context& cx, const State<V>& st, V dwork, V ework) {
  p_column_norms(cx, st, dwork);
  fill(cx.dims.m, ework, 0.0);
  for (int j = 0; j < cx.dims.n; ++j) {
    for (int p = cx.A.colptr[j]; p < cx.A.colptr[j + 1]; ++p) {
      const value_t<V> v = vabs(st.av[p]);
      dwork[j] = vmax(dwork[j], v);
      ework[cx.A.rowval[p]] = vmax(ework[cx.A.rowval[p]], v);
    }
  }
}

template <class V>
BC_HD void apply_scaling(const Context& cx, const State<V>& st, V dwork, V ework) {
  for (int j = 0; j < cx.dims.n; ++j) {
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p)
      st.pv[p] *= dwork[cx.P.rowval[p]] * dwork[j];
    for (int p = cx.A.colptr[j]; p < cx.A.colptr[j + 1]; ++p)
      st.av[p] *= ework[cx.A.rowval[p]] * dwork[j];
    st.q[j] *= dwork[j];
    st.d[j] *= dwork[j];
  }
  for (int i = 0; i < cx.dims.m; ++i) {
    st.b[i] *= ework[i];
    st.e[i] *= ework[i];
  }
}

template <class T>
BC_HD T clip(T v, T lo, T hi) {
  return vmin(vmax(v, lo), hi);
}

// δ ← 1/√norm (1 for a zero norm), clipped so that the cumulative scaling stays in [lo, hi].
// The clip bounds cost two divisions, so they are formed only when δ·cumulative is not safely
// inside [lo, hi]: with a margin of 4 roundings, δ lies between the rounded bounds and the clip
// would return δ itself, so the result is bitwise the same either way.
template <class T>
BC_HD T ruiz_factor(T norm, T cumulative, double lo, double hi) {
  const T one = 1.0;
  const T delta = one / vsqrt(vselect(norm == T(0.0), one, norm));
  const T moved = delta * cumulative;
  constexpr double kMargin = 4.0 * 2.220446049250313e-16;
  if (vall(vand(moved >= T(lo * (1.0 + kMargin)), moved <= T(hi * (1.0 - kMargin))))) return delta;
  return clip(delta, lo / cumulative, hi / cumulative);
}

// One Ruiz pass followed by the cost scaling; cscale is the cumulative cost scaling.
template <class V, class T = value_t<V>>
BC_HD void ruiz_pass(const Context& cx, const State<V>& st, V dwork, V ework, T& cscale) {
  const double lo = cx.settings.equilibrate_min_scaling, hi = cx.settings.equilibrate_max_scaling;
  kkt_column_norms(cx, st, dwork, ework);
  for (int j = 0; j < cx.dims.n; ++j) dwork[j] = ruiz_factor(T(dwork[j]), T(st.d[j]), lo, hi);
  for (int i = 0; i < cx.dims.m; ++i) ework[i] = ruiz_factor(T(ework[i]), T(st.e[i]), lo, hi);
  apply_scaling(cx, st, dwork, ework);

  T mean_p = 0.0;  // mean ∞-norm of the stored columns of triu(P)
  for (int j = 0; j < cx.dims.n; ++j) {
    T cj = 0.0;
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p) cj = vmax(cj, vabs(st.pv[p]));
    mean_p += cj;
  }
  if (cx.dims.n > 0) mean_p = mean_p / T(cx.dims.n);
  const T normq = norm_inf(cx.dims.n, st.q);
  const T c = vselect(vor(mean_p == T(0.0), normq == T(0.0)), T(1.0),
                      clip(T(1.0) / vmax(mean_p, normq), lo / cscale, hi / cscale));
  scale(cx.dims.nnz_p, st.pv, c);
  scale(cx.dims.n, st.q, c);
  cscale *= c;
}

// δ_e ← mean(E_cone)/E on every SOC, PSD, exp and pow block and 1 elsewhere, so that E·δ_e is constant per SOC.
template <class V>
BC_HD void rectify_cone_scaling(const Context& cx, const State<V>& st, V ework) {
  using T = value_t<V>;
  const ConeTable& k = cx.cones;
  fill(cx.dims.m, ework, 1.0);
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] != kSocCone && k.kind[c] != kPsdCone && !is_nonsym(k.kind[c])) continue;
    const int o = k.offset[c], d = k.dim[c];
    T mean = 0.0;
    for (int i = 0; i < d; ++i) mean += st.e[o + i];
    mean = mean / T(d);
    for (int i = 0; i < d; ++i) ework[o + i] = mean / st.e[o + i];
  }
}

// Copies one problem's input into its block (before equilibrate_scaled).
template <class V>
BC_HD void load_input(const Context& cx, const State<V>& st, const ProblemInput& in) {
  const Dims& dm = cx.dims;
  copy(dm.nnz_p, in.p_vals, st.pv);
  copy(dm.nnz_a, in.a_vals, st.av);
  copy(dm.n, in.c, st.q);
  copy(dm.m, in.b, st.b);
}

// Equilibrates the loaded input in place, recording D, E, the cost scaling and the norms of the
// unscaled q and b.
template <class V>
BC_HD void equilibrate_loaded(const Context& cx, const State<V>& st) {
  using T = value_t<V>;
  const Dims& dm = cx.dims;
  fill(dm.n, st.d, 1.0);
  fill(dm.m, st.e, 1.0);
  sc_set(st.sc, &Scalars::normq, norm_inf(dm.n, st.q));
  sc_set(st.sc, &Scalars::normb, norm_inf(dm.m, st.b));
  T cscale = 1.0;
  if (cx.settings.equilibrate_enable) {
    for (int it = 0; it < cx.settings.equilibrate_max_iter; ++it)
      ruiz_pass(cx, st, st.rhs_x, st.rhs_z, cscale);
    fill(dm.n, st.rhs_x, 1.0);
    rectify_cone_scaling(cx, st, st.rhs_z);
    apply_scaling(cx, st, st.rhs_x, st.rhs_z);
  }
  sc_set(st.sc, &Scalars::cscale, cscale);
}

// Copies the problem's input into its block and equilibrates it.
template <class V>
BC_HD void equilibrate(const Context& cx, const State<V>& st, const ProblemInput& in) {
  load_input(cx, st, in);
  equilibrate_loaded(cx, st);
}

}  // namespace batchcone::kernels
