// SPDX-License-Identifier: Apache-2.0
// The composite cone K = K₁ × … × K_p as a flat table shared by the whole batch, and the
// composite operations the interior-point method needs, dispatched by kind with a switch
// (no virtual calls).
//
// Per-problem scaling state: lambda[m] = Wz; eta[p] (SOC η); and w, whose block for cone c
// starts at woff[c]: NonNeg √(s/z) (d), SOC the NT point w (d), PSD [R, R⁻¹, work] (see
// psd_w_size). Operations that need scratch for a PSD cone use the work part of its w block.
#pragma once

#include <math.h>

#include "cones/nonneg.hpp"
#include "cones/psd.hpp"
#include "cones/soc.hpp"
#include "cones/zero.hpp"
#include "hd.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

enum ConeKind : int { kZeroCone = 0, kNonNegCone = 1, kSocCone = 2, kPsdCone = 3 };

// SOCs with more rows than this are stored in the KKT matrix in sparse expanded form.
constexpr int kSocExpansionMinDim = 5;

// Size of a PSD cone's w block for side k: R, R⁻¹ (k² each), work (4k² + k), three svec
// vectors (d each) for assembling H.
BC_HD int psd_w_size(int k) { return 6 * k * k + k + 3 * (k * (k + 1) / 2); }

// Offset of the scratch part of a PSD w block.
BC_HD int psd_work_offset(int k) { return 2 * k * k; }

struct ConeTable {
  int count;          // number of cones p
  const int* kind;    // ConeKind per cone
  const int* offset;  // first row of the cone in s and z
  const int* dim;     // rows of the cone (PSD: k(k+1)/2)
  const int* woff;    // start of the cone's block in w
  int w_size;         // length of w
  int degree;         // ν = Σ barrier degrees (NonNeg: d, SOC: 1, PSD: k, Zero: 0)
};

enum WOp : int { kApplyW = 0, kApplyWt = 1, kApplyWinvT = 2 };  // W, Wᵀ, W⁻ᵀ

// Shift v into the interior along e (initialization). All cones share one shift: with α the
// smallest margin and β the sum of positive margins, target = max(1, 0.1·β/ν); add −α + target
// when α ≤ 0 and target − α when 0 < α < target. The primal slack of a zero cone is set to 0.
// w: scratch only (no scaling exists yet).
template <class V, class W>
BC_HD void cones_shift_to_interior(const ConeTable& k, V v, bool primal, W w) {
  double alpha = INFINITY, beta = 0.0;
  for (int c = 0; c < k.count; ++c) {
    double a = INFINITY, b = 0.0;
    const int o = k.offset[c], d = k.dim[c];
    if (k.kind[c] == kNonNegCone) nonneg_margins(d, v + o, a, b);
    if (k.kind[c] == kSocCone) soc_margins(d, v + o, a, b);
    if (k.kind[c] == kPsdCone) psd_margins(psd_side(d), v + o, a, b, w + k.woff[c]);
    alpha = dmin(alpha, a);
    beta += b;
  }
  double shift = 0.0;
  if (k.degree > 0) {
    const double target = dmax(1.0, 0.1 * beta / k.degree);
    shift = (alpha <= 0.0) ? -alpha + target : (alpha < target ? target - alpha : 0.0);
  }
  for (int c = 0; c < k.count; ++c) {
    V vc = v + k.offset[c];
    switch (k.kind[c]) {
      case kZeroCone:
        if (primal) zero_project_primal(k.dim[c], vc);
        break;
      case kNonNegCone: nonneg_unit_shift(k.dim[c], vc, shift); break;
      case kSocCone: soc_unit_shift(k.dim[c], vc, shift); break;
      case kPsdCone: psd_unit_shift(psd_side(k.dim[c]), vc, shift); break;
    }
  }
}

