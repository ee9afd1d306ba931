// SPDX-License-Identifier: Apache-2.0
// Factor and solve one problem's KKT system with the settings' regularization and refinement.
#pragma once

#include <math.h>

#include "state.hpp"

namespace batchcone::kernels {

// Static ε = constant + proportional·max|diag K|; dynamic pivot replacement as configured.
template <class V, class T = value_t<V>>
BC_HD LdlRegularization<T> kkt_regularization(const Context& cx, const State<V>& st) {
  const Settings& s = cx.settings;
  T maxdiag = 0.0;
  for (int i = 0; i < cx.maps.order; ++i) maxdiag = vmax(maxdiag, vabs(st.kx[cx.maps.diag_to_k[i]]));
  LdlRegularization<T> reg;
  reg.static_eps = s.static_regularization_enable
                       ? s.static_regularization_constant +
                             s.static_regularization_proportional * maxdiag
                       : T(0.0);
  reg.dynamic_eps = s.dynamic_regularization_enable ? s.dynamic_regularization_eps : -INFINITY;
  reg.dynamic_delta = s.dynamic_regularization_delta;
  return reg;
}

// Factors the KKT matrix currently held in st.kx (left unchanged), with the static ε times
// `boost`. Per problem: false on a non-finite pivot.
template <class V>
BC_HD mask_t<value_t<V>> factor_kkt(const Context& cx, const State<V>& st, double boost = 1.0) {
  auto reg = kkt_regularization(cx, st);
  reg.static_eps = reg.static_eps * boost;
  return ldl_factor(cx.plan, st.kx, st.lx, st.piv, st.pinv, st.ywork, reg) >= value_t<V>(0.0);
}

// The factor of K̃ at a solution, for the derivatives. There K̃ is singular where the solution
// is not unique (an LP's free directions) and its −H̃ block holds 0 and kInfiniteScaling: the
// regularized matrix is quasidefinite, yet in rounding a pivot can come out at rounding level,
// be kept (it is above the dynamic threshold), and the entries it divides compound to overflow
// (a rivals LP draw with equilibration off: its gradient used to come back zero). While a
// problem of `wanted` has failed, all are refactored with ε 10³ and then 10⁶ times larger: the
// factor is only the preconditioner of solve_reduced (adjoint.hpp), which refines against the
// unregularized K̃, so where that converges the derivative is the same.
template <class V>
BC_HD mask_t<value_t<V>> factor_kkt_at_solution(const Context& cx, const State<V>& st,
                                                mask_t<value_t<V>> wanted) {
  auto ok = factor_kkt(cx, st);
  for (double boost = 1e3; boost <= 1e6 && vany(vand(wanted, vnot(ok))); boost *= 1e3)
    ok = factor_kkt(cx, st, boost);
  return ok;
}

BC_HD RefinementSettings refinement(const Context& cx) {
  const Settings& s = cx.settings;
  return {s.iterative_refinement_enable ? s.iterative_refinement_max_iter : 0,
          s.iterative_refinement_reltol, s.iterative_refinement_abstol,
          s.iterative_refinement_stop_ratio};
}

// [x; z] ← K⁻¹ [rx; rz] with refinement. Per problem: false if the result is not finite.
template <class V, class R, class S>
BC_HD mask_t<value_t<V>> solve_kkt(const Context& cx, const State<V>& st, R rx, R rz, S x, S z) {
  return kkt_solve(cx.plan, cx.maps, st.kx, st.lx, st.pinv, rx, rz, x, z, st.irwork,
                   refinement(cx));
}

}  // namespace batchcone::kernels
