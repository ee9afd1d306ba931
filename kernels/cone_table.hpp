// SPDX-License-Identifier: Apache-2.0
// The composite cone K = K₁ × … × K_p as a flat table shared by the whole batch, and the
// composite operations the interior-point method needs, dispatched by kind with a switch
// (no virtual calls). Per-problem scaling state: w[m] (the cone's NT point: √(s/z) for
// NonNeg, w for SOC), eta[p] (SOC η), lambda[m] = Wz.
#pragma once

#include <math.h>

#include "cones/nonneg.hpp"
#include "cones/soc.hpp"
#include "cones/zero.hpp"
#include "hd.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

enum ConeKind : int { kZeroCone = 0, kNonNegCone = 1, kSocCone = 2 };

// SOCs with more rows than this are stored in the KKT matrix in sparse expanded form.
constexpr int kSocExpansionMinDim = 5;

struct ConeTable {
  int count;              // number of cones p
  const int* kind;        // ConeKind per cone
  const int* offset;      // first row of the cone in s and z
  const int* dim;         // rows of the cone
  int degree;             // ν = Σ barrier degrees (NonNeg: d, SOC: 1, Zero: 0)
};

// Shift v into the interior along e (initialization). All cones share one shift: with α the
// smallest margin and β the sum of positive margins, target = max(1, 0.1·β/ν); add −α + target
// when α ≤ 0 and target − α when 0 < α < target. The primal slack of a zero cone is set to 0.
template <class V>
BC_HD void cones_shift_to_interior(const ConeTable& k, V v, bool primal) {
  double alpha = INFINITY, beta = 0.0;
  for (int c = 0; c < k.count; ++c) {
    double a = INFINITY, b = 0.0;
    if (k.kind[c] == kNonNegCone) nonneg_margins(k.dim[c], v + k.offset[c], a, b);
    if (k.kind[c] == kSocCone) soc_margins(k.dim[c], v + k.offset[c], a, b);
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
    }
  }
}

// NT scaling of every cone at strictly interior (s, z). False if some cone is not interior.
template <class V, class W, class E, class L>
BC_HD bool cones_update_scaling(const ConeTable& k, V s, V z, W w, E eta, L lambda) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    bool ok = true;
    if (k.kind[c] == kZeroCone) fill(d, lambda + o, 0.0);
    if (k.kind[c] == kNonNegCone) ok = nonneg_update_scaling(d, s + o, z + o, w + o, lambda + o);
    if (k.kind[c] == kSocCone) {
      double e = 1.0;
      ok = soc_update_scaling(d, s + o, z + o, w + o, e, lambda + o);
      eta[c] = e;
    }
    if (!ok) return false;
  }
  return true;
}

// y = W x or y = W⁻¹ x (= W⁻ᵀ x; W is symmetric) cone by cone; zero-cone rows give 0.
template <class W, class E, class U, class V>
BC_HD void cones_mul_W(const ConeTable& k, W w, E eta, U x, V y, bool inverse) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone:
        if (inverse) nonneg_mul_Winv(d, w + o, x + o, y + o);
        else nonneg_mul_W(d, w + o, x + o, y + o);
        break;
      case kSocCone:
        if (inverse) soc_mul_Winv(d, w + o, eta[c], x + o, y + o);
        else soc_mul_W(d, w + o, eta[c], x + o, y + o);
        break;
    }
  }
}

// y = u ∘ v cone by cone (zero-cone rows give 0). y must not alias u or v.
template <class U, class V, class Y>
BC_HD void cones_jordan_mul(const ConeTable& k, U u, V v, Y y) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone: nonneg_jordan_mul(d, u + o, v + o, y + o); break;
      case kSocCone: soc_jordan_mul(d, u + o, v + o, y + o); break;
    }
  }
}

// y = λ \ v cone by cone (zero-cone rows give 0). y may alias v.
template <class L, class V, class Y>
BC_HD void cones_jordan_div(const ConeTable& k, L lambda, V v, Y y) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: fill(d, y + o, 0.0); break;
      case kNonNegCone: nonneg_jordan_div(d, lambda + o, v + o, y + o); break;
      case kSocCone: soc_jordan_div(d, lambda + o, v + o, y + o); break;
    }
  }
}

// y ← y + α·e cone by cone (e = 1 on NonNeg, (1, 0) on SOC, nothing on Zero).
template <class V>
BC_HD void cones_add_identity(const ConeTable& k, V y, double alpha) {
  for (int c = 0; c < k.count; ++c) {
    if (k.kind[c] == kNonNegCone) nonneg_unit_shift(k.dim[c], y + k.offset[c], alpha);
    if (k.kind[c] == kSocCone) soc_unit_shift(k.dim[c], y + k.offset[c], alpha);
  }
}

// The largest α ≤ alpha_max keeping x + α·dx in K (zero cones impose nothing).
template <class U, class V>
BC_HD double cones_step_length(const ConeTable& k, U x, V dx, double alpha_max) {
  double alpha = alpha_max;
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    if (k.kind[c] == kNonNegCone) alpha = nonneg_step_length(d, x + o, dx + o, alpha);
    if (k.kind[c] == kSocCone) alpha = soc_step_length(d, x + o, dx + o, alpha);
  }
  return alpha;
}

}  // namespace batchcone::kernels
