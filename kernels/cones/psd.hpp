// SPDX-License-Identifier: Apache-2.0
// The cone of positive semidefinite k×k matrices in svec form (Clarabel's PSDTriangle):
// the upper triangle column by column, off-diagonals scaled by √2, so ⟨svec X, svec Y⟩ = tr(XY);
// entry (i ≤ j) at j(j+1)/2 + i, d = k(k+1)/2 rows, self-dual, barrier degree k.
// Jordan algebra: X∘Y = (XY + YX)/2, identity e = svec(I).
//
// NT scaling: with S = L₁L₁ᵀ, Z = L₂L₂ᵀ (Cholesky) and the SVD L₂ᵀL₁ = UΛVᵀ,
//   R = L₁VΛ^{-1/2},  R⁻¹ = Λ^{-1/2}UᵀL₂ᵀ,  W(X) = RᵀXR,  Wᵀ(Y) = RYRᵀ,  W⁻ᵀ(X) = R⁻¹XR⁻ᵀ,
// so W(Z) = W⁻ᵀ(S) = Λ (λ = svec Λ, diagonal) and H = WᵀW: X ↦ (RRᵀ)X(RRᵀ).
// Per-cone storage: R and R⁻¹ (2k², in the cone's aux block); work: 4k² + k.
#pragma once

#include <math.h>

#include "../dense.hpp"
#include "../hd.hpp"
#include "../vec.hpp"

namespace batchcone::kernels {

constexpr double kSqrt2 = 1.4142135623730951;

BC_HD int psd_side(int d) {
  int k = 0;
  while ((k + 1) * (k + 2) / 2 <= d) ++k;
  return k;
}

BC_HD int svec_index(int i, int j) { return i <= j ? j * (j + 1) / 2 + i : i * (i + 1) / 2 + j; }

// m ← mat(v) (full symmetric, column-major).
template <class V, class M>
BC_HD void psd_mat(int k, V v, M m) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i) {
      const double x = (i == j) ? v[svec_index(i, j)] : v[svec_index(i, j)] / kSqrt2;
      m[i + k * j] = x;
      m[j + k * i] = x;
    }
}

// v ← svec(m) of the symmetric part of m.
template <class M, class V>
BC_HD void psd_svec(int k, M m, V v) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i)
      v[svec_index(i, j)] = (i == j) ? m[i + k * j] : kSqrt2 * 0.5 * (m[i + k * j] + m[j + k * i]);
}

// log det mat(x + α·dx), or −∞ unless it is positive definite. work: k².
template <class U, class V, class Wk>
BC_HD double psd_log_det(int k, U x, V dx, double alpha, Wk work) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i) {
      const int t = svec_index(i, j);
      const double v = (x[t] + alpha * dx[t]) / (i == j ? 1.0 : kSqrt2);
      work[i + k * j] = work[j + k * i] = v;
    }
  if (!dense_cholesky(k, work)) return -INFINITY;
  double acc = 0.0;
  for (int i = 0; i < k; ++i) acc += 2.0 * log(work[i + k * i]);
  return acc;
}

// Margins for the initial shift: α = λ_min(mat v), β = Σ max(λᵢ, 0). work: k² + k.
template <class V, class Wk>
BC_HD void psd_margins(int k, V v, double& alpha, double& beta, Wk work) {
  psd_mat(k, v, work);
  dense_eigenvalues(k, work, work + k * k);
  alpha = INFINITY, beta = 0.0;
  for (int i = 0; i < k; ++i) {
    alpha = dmin(alpha, work[k * k + i]);
    beta += dmax(work[k * k + i], 0.0);
  }
}

template <class V>
BC_HD void psd_unit_shift(int k, V v, double shift) {
  for (int i = 0; i < k; ++i) v[svec_index(i, i)] += shift;
}