// NT scaling of every cone at strictly interior (s, z). False if some cone is not interior.
template <class V, class W, class E, class L>
BC_HD bool cones_update_scaling(const ConeTable& k, V s, V z, W w, E eta, L lambda) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const W wc = w + k.woff[c];
    bool ok = true;
    switch (k.kind[c]) {
      case kZeroCone: fill(d, lambda + o, 0.0); break;
      case kNonNegCone: ok = nonneg_update_scaling(d, s + o, z + o, wc, lambda + o); break;
      case kSocCone: {
        double e = 1.0;
        ok = soc_update_scaling(d, s + o, z + o, wc, e, lambda + o);
        eta[c] = e;
        break;
      }
      case kPsdCone: {
        const int side = psd_side(d);
        ok = psd_update_scaling(side, s + o, z + o, wc, lambda + o, wc + psd_work_offset(side));
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

// y = op(x) cone by cone, op = W, Wᵀ or W⁻ᵀ (NonNeg and SOC: W is symmetric); zero cones give
// 0. y must not alias x.
template <class W, class E, class U, class V>
BC_HD void cones_mul_W(const ConeTable& k, W w, E eta, U x, V y, WOp op) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const W wc = w + k.woff[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone:
        if (op == kApplyWinvT) nonneg_mul_Winv(d, wc, x + o, y + o);
        else nonneg_mul_W(d, wc, x + o, y + o);
        break;
      case kSocCone:
        if (op == kApplyWinvT) soc_mul_Winv(d, wc, eta[c], x + o, y + o);
        else soc_mul_W(d, wc, eta[c], x + o, y + o);
        break;
      case kPsdCone: {
        const int side = psd_side(d);
        const W g = (op == kApplyWinvT) ? wc + side * side : wc;  // R⁻¹ or R
        psd_congruence(side, g, op == kApplyW, x + o, y + o, wc + psd_work_offset(side));
        break;
      }
    }
  }
}

// y = u ∘ v cone by cone (zero-cone rows give 0). y must not alias u or v. w: PSD scratch.
template <class U, class V, class Y, class W>
BC_HD void cones_jordan_mul(const ConeTable& k, U u, V v, Y y, W w) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone: nonneg_jordan_mul(d, u + o, v + o, y + o); break;
      case kSocCone: soc_jordan_mul(d, u + o, v + o, y + o); break;
      case kPsdCone: {
        const int side = psd_side(d);
        psd_jordan_mul(side, u + o, v + o, y + o, w + k.woff[c] + psd_work_offset(side));
        break;
      }
    }
  }
}

// y = λ \ v cone by cone, for λ = Wz (diagonal on PSD cones); zero-cone rows give 0. y may
// alias v.
template <class L, class V, class Y>
BC_HD void cones_jordan_div(const ConeTable& k, L lambda, V v, Y y) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone: nonneg_jordan_div(d, lambda + o, v + o, y + o); break;
      case kSocCone: soc_jordan_div(d, lambda + o, v + o, y + o); break;
      case kPsdCone: psd_jordan_div(psd_side(d), lambda + o, v + o, y + o); break;
    }
  }
}

// y ← y + α·e cone by cone (e = 1 on NonNeg, (1, 0) on SOC, svec I on PSD, nothing on Zero).
template <class V>
BC_HD void cones_add_identity(const ConeTable& k, V y, double alpha) {
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] == kNonNegCone) nonneg_unit_shift(k.dim[c], y + k.offset[c], alpha);
    if (k.kind[c] == kSocCone) soc_unit_shift(k.dim[c], y + k.offset[c], alpha);
    if (k.kind[c] == kPsdCone) psd_unit_shift(psd_side(k.dim[c]), y + k.offset[c], alpha);
  }
}

// The largest α ≤ alpha_max keeping x + α·dx in K (zero cones impose nothing). w: PSD scratch.
template <class U, class V, class W>
BC_HD double cones_step_length(const ConeTable& k, U x, V dx, double alpha_max, W w) {
  double alpha = alpha_max;
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    if (k.kind[c] == kNonNegCone) alpha = nonneg_step_length(d, x + o, dx + o, alpha);
    if (k.kind[c] == kSocCone) alpha = soc_step_length(d, x + o, dx + o, alpha);
    if (k.kind[c] == kPsdCone) {
      const int side = psd_side(d);
      alpha = psd_step_length(side, x + o, dx + o, alpha, w + k.woff[c] + psd_work_offset(side));
    }
  }
  return alpha;
}

}  // namespace batchcone::kernels
