// SPDX-License-Identifier: Apache-2.0
// Shared machinery of the 3-D nonsymmetric cones (exponential, power), barrier degree ν = 3.
//
// Each cone is described by its dual barrier in the form
//   f*(z) = −log ψ(z) − Σᵢ cᵢ·log(σᵢzᵢ)        (σᵢ = ±1 keeps the argument positive),
// so the cone file only supplies ψ with its gradient, Hessian and third-derivative contraction,
// and the coefficients cᵢ. From these this file builds ∇f*, ∇²f* and the contraction
// ∇³f*(z)[u, v] that the third-order (Mehrotra-like) corrector needs:
//   ∇f*  = −∇ψ/ψ − c/z,   ∇²f* = −∇²ψ/ψ + ∇ψ∇ψᵀ/ψ² + diag(c/z²),
//   ∇³f*[u,v] = −∇³ψ[u,v]/ψ + (∇²ψu·⟨∇ψ,v⟩ + ∇²ψv·⟨∇ψ,u⟩ + ∇ψ·uᵀ∇²ψv)/ψ²
//               − 2∇ψ⟨∇ψ,u⟩⟨∇ψ,v⟩/ψ³ − 2cuv/z³.
// The primal barrier is the conjugate f(s) = sup_z −⟨s,z⟩ − f*(z); each cone gives its gradient
// ∇f(s) = −z̄, where z̄ solves s + ∇f*(z̄) = 0, in closed form (primal_gradient), and
// f(s) = −ν − f*(z̄) (logarithmic homogeneity gives ⟨s, z̄⟩ = ν).
//
// Scaling H (the matrix with HΔz + Δs = −d_s in the Newton system):
//   dual scaling:        H = μ∇²f*(z), exact on the central path s = −μ∇f*(z);
//   primal–dual scaling (Dahl & Andersen, 2021) with s̃ = ∇f*(z), z̃ = ∇f(s), μ = ⟨s,z⟩/3,
//   μ̃ = ⟨s̃,z̃⟩/3, δs = s + μs̃, δz = z + μz̃:
//     H = ssᵀ/⟨s,z⟩ + δsδsᵀ/⟨δs,δz⟩ + t·aaᵀ,   a = z × z̃/‖z × z̃‖,
//     t = μ‖∇²f* − s̃s̃ᵀ/3 − hhᵀ/(z̃ᵀ∇²f*z̃ − 3μ̃²)‖_F,   h = μ̃s̃ − ∇²f*z̃,
//   which satisfies Hz = s and Hz̃ = s̃; used unless (s, z) is (numerically) on the central path
//   or an inner product above is not positive, where it falls back to dual scaling at the
//   local μ.
#pragma once

#include <math.h>

#include "../hd.hpp"
#include "../vec.hpp"

