// SPDX-License-Identifier: Apache-2.0
// The exponential cone (cvxpy's and Clarabel's convention, 0-based):
//   K_exp  = cl{ s : s₁ > 0, s₁·exp(s₀/s₁) ≤ s₂ },
//   K_exp* = cl{ z : z₀ < 0, −z₀·exp(z₁/z₀ − 1) ≤ z₂ }.
// Dual barrier (degree 3): f*(z) = −log ψ − log(−z₀) − log z₂ with
//   ψ = z₁ − z₀ − z₀·log(−z₂/z₀),
//   ∇ψ = (log(−z₀/z₂), 1, −z₀/z₂),
//   ∇²ψ: ψ₀₀ = 1/z₀, ψ₀₂ = −1/z₂, ψ₂₂ = z₀/z₂², the rest 0,
//   ∇³ψ[u,v] = (−u₀v₀/z₀² + u₂v₂/z₂², 0, (u₀v₂ + u₂v₀)/z₂² − 2z₀u₂v₂/z₂³).
// Primal barrier gradient (the conjugate of f*, in closed form through the Wright ω function,
// ω + log ω = x): with 1 + d = ω(1 + e), e = log(s₂/s₁) − s₀/s₁ > 0 in the interior,
//   ∇f(s) = (1/(d·s₁),  (1 + log((1+d)·s₁/s₂))/(d·s₁) − 1/s₁,  −(1+d)/(d·s₂)).
// d is found from e directly (d + log(1 + d) = e), so it keeps its relative accuracy as s
// approaches the boundary (e → 0, where ∇f grows like 1/e).
// The rest (scaling, corrector) is generic: see nonsym3.hpp.
#pragma once

#include <math.h>

#include "nonsym3.hpp"

namespace batchcone::kernels {

// d > 0 with d + log(1 + d) = e, for e > 0 (ω(1 + e) = 1 + d), by Halley's method.
BC_HD double wright_omega_minus_one(double e) {
  double d = e < 2.0 ? e * (0.5 + e / 16.0) : (1.0 + e) - log(1.0 + e) - 1.0 + log(1.0 + e) / (1.0 + e);
  for (int it = 0; it < 8; ++it) {
    const double f = d + log1p(d) - e, f1 = 1.0 + 1.0 / (1.0 + d), f2 = -1.0 / ((1.0 + d) * (1.0 + d));
    const double step = 2.0 * f * f1 / (2.0 * f1 * f1 - f * f2);
    d -= step;
    if (fabs(step) <= 1e-16 * d) break;
  }
  return d;
}

struct ExpCone {
  BC_HD bool in_primal(const double* s) const {
    return s[1] > 0.0 && s[2] > 0.0 && s[1] * log(s[2] / s[1]) - s[0] > 0.0;
  }

  BC_HD bool in_dual(const double* z) const {
    return z[0] < 0.0 && z[2] > 0.0 && z[1] - z[0] - z[0] * log(-z[2] / z[0]) > 0.0;
  }

  // The point with s = z = −∇f*(z): the central point at μ = 1.
  BC_HD void unit_point(double* v) const {
    v[0] = -1.051383945322714;
    v[1] = 0.556409619469370;
    v[2] = 1.258967884768947;
  }

  BC_HD void primal_gradient(const double* s, double* g) const {
    const double e = log(s[2] / s[1]) - s[0] / s[1];
    const double d = wright_omega_minus_one(e);
    g[0] = 1.0 / (d * s[1]);
    g[1] = g[0] * (1.0 + log((1.0 + d) * s[1] / s[2])) - 1.0 / s[1];
    g[2] = -(1.0 + d) / (d * s[2]);
  }

  // The curve of complementary boundary pairs (nonsym_split.hpp): s = y·ŝ(t), z = r·ẑ(t) with
  // ŝ = (t, 1, eᵗ) on ∂K and ẑ = (−eᵗ, −eᵗ(1−t), 1) on ∂K* (⟨ŝ, ẑ⟩ = 0), and a = ŝ', b = ẑ'.
  BC_HD void curve(double t, double /*sign*/, double* sh, double* zh, double* a, double* b) const {
    const double et = exp(t);
    sh[0] = t, sh[1] = 1.0, sh[2] = et;
    zh[0] = -et, zh[1] = -et * (1.0 - t), zh[2] = 1.0;
    a[0] = 1.0, a[1] = 0.0, a[2] = et;
    b[0] = -et, b[1] = t * et, b[2] = 0.0;
  }

  // t of a pair near the curve, read from the larger of s (t = s₀/s₁) and z (t = 1 − z₁/z₀).
  BC_HD bool curve_parameter(const double* s, const double* z, const double* /*v*/, double& t,
                             double& sign) const {
    sign = 1.0;
    const bool from_s = dot3(s, s) >= dot3(z, z);
    if (from_s && s[1] > 0.0) return t = s[0] / s[1], true;
    if (z[0] < 0.0) return t = 1.0 - z[1] / z[0], true;
    return s[1] > 0.0 ? (t = s[0] / s[1], true) : false;
  }

  // The face {s₁ = 0, s₀ ≤ 0, s₂ ≥ 0} of K: where v₀, v₁ ≥ 0 (and neither v ∈ K* nor −v ∈ K),
  // s = (−v₀, 0, max(−v₂, 0)) and z = (0, v₁, max(v₂, 0)), with H = diag(∞, 0, 0 or ∞).
  BC_HD bool face_split(const double* v, double* z, double* s, double* hs, double h_inf) const {
    if (!(v[0] >= 0.0 && v[1] >= 0.0)) return false;
    s[0] = -v[0], s[1] = 0.0, s[2] = dmax(-v[2], 0.0);
    z[0] = 0.0, z[1] = v[1], z[2] = dmax(v[2], 0.0);
    for (int i = 0; i < 9; ++i) hs[i] = 0.0;
    hs[0] = h_inf;
    hs[8] = v[2] > 0.0 ? 0.0 : h_inf;
    return true;
  }

  BC_HD Psi3 psi(const double* z) const {
    Psi3 p;
    const double l = log(-z[2] / z[0]);
    p.v = z[1] - z[0] - z[0] * l;
    p.g[0] = -l, p.g[1] = 1.0, p.g[2] = -z[0] / z[2];
    for (int i = 0; i < 9; ++i) p.h[i] = 0.0;
    p.h[0] = 1.0 / z[0];
    p.h[2] = p.h[6] = -1.0 / z[2];
    p.h[8] = z[0] / (z[2] * z[2]);
    return p;
  }

  BC_HD void coefs(double* c) const {  // −log(−z₀) − log z₂
    c[0] = 1.0;
    c[1] = 0.0;
    c[2] = 1.0;
  }

  BC_HD double barrier(const double* z) const {
    const double za[3] = {-z[0], 1.0, z[2]};
    double c[3];
    coefs(c);
    return nonsym_barrier_from(psi(z), c, za);
  }

  BC_HD void grad_hess(const double* z, double* g, double* h) const {
    double c[3];
    coefs(c);
    nonsym_grad_hess_from(psi(z), c, z, g, h);
  }

  BC_HD void third(const double* z, const double* u, const double* v, double* out) const {
    const double z22 = z[2] * z[2];
    const double t[3] = {-u[0] * v[0] / (z[0] * z[0]) + u[2] * v[2] / z22, 0.0,
                         (u[0] * v[2] + u[2] * v[0]) / z22 - 2.0 * z[0] * u[2] * v[2] / (z22 * z[2])};
    double c[3];
    coefs(c);
    nonsym_third_from(psi(z), t, c, z, u, v, out);
  }
};

}  // namespace batchcone::kernels
