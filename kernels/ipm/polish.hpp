// SPDX-License-Identifier: Apache-2.0
// Solution polishing after the interior-point method (one problem).
//
// An interior-point solve stops at a small but nonzero μ, where the iterate is accurate to the
// tolerances in its residuals but, at complementary boundary pairs (SOC, PSD, exp, pow), only to
// ~√μ in the solution itself. Polishing takes Newton steps on the optimality conditions written
// with the Minty split (cone_table.hpp), in which complementarity holds exactly:
//   z = Π_{K*}(v),  s = Π_K(−v),   F(x, v) = [P x + Aᵀz + q ; A x + s − b] = 0.
// With D = DΠ_{K*}(v) a step (Δx, Δv) moves the pair by Δz = DΔv, Δs = (D − I)Δv = −HΔz, so the
// Newton system is one solve with the KKT matrix of the interior-point iterations at the
// split's limit scaling H = D⁺(I − D):
//   [P  Aᵀ; A  −H] [Δx; Δz] = [−F₁; −F₂],   Δs = −F₂ − AΔx,   Δv = Δz − Δs.
// At a strictly complementary solution the split is smooth around v and the iteration converges
// quadratically from the interior-point solution (as in Busseti, Moursi & Boyd's refinement of
// conic solutions, here with the quadratic objective and a direct factorization instead of
// LSQR). It runs in the equilibrated coordinates at τ = 1 and steps while Clarabel's residual
// measures (polish_merit) keep falling. A point replaces the interior-point solution only when
// it is better by that merit and no worse in what the user gets (info.hpp
// no_worse_than_reference): Clarabel's relative residuals divide by the point's own norms, so a
// Newton step that inflates z can lower the merit while ‖Px + Aᵀz + q‖ in the user's data grows
// by orders of magnitude.
#pragma once

#include "info.hpp"
#include "linsys.hpp"

namespace batchcone::kernels {

// Polishing stops once polish_merit is this small: far below the tolerances, and enough for
// solutions exact to ~1e-12 relative. One Newton step from an interior-point solution (~1e-8)
// usually lands below it; a further step costs another factorization (1e-14 instead costs a
// second step on many problems: +12% instructions on a dense n = m = 100 QP against +7%).
constexpr double kPolishTarget = 1e-12;

// How much higher than the last point's the merit may be after a step that moved a pair to the
// other side, for polishing to go on (polish_next): the rise of such a step is ~10x on NNLS and
// dense QPs; where the split's active set is far off (QSHARE1B) it is 1e4x and more.
constexpr double kPolishFlipGrowth = 1e2;

// The accuracy of the current point in Clarabel's terms: the worse of the relative residuals and
// the duality gap.
BC_HD double polish_merit(const Scalars& sc) {
  return dmax(dmax(sc.res_p, sc.res_d), gap_measure(sc));
}


// Whether the step v ← v + Δz − Δs moves a nonnegative-cone entry of v across 0, i.e. changes
// which of z and s is zero there (the active set of a QP's inequalities).
template <class V, class U>
BC_HD bool nonneg_sides_change(const ConeTable& k, V v, U dz, U ds) {
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] != kNonNegCone) continue;
    for (int i = k.offset[c]; i < k.offset[c] + k.dim[c]; ++i)
      if ((v[i] > 0.0) != (v[i] + dz[i] - ds[i] > 0.0)) return true;
  }
  return false;
}

// Residuals and info at the current (x, z, s) with τ = 1, κ = 0; returns polish_merit.
template <class V>
BC_HD double polish_evaluate(const Context& cx, const State<V>& st) {
  update_residuals(cx, st);
  update_info(cx, st);
  return polish_merit(*st.sc);
}

// (px, pz, ps) ← (x, z, s) (keep = true) or back.
template <class V>
BC_HD void polish_keep(const Context& cx, const State<V>& st, bool keep) {
  if (keep)
    copy(cx.dims.n, st.x, st.px), copy(cx.dims.m, st.z, st.pz), copy(cx.dims.m, st.s, st.ps);
  else
    copy(cx.dims.n, st.px, st.x), copy(cx.dims.m, st.pz, st.z), copy(cx.dims.m, st.ps, st.s);
}

// Polishing is per-problem phases around the KKT operations (a factorization and a solve per
// Newton step), so that a CPU block runs them for all of its problems at once; finalize()
// (finalize.hpp) runs them in sequence for one problem:
//   polish_begin       checks, normalization, first evaluation   → factor, solve [Δx; Δz]
//   polish_after_step  the step, the next evaluation             → factor, solve ... (repeat)
//   polish_end         the best point kept.
// Each phase that returns true has written −H into K and the right-hand side [r_x; −r_z].

