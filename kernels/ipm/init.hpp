// SPDX-License-Identifier: Apache-2.0
// The initial point for symmetric cones (one problem). With H = I (0 on zero cones) factor
//   K₀ = [P Aᵀ; A −I]
// QP (P ≠ 0): solve K₀[x; z] = [−q; b] and set s = −z.
// LP (P = 0): solve K₀[x; y] = [0; b], s = −y, and K₀[·; z] = [−q; 0].
// Then s and z are shifted into the interior (cones_shift_to_interior) and τ = κ = 1.
// With any exp or pow cone (no NT scaling to start from) the start is Clarabel's unit start
// instead: x = 0, τ = κ = 1 and s = z = each cone's central point at μ = 1.
#pragma once

#include "linsys.hpp"

namespace batchcone::kernels {

BC_HD void reset_scalars(Scalars& sc) {
  sc.tau = sc.kappa = sc.prev_tau = sc.prev_kappa = 1.0;
  sc.dtau = sc.dkappa = 0.0;
  sc.mu = sc.sigma = sc.alpha = sc.alpha_aff = 0.0;
  sc.prev_res_p = sc.prev_res_d = sc.prev_gap_abs = sc.prev_gap_rel = INFINITY;
  sc.res_p = sc.res_d = sc.gap_abs = sc.gap_rel = INFINITY;
  sc.status = Status::Unsolved;
  sc.iterations = 0;
  sc.rollback = 0;
  sc.dual_scaling = 0;
  sc.polished = 0;
}

template <class V>
BC_HD void initialize(const Context& cx, const State<V>& st) {
  const Dims& dm = cx.dims;
  Scalars& sc = *st.sc;
  reset_scalars(sc);
  fill(cx.maps.order, st.ywork, 0.0);  // ldl_factor's scatter vector starts (and stays) zero
  kkt_load_data(cx.maps, dm.nnz_p, st.pv, dm.nnz_a, st.av, st.kx);
  if (cx.cones.nonsym > 0) {
    fill(dm.n, st.x, 0.0);
    cones_unit_initialization(cx.cones, dm.m, st.s, st.z);
    return;
  }
  kkt_write_identity_H(cx.maps, cx.cones, st.kx);
  sc.is_lp = 1;
  for (int i = 0; i < dm.nnz_p; ++i)
    if (st.pv[i] != 0.0) sc.is_lp = 0;
  bool ok = factor_kkt(cx, st);
  if (ok && !sc.is_lp) {
    for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = -st.q[i];
    ok = solve_kkt(cx, st, st.rhs_x, st.b, st.x, st.z);
    for (int i = 0; i < dm.m; ++i) st.s[i] = -st.z[i];
  } else if (ok) {
    fill(dm.n, st.rhs_x, 0.0);
    ok = solve_kkt(cx, st, st.rhs_x, st.b, st.x, st.s);
    for (int i = 0; i < dm.m; ++i) st.s[i] = -st.s[i];
    for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = -st.q[i];
    fill(dm.m, st.rhs_z, 0.0);
    ok = ok && solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.z);
  }
  if (!ok) {
    fill(dm.n, st.x, 0.0);
    fill(dm.m, st.z, 0.0);
    fill(dm.m, st.s, 0.0);
    sc.status = Status::NumericalError;
  }
  cones_shift_to_interior(cx.cones, st.s, true, st.w);
  cones_shift_to_interior(cx.cones, st.z, false, st.w);
}

}  // namespace batchcone::kernels
