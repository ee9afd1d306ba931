// SPDX-License-Identifier: Apache-2.0
// The nonnegative orthant ℝᵈ₊ (self-dual). Jordan algebra: u∘v = (uᵢvᵢ), identity e = 1.
// NT scaling: W = diag(w), w = √(s/z), so WᵀWz = s, λ = Wz = W⁻ᵀs = √(s∘z), H = WᵀW = diag(s/z).
// Barrier degree d.
// Minty split (cone_table.hpp): z = max(v, 0), s = max(−v, 0), H = 0 where z > 0 and ∞ where
// s > 0.
#pragma once

#include <math.h>

#include "../hd.hpp"
#include "../vec.hpp"

namespace batchcone::kernels {

// Margins for the initial shift: α = minᵢ vᵢ (how far inside), β = Σ max(vᵢ, 0).
template <class V>
BC_HD void nonneg_margins(int d, V v, double& alpha, double& beta) {
  alpha = INFINITY;
  beta = 0.0;
  for (int i = 0; i < d; ++i) {
    alpha = dmin(alpha, v[i]);
    beta += dmax(v[i], 0.0);
  }
}

template <class V>
BC_HD void nonneg_unit_shift(int d, V v, double shift) {
  for (int i = 0; i < d; ++i) v[i] += shift;
}

// w = √(s/z), λ = √(s z). Fails (returns false) unless s, z are strictly inside.
template <class V, class W, class L>
BC_HD bool nonneg_update_scaling(int d, V s, V z, W w, L lambda) {
  for (int i = 0; i < d; ++i) {
    if (!(s[i] > 0.0 && z[i] > 0.0)) return false;
    w[i] = sqrt(s[i] / z[i]);
    lambda[i] = sqrt(s[i] * z[i]);
  }
  return true;
}

// y = W x (W diagonal and symmetric, so also Wᵀx).
template <class W, class U, class V>
BC_HD void nonneg_mul_W(int d, W w, U x, V y) {
  for (int i = 0; i < d; ++i) y[i] = w[i] * x[i];
}

// y = W⁻¹ x (= W⁻ᵀ x).
template <class W, class U, class V>
BC_HD void nonneg_mul_Winv(int d, W w, U x, V y) {
  for (int i = 0; i < d; ++i) y[i] = x[i] / w[i];
}

// The largest α ≤ alpha_max with x + α·dx ≥ 0.
template <class U, class V>
BC_HD double nonneg_step_length(int d, U x, V dx, double alpha_max) {
  double alpha = alpha_max;
  for (int i = 0; i < d; ++i)
    if (dx[i] < 0.0) alpha = dmin(alpha, -x[i] / dx[i]);
  return alpha;
}

}  // namespace batchcone::kernels

namespace batchcone::kernels {

// y = u ∘ v (elementwise).
template <class U, class V, class Y>
BC_HD void nonneg_jordan_mul(int d, U u, V v, Y y) {
  for (int i = 0; i < d; ++i) y[i] = u[i] * v[i];
}

// y = λ \ v, the solution of λ ∘ y = v (elementwise division).
template <class L, class V, class Y>
BC_HD void nonneg_jordan_div(int d, L lambda, V v, Y y) {
  for (int i = 0; i < d; ++i) y[i] = v[i] / lambda[i];
}

}  // namespace batchcone::kernels

namespace batchcone::kernels {

// The pair of v (z = Π(v), s = Π(−v)) and its limit scaling as w = √H: 0 on rows where z > 0
// (s stays 0), √h_inf where s > 0 (z stays 0), 1 at v = 0 (no derivative there).
template <class V, class Z, class S, class W>
BC_HD void nonneg_split_pair(int d, V v, Z z, S s, W w, double h_inf) {
  for (int i = 0; i < d; ++i) {
    const double vi = v[i];
    z[i] = dmax(vi, 0.0);
    s[i] = dmax(-vi, 0.0);
    w[i] = vi > 0.0 ? 0.0 : (vi < 0.0 ? sqrt(h_inf) : 1.0);
  }
}

}  // namespace batchcone::kernels
