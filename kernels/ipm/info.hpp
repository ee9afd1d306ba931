// SPDX-License-Identifier: Apache-2.0
// Residuals, progress measures and termination rules of the homogeneous embedding (one problem).
//
//   r_x = −(P̃x + Ãᵀz + q̃τ),   r_z = Ãx + s − b̃τ,   r_τ = q̃ᵀx + b̃ᵀz + κ + xᵀP̃x/τ,
//   μ = (sᵀz + τκ)/(ν + 1).
// Costs, gaps and relative residuals undo the equilibration (D, E, c), Clarabel's conventions:
//   cost_p = (qᵀx/τ + xᵀPx/(2τ²))/c,  cost_d = (−bᵀz/τ − xᵀPx/(2τ²))/c,
//   res_p = ‖E⁻¹r_z‖/τ / max(1, ‖b‖ + (‖Dx‖ + ‖E⁻¹s‖)/τ),
//   res_d = ‖D⁻¹r_x‖/(cτ) / max(1, ‖q‖ + (‖Dx‖ + ‖Ez‖/c)/τ),
// and the numerators alone, res_p_abs = ‖E⁻¹r_z‖/τ = ‖Ax + s − b‖ and res_d_abs = ‖D⁻¹r_x‖/(cτ)
// = ‖Px + Aᵀz + q‖ at the user's (x, z, s): whose normalizations, unlike res_p's and res_d's,
// do not grow with the point itself.
#pragma once

#include "../sparse.hpp"
#include "../vec.hpp"
#include "state.hpp"

