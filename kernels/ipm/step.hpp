// SPDX-License-Identifier: Apache-2.0
// One predictor–corrector iteration of one problem.
//
// Newton system of the homogeneous embedding, with H = WᵀW and offset o = Wᵀ(λ \ d_s) on
// symmetric cones, and H the exp/pow scaling (cones/nonsym3.hpp) with o = d_s on the others:
//   P Δx + AᵀΔz + qΔτ = d_x,   AΔx + Δs − bΔτ = −d_z,   HΔz + Δs = −o,
//   (q + 2Pξ)ᵀΔx + bᵀΔz − ξᵀPξ Δτ + Δκ = −d_τ,   κΔτ + τΔκ = −d_κ,   ξ = x/τ.
// Eliminating Δs, Δκ and Δτ leaves two solves with K = [P Aᵀ; A −H]:
//   K[x₂; z₂] = [−q; b] (once per factorization),   K[x₁; z₁] = [d_x; o − d_z],
//   Δτ = (d_τ − d_κ/τ + (q + 2Pξ)ᵀx₁ + bᵀz₁) / (κ/τ − (q + 2Pξ)ᵀx₂ − bᵀz₂ + ξᵀPξ),
//   Δx = x₁ + Δτx₂,  Δz = z₁ + Δτz₂,  Δs = −Wᵀ(λ \ d_s + WΔz) (exp/pow: −(d_s + HΔz)),
//   Δκ = −(d_κ + κΔτ)/τ.
// Predictor: d = (r_x, r_z, r_τ, τκ), d_s = λ∘λ (exp/pow: s). Corrector with σ = (1 − α_aff)³:
//   d = (1−σ)(r_x, r_z, r_τ),  d_κ = τκ + m·Δτ_aΔκ_a − σμ,
//   d_s = λ∘λ + m·(W⁻ᵀΔs_a)∘(WΔz_a) − σμe   (exp/pow: s + σμ∇f*(z) − η, see nonsym3.hpp),
//   m = α_aff on the first iteration, else 1.
// Exp/pow cones (Clarabel's strategy): steps are limited by backtracking on cone membership,
// under dual scaling also on the central-path neighbourhood Φ(α) < 1 (barrier_step_length); a
// failed factorization or solve, or a combined step shorter than min_switch_step_length, under
// primal–dual scaling switches the problem to dual scaling and retries the iteration.
#pragma once

#include "info.hpp"
#include "linsys.hpp"

