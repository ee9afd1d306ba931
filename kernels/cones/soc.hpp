// SPDX-License-Identifier: Apache-2.0
// The second-order cone Qᵈ = {(t, x) ∈ ℝ × ℝᵈ⁻¹ : ‖x‖₂ ≤ t} (self-dual), barrier degree 1.
// Jordan algebra: u∘v = (uᵀv, u₀v₁ + v₀u₁), identity e = (1, 0), J = diag(1, −I),
// det v = v₀² − ‖v₁‖².
//
// NT scaling (Nesterov–Todd): with s̄ = s/√det s, z̄ = z/√det z, γ = √((1 + s̄ᵀz̄)/2),
//   w = (s̄ + J z̄)/(2γ)  (so wᵀJw = 1),   η = (det s / det z)^{1/4},
//   W = η·[[w₀, w₁ᵀ], [w₁, I + w₁w₁ᵀ/(1+w₀)]]  (symmetric),  W⁻¹ = η⁻²·J W J,
// which gives WᵀWz = s, λ = Wz = W⁻ᵀs and H = WᵀW = η²(2wwᵀ − J).
//
// For d > 4 the KKT matrix stores H in sparse expanded form H = η²(D + uuᵀ − vvᵀ), with
// D = diag(d₀, 1, …, 1), u = (u₀, u₁w₁), v = (0, v₁w₁); see soc_expansion().
//
// Minty split (cone_table.hpp) of v = (v₀, v₁), r = ‖v₁‖, û = v₁/r: z = v if r ≤ v₀, s = −v if
// r ≤ −v₀, else the boundary pair z = ρ(1, û), s = σ(1, −û) with ρ = (v₀ + r)/2, σ = (r − v₀)/2.
// There D = DΠ(v) has eigenvalue 1 on (1, û), 0 on (1, −û) and (1 + v₀/r)/2 on the tangent
// directions (0, t ⊥ û), so H = D⁺(I − D) is 0 along z, infinite along s and σ/ρ on the tangents.
#pragma once

#include <math.h>

#include "../hd.hpp"
#include "../vec.hpp"