namespace batchcone::kernels {

// Written for any element type T (kernels/vec.hpp): the CPU computes the residuals of a block
// of problems at once.
template <class V>
BC_HD void update_residuals(const Context& cx, const State<V>& st) {
  using T = value_t<V>;
  const Dims& dm = cx.dims;
  const T tau = sc_get(st.sc, &Scalars::tau, T()), kappa = sc_get(st.sc, &Scalars::kappa, T());
  fill(dm.n, st.Px, 0.0);
  csc_symv_upper(cx.P, st.pv, 1.0, st.x, st.Px);
  fill(dm.n, st.Atz, 0.0);
  csc_gemv_t(cx.A, st.av, 1.0, st.z, st.Atz);
  copy(dm.m, st.s, st.Axs);
  csc_gemv(cx.A, st.av, 1.0, st.x, st.Axs);
  for (int i = 0; i < dm.n; ++i) st.rx[i] = -st.Px[i] - st.Atz[i] - st.q[i] * tau;
  for (int i = 0; i < dm.m; ++i) st.rz[i] = st.Axs[i] - st.b[i] * tau;
  const T dot_qx = dot(dm.n, st.q, st.x), dot_bz = dot(dm.m, st.b, st.z);
  const T dot_sz = dot(dm.m, st.s, st.z), dot_xPx = dot(dm.n, st.x, st.Px);
  sc_set(st.sc, &Scalars::dot_qx, dot_qx);
  sc_set(st.sc, &Scalars::dot_bz, dot_bz);
  sc_set(st.sc, &Scalars::dot_sz, dot_sz);
  sc_set(st.sc, &Scalars::dot_xPx, dot_xPx);
  sc_set(st.sc, &Scalars::r_tau, dot_qx + dot_bz + kappa + dot_xPx / tau);
  sc_set(st.sc, &Scalars::mu, (dot_sz + tau * kappa) / T(cx.cones.degree + 1));
}

// ‖a ./ scale‖₂
template <class U, class V>
BC_HD double norm_unscaled(int n, U a, V scale) {
  double acc = 0.0;
  for (int i = 0; i < n; ++i) {
    const double t = a[i] / scale[i];
    acc += t * t;
  }
  return sqrt(acc);
}

template <class V>
BC_HD void update_info(const Context& cx, const State<V>& st) {
  const Dims& dm = cx.dims;
  Scalars& sc = *st.sc;
  sc.prev_res_p = sc.res_p, sc.prev_res_d = sc.res_d;
  sc.prev_gap_abs = sc.gap_abs, sc.prev_gap_rel = sc.gap_rel;
  const double tinv = 1.0 / sc.tau, c = sc.cscale;
  const double xPx_half = 0.5 * sc.dot_xPx * tinv * tinv;
  sc.cost_p = (sc.dot_qx * tinv + xPx_half) / c;
  sc.cost_d = (-sc.dot_bz * tinv - xPx_half) / c;
  const double normx = norm_scaled(dm.n, st.x, st.d);
  const double normz = norm_scaled(dm.m, st.z, st.e) / c;
  const double norms = norm_unscaled(dm.m, st.s, st.e);
  sc.res_p_abs = norm_unscaled(dm.m, st.rz, st.e) * tinv;
  sc.res_d_abs = norm_unscaled(dm.n, st.rx, st.d) * tinv / c;
  sc.res_p = sc.res_p_abs / dmax(1.0, sc.normb + (normx + norms) * tinv);
  sc.res_d = sc.res_d_abs / dmax(1.0, sc.normq + (normx + normz) * tinv);
  sc.gap_abs = fabs(sc.cost_p - sc.cost_d);
  sc.gap_rel = sc.gap_abs / dmax(1.0, dmin(fabs(sc.cost_p), fabs(sc.cost_d)));
  sc.ktratio = sc.kappa / sc.tau;
  sc.res_p_inf = norm_unscaled(dm.n, st.Atz, st.d) / dmax(1.0, normz);
  sc.res_d_inf = dmax(norm_unscaled(dm.n, st.Px, st.d) / dmax(1.0, normx),
                      norm_unscaled(dm.m, st.Axs, st.e) / dmax(1.0, normx + norms));
}

// The duality gap as the termination test reads it: absolute or relative, whichever is smaller.
BC_HD double gap_measure(const Scalars& sc) { return dmin(sc.gap_abs, sc.gap_rel); }

struct Tolerances {
  double gap_abs, gap_rel, feas, infeas_abs, infeas_rel, ktratio;
};

BC_HD Tolerances full_tolerances(const Settings& s) {
  return {s.tol_gap_abs, s.tol_gap_rel, s.tol_feas, s.tol_infeas_abs, s.tol_infeas_rel,
          s.tol_ktratio};
}

BC_HD Tolerances reduced_tolerances(const Settings& s) {
  return {s.reduced_tol_gap_abs, s.reduced_tol_gap_rel, s.reduced_tol_feas,
          s.reduced_tol_infeas_abs, s.reduced_tol_infeas_rel, s.reduced_tol_ktratio};
}

// The tolerances of the interior point's second run (finalize.hpp resume_tightened): the gap
// and feasibility tolerances times this, 1e-12 at the defaults.
constexpr double kTightenFactor = 1e-4;

BC_HD Tolerances tightened_tolerances(const Settings& s) {
  Tolerances t = full_tolerances(s);
  t.gap_abs *= kTightenFactor, t.gap_rel *= kTightenFactor, t.feas *= kTightenFactor;
  return t;
}

// Optimality or an infeasibility certificate at tolerances t: returns the status reached
// (solved/pinf/dinf, full or "Almost" forms chosen by the caller) or Unsolved.
BC_HD Status convergence_status(const Scalars& sc, const Tolerances& t, bool almost) {
  const bool gap_ok = sc.gap_abs < t.gap_abs || sc.gap_rel < t.gap_rel;
  if (sc.ktratio <= 1.0 && gap_ok && sc.res_p < t.feas && sc.res_d < t.feas)
    return almost ? Status::AlmostSolved : Status::Solved;
  if (sc.ktratio > 1000.0 / t.ktratio) {
    if (sc.dot_bz < -t.infeas_abs && sc.res_p_inf < -t.infeas_rel * sc.dot_bz)
      return almost ? Status::AlmostPrimalInfeasible : Status::PrimalInfeasible;
    if (sc.dot_qx < -t.infeas_abs && sc.res_d_inf < -t.infeas_rel * sc.dot_qx)
      return almost ? Status::AlmostDualInfeasible : Status::DualInfeasible;
  }
  return Status::Unsolved;
}

// Residuals that grow instead of shrinking: stop (the caller rolls back one step). Going
// backwards counts once a residual grows 100-fold to above 100·tol_feas (Clarabel's rule).
BC_HD bool insufficient_progress(const Scalars& sc, const Settings& s) {
  if (sc.iterations <= 1 || !(sc.res_d > sc.prev_res_d || sc.res_p > sc.prev_res_p)) return false;
  const double eps = 2.220446049250313e-16;
  if (sc.ktratio < 100 * eps && (sc.prev_gap_abs < s.tol_gap_abs || sc.prev_gap_rel < s.tol_gap_rel))
    return true;
  return sc.ktratio < 1.0 &&
         ((sc.res_d > 100 * s.tol_feas && sc.res_d > 100 * sc.prev_res_d) ||
          (sc.res_p > 100 * s.tol_feas && sc.res_p > 100 * sc.prev_res_p));
}

// Restores the previous iterate and its residuals and info.
template <class V>
BC_HD void rollback(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  copy(cx.dims.n, st.px, st.x);
  copy(cx.dims.m, st.pz, st.z);
  copy(cx.dims.m, st.ps, st.s);
  sc.tau = sc.prev_tau, sc.kappa = sc.prev_kappa;
  update_residuals(cx, st);
  update_info(cx, st);
}

// With exp/pow cones under primal–dual scaling a failure can be retried with dual scaling.
BC_HD bool can_switch_to_dual_scaling(const Context& cx, const Scalars& sc) {
  return cx.cones.nonsym > 0 && !sc.dual_scaling;
}

// The second run's length limit: as many iterations as the first run took, plus this many.
// (QSHARE1B: 31 iterations to the default tolerances, 31 more to the tightened ones.)
constexpr int kTightenExtraIterations = 10;

// The second run's starting point ← the current one (keep), or back, with its residuals and
// info. It is the interior-point point polishing declined, τ and κ those of polish_begin.
template <class V>
BC_HD void tighten_start(const Context& cx, const State<V>& st, bool keep) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  if (keep) {
    copy(dm.n, st.x, st.bx), copy(dm.m, st.z, st.bz), copy(dm.m, st.s, st.bs);
    return;
  }
  copy(dm.n, st.bx, st.x), copy(dm.m, st.bz, st.z), copy(dm.m, st.bs, st.s);
  sc.tau = sc.ipm_tau, sc.kappa = sc.ipm_kappa;
  update_residuals(cx, st);
  update_info(cx, st);
}

