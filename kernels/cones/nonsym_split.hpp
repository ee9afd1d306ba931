// SPDX-License-Identifier: Apache-2.0
// The Minty split of a 3-D nonsymmetric cone (exponential, power; see cone_table.hpp): for
// v ∈ ℝ³ the unique pair
//   z = Π_{K*}(v),  s = Π_K(−v),   so v = z − s,  s ∈ K,  z ∈ K*,  ⟨s, z⟩ = 0,
// and its limit scaling H = D⁺(I − D), D = DΠ_{K*}(v). The cases follow the structure of
// Friberg's exponential-cone projection (2021):
//   v ∈ K*:  z = v, s = 0, H = 0;      −v ∈ K:  s = −v, z = 0, H = ∞·I;
//   a degenerate face of the cone (the cone's face_split);
//   otherwise a complementary boundary pair on the cone's curve s = y·ŝ(t), z = r·ẑ(t)
//   (ŝ ∈ ∂K, ẑ ∈ ∂K* its normal, ⟨ŝ, ẑ⟩ = 0, y, r > 0). Then v = r·ẑ(t) − y·ŝ(t) lies in the
//   plane of ŝ(t) and ẑ(t), so t is the root of g(t) = ⟨v, ŝ(t) × ẑ(t)⟩ (Newton's method from
//   the current pair's t; if that fails, from a sign change of g found by scanning t), and
//   y = −⟨v, ŝ⟩/‖ŝ‖², r = ⟨v, ẑ⟩/‖ẑ‖².
// The scaling at a boundary pair: moving y moves s alone (D ŝ = 0, H is infinite along ŝ),
// moving r moves z alone (D ẑ = ẑ, H ẑ = 0), and moving t gives ds = y·a dt, dz = r·b dt on
// the third axis q = ŝ × ẑ/‖ŝ × ẑ‖ (a = ŝ', b = ẑ'), where ds = −H dz reads
//   γ = −(y/r)·⟨a, q⟩/⟨b, q⟩,   H = big·n nᵀ + γ·q qᵀ,   n = ŝ/‖ŝ‖,   big = h_inf·max(1, γ).
// Besides the explicit block (for the KKT matrix) the split keeps H's eigen-form in the w block
// (kNonsymSplitFrame): the derivative solves apply H through it, because the explicit entries
// carry the rounding of big (~1e-16·big) into the O(1) tangent curvature.
#pragma once

#include <math.h>

#include "nonsym3.hpp"