namespace batchcone::kernels {

enum class StepOutcome { Taken, ScalingFailed, SolveFailed, TooShort };

// An iteration is four per-problem phases around four KKT operations (one factorization and
// three solves), so that a CPU block of problems can run each KKT operation for all of its
// problems at once (src/backend/cpu/lane_backend.cpp); iterate() below runs them in sequence:
//   begin_iteration   scaling, −H into K, rhs −q            → factor K, solve [x₂; z₂]
//   predictor_rhs     d_s = λ∘λ and the predictor's rhs     → solve [dx; dz]
//   to_corrector      predictor step, σ, corrector's rhs    → solve [dx; dz]
//   finish_iteration  corrector step, step length, update.

// Refreshes the scaling, writes −H into K and the right-hand side −q of the (x₂, z₂) solve.
template <class V>
BC_HD StepOutcome begin_iteration(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  if (!cones_update_scaling(cx.cones, st.s, st.z, st.w, st.eta, st.lambda, sc.mu, sc.dual_scaling))
    return StepOutcome::ScalingFailed;
  kkt_write_H(cx.maps, cx.cones, st.w, st.eta, st.kx);
  for (int i = 0; i < cx.dims.n; ++i) st.rhs_x[i] = -st.q[i];
  return StepOutcome::Taken;
}

// The right-hand side of a step solve, given d_s (in st.dsv), d_τ, d_κ and the factor (1 or
// 1−σ) applied to r_x and r_z; d_τ and d_κ are kept for step_from_solve.
template <class V>
BC_HD void step_rhs(const Context& cx, const State<V>& st, double d_tau, double d_kappa,
                    double rfactor) {
  const Dims& dm = cx.dims;
  st.sc->d_tau = d_tau, st.sc->d_kappa = d_kappa;
  cones_jordan_div(cx.cones, st.lambda, st.dsv, st.work2);            // λ \ d_s
  cones_mul_W(cx.cones, st.w, st.eta, st.work2, st.work1, kApplyWt);  // o = Wᵀ(λ \ d_s)
  nonsym_copy_rows(cx.cones, st.dsv, st.work2);                       // exp/pow: o = d_s
  nonsym_copy_rows(cx.cones, st.dsv, st.work1);
  for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = rfactor * st.rx[i];
  for (int i = 0; i < dm.m; ++i) st.rhs_z[i] = st.work1[i] - rfactor * st.rz[i];
}

// The step (dx, dz, ds, dtau, dkappa) from the solution [dx; dz] of the step solve.
// False if the step is not finite.
template <class V>
BC_HD bool step_from_solve(const Context& cx, const State<V>& st) {
  const Dims& dm = cx.dims;
  Scalars& sc = *st.sc;
  const double tinv = 1.0 / sc.tau;
  double num = sc.d_tau - sc.d_kappa * tinv + dot(dm.m, st.b, st.dz);
  double den = sc.kappa * tinv - dot(dm.m, st.b, st.z2) + sc.dot_xPx * tinv * tinv;
  for (int i = 0; i < dm.n; ++i) {
    const double g = st.q[i] + 2.0 * st.Px[i] * tinv;  // q + 2Pξ
    num += g * st.dx[i];
    den -= g * st.x2[i];
  }
  sc.dtau = num / den;
  axpy(dm.n, sc.dtau, st.x2, st.dx);
  axpy(dm.m, sc.dtau, st.z2, st.dz);
  cones_mul_W(cx.cones, st.w, st.eta, st.dz, st.work1, kApplyW);  // WΔz
  axpy(dm.m, 1.0, st.work2, st.work1);                          // λ \ d_s + WΔz
  cones_mul_W(cx.cones, st.w, st.eta, st.work1, st.ds, kApplyWt);
  scale(dm.m, st.ds, -1.0);
  nonsym_ds_from_dz(cx.cones, st.w, st.work2, st.dz, st.ds);
  sc.dkappa = -(sc.d_kappa + sc.kappa * sc.dtau) * tinv;
  return isfinite(sc.dtau) && isfinite(sc.dkappa) && all_finite(dm.n, st.dx) &&
         all_finite(dm.m, st.dz) && all_finite(dm.m, st.ds);
}

// The largest α ≤ 1 keeping τ, κ ≥ 0, z ∈ K*, s ∈ K along the current step: exact on the
// symmetric cones, then (capped at 1 − √ε so that logarithms stay finite) by backtracking on the
// nonsymmetric ones.
template <class V>
BC_HD double step_length(const Context& cx, const State<V>& st) {
  const Scalars& sc = *st.sc;
  double alpha = 1.0;
  if (sc.dtau < 0.0) alpha = dmin(alpha, -sc.tau / sc.dtau);
  if (sc.dkappa < 0.0) alpha = dmin(alpha, -sc.kappa / sc.dkappa);
  alpha = cones_step_length(cx.cones, st.z, st.dz, alpha, st.w);
  alpha = cones_step_length(cx.cones, st.s, st.ds, alpha, st.w);
  if (cx.cones.nonsym == 0) return alpha;
  const double amin = cx.settings.min_terminate_step_length, beta = cx.settings.linesearch_backtrack_step;
  alpha = dmin(alpha, 1.0 - sqrt(kEps));
  alpha = nonsym_step_length(cx.cones, st.z, st.dz, alpha, true, amin, beta);
  return nonsym_step_length(cx.cones, st.s, st.ds, alpha, false, amin, beta);
}

// Backtracks α (at most 50 times by linesearch_backtrack_step) until the central-path
// neighbourhood function
//   Φ(α) = (ν+1)·log μ(α) − log τ(α) − log κ(α) + Σ barriers(s(α), z(α)) < 1,
//   μ(α) = (⟨s(α), z(α)⟩ + τ(α)κ(α))/(ν+1).
// Used with dual scaling, which is only exact near the central path.
template <class V>
BC_HD double barrier_step_length(const Context& cx, const State<V>& st, double alpha) {
  const Scalars& sc = *st.sc;
  const int m = cx.dims.m;
  const double coef = cx.cones.degree + 1.0;
  const double sz = dot(m, st.s, st.z), sdz = dot(m, st.s, st.dz) + dot(m, st.ds, st.z);
  const double dsdz = dot(m, st.ds, st.dz);
  for (int it = 0; it < 50; ++it) {
    const double tau = sc.tau + alpha * sc.dtau, kappa = sc.kappa + alpha * sc.dkappa;
    const double mu = (sz + alpha * sdz + alpha * alpha * dsdz + tau * kappa) / coef;
    const double phi = coef * log(mu) - log(tau) - log(kappa) +
                       cones_barrier(cx.cones, st.z, st.s, st.dz, st.ds, alpha, st.w);
    if (phi < 1.0) return alpha;
    alpha *= cx.settings.linesearch_backtrack_step;
  }
  return alpha;
}

// d_s for the corrector: λ∘λ + m·(W⁻ᵀΔs_a)∘(WΔz_a) − σμe, from the affine step in (dz, ds).
template <class V>
BC_HD void corrector_ds(const Context& cx, const State<V>& st, double m) {
  const Scalars& sc = *st.sc;
  cones_mul_W(cx.cones, st.w, st.eta, st.ds, st.work1, kApplyWinvT);  // W⁻ᵀΔs_a
  cones_mul_W(cx.cones, st.w, st.eta, st.dz, st.work2, kApplyW);      // WΔz_a
  cones_jordan_mul(cx.cones, st.work1, st.work2, st.dsv, st.w);
  cones_jordan_mul(cx.cones, st.lambda, st.lambda, st.work1, st.w);  // λ∘λ
  axpby(cx.dims.m, 1.0, st.work1, m, st.dsv);
  cones_add_identity(cx.cones, st.dsv, -sc.sigma * sc.mu);
  nonsym_combined_ds(cx.cones, st.w, st.s, st.dz, st.ds, m, sc.sigma * sc.mu, st.dsv);
}

template <class V>
BC_HD void take_step(const Context& cx, const State<V>& st, double alpha) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  copy(dm.n, st.x, st.px);
  copy(dm.m, st.z, st.pz);
  copy(dm.m, st.s, st.ps);
  sc.prev_tau = sc.tau, sc.prev_kappa = sc.kappa;
  axpy(dm.n, alpha, st.dx, st.x);
  axpy(dm.m, alpha, st.dz, st.z);
  axpy(dm.m, alpha, st.ds, st.s);
  sc.tau += alpha * sc.dtau;
  sc.kappa += alpha * sc.dkappa;
  sc.iterations += 1;
}