// Y = op(X) for op = W (RᵀXR), Wᵀ (RXRᵀ) or W⁻ᵀ (R⁻¹XR⁻ᵀ), given G = R or R⁻¹ and whether
// the product is GᵀXG (first) or GXGᵀ. work: 2k².
template <class G, class U, class V, class Wk>
BC_HD void psd_congruence(int k, G g, bool gt_x_g, U x, V y, Wk work) {
  Wk xm = work, t = work + k * k;
  psd_mat(k, x, xm);
  dense_gemm(k, g, gt_x_g, xm, false, t);   // Gᵀ X  or  G X
  dense_gemm(k, t, false, g, !gt_x_g, xm);  // (Gᵀ X) G  or  (G X) Gᵀ
  psd_svec(k, xm, y);
}

// NT scaling: R, R⁻¹ (into aux: R then R⁻¹) and λ = svec Λ. False unless S, Z ≻ 0.
// work: 4k² + k.
template <class V, class Ax, class L, class Wk>
BC_HD bool psd_update_scaling(int k, V s, V z, Ax aux, L lambda, Wk work) {
  Wk l1 = work, l2 = work + k * k, m = work + 2 * k * k, v = work + 3 * k * k,
     sig = work + 4 * k * k;
  psd_mat(k, s, l1);
  psd_mat(k, z, l2);
  if (!dense_cholesky(k, l1) || !dense_cholesky(k, l2)) return false;
  dense_gemm(k, l2, true, l1, false, m);  // L₂ᵀL₁
  dense_svd(k, m, sig, v);                // m ← U
  for (int i = 0; i < k; ++i)
    if (!(sig[i] > 0.0)) return false;
  Ax r = aux, rinv = aux + k * k;
  for (int j = 0; j < k; ++j)  // R = L₁ V Λ^{-1/2}
    for (int i = 0; i < k; ++i) {
      double acc = 0.0;
      for (int p = 0; p < k; ++p) acc += l1[i + k * p] * v[p + k * j];
      r[i + k * j] = acc / sqrt(sig[j]);
    }
  for (int j = 0; j < k; ++j)  // R⁻¹ = Λ^{-1/2} Uᵀ L₂ᵀ
    for (int i = 0; i < k; ++i) {
      double acc = 0.0;
      for (int p = 0; p < k; ++p) acc += m[p + k * i] * l2[j + k * p];
      rinv[i + k * j] = acc / sqrt(sig[i]);
    }
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i) lambda[svec_index(i, j)] = (i == j) ? sig[i] : 0.0;
  return true;
}

// y = u ∘ v = svec((UV + VU)/2). work: 3k².
template <class U, class V, class Y, class Wk>
BC_HD void psd_jordan_mul(int k, U u, V v, Y y, Wk work) {
  Wk um = work, vm = work + k * k, p = work + 2 * k * k;
  psd_mat(k, u, um);
  psd_mat(k, v, vm);
  dense_gemm(k, um, false, vm, false, p);  // UV; svec symmetrizes (UV + (UV)ᵀ)/2 = (UV + VU)/2
  psd_svec(k, p, y);
}

// y = λ \ v for diagonal λ = svec Λ: Yᵢⱼ = 2Vᵢⱼ/(λᵢ + λⱼ) (the √2 of svec cancels).
template <class L, class V, class Y>
BC_HD void psd_jordan_div(int k, L lambda, V v, Y y) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i <= j; ++i) {
      const int t = svec_index(i, j);
      y[t] = 2.0 * v[t] / (lambda[svec_index(i, i)] + lambda[svec_index(j, j)]);
    }
}

