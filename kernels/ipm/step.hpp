// SPDX-License-Identifier: Apache-2.0
// One predictor–corrector iteration of one problem (symmetric cones, NT scaling).
//
// Newton system of the homogeneous embedding, with H = WᵀW and offset o = Wᵀ(λ \ d_s):
//   P Δx + AᵀΔz + qΔτ = d_x,   AΔx + Δs − bΔτ = −d_z,   HΔz + Δs = −o,
//   (q + 2Pξ)ᵀΔx + bᵀΔz − ξᵀPξ Δτ + Δκ = −d_τ,   κΔτ + τΔκ = −d_κ,   ξ = x/τ.
// Eliminating Δs, Δκ and Δτ leaves two solves with K = [P Aᵀ; A −H]:
//   K[x₂; z₂] = [−q; b] (once per factorization),   K[x₁; z₁] = [d_x; o − d_z],
//   Δτ = (d_τ − d_κ/τ + (q + 2Pξ)ᵀx₁ + bᵀz₁) / (κ/τ − (q + 2Pξ)ᵀx₂ − bᵀz₂ + ξᵀPξ),
//   Δx = x₁ + Δτx₂,  Δz = z₁ + Δτz₂,  Δs = −Wᵀ(λ \ d_s + WΔz),  Δκ = −(d_κ + κΔτ)/τ.
// Predictor: d = (r_x, r_z, r_τ, τκ), d_s = λ∘λ. Corrector with σ = (1 − α_aff)³:
//   d = (1−σ)(r_x, r_z, r_τ),  d_κ = τκ + m·Δτ_aΔκ_a − σμ,
//   d_s = λ∘λ + m·(W⁻ᵀΔs_a)∘(WΔz_a) − σμe,   m = α_aff on the first iteration, else 1.
#pragma once

#include "info.hpp"
#include "linsys.hpp"

namespace batchcone::kernels {

// Refreshes the NT scaling, writes −H into K, factors K and solves for (x₂, z₂).
// Sets NumericalError on failure.
template <class V>
BC_HD void scale_and_factor(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  bool ok = cones_update_scaling(cx.cones, st.s, st.z, st.w, st.eta, st.lambda);
  if (ok) {
    kkt_write_H(cx.maps, cx.cones, st.w, st.eta, st.kx);
    ok = factor_kkt(cx, st);
  }
  if (ok) {
    for (int i = 0; i < cx.dims.n; ++i) st.rhs_x[i] = -st.q[i];
    ok = solve_kkt(cx, st, st.rhs_x, st.b, st.x2, st.z2);
  }
  if (!ok) sc.status = Status::NumericalError;
}

// Solves for the step (dx, dz, ds, dtau, dkappa) given d_s (in st.dsv), d_τ, d_κ and the
// factor (1 or 1−σ) applied to r_x and r_z. False if the step is not finite.
template <class V>
BC_HD bool solve_step(const Context& cx, const State<V>& st, double d_tau, double d_kappa,
                      double rfactor) {
  const Dims& dm = cx.dims;
  Scalars& sc = *st.sc;
  cones_jordan_div(cx.cones, st.lambda, st.dsv, st.work2);            // λ \ d_s
  cones_mul_W(cx.cones, st.w, st.eta, st.work2, st.work1, kApplyWt);  // o = Wᵀ(λ \ d_s)
  for (int i = 0; i < dm.n; ++i) st.rhs_x[i] = rfactor * st.rx[i];
  for (int i = 0; i < dm.m; ++i) st.rhs_z[i] = st.work1[i] - rfactor * st.rz[i];
  if (!solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.dz)) return false;

  const double tinv = 1.0 / sc.tau;
  double num = d_tau - d_kappa * tinv + dot(dm.m, st.b, st.dz);
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
  sc.dkappa = -(d_kappa + sc.kappa * sc.dtau) * tinv;
  return isfinite(sc.dtau) && isfinite(sc.dkappa) && all_finite(dm.n, st.dx) &&
         all_finite(dm.m, st.dz) && all_finite(dm.m, st.ds);
}

// The largest α ≤ 1 keeping τ, κ ≥ 0, z ∈ K*, s ∈ K along the current step.
template <class V>
BC_HD double step_length(const Context& cx, const State<V>& st) {
  const Scalars& sc = *st.sc;
  double alpha = 1.0;
  if (sc.dtau < 0.0) alpha = dmin(alpha, -sc.tau / sc.dtau);
  if (sc.dkappa < 0.0) alpha = dmin(alpha, -sc.kappa / sc.dkappa);
  alpha = cones_step_length(cx.cones, st.z, st.dz, alpha, st.w);
  return cones_step_length(cx.cones, st.s, st.ds, alpha, st.w);
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

// Predictor, centering, corrector and the step, after scale_and_factor. Sets
// NumericalError (non-finite step) or InsufficientProgress (step too short) instead of moving.
template <class V>
BC_HD void predictor_corrector(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  const double tk = sc.tau * sc.kappa;
  cones_jordan_mul(cx.cones, st.lambda, st.lambda, st.dsv, st.w);
  if (!solve_step(cx, st, sc.r_tau, tk, 1.0)) {
    sc.status = Status::NumericalError;
    return;
  }
  sc.alpha_aff = step_length(cx, st);
  sc.sigma = (1.0 - sc.alpha_aff) * (1.0 - sc.alpha_aff) * (1.0 - sc.alpha_aff);
  const double m = sc.iterations == 0 ? sc.alpha_aff : 1.0;
  const double d_kappa = tk + m * sc.dtau * sc.dkappa - sc.sigma * sc.mu;
  corrector_ds(cx, st, m);
  if (!solve_step(cx, st, (1.0 - sc.sigma) * sc.r_tau, d_kappa, 1.0 - sc.sigma)) {
    sc.status = Status::NumericalError;
    return;
  }
  sc.alpha = cx.settings.max_step_fraction * step_length(cx, st);
  if (sc.alpha < cx.settings.min_terminate_step_length) {
    sc.status = Status::InsufficientProgress;
    return;
  }
  take_step(cx, st, sc.alpha);
}

}  // namespace batchcone::kernels