namespace batchcone::kernels {

// ψ of a dual barrier at one point: value, gradient and Hessian (row-major 3×3).
struct Psi3 {
  double v, g[3], h[9];
};

// The parts of the w block of a 3-D nonsymmetric cone.
constexpr int kNonsymHs = 0;     // the scaling H (3×3 row-major, symmetric)
constexpr int kNonsymHd = 9;     // ∇²f*(z) at the scaling point
constexpr int kNonsymGrad = 18;  // ∇f*(z) at the scaling point
constexpr int kNonsymZ = 21;     // z at the scaling point
constexpr int kNonsymWSize = 24;

constexpr double kEps = 2.220446049250313e-16;

BC_HD double dot3(const double* a, const double* b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

BC_HD void matvec3(const double* m, const double* x, double* y) {
  for (int i = 0; i < 3; ++i) y[i] = m[3 * i] * x[0] + m[3 * i + 1] * x[1] + m[3 * i + 2] * x[2];
}

// Solves M x = b for symmetric positive definite M by Cholesky. False if M is not.
BC_HD bool chol_solve3(const double* m, const double* b, double* x) {
  const double l00 = m[0];
  if (!(l00 > 0.0)) return false;
  const double a = sqrt(l00), l10 = m[3] / a, l20 = m[6] / a;
  const double d1 = m[4] - l10 * l10;
  if (!(d1 > 0.0)) return false;
  const double b11 = sqrt(d1), l21 = (m[7] - l20 * l10) / b11;
  const double d2 = m[8] - l20 * l20 - l21 * l21;
  if (!(d2 > 0.0)) return false;
  const double c22 = sqrt(d2);
  const double y0 = b[0] / a, y1 = (b[1] - l10 * y0) / b11, y2 = (b[2] - l20 * y0 - l21 * y1) / c22;
  x[2] = y2 / c22;
  x[1] = (y1 - l21 * x[2]) / b11;
  x[0] = (y0 - l10 * x[1] - l20 * x[2]) / a;
  return true;
}

// The dual barrier value from ψ and the coefficients (σ applied by the caller through z).
BC_HD double nonsym_barrier_from(const Psi3& p, const double* c, const double* z_abs) {
  double f = -log(p.v);
  for (int i = 0; i < 3; ++i)
    if (c[i] != 0.0) f -= c[i] * log(z_abs[i]);
  return f;
}

// ∇f* and ∇²f* from ψ and the coefficients at z.
BC_HD void nonsym_grad_hess_from(const Psi3& p, const double* c, const double* z, double* g,
                                 double* h) {
  const double ip = 1.0 / p.v;
  for (int i = 0; i < 3; ++i) {
    g[i] = -p.g[i] * ip;
    for (int j = 0; j < 3; ++j) h[3 * i + j] = -p.h[3 * i + j] * ip + p.g[i] * p.g[j] * ip * ip;
    if (c[i] == 0.0) continue;  // no log term on this coordinate (z[i] may be 0)
    g[i] -= c[i] / z[i];
    h[4 * i] += c[i] / (z[i] * z[i]);
  }
}

// ∇³f*[u, v] from ψ, its contraction t = ∇³ψ[u, v] and the coefficients at z.
BC_HD void nonsym_third_from(const Psi3& p, const double* t, const double* c, const double* z,
                             const double* u, const double* v, double* out) {
  double hu[3], hv[3];
  matvec3(p.h, u, hu);
  matvec3(p.h, v, hv);
  const double gu = dot3(p.g, u), gv = dot3(p.g, v), uhv = dot3(u, hv);
  const double ip = 1.0 / p.v, ip2 = ip * ip;
  for (int i = 0; i < 3; ++i) {
    out[i] = -t[i] * ip + (hu[i] * gv + hv[i] * gu + p.g[i] * uhv) * ip2 -
             2.0 * p.g[i] * gu * gv * ip2 * ip;
    if (c[i] != 0.0) out[i] -= 2.0 * c[i] * u[i] * v[i] / (z[i] * z[i] * z[i]);
  }
}

// The largest α ∈ {α_max·βᵏ} with x + α·dx inside (in_cone), or 0 once α < α_min (also for a
// NaN α_max: the loop always ends).
template <class X, class F>
BC_HD double backtrack_in_cone(X x, X dx, double alpha_max, double alpha_min, double beta,
                               F in_cone) {
  double alpha = alpha_max;
  for (;;) {
    const double y[3] = {x[0] + alpha * dx[0], x[1] + alpha * dx[1], x[2] + alpha * dx[2]};
    if (in_cone(y)) return alpha;
    alpha *= beta;
    if (!(alpha >= alpha_min)) return 0.0;
  }
}

// Writes H = μ·∇²f* into hs.
BC_HD void nonsym_dual_scaling(const double* hd, double mu, double* hs) {
  for (int i = 0; i < 9; ++i) hs[i] = mu * hd[i];
}

// Primal–dual scaling at (s, z) given s̃ = ∇f*(z), ∇²f*(z) and z̃ = ∇f(s). Falls back to dual
// scaling at the local μ = ⟨s,z⟩/3 where the formula is not usable.
BC_HD void nonsym_primal_dual_scaling(const double* s, const double* z, const double* st,
                                      const double* hd, const double* zt, double* hs) {
  const double sz = dot3(s, z), mu = sz / 3.0, mut = dot3(st, zt) / 3.0;
  double ds[3], dz[3], hz[3], h[3];
  for (int i = 0; i < 3; ++i) ds[i] = s[i] + mu * st[i], dz[i] = z[i] + mu * zt[i];
  const double dsdz = dot3(ds, dz);
  matvec3(hd, zt, hz);
  const double de1 = mu * mut - 1.0, de2 = dot3(zt, hz) - 3.0 * mut * mut;
  if (!(fabs(de1) > sqrt(kEps) && fabs(de2) > kEps && sz > 0.0 && dsdz > 0.0)) {
    nonsym_dual_scaling(hd, mu, hs);
    return;
  }
  for (int i = 0; i < 3; ++i) h[i] = mut * st[i] - hz[i];
  double fro = 0.0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double e = hd[3 * i + j] - st[i] * st[j] / 3.0 - h[i] * h[j] / de2;
      fro += e * e;
    }
  const double t = mu * sqrt(fro);
  double a[3] = {z[1] * zt[2] - z[2] * zt[1], z[2] * zt[0] - z[0] * zt[2],
                 z[0] * zt[1] - z[1] * zt[0]};
  const double na = sqrt(dot3(a, a));
  for (int i = 0; i < 3; ++i) a[i] /= na;
  for (int i = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j)
      hs[3 * i + j] = hs[3 * j + i] = s[i] * s[j] / sz + ds[i] * ds[j] / dsdz + t * a[i] * a[j];
}

// Refreshes the scaling block w of one cone at interior (s, z): ∇f*, ∇²f*, z, and H by the
// primal–dual formula (dual_only false) or μ∇²f* (dual_only true, μ the global one).
// False if H is not finite.
template <class Cone, class V, class W>
BC_HD bool nonsym_update_scaling(const Cone& cone, V s, V z, W w, double mu, bool dual_only) {
  double sv[3] = {s[0], s[1], s[2]}, zv[3] = {z[0], z[1], z[2]};
  double g[3], hd[9], hs[9];
  cone.grad_hess(zv, g, hd);
  if (dual_only) {
    nonsym_dual_scaling(hd, mu, hs);
  } else {
    double zt[3];
    cone.primal_gradient(sv, zt);
    nonsym_primal_dual_scaling(sv, zv, g, hd, zt, hs);
  }
  for (int i = 0; i < 9; ++i) w[kNonsymHs + i] = hs[i], w[kNonsymHd + i] = hd[i];
  for (int i = 0; i < 3; ++i) w[kNonsymGrad + i] = g[i], w[kNonsymZ + i] = zv[i];
  for (int i = 0; i < 9; ++i)
    if (!isfinite(hs[i])) return false;
  return true;
}

// y = H x for the cone's scaling block.
template <class W, class X, class Y>
BC_HD void nonsym_mul_H(W w, X x, Y y) {
  for (int i = 0; i < 3; ++i)
    y[i] = w[kNonsymHs + 3 * i] * x[0] + w[kNonsymHs + 3 * i + 1] * x[1] +
           w[kNonsymHs + 3 * i + 2] * x[2];
}

// The corrector's d_s block: s + σμ∇f*(z) − η with η = ½∇³f*(z)[(∇²f*)⁻¹Δs_a, mΔz_a].
template <class Cone, class W, class V, class Y>
BC_HD void nonsym_combined_ds(const Cone& cone, W w, V s, V dz_a, V ds_a, double m,
                              double sigma_mu, Y out) {
  double hd[9], dsa[3], u[3], v[3], zc[3], eta[3] = {0.0, 0.0, 0.0};
  for (int i = 0; i < 9; ++i) hd[i] = w[kNonsymHd + i];
  for (int i = 0; i < 3; ++i) dsa[i] = ds_a[i], v[i] = m * dz_a[i], zc[i] = w[kNonsymZ + i];
  if (chol_solve3(hd, dsa, u)) {
    cone.third(zc, u, v, eta);
    for (int i = 0; i < 3; ++i) eta[i] *= 0.5;
  }
  for (int i = 0; i < 3; ++i) out[i] = s[i] + sigma_mu * w[kNonsymGrad + i] - eta[i];
}

// f*(z) + f(s) at (z + α dz, s + α ds): the cone's part of the central-path barrier; +∞ outside.
template <class Cone, class V>
BC_HD double nonsym_barrier(const Cone& cone, V z, V s, V dz, V ds, double alpha) {
  const double zc[3] = {z[0] + alpha * dz[0], z[1] + alpha * dz[1], z[2] + alpha * dz[2]};
  const double sc[3] = {s[0] + alpha * ds[0], s[1] + alpha * ds[1], s[2] + alpha * ds[2]};
  if (!cone.in_dual(zc) || !cone.in_primal(sc)) return INFINITY;
  double g[3];
  cone.primal_gradient(sc, g);
  const double zb[3] = {-g[0], -g[1], -g[2]};
  return cone.barrier(zc) + (-3.0 - cone.barrier(zb));
}

}  // namespace batchcone::kernels
