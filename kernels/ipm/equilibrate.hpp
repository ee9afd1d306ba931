// SPDX-License-Identifier: Apache-2.0
// Modified Ruiz equilibration of the KKT data [P Aᵀ; A 0] (one problem).
//
// Each pass takes ∞-norms of the columns of [P; A] (δ_d) and of the rows of A (δ_e), maps
// norms below min_scaling to 1 and caps them at max_scaling, sets δ ← 1/√δ (clipped so the
// cumulative scalings stay in [min_scaling, max_scaling]), makes δ_e constant on each SOC so E
// maps the cone onto itself, and applies P ← δ_d P δ_d, A ← δ_e A δ_d, q ← δ_d q, b ← δ_e b.
// Finally the cost is scaled by c = 1/max(mean column norm of P, ‖q‖∞) (limited likewise).
// The solver then works on (P̃, q̃, Ã, b̃) = (cDPD, cDq, EAD, Eb).
#pragma once

#include "../vec.hpp"
#include "state.hpp"

namespace batchcone::kernels {

BC_HD double limit_scaling(double v, double lo, double hi) { return v < lo ? 1.0 : dmin(v, hi); }

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

// Replaces δ_e on every SOC by its mean over the cone.
template <class V>
BC_HD void rectify_cone_scaling(const ConeTable& k, V ework) {
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] != kSocCone) continue;
    const int o = k.offset[c], d = k.dim[c];
    double mean = 0.0;
    for (int i = 0; i < d; ++i) mean += ework[o + i];
    mean /= d;
    for (int i = 0; i < d; ++i) ework[o + i] = mean;
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

template <class V>
BC_HD void ruiz_pass(const Context& cx, const State<V>& st, V dwork, V ework) {
  const Settings& set = cx.settings;
  const double lo = set.equilibrate_min_scaling, hi = set.equilibrate_max_scaling;
  kkt_column_norms(cx, st, dwork, ework);
  for (int j = 0; j < cx.dims.n; ++j) {
    const double t = 1.0 / sqrt(limit_scaling(dwork[j], lo, hi));
    dwork[j] = dmin(dmax(t, lo / st.d[j]), hi / st.d[j]);
  }
  for (int i = 0; i < cx.dims.m; ++i) {
    const double t = 1.0 / sqrt(limit_scaling(ework[i], lo, hi));
    ework[i] = dmin(dmax(t, lo / st.e[i]), hi / st.e[i]);
  }
  rectify_cone_scaling(cx.cones, ework);
  apply_scaling(cx, st, dwork, ework);
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

  // Cost scaling: the mean column ∞-norm of the scaled P against ‖q̃‖∞.
  p_column_norms(cx, st, st.rhs_x);
  double mean_p = 0.0;
  for (int j = 0; j < dm.n; ++j) mean_p += st.rhs_x[j];
  mean_p = dm.n > 0 ? mean_p / dm.n : 0.0;
  const double ctmp = limit_scaling(dmax(mean_p, norm_inf(dm.n, st.q)),
                                    cx.settings.equilibrate_min_scaling,
                                    cx.settings.equilibrate_max_scaling);
  sc.cscale = 1.0 / ctmp;
  scale(dm.nnz_p, st.pv, sc.cscale);
  scale(dm.n, st.q, sc.cscale);
}

}  // namespace batchcone::kernels