// The split at the current v, its evaluation, and whether to take a Newton step from it.
template <class V>
BC_HD bool polish_next(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  if (!cones_split_pair(cx.cones, st.minty, st.z, st.s, st.w, st.eta)) return false;
  const double merit = polish_evaluate(cx, st);
  // Newton has stopped converging, unless the last step changed the active set: a pair the
  // interior point left on the wrong side (s and z both small, the smaller one still falling)
  // is put right by the next step, through a point whose merit is higher by about the pair's
  // size (semismooth Newton on the split, i.e. a primal-dual active-set step). A larger rise
  // means a wrong active set, not one pair (Newton from there diverges).
  const bool flipped = sc.polish_moved && merit <= kPolishFlipGrowth * sc.polish_last;
  if (!(merit < sc.polish_last) && !flipped) return false;
  sc.polish_last = merit;
  if (merit < sc.polish_best && no_worse_than_reference(sc))
    sc.polish_best = merit, sc.polished = 1, polish_keep(cx, st, true);
  if (sc.polish_it == cx.settings.polish_max_iter || merit <= kPolishTarget) return false;
  kkt_write_H(cx.maps, cx.cones, st.w, st.eta, st.kx);
  for (int i = 0; i < cx.dims.m; ++i) st.rhs_z[i] = -st.rz[i];
  return true;
}

// Starts polishing a Solved or AlmostSolved problem (the iterate, in equilibrated coordinates,
// normalized to τ = 1); returns whether a Newton step follows.
template <class V>
BC_HD bool polish_begin(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  sc.polish_it = -1;  // not polishing
  if (!cx.settings.polish_enable ||
      !(sc.status == Status::Solved || sc.status == Status::AlmostSolved))
    return false;
  // The termination test (or finalize's rollback) left the info at this very point, and it does
  // not change with the normalization: residuals and costs are homogeneous in (x, z, s, τ).
  sc.polish_best = polish_merit(sc), sc.polish_last = INFINITY, sc.polish_it = 0;
  sc.polish_ref_p = sc.res_p_abs, sc.polish_ref_d = sc.res_d_abs, sc.polish_ref_gap = sc.gap_abs;
  sc.ipm_tau = sc.tau, sc.ipm_kappa = sc.kappa;
  const double tinv = 1.0 / sc.tau;
  scale(dm.n, st.x, tinv), scale(dm.m, st.z, tinv), scale(dm.m, st.s, tinv);
  sc.tau = 1.0, sc.kappa = 0.0;
  sc.polished = 0, sc.polish_moved = 0;
  polish_keep(cx, st, true);  // the interior-point solution: kept unless beaten
  for (int i = 0; i < dm.m; ++i) st.minty[i] = st.z[i] - st.s[i];
  return polish_next(cx, st);
}

// The Newton step solve: factor K at the split's scaling, [Δx; Δz] = K⁻¹[r_x; −r_z].
template <class V>
BC_HD mask_t<value_t<V>> polish_solve(const Context& cx, const State<V>& st) {
  const auto factored = factor_kkt(cx, st);
  return vand(factored, solve_kkt(cx, st, st.rx, st.rhs_z, st.dx, st.dz));
}

// After the Newton step's solve (`solved`: it succeeded): x ← x + Δx, v ← v + Δz − Δs with
// Δs = −F₂ − AΔx; then polish_next. False when polishing stops.
template <class V>
BC_HD bool polish_after_step(const Context& cx, const State<V>& st, bool solved) {
  const Dims& dm = cx.dims;
  if (!solved) return false;
  copy(dm.m, st.rhs_z, st.ds);
  csc_gemv(cx.A, st.av, -1.0, st.dx, st.ds);
  axpy(dm.n, 1.0, st.dx, st.x);
  st.sc->polish_moved = nonneg_sides_change(cx.cones, st.minty, st.dz, st.ds);
  for (int i = 0; i < dm.m; ++i) st.minty[i] += st.dz[i] - st.ds[i];
  if (!all_finite(dm.n, st.x) || !all_finite(dm.m, st.minty)) return false;
  ++st.sc->polish_it;
  return polish_next(cx, st);
}

// Restores the best point, leaving residuals and info at it. An AlmostSolved problem whose
// polished point meets the full tolerances becomes Solved.
template <class V>
BC_HD void polish_end(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  if (sc.polish_it < 0) return;
  polish_keep(cx, st, false);
  polish_evaluate(cx, st);
  if (sc.status == Status::AlmostSolved &&
      convergence_status(sc, full_tolerances(cx.settings), false) == Status::Solved)
    sc.status = Status::Solved;
}

}  // namespace batchcone::kernels