// Each of the primal residual, the dual residual and the gap, in the user's (unequilibrated)
// data, is at most the reference point's (the interior-point point polish_begin stored), or
// negligible (relative, at most 1e-12). Polishing and the second run keep a point only if it
// passes: Clarabel's relative measures divide by the point's own norms, so a point that
// inflates z can pass tighter tolerances while ‖Px + Aᵀz + q‖ grows.
BC_HD bool no_worse_than_reference(const Scalars& sc) {
  const double negligible = 1e-12;
  return (sc.res_p_abs <= sc.polish_ref_p || sc.res_p <= negligible) &&
         (sc.res_d_abs <= sc.polish_ref_d || sc.res_d <= negligible) &&
         (sc.gap_abs <= sc.polish_ref_gap || gap_measure(sc) <= negligible);
}

// The termination test of the second run (finalize.hpp resume_tightened), which starts at a
// point that meets the full tolerances. It ends Solved, always: at the tightened tolerances
// with the current point if that is no worse than the start in the user's data, else with the
// starting point; with the starting point too where a step leaves the full tolerances (QISRAEL's
// iterates wander once μ is at rounding level), at the length limit or at max_iter.
template <class V>
BC_HD void check_tightened(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  const Settings& s = cx.settings;
  const bool done = convergence_status(sc, tightened_tolerances(s), false) == Status::Solved;
  if (done && no_worse_than_reference(sc)) {
    sc.status = Status::Solved;
  } else if (done || convergence_status(sc, full_tolerances(s), false) != Status::Solved ||
             sc.iterations >= 2 * sc.tighten_from + kTightenExtraIterations ||
             sc.iterations >= s.max_iter) {
    tighten_start(cx, st, false);
    sc.status = Status::Solved;
  }
}

// Info and the termination test at the current iterate, after update_residuals; sets sc.status
// when done. Insufficient progress under primal–dual scaling restores the previous iterate and
// goes on with dual scaling instead of stopping (Clarabel's strategy checkpoint).
template <class V>
BC_HD void check_termination_after_residuals(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  update_info(cx, st);
  if (sc.tighten == 1) return check_tightened(cx, st);
  sc.status = convergence_status(sc, full_tolerances(cx.settings), false);
  if (sc.status == Status::Unsolved && insufficient_progress(sc, cx.settings)) {
    if (can_switch_to_dual_scaling(cx, sc)) {
      sc.dual_scaling = 1;
      rollback(cx, st);
      sc.status = convergence_status(sc, full_tolerances(cx.settings), false);
    } else {
      sc.status = Status::InsufficientProgress;
      sc.rollback = 1;
    }
  }
  if (sc.status == Status::Unsolved && sc.iterations >= cx.settings.max_iter)
    sc.status = Status::MaxIterations;
}

// Residuals, info and the termination test at the current iterate.
template <class V>
BC_HD void check_termination(const Context& cx, const State<V>& st) {
  update_residuals(cx, st);
  check_termination_after_residuals(cx, st);
}

}  // namespace batchcone::kernels
