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
  sc.centering = 0;
  sc.polished = 0;
  sc.tighten = sc.finished = 0;
}

// The initialization is three per-problem phases around the KKT operations, so that a CPU block
// runs each of them for all of its problems at once; initialize() runs them in sequence. Before
// them, kkt_load_data and a zero ywork (ldl_factor's scatter vector starts and stays zero).

// Scalars, K at H = I and the first right-hand side; false for the unit start (exp/pow cones),
// which needs no solve.
template <class V>
BC_HD bool initialize_begin(const Context& cx, const State<V>& st) {
  const Dims& dm = cx.dims;
  Scalars& sc = *st.sc;
  reset_scalars(sc);
  if (cx.cones.nonsym > 0) {
    fill(dm.n, st.x, 0.0);
    cones_unit_initialization(cx.cones, dm.m, st.s, st.z);
    return false;
  }
  kkt_write_identity_H(cx.maps, cx.cones, st.kx);
  sc.is_lp = 1;
  for (int i = 0; i < dm.nnz_p; ++i)
    if (st.pv[i] != 0.0) sc.is_lp = 0;
  for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = sc.is_lp ? 0.0 : -st.q[i];
  return true;
}

// After the factorization and K₀[x; z] = [rhs_x; b]: s = −z. LPs then need K₀[·; z] = [−q; 0]
// (returns true, right-hand side in rhs_x, rhs_z).
template <class V>
BC_HD bool initialize_middle(const Context& cx, const State<V>& st) {
  const Dims& dm = cx.dims;
  for (int i = 0; i < dm.m; ++i) st.s[i] = -st.z[i];
  if (!st.sc->is_lp) return false;
  for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = -st.q[i];
  fill(dm.m, st.rhs_z, 0.0);
  return true;
}

// After the solves (`ok`: the factorization and every solve succeeded): s and z shifted into
// the interior, or NumericalError.
template <class V>
BC_HD void initialize_end(const Context& cx, const State<V>& st, bool ok) {
  const Dims& dm = cx.dims;
  if (ok && st.sc->is_lp) copy(dm.m, st.dz, st.z);
  if (!ok) {
    fill(dm.n, st.x, 0.0);
    fill(dm.m, st.z, 0.0);
    fill(dm.m, st.s, 0.0);
    st.sc->status = Status::NumericalError;
  }
  cones_shift_to_interior(cx.cones, st.s, true, st.w);
  cones_shift_to_interior(cx.cones, st.z, false, st.w);
}

// K₀ with the equilibrated data (every H slot zero) and ldl_factor's zero scatter vector.
template <class V>
BC_HD void initialize_kkt(const Context& cx, const State<V>& st) {
  fill(cx.maps.order, st.ywork, 0.0);
  kkt_load_data(cx.maps, cx.dims.nnz_p, st.pv, cx.dims.nnz_a, st.av, st.kx);
}

// The first solve of the initialization: factor K₀, K₀[x; z] = [rhs_x; b].
template <class V>
BC_HD mask_t<value_t<V>> initial_solve(const Context& cx, const State<V>& st) {
  const auto factored = factor_kkt(cx, st);
  return vand(factored, solve_kkt(cx, st, st.rhs_x, st.b, st.x, st.z));
}

// The LPs' second solve: K₀[dx; dz] = [−q; 0] (initialize_end takes z = dz).
template <class V>
BC_HD mask_t<value_t<V>> initial_lp_solve(const Context& cx, const State<V>& st) {
  return solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.dz);
}

template <class V>
BC_HD void initialize(const Context& cx, const State<V>& st) {
  initialize_kkt(cx, st);
  if (!initialize_begin(cx, st)) return;
  bool ok = initial_solve(cx, st);
  if (initialize_middle(cx, st)) ok = ok && initial_lp_solve(cx, st);
  initialize_end(cx, st, ok);
}

}  // namespace batchcone::kernels
