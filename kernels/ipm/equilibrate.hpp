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

// out ← column ∞-norms of the symmetric P stored as its upper triangle.
template <class V>
BC_HD void p_column_norms(const Context& cx, const State<V>& st, V out) {
  fill(cx.dims.n, out, 0.0);
  for (int j = 0; j < cx.dims.n; ++j) {
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p) {
      const double v = fabs(st.pv[p]);
      out[j] = dmax(out[j], v);
      out[cx.P.rowval[p]] = dmax(out[cx.P.rowval[p]], v);
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
      const double v = fabs(st.av[p]);
      dwork[j] = dmax(dwork[j], v);
      ework[cx.A.rowval[p]] = dmax(ework[cx.A.rowval[p]], v);
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

BC_HD double clip(double v, double lo, double hi) { return dmin(dmax(v, lo), hi); }

// One Ruiz pass followed by the cost scaling.
template <class V>
BC_HD void ruiz_pass(const Context& cx, const State<V>& st, V dwork, V ework) {
  const double lo = cx.settings.equilibrate_min_scaling, hi = cx.settings.equilibrate_max_scaling;
  kkt_column_norms(cx, st, dwork, ework);
  for (int j = 0; j < cx.dims.n; ++j)
    dwork[j] = clip(1.0 / sqrt(dwork[j] == 0.0 ? 1.0 : dwork[j]), lo / st.d[j], hi / st.d[j]);
  for (int i = 0; i < cx.dims.m; ++i)
    ework[i] = clip(1.0 / sqrt(ework[i] == 0.0 ? 1.0 : ework[i]), lo / st.e[i], hi / st.e[i]);
  apply_scaling(cx, st, dwork, ework);

  double mean_p = 0.0;  // mean ∞-norm of the stored columns of triu(P)
  for (int j = 0; j < cx.dims.n; ++j) {
    double cj = 0.0;
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p) cj = dmax(cj, fabs(st.pv[p]));
    mean_p += cj;
  }
  mean_p = cx.dims.n > 0 ? mean_p / cx.dims.n : 0.0;
  const double normq = norm_inf(cx.dims.n, st.q);
  if (mean_p == 0.0 || normq == 0.0) return;
  Scalars& sc = *st.sc;
  const double c = clip(1.0 / dmax(mean_p, normq), lo / sc.cscale, hi / sc.cscale);
  scale(cx.dims.nnz_p, st.pv, c);
  scale(cx.dims.n, st.q, c);
  sc.cscale *= c;
}

// δ_e ← mean(E_cone)/E on every SOC, PSD, exp and pow block and 1 elsewhere, so that E·δ_e is constant per SOC.
template <class V>
BC_HD void rectify_cone_scaling(const Context& cx, const State<V>& st, V ework) {
  const ConeTable& k = cx.cones;
  fill(cx.dims.m, ework, 1.0);
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] != kSocCone && k.kind[c] != kPsdCone && !is_nonsym(k.kind[c])) continue;
    const int o = k.offset[c], d = k.dim[c];
    double mean = 0.0;
    for (int i = 0; i < d; ++i) mean += st.e[o + i];
    mean /= d;
    for (int i = 0; i < d; ++i) ework[o + i] = mean / st.e[o + i];
  }
}

// Copies the problem's input into its block and equilibrates it.
template <class V>
BC_HD void equilibrate(const Context& cx, const State<V>& st, const ProblemInput& in) {
  const Dims& dm = cx.dims;
  copy(dm.nnz_p, in.p_vals, st.pv);
  copy(dm.nnz_a, in.a_vals, st.av);
  copy(dm.n, in.c, st.q);
  copy(dm.m, in.b, st.b);
  fill(dm.n, st.d, 1.0);
  fill(dm.m, st.e, 1.0);
  Scalars& sc = *st.sc;
  sc.normq = norm_inf(dm.n, st.q);
  sc.normb = norm_inf(dm.m, st.b);
  sc.cscale = 1.0;
  if (!cx.settings.equilibrate_enable) return;
  for (int it = 0; it < cx.settings.equilibrate_max_iter; ++it) ruiz_pass(cx, st, st.rhs_x, st.rhs_z);
  fill(dm.n, st.rhs_x, 1.0);
  rectify_cone_scaling(cx, st, st.rhs_z);
  apply_scaling(cx, st, st.rhs_x, st.rhs_z);
}

}  // namespace batchcone::kernels