namespace batchcone::kernels {

// Where the split's eigen-form of H lives in a nonsymmetric cone's w block (over the slots of
// ∇²f* and ∇f*, which the split does not use): orthonormal e₀, e₁, e₂ (3 each), then λ₀, λ₁, λ₂,
// with H = Σₖ λₖ eₖeₖᵀ.
constexpr int kNonsymSplitFrame = kNonsymHd;
constexpr int kNonsymSplitFrameSize = 12;

// y = H x from the split's eigen-form.
template <class W, class X, class Y>
BC_HD void nonsym_mul_split_H(W w, X x, Y y) {
  const W f = w + kNonsymSplitFrame;
  const double xv[3] = {x[0], x[1], x[2]};
  double out[3] = {0.0, 0.0, 0.0};
  for (int k = 0; k < 3; ++k) {
    const double c = f[9 + k] * (f[3 * k] * xv[0] + f[3 * k + 1] * xv[1] + f[3 * k + 2] * xv[2]);
    for (int i = 0; i < 3; ++i) out[i] += c * f[3 * k + i];
  }
  for (int i = 0; i < 3; ++i) y[i] = out[i];
}

// frame ← the eigen-form with the coordinate axes as eigenvectors and eigenvalues diag.
BC_HD void nonsym_axis_frame(const double* diag, double* frame) {
  for (int i = 0; i < 9; ++i) frame[i] = (i % 4 == 0) ? 1.0 : 0.0;
  for (int k = 0; k < 3; ++k) frame[9 + k] = diag[k];
}

BC_HD void cross3(const double* a, const double* b, double* c) {
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

// Newton's method for the root t of g(t) = ⟨v, ŝ(t) × ẑ(t)⟩, from t. False if it does not
// converge to a finite t.
template <class Cone>
BC_HD bool nonsym_curve_root(const Cone& cone, const double* v, double sign, double& t) {
  for (int it = 0; it < 60; ++it) {
    double sh[3], zh[3], a[3], b[3], c[3], ca[3], cb[3];
    cone.curve(t, sign, sh, zh, a, b);
    cross3(sh, zh, c);
    cross3(a, zh, ca);
    cross3(sh, b, cb);
    const double g = dot3(v, c), dg = dot3(v, ca) + dot3(v, cb);
    const double step = g / dg;
    if (!isfinite(step)) return g == 0.0;
    t -= step;
    if (!isfinite(t)) return false;
    if (fabs(step) <= 1e-15 * (1.0 + fabs(t))) return true;
  }
  return false;
}

// The boundary-pair case: s, z and H (row-major 3×3) from the curve's root. False unless the
// root gives y, r > 0, a positive curvature γ and a pair that reproduces v.
template <class Cone>
BC_HD bool nonsym_boundary_split(const Cone& cone, const double* v, double t, double sign,
                                 double* z, double* s, double* hs, double* frame, double h_inf) {
  if (!nonsym_curve_root(cone, v, sign, t)) return false;
  double sh[3], zh[3], a[3], b[3], q[3];
  cone.curve(t, sign, sh, zh, a, b);
  const double ns2 = dot3(sh, sh), nz2 = dot3(zh, zh);
  const double y = -dot3(v, sh) / ns2, r = dot3(v, zh) / nz2;
  if (!(y > 0.0 && r > 0.0)) return false;
  double miss = 0.0;
  for (int i = 0; i < 3; ++i) {
    s[i] = y * sh[i], z[i] = r * zh[i];
    miss = dmax(miss, fabs(z[i] - s[i] - v[i]));
  }
  if (!(miss <= 1e-10 * sqrt(dot3(v, v)))) return false;
  cross3(sh, zh, q);
  const double nq = sqrt(dot3(q, q));
  for (int i = 0; i < 3; ++i) q[i] /= nq;
  const double gamma = -(y / r) * dot3(a, q) / dot3(b, q);
  if (!(gamma > 0.0 && isfinite(gamma))) return false;
  const double big = h_inf * dmax(1.0, gamma), nn = sqrt(ns2);
  const double n[3] = {sh[0] / nn, sh[1] / nn, sh[2] / nn};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) hs[3 * i + j] = big * n[i] * n[j] + gamma * q[i] * q[j];
  for (int i = 0; i < 3; ++i)  // eigenvectors n, q and ẑ/‖ẑ‖ (= q × n)
    frame[i] = n[i], frame[3 + i] = q[i],
    frame[6 + i] = q[(i + 1) % 3] * n[(i + 2) % 3] - q[(i + 2) % 3] * n[(i + 1) % 3];
  frame[9] = big, frame[10] = gamma, frame[11] = 0.0;
  return true;
}

// A start for Newton's method when the current pair's t did not converge: the first sign change
// of ⟨v, q(t)⟩ (q the unit normal of the plane of ŝ, ẑ: bounded, unlike g) on a grid of t where
// the pair's y and r are positive, narrowed by bisection. False if there is none.
template <class Cone>
BC_HD bool nonsym_curve_bracket(const Cone& cone, const double* v, double sign, double& t) {
  auto side = [&](double u, bool& valid) {
    double sh[3], zh[3], a[3], b[3], q[3];
    cone.curve(u, sign, sh, zh, a, b);
    cross3(sh, zh, q);
    valid = dot3(v, sh) < 0.0 && dot3(v, zh) > 0.0;  // y > 0 and r > 0
    return dot3(v, q) / sqrt(dot3(q, q));
  };
  constexpr double kLo = -40.0, kHi = 40.0, kStep = 0.25;
  bool valid_lo = false;
  double lo = kLo, g_lo = side(lo, valid_lo);
  for (double hi = kLo + kStep; hi <= kHi; hi += kStep) {
    bool valid_hi = false;
    const double g_hi = side(hi, valid_hi);
    if (valid_lo && valid_hi && (g_lo <= 0.0) != (g_hi <= 0.0)) {
      for (int it = 0; it < 30; ++it) {
        const double mid = 0.5 * (lo + hi);
        bool valid_mid = false;
        const double g_mid = side(mid, valid_mid);
        if ((g_mid <= 0.0) == (g_lo <= 0.0))
          lo = mid, g_lo = g_mid;
        else
          hi = mid;
      }
      t = 0.5 * (lo + hi);
      return true;
    }
    lo = hi, g_lo = g_hi, valid_lo = valid_hi;
  }
  return false;
}

// The split of v (see the header): z, s, the explicit H (row-major) and its eigen-form (frame,
// see kNonsymSplitFrame). On entry z and s hold the current pair, whose curve parameter starts
// the root search. False where no case applies (the root search failed).
template <class Cone>
BC_HD bool nonsym_split(const Cone& cone, const double* v, double* z, double* s, double* hs,
                        double* frame, double h_inf) {
  const double minus_v[3] = {-v[0], -v[1], -v[2]};
  const bool z_side = cone.in_dual(v), s_side = !z_side && cone.in_primal(minus_v);
  if (z_side || s_side) {
    for (int i = 0; i < 3; ++i) z[i] = z_side ? v[i] : 0.0, s[i] = z_side ? 0.0 : minus_v[i];
    for (int i = 0; i < 9; ++i) hs[i] = (s_side && i % 4 == 0) ? h_inf : 0.0;
    const double h = s_side ? h_inf : 0.0, diag[3] = {h, h, h};
    nonsym_axis_frame(diag, frame);
    return true;
  }
  double zf[3], sf[3];
  if (cone.face_split(v, zf, sf, hs, h_inf)) {  // the faces' H is diagonal
    for (int i = 0; i < 3; ++i) z[i] = zf[i], s[i] = sf[i];
    const double diag[3] = {hs[0], hs[4], hs[8]};
    nonsym_axis_frame(diag, frame);
    return true;
  }
  double t = 0.0, sign = 1.0;
  if (cone.curve_parameter(s, z, v, t, sign) &&
      nonsym_boundary_split(cone, v, t, sign, z, s, hs, frame, h_inf))
    return true;
  return nonsym_curve_bracket(cone, v, sign, t) &&
         nonsym_boundary_split(cone, v, t, sign, z, s, hs, frame, h_inf);
}

}  // namespace batchcone::kernels