namespace batchcone::kernels {

// v₀² − ‖v₁‖², computed as (v₀ − ‖v₁‖)(v₀ + ‖v₁‖) to avoid cancellation near the boundary.
template <class V>
BC_HD double soc_det(int d, V v) {
  const double r = sqrt(sumsq(d - 1, v + 1));
  return (v[0] - r) * (v[0] + r);
}

// Margins for the initial shift: α = v₀ − ‖v₁‖, β = max(α, 0).
template <class V>
BC_HD void soc_margins(int d, V v, double& alpha, double& beta) {
  alpha = v[0] - sqrt(sumsq(d - 1, v + 1));
  beta = dmax(alpha, 0.0);
}

template <class V>
BC_HD void soc_unit_shift(int /*d*/, V v, double shift) {
  v[0] += shift;
}

// y = W x = η·(w₀x₀ + w₁ᵀx₁,  x₁ + (x₀ + w₁ᵀx₁/(1+w₀))·w₁).  y must not alias x.
template <class W, class U, class V>
BC_HD void soc_mul_W(int d, W w, double eta, U x, V y) {
  const double zeta = dot(d - 1, w + 1, x + 1);
  const double c = x[0] + zeta / (1.0 + w[0]);
  y[0] = eta * (w[0] * x[0] + zeta);
  for (int i = 1; i < d; ++i) y[i] = eta * (x[i] + c * w[i]);
}

// y = W⁻¹ x = η⁻¹·(w₀x₀ − w₁ᵀx₁,  x₁ + (−x₀ + w₁ᵀx₁/(1+w₀))·w₁).  y must not alias x.
template <class W, class U, class V>
BC_HD void soc_mul_Winv(int d, W w, double eta, U x, V y) {
  const double zeta = dot(d - 1, w + 1, x + 1);
  const double c = -x[0] + zeta / (1.0 + w[0]);
  y[0] = (w[0] * x[0] - zeta) / eta;
  for (int i = 1; i < d; ++i) y[i] = (x[i] + c * w[i]) / eta;
}

// NT scaling point w, η and λ = Wz at strictly interior (s, z). Returns false otherwise.
template <class V, class W, class L>
BC_HD bool soc_update_scaling(int d, V s, V z, W w, double& eta, L lambda) {
  const double det_s = soc_det(d, s);
  const double det_z = soc_det(d, z);
  if (!(s[0] > 0.0 && z[0] > 0.0 && det_s > 0.0 && det_z > 0.0)) return false;
  const double ns = sqrt(det_s);
  const double nz = sqrt(det_z);
  const double gamma = sqrt(0.5 * (1.0 + dot(d, s, z) / (ns * nz)));
  for (int i = 1; i < d; ++i) w[i] = (s[i] / ns - z[i] / nz) / (2.0 * gamma);
  // w₀ from the normalization wᵀJw = 1 rather than from (s̄₀ + z̄₀)/(2γ): more accurate.
  w[0] = sqrt(1.0 + sumsq(d - 1, w + 1));
  eta = sqrt(ns / nz);
  soc_mul_W(d, w, eta, z, lambda);
  return true;
}

// y = u ∘ v = (uᵀv, u₀v₁ + v₀u₁).  y must not alias u or v.
template <class U, class V, class Y>
BC_HD void soc_jordan_mul(int d, U u, V v, Y y) {
  y[0] = dot(d, u, v);
  for (int i = 1; i < d; ++i) y[i] = u[0] * v[i] + v[0] * u[i];
}

// y = λ \ v, the solution of λ ∘ y = v for λ in the interior:
//   y₀ = (λ₀v₀ − λ₁ᵀv₁)/det λ,  y₁ = (v₁ − y₀λ₁)/λ₀.  y must not alias λ (may alias v).
template <class L, class V, class Y>
BC_HD void soc_jordan_div(int d, L lambda, V v, Y y) {
  const double rho = soc_det(d, lambda);
  const double nu = dot(d - 1, lambda + 1, v + 1);
  const double y0 = (lambda[0] * v[0] - nu) / rho;
  for (int i = 1; i < d; ++i) y[i] = (v[i] - y0 * lambda[i]) / lambda[0];
  y[0] = y0;
}

// The largest α ≤ alpha_max with x + α·dx ∈ Qᵈ, for x in the interior. The boundary is reached
// at the smallest positive root of det(x + α·dx) = aα² + bα + c (solved without cancellation),
// and never after x₀ + α·dx₀ = 0: that linear bound is exact when the ray leaves through the
// apex (a double root, which rounding can turn into a negative discriminant) and for d = 1.
template <class U, class V>
BC_HD double soc_step_length(int d, U x, V dx, double alpha_max) {
  double alpha = alpha_max;
  if (dx[0] < 0.0) alpha = dmin(alpha, -x[0] / dx[0]);
  const double a = dx[0] * dx[0] - sumsq(d - 1, dx + 1);
  const double b = 2.0 * (x[0] * dx[0] - dot(d - 1, x + 1, dx + 1));
  const double c = dmax(soc_det(d, x), 0.0);
  if (a == 0.0) {
    if (b < 0.0) alpha = dmin(alpha, -c / b);
    return dmax(alpha, 0.0);
  }
  const double disc = b * b - 4.0 * a * c;
  if (disc < 0.0) return alpha;  // det never vanishes: the ray stays inside (or leaves via apex)
  const double q = -0.5 * (b + copysign(sqrt(disc), b));
  const double r1 = q / a;
  const double r2 = (q != 0.0) ? c / q : r1;
  if (r1 >= 0.0) alpha = dmin(alpha, r1);
  if (r2 >= 0.0) alpha = dmin(alpha, r2);
  return alpha;
}

// Entry (i, j) of H/η² = 2wwᵀ − J (dense form, used for d ≤ 4).
template <class W>
BC_HD double soc_H_entry(W w, int i, int j) {
  const double jij = (i != j) ? 0.0 : (i == 0 ? 1.0 : -1.0);
  return 2.0 * w[i] * w[j] - jij;
}

// Coefficients of the sparse expansion H/η² = D + uuᵀ − vvᵀ with D = diag(d0, 1, …, 1),
// u = (u0, u1·w₁), v = (0, v1·w₁). Matching 2wwᵀ − J block by block gives
//   u1² − v1² = 2,  u0·u1 = 2w₀,  d0 + u0² = 2w₀² − 1 = ‖w‖²,
// and d0 = ½/‖w‖² keeps D − vvᵀ ≻ 0, so the KKT matrix stays quasidefinite. Then
// u0 = √(‖w‖² − d0), u1 = 2w₀/u0, v1 = √(u1² − 2) = √(2 + 1/‖w‖²)/u0 (cancellation-free).
struct SocExpansion {
  double d0, u0, u1, v1;
};

template <class W>
BC_HD SocExpansion soc_expansion(int d, W w) {
  const double wsq = sumsq(d, w);
  SocExpansion e;
  e.d0 = 0.5 / wsq;
  e.u0 = sqrt(wsq - e.d0);
  e.u1 = 2.0 * w[0] / e.u0;
  e.v1 = sqrt(2.0 + 1.0 / wsq) / e.u0;
  return e;
}

}  // namespace batchcone::kernels

namespace batchcone::kernels {

// The pair of v (see the header) and its limit scaling in NT form H = η²(2wwᵀ − J): on the
// tangents H = η², along (1, ∓ŵ) it is η²(w₀ ± ‖w₁‖)². A boundary pair takes η² = σ/ρ and
// w₀ ± ‖w₁‖ = L^{±1} with ŵ = −û, so H ≥ big along s and ≤ η⁴/big along z (big = h_inf·max(1, η²));
// z interior: H = 0 (η = 0); s interior: H = h_inf·I.
template <class V, class Z, class S, class W>
BC_HD void soc_split_pair(int d, V v, Z z, S s, W w, double& eta, double h_inf) {
  const double r = sqrt(sumsq(d - 1, v + 1));
  fill(d, w, 0.0);
  w[0] = 1.0;
  if (r <= v[0] || r <= -v[0]) {  // one side interior (or both zero)
    const bool z_side = r <= v[0];
    for (int i = 0; i < d; ++i) z[i] = z_side ? v[i] : 0.0, s[i] = z_side ? 0.0 : -v[i];
    eta = z_side ? 0.0 : sqrt(h_inf);
    return;
  }
  const double rho = 0.5 * (v[0] + r), sigma = 0.5 * (r - v[0]), gamma = sigma / rho;
  z[0] = rho, s[0] = sigma;
  const double big = h_inf * dmax(1.0, gamma), lw = sqrt(big / gamma);
  const double w1 = 0.5 * (lw - 1.0 / lw);
  for (int i = 1; i < d; ++i) {
    const double u = v[i] / r;
    z[i] = rho * u, s[i] = -sigma * u;
    w[i] = -w1 * u;
  }
  w[0] = 0.5 * (lw + 1.0 / lw);
  eta = sqrt(gamma);
}

}  // namespace batchcone::kernels