// After the factorization and the (x₂, z₂) solve: the predictor's right-hand side,
// d = (r_x, r_z, r_τ, τκ), d_s = λ∘λ (exp/pow: s).
template <class V>
BC_HD void predictor_rhs(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  cones_jordan_mul(cx.cones, st.lambda, st.lambda, st.dsv, st.w);
  nonsym_copy_rows(cx.cones, st.s, st.dsv);  // exp/pow: d_s = s
  step_rhs(cx, st, sc.r_tau, sc.tau * sc.kappa, 1.0);
}

// After the predictor's solve (`solved`: its result is finite): the affine step, its length,
// the centering σ and the corrector's right-hand side.
template <class V>
BC_HD StepOutcome to_corrector(const Context& cx, const State<V>& st, bool solved) {
  Scalars& sc = *st.sc;
  if (!solved || !step_from_solve(cx, st)) return StepOutcome::SolveFailed;
  sc.alpha_aff = step_length(cx, st);
  const bool centering = sc.centering == 1;
  sc.sigma = centering ? 1.0 : (1.0 - sc.alpha_aff) * (1.0 - sc.alpha_aff) * (1.0 - sc.alpha_aff);
  const double m = centering ? 0.0 : sc.iterations == 0 ? sc.alpha_aff : 1.0;
  const double d_kappa = sc.tau * sc.kappa + m * sc.dtau * sc.dkappa - sc.sigma * sc.mu;
  corrector_ds(cx, st, m);
  step_rhs(cx, st, (1.0 - sc.sigma) * sc.r_tau, d_kappa, 1.0 - sc.sigma);
  return StepOutcome::Taken;
}

