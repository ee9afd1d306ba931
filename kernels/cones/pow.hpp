// SPDX-License-Identifier: Apache-2.0
// The 3-D power cone with parameter α ∈ (0, 1) (cvxpy's PowCone3D, Clarabel's PowerConeT):
//   K_α  = { s : s₀, s₁ ≥ 0, s₀^α·s₁^(1−α) ≥ |s₂| },
//   K_α* = { z : z₀, z₁ ≥ 0, (z₀/α)^α·(z₁/(1−α))^(1−α) ≥ |z₂| }.
// Dual barrier (degree 3): f*(z) = −log ψ − (1−α)·log z₀ − α·log z₁ with
//   ψ = φ − z₂²,  φ = (z₀/α)^a·(z₁/(1−α))^b,  a = 2α, b = 2(1−α)  (φ is homogeneous of degree 2).
// The derivatives of φ are monomial: ∂ᵢ∂ⱼ…φ = φ·ff(a, n₀)·ff(b, n₁)/(z₀^n₀·z₁^n₁), where n₀, n₁
// count the indices equal to 0 and 1 and ff(p, n) = p(p−1)…(p−n+1); the −z₂² part adds −2z₂,
// −2 and nothing to the first three derivatives.
// Primal barrier gradient g = ∇f(s) = −z̄ where s = −∇f*(z̄): eliminating z̄ with u = g₂s₂ ≥ 0,
//   g₀ = −(1 + α + αu)/s₀,  g₁ = −(2 − α + (1−α)u)/s₁,  g₂ = u/s₂,
// and u is the root of the scalar equation F(u) = s₂²·Π(u) − u² − 2u = 0,
//   Π(u) = ((1+α+αu)/(α s₀))^(2α) · ((2−α+(1−α)u)/((1−α) s₁))^(2(1−α)),
// (F(0) > 0 and F < 0 for large u inside the cone), found by bracketed Newton.
// The rest (scaling, corrector) is generic: see nonsym3.hpp.
#pragma once

#include <math.h>

#include "nonsym3.hpp"

namespace batchcone::kernels {

struct PowCone {
  double alpha;

  BC_HD bool in_primal(const double* s) const {
    return s[0] > 0.0 && s[1] > 0.0 &&
           exp(alpha * log(s[0]) + (1.0 - alpha) * log(s[1])) > fabs(s[2]);
  }

  BC_HD bool in_dual(const double* z) const {
    return z[0] > 0.0 && z[1] > 0.0 &&
           exp(alpha * log(z[0] / alpha) + (1.0 - alpha) * log(z[1] / (1.0 - alpha))) > fabs(z[2]);
  }

  BC_HD void unit_point(double* v) const {
    v[0] = sqrt(1.0 + alpha);
    v[1] = sqrt(2.0 - alpha);
    v[2] = 0.0;
  }

  BC_HD double phi(const double* z) const {
    return exp(2.0 * alpha * log(z[0] / alpha) + 2.0 * (1.0 - alpha) * log(z[1] / (1.0 - alpha)));
  }

  // ff(a, n₀)·ff(b, n₁) for the index counts n₀, n₁ (falling factorials, n ≤ 3).
  BC_HD double monomial_coef(int n0, int n1) const {
    const double a = 2.0 * alpha, b = 2.0 * (1.0 - alpha);
    double c = 1.0;
    for (int k = 0; k < n0; ++k) c *= a - k;
    for (int k = 0; k < n1; ++k) c *= b - k;
    return c;
  }

  // F(u) and F'(u) of the primal-gradient equation above.
  BC_HD void gradient_equation(const double* s, double u, double& f, double& df) const {
    const double p0 = 1.0 + alpha + alpha * u, p1 = 2.0 - alpha + (1.0 - alpha) * u;
    const double pi = exp(2.0 * alpha * log(p0 / (alpha * s[0])) +
                          2.0 * (1.0 - alpha) * log(p1 / ((1.0 - alpha) * s[1])));
    const double s22 = s[2] * s[2];
    f = s22 * pi - u * u - 2.0 * u;
    df = s22 * pi * (2.0 * alpha * alpha / p0 + 2.0 * (1.0 - alpha) * (1.0 - alpha) / p1) - 2.0 * u - 2.0;
  }

  BC_HD void primal_gradient(const double* s, double* g) const {
    double u = 0.0;
    if (s[2] != 0.0) {
      double lo = 0.0, hi = 1.0, f, df;
      for (gradient_equation(s, hi, f, df); f > 0.0 && hi < 1e300; gradient_equation(s, hi, f, df))
        lo = hi, hi *= 4.0;
      u = 0.5 * (lo + hi);
      for (int it = 0; it < 200; ++it) {  // Newton, bisecting when it leaves the bracket
        gradient_equation(s, u, f, df);
        if (f > 0.0) lo = u;
        else hi = u;
        double next = u - f / df;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (fabs(next - u) <= 1e-15 * u || hi - lo <= 1e-15 * hi) {
          u = next;
          break;
        }
        u = next;
      }
    }
    g[0] = -(1.0 + alpha + alpha * u) / s[0];
    g[1] = -(2.0 - alpha + (1.0 - alpha) * u) / s[1];
    g[2] = s[2] != 0.0 ? u / s[2] : 0.0;
  }