// The largest α ≤ alpha_max with X + αD ⪰ 0 for X ≻ 0: with X = LLᵀ, α = −1/λ_min(L⁻¹DL⁻ᵀ)
// when that is negative. work: 2k² + k.
template <class U, class V, class Wk>
BC_HD double psd_step_length(int k, U x, V dx, double alpha_max, Wk work) {
  Wk l = work, m = work + k * k;
  psd_mat(k, x, l);
  if (!dense_cholesky(k, l)) return 0.0;
  psd_mat(k, dx, m);
  for (int j = 0; j < k; ++j) dense_lower_solve(k, l, m + k * j);  // L⁻¹D
  for (int j = 0; j < k; ++j)                                        // (L⁻¹D)ᵀ = DL⁻ᵀ
    for (int i = j + 1; i < k; ++i) {
      const double t = m[i + k * j];
      m[i + k * j] = m[j + k * i];
      m[j + k * i] = t;
    }
  for (int j = 0; j < k; ++j) dense_lower_solve(k, l, m + k * j);  // L⁻¹DL⁻ᵀ
  dense_eigenvalues(k, m, work + 2 * k * k);
  double lmin = INFINITY;
  for (int i = 0; i < k; ++i) lmin = dmin(lmin, work[2 * k * k + i]);
  return lmin < 0.0 ? dmin(alpha_max, -1.0 / lmin) : alpha_max;
}

// The pair of v and its limit scaling (Minty split, cone_table.hpp). With mat v = QΛQᵀ:
//   Z = Q Λ₊ Qᵀ,  S = Q Λ₋ Qᵀ  (Λ₊ = max(Λ, 0), Λ₋ = max(−Λ, 0)).
// D = DΠ(v) acts on the entries of QᵀXQ as θᵢⱼ = (λᵢ₊ − λⱼ₊)/(λᵢ − λⱼ): 1 where both λ > 0, 0
// where both < 0, λᵢ/(λᵢ − λⱼ) on mixed pairs; so H = D⁺(I − D) is 0, ∞ and |λⱼ|/λᵢ there. That
// is the Kronecker form X ↦ GXG, G = Q diag(g) Qᵀ, with gᵢ = δ/λᵢ (λᵢ > 0) and gⱼ = |λⱼ|/δ
// (λⱼ ≤ 0): mixed entries gᵢgⱼ are exact for any δ, and δ = min|λ|/√h_inf makes the entries
// between two positive λ at most 1/h_inf and between two nonpositive ones at least h_inf. It is
// stored as the NT factors R = Q diag(√g), R⁻¹ = diag(1/√g) Qᵀ (0 when every λ > 0: H = 0).
// Eigenvalues below 1e-14·max|λ| in magnitude count as that size (a degenerate pair).
// work: 3k² + k.
template <class V, class Z, class S, class Ax, class Wk>
BC_HD void psd_split_pair(int k, V v, Z z, S s, Ax aux, Wk work, double h_inf) {
  Wk a = work, q = work + k * k, lam = work + 2 * k * k, m = lam + k;
  psd_mat(k, v, a);
  dense_eigh(k, a, lam, q, true);
  for (int side = 0; side < 2; ++side) {  // Z from Λ₊, then S from Λ₋
    for (int c = 0; c < k; ++c)
      for (int r = 0; r < k; ++r) {
        double acc = 0.0;
        for (int i = 0; i < k; ++i)
          acc += q[r + k * i] * dmax(side ? -lam[i] : lam[i], 0.0) * q[c + k * i];
        m[r + k * c] = acc;
      }
    if (side)
      psd_svec(k, m, s);
    else
      psd_svec(k, m, z);
  }
  double top = 0.0, low = INFINITY;
  bool any_s = false;
  for (int i = 0; i < k; ++i) top = dmax(top, fabs(lam[i]));
  for (int i = 0; i < k; ++i) {
    low = dmin(low, dmax(fabs(lam[i]), 1e-14 * top));
    any_s = any_s || !(lam[i] > 0.0);
  }
  const double delta = low / sqrt(h_inf);
  Ax r = aux, rinv = aux + k * k;
  for (int j = 0; j < k; ++j) {
    const double mag = dmax(fabs(lam[j]), 1e-14 * top);
    const double g = !any_s ? 0.0 : (lam[j] > 0.0 ? delta / mag : mag / delta);
    const double rg = sqrt(g);
    for (int i = 0; i < k; ++i) {
      r[i + k * j] = q[i + k * j] * rg;
      rinv[j + k * i] = g > 0.0 ? q[i + k * j] / rg : 0.0;
    }
  }
}

}  // namespace batchcone::kernels