// After the corrector's solve: the combined step, its length, and the update.
template <class V>
BC_HD StepOutcome finish_iteration(const Context& cx, const State<V>& st, bool solved) {
  Scalars& sc = *st.sc;
  if (!solved || !step_from_solve(cx, st)) return StepOutcome::SolveFailed;
  sc.alpha = cx.settings.max_step_fraction * step_length(cx, st);
  if (cx.cones.nonsym > 0 && sc.dual_scaling) sc.alpha = barrier_step_length(cx, st, sc.alpha);
  const double shortest = can_switch_to_dual_scaling(cx, sc) ? cx.settings.min_switch_step_length
                                                             : cx.settings.min_terminate_step_length;
  if (sc.alpha < shortest) return StepOutcome::TooShort;
  if (sc.centering == 1) sc.centering = 2;
  take_step(cx, st, sc.alpha);
  return StepOutcome::Taken;
}

// The step solve: [dx; dz] ← K⁻¹ [rhs_x; rhs_z].
template <class V>
BC_HD mask_t<value_t<V>> solve_step_kkt(const Context& cx, const State<V>& st) {
  return solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.dz);
}

// The factorization and the (x₂, z₂) solve: K[x₂; z₂] = [−q; b].
template <class V>
BC_HD mask_t<value_t<V>> factor_and_solve_x2(const Context& cx, const State<V>& st) {
  const auto factored = factor_kkt(cx, st);
  return vand(factored, solve_kkt(cx, st, st.rhs_x, st.b, st.x2, st.z2));
}

// One attempt at an iteration of one problem: the four phases in sequence.
template <class V>
BC_HD StepOutcome iteration_attempt(const Context& cx, const State<V>& st) {
  StepOutcome out = begin_iteration(cx, st);
  if (out != StepOutcome::Taken) return out;
  if (!factor_and_solve_x2(cx, st)) return StepOutcome::SolveFailed;
  predictor_rhs(cx, st);
  out = to_corrector(cx, st, solve_step_kkt(cx, st));
  if (out != StepOutcome::Taken) return out;
  return finish_iteration(cx, st, solve_step_kkt(cx, st));
}

// A failed attempt: under primal–dual scaling of exp/pow cones a failed solve or a too-short
// step switches to dual scaling (counted as an iteration, as Clarabel counts it) and returns
// true: retry. Otherwise a too-short step is retried as a pure centering step (σ = 1, no
// second-order term), which moves the iterate back toward the central path, away from the
// boundary that blocked the combined direction; once per solve, so that a problem that keeps
// stalling still stops early. Clarabel stops there instead: on Maros–Meszaros QBEACONF our
// iterates part from its by rounding after iteration 11, and a step of 2e-6 stopped the solve at
// iteration 16, AlmostSolved; with one centering step it is Solved in 26 (Clarabel: 28). Any
// other failure, or a centering step that is too short as well, ends the solve: NumericalError,
// or InsufficientProgress for a step shorter than min_terminate_step_length.
template <class V>
BC_HD bool iteration_failed(const Context& cx, const State<V>& st, StepOutcome out) {
  Scalars& sc = *st.sc;
  if (out != StepOutcome::ScalingFailed && can_switch_to_dual_scaling(cx, sc)) {
    sc.dual_scaling = 1;
    sc.iterations += 1;
    return sc.iterations < cx.settings.max_iter;  // else check_termination reports it
  }
  if (out == StepOutcome::TooShort && sc.centering == 0) {
    sc.centering = 1;
    return true;
  }
  sc.status = out == StepOutcome::TooShort ? Status::InsufficientProgress : Status::NumericalError;
  return false;
}

// One iteration: scaling, factorization, predictor–corrector and the step, retried after a
// switch to dual scaling (iteration_failed).
template <class V>
BC_HD void iterate(const Context& cx, const State<V>& st) {
  for (;;) {
    const StepOutcome out = iteration_attempt(cx, st);
    if (out == StepOutcome::Taken || !iteration_failed(cx, st, out)) return;
  }
}

}  // namespace batchcone::kernels