  // The curve of complementary boundary pairs (nonsym_split.hpp) on the side σ = ±1 of s₂:
  // s = y·ŝ(t), z = r·ẑ(t) with ŝ = (1, eᵗ, σe^((1−α)t)) on ∂K and
  // ẑ = (αe^((1−α)t), (1−α)e^(−αt), −σ) on ∂K* (⟨ŝ, ẑ⟩ = 0), and a = ŝ', b = ẑ'.
  BC_HD void curve(double t, double sign, double* sh, double* zh, double* a, double* b) const {
    const double a1 = 1.0 - alpha, et = exp(t), eb = exp(a1 * t), ea = exp(-alpha * t);
    sh[0] = 1.0, sh[1] = et, sh[2] = sign * eb;
    zh[0] = alpha * eb, zh[1] = a1 * ea, zh[2] = -sign;
    a[0] = 0.0, a[1] = et, a[2] = sign * a1 * eb;
    b[0] = alpha * a1 * eb, b[1] = -alpha * a1 * ea, b[2] = 0.0;
  }

  // σ = −sign v₂ (v = z − s) and t from the larger of s (eᵗ = s₁/s₀) and z
  // (eᵗ = (1−α)z₀/(αz₁)).
  BC_HD bool curve_parameter(const double* s, const double* z, const double* v, double& t,
                             double& sign) const {
    sign = v[2] < 0.0 ? 1.0 : -1.0;
    const bool s_ok = s[0] > 0.0 && s[1] > 0.0, z_ok = z[0] > 0.0 && z[1] > 0.0;
    if (s_ok && (dot3(s, s) >= dot3(z, z) || !z_ok)) return t = log(s[1] / s[0]), true;
    if (z_ok) return t = log((1.0 - alpha) * z[0] / (alpha * z[1])), true;
    return false;
  }

  // The plane v₂ = 0 (neither v ∈ K* nor −v ∈ K): the split of the quadrant K ∩ {s₂ = 0},
  // s = (max(−v₀, 0), max(−v₁, 0), 0), z = (max(v₀, 0), max(v₁, 0), 0), H diagonal (0 or ∞; 1 on
  // the degenerate third axis).
  BC_HD bool face_split(const double* v, double* z, double* s, double* hs, double h_inf) const {
    if (v[2] != 0.0) return false;
    for (int i = 0; i < 9; ++i) hs[i] = 0.0;
    for (int i = 0; i < 2; ++i) {
      s[i] = dmax(-v[i], 0.0), z[i] = dmax(v[i], 0.0);
      hs[4 * i] = v[i] > 0.0 ? 0.0 : h_inf;
    }
    s[2] = z[2] = 0.0;
    hs[8] = 1.0;
    return true;
  }

  BC_HD Psi3 psi(const double* z) const {
    Psi3 p;
    const double f = phi(z);
    p.v = f - z[2] * z[2];
    p.g[0] = monomial_coef(1, 0) * f / z[0];
    p.g[1] = monomial_coef(0, 1) * f / z[1];
    p.g[2] = -2.0 * z[2];
    p.h[0] = monomial_coef(2, 0) * f / (z[0] * z[0]);
    p.h[1] = p.h[3] = monomial_coef(1, 1) * f / (z[0] * z[1]);
    p.h[4] = monomial_coef(0, 2) * f / (z[1] * z[1]);
    p.h[2] = p.h[5] = p.h[6] = p.h[7] = 0.0;
    p.h[8] = -2.0;
    return p;
  }

  BC_HD void coefs(double* c) const {
    c[0] = 1.0 - alpha;
    c[1] = alpha;
    c[2] = 0.0;
  }

  BC_HD double barrier(const double* z) const {
    double c[3];
    coefs(c);
    return nonsym_barrier_from(psi(z), c, z);
  }

  BC_HD void grad_hess(const double* z, double* g, double* h) const {
    double c[3];
    coefs(c);
    nonsym_grad_hess_from(psi(z), c, z, g, h);
  }

  BC_HD void third(const double* z, const double* u, const double* v, double* out) const {
    const double f = phi(z);
    double t[3] = {0.0, 0.0, 0.0};
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 2; ++k) {
          const int n1 = i + j + k, n0 = 3 - n1;
          double den = 1.0;
          den *= (i ? z[1] : z[0]) * (j ? z[1] : z[0]) * (k ? z[1] : z[0]);
          t[i] += monomial_coef(n0, n1) * f / den * u[j] * v[k];
        }
    double c[3];
    coefs(c);
    nonsym_third_from(psi(z), t, c, z, u, v, out);
  }
};

}  // namespace batchcone::kernels
