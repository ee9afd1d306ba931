// SPDX-License-Identifier: Apache-2.0
// The composite cone K = K₁ × … × K_p as a flat table shared by the whole batch, and the
// composite operations the interior-point method needs, dispatched by kind with a switch
// (no virtual calls).
//
// Per-problem scaling state: lambda[m] = Wz; eta[p] (SOC η); and w, whose block for cone c
// starts at woff[c]: NonNeg √(s/z) (d), SOC the NT point w (d), PSD [R, R⁻¹, work] (see
// psd_w_size), exp/pow [H, ∇²f*, ∇f*, z] (kNonsymWSize, see cones/nonsym3.hpp). Operations that
// need scratch for a PSD cone use the work part of its w block.
//
// Symmetric cones (Zero, NonNeg, SOC, PSD) use NT scaling and Jordan algebra; the NT and Jordan
// operations below leave the rows of nonsymmetric cones (exp, pow) at zero, and the nonsym_*
// passes fill those rows with the barrier-based forms (Clarabel's split of the two families).
#pragma once

#include <math.h>

#include "cones/exp.hpp"
#include "cones/nonneg.hpp"
#include "cones/nonsym_split.hpp"
#include "cones/pow.hpp"
#include "cones/psd.hpp"
#include "cones/soc.hpp"
#include "cones/zero.hpp"
#include "hd.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

enum ConeKind : int {
  kZeroCone = 0,
  kNonNegCone = 1,
  kSocCone = 2,
  kPsdCone = 3,
  kExpCone = 4,
  kPowCone = 5
};

BC_HD bool is_nonsym(int kind) { return kind == kExpCone || kind == kPowCone; }

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
  int degree;         // ν = Σ barrier degrees (NonNeg: d, SOC: 1, PSD: k, exp/pow: 3, Zero: 0)
  int nonsym = 0;     // number of exp and pow cones (nonzero: unit start, barrier steps)
  const double* alpha = nullptr;  // per cone: the power cone's α (0 for other kinds)
};

// Calls f(cone) with the ExpCone or PowCone object of nonsymmetric cone c.
template <class F>
BC_HD void with_nonsym_cone(const ConeTable& k, int c, F&& f) {
  if (k.kind[c] == kExpCone) f(ExpCone{});
  else f(PowCone{k.alpha[c]});
}

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

// Scaling of every cone at strictly interior (s, z): NT for symmetric cones, and for exp/pow
// the primal–dual scaling or, with dual_only, μ∇²f*(z). False if some cone is not interior.
template <class V, class W, class E, class L>
BC_HD bool cones_update_scaling(const ConeTable& k, V s, V z, W w, E eta, L lambda,
                                double mu = 1.0, bool dual_only = false) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const W wc = w + k.woff[c];
    bool ok = true;
    switch (k.kind[c]) {
      case kExpCone:
      case kPowCone:
        fill(d, lambda + o, 0.0);
        with_nonsym_cone(k, c, [&](const auto& cone) {
          ok = nonsym_update_scaling(cone, s + o, z + o, wc, mu, dual_only);
        });
        break;
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
      case kZeroCone:
      case kExpCone:
      case kPowCone: fill(d, y + o, 0.0); break;
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
      case kZeroCone:
      case kExpCone:
      case kPowCone: fill(d, y + o, 0.0); break;
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
      case kZeroCone:
      case kExpCone:
      case kPowCone: fill(d, y + o, 0.0); break;
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

// The largest α ≤ alpha_max keeping x + α·dx in the symmetric cones of K (zero cones impose
// nothing). w: PSD scratch.
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

// Unit start (any nonsymmetric cone present): s = z = each cone's central point at μ = 1,
// e on NonNeg/SOC/PSD, 0 on Zero, the cone's unit point on exp/pow.
template <class V>
BC_HD void cones_unit_initialization(const ConeTable& k, int m, V s, V z) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    fill(d, s + o, 0.0);
    if (is_nonsym(k.kind[c])) {
      with_nonsym_cone(k, c, [&](const auto& cone) {
        double u[3];
        cone.unit_point(u);
        for (int i = 0; i < 3; ++i) s[o + i] = u[i];
      });
    }
  }
  cones_add_identity(k, s, 1.0);
  copy(m, s, z);
}

// The largest α on the ladder alpha_max·βⁱ (0 below alpha_min) keeping x + α·dx inside every
// nonsymmetric cone: primal cones for s, dual cones (dual = true) for z.
template <class U, class V>
BC_HD double nonsym_step_length(const ConeTable& k, U x, V dx, double alpha_max, bool dual,
                                double alpha_min, double beta) {
  double alpha = alpha_max;
  for (int c = 0; c < k.count && alpha > 0.0; ++c) {
    if (!is_nonsym(k.kind[c])) continue;
    const int o = k.offset[c];
    with_nonsym_cone(k, c, [&](const auto& cone) {
      auto inside = [&](const double* y) { return dual ? cone.in_dual(y) : cone.in_primal(y); };
      alpha = backtrack_in_cone(x + o, dx + o, alpha, alpha_min, beta, inside);
    });
  }
  return alpha;
}

// dsv ← s + σμ∇f*(z) − ½∇³f*(z)[(∇²f*)⁻¹Δs_a, mΔz_a] on the rows of nonsymmetric cones.
template <class W, class V, class Y>
BC_HD void nonsym_combined_ds(const ConeTable& k, W w, V s, V dz_a, V ds_a, double m,
                              double sigma_mu, Y dsv) {
  for (int c = 0; c < k.count; ++c) {
    if (!is_nonsym(k.kind[c])) continue;
    const int o = k.offset[c];
    with_nonsym_cone(k, c, [&](const auto& cone) {
      nonsym_combined_ds(cone, w + k.woff[c], s + o, dz_a + o, ds_a + o, m, sigma_mu, dsv + o);
    });
  }
}

// dst ← src on the rows of nonsymmetric cones (their affine d_s = s, their offset o = d_s).
template <class U, class V>
BC_HD void nonsym_copy_rows(const ConeTable& k, U src, V dst) {
  for (int c = 0; c < k.count; ++c)
    if (is_nonsym(k.kind[c])) copy(3, src + k.offset[c], dst + k.offset[c]);
}

// ds ← −(d_s + HΔz) on the rows of nonsymmetric cones.
template <class W, class U, class V>
BC_HD void nonsym_ds_from_dz(const ConeTable& k, W w, U d_s, U dz, V ds) {
  for (int c = 0; c < k.count; ++c) {
    if (!is_nonsym(k.kind[c])) continue;
    const int o = k.offset[c];
    double hdz[3];
    nonsym_mul_H(w + k.woff[c], dz + o, hdz);
    for (int i = 0; i < 3; ++i) ds[o + i] = -(d_s[o + i] + hdz[i]);
  }
}

// y = Hx cone by cone for the scaling of a Minty split (cones_split_pair): Wᵀ(Wx) on symmetric
// cones and the eigen-form on exp/pow cones, never the explicit entries, whose rounding of the
// infinite directions (or, near an SOC boundary, of the small eigenvalues) swamps the rest.
// tmp: m values.
template <class W, class E, class X, class T, class Y>
BC_HD void cones_mul_H(const ConeTable& k, W w, E eta, X x, T tmp, Y y) {
  cones_mul_W(k, w, eta, x, tmp, kApplyW);
  cones_mul_W(k, w, eta, tmp, y, kApplyWt);
  for (int c = 0; c < k.count; ++c)
    if (is_nonsym(k.kind[c])) nonsym_mul_split_H(w + k.woff[c], x + k.offset[c], y + k.offset[c]);
}

// Σ over cones of the barriers of s + α·ds and z + α·dz (the cone part of Clarabel's
// central-path neighbourhood function); +∞ when a point leaves its cone. w: PSD scratch.
template <class U, class W>
BC_HD double cones_barrier(const ConeTable& k, U z, U s, U dz, U ds, double alpha, W w) {
  double acc = 0.0;
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    switch (k.kind[c]) {
      case kZeroCone: break;
      case kNonNegCone:
        for (int i = o; i < o + d; ++i) acc -= log((s[i] + alpha * ds[i]) * (z[i] + alpha * dz[i]));
        break;
      case kSocCone: {
        const double ds0 = s[o] + alpha * ds[o], dz0 = z[o] + alpha * dz[o];
        double ns = 0.0, nz = 0.0;
        for (int i = o + 1; i < o + d; ++i) {
          const double a = s[i] + alpha * ds[i], b = z[i] + alpha * dz[i];
          ns += a * a, nz += b * b;
        }
        const double rs = ds0 * ds0 - ns, rz = dz0 * dz0 - nz;
        acc += (ds0 > 0.0 && dz0 > 0.0 && rs > 0.0 && rz > 0.0) ? -0.5 * log(rs * rz) : INFINITY;
        break;
      }
      case kPsdCone: {
        const int side = psd_side(d);
        const W work = w + k.woff[c] + psd_work_offset(side);
        acc -= psd_log_det(side, z + o, dz + o, alpha, work) + psd_log_det(side, s + o, ds + o, alpha, work);
        break;
      }
      default:
        with_nonsym_cone(k, c, [&](const auto& cone) {
          acc += nonsym_barrier(cone, z + o, s + o, dz + o, ds + o, alpha);
        });
    }
  }
  return isnan(acc) ? INFINITY : acc;
}

// ---- the Minty split: exact complementary pairs and their limit scaling ----------------------
//
// Every v ∈ ℝᵐ is z − s for exactly one pair with s ∈ K, z ∈ K*, ⟨s, z⟩ = 0 (Moreau):
//   z = Π_{K*}(v),   s = Π_K(−v)        (zero cones: z = v, s = 0).
// Solution polishing (ipm/polish.hpp) works on v, where complementarity holds by construction,
// and both polishing and the derivatives (ipm/adjoint.hpp) need the scaling of the solution map
// there: with D = DΠ_{K*}(v), a change dv moves the pair by dz = D dv, ds = (D − I) dv, i.e.
//   ds = −H dz,   H = D⁺(I − D)   (on each cone's eigenvectors of D: (1 − d)/d),
// which is 0 on the directions where s stays 0, infinite where z stays 0, and the cone's
// curvature ratio on the tangents of boundary pairs; it is the limit of the central path's
// scaling. "Infinite" is kInfiniteScaling (in the equilibrated coordinates, where the data are
// of order one; boundary pairs take kInfiniteScaling·max(1, their curvature ratio)): it bounds
// the model error of the linear systems by ~1/kInfiniteScaling and the rounding of H's explicit
// entries by ~1e-16·kInfiniteScaling. H is stored in each cone's usual scaling form (w, η): NonNeg
// w = √H, SOC and PSD NT factors, exp/pow the 3×3 block and its eigen-form (nonsym_split.hpp).
constexpr double kInfiniteScaling = 1e8;

// z, s ← the split of v and w, eta ← its scaling, cone by cone. z and s hold the current pair on
// entry (exp/pow: the start of the boundary-parameter search) and may not alias v. False if an
// exp/pow split could not be found. w: PSD scratch as well.
template <class V, class Z, class S, class W, class E>
BC_HD bool cones_split_pair(const ConeTable& k, V v, Z z, S s, W w, E eta) {
  const double h_inf = kInfiniteScaling;
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const W wc = w + k.woff[c];
    switch (k.kind[c]) {
      case kZeroCone:
        for (int i = o; i < o + d; ++i) z[i] = v[i], s[i] = 0.0;
        break;
      case kNonNegCone:
        nonneg_split_pair(d, v + o, z + o, s + o, wc, h_inf);
        break;
      case kSocCone: {
        double e = 0.0;
        soc_split_pair(d, v + o, z + o, s + o, wc, e, h_inf);
        eta[c] = e;
        break;
      }
      case kPsdCone: {
        const int side = psd_side(d);
        psd_split_pair(side, v + o, z + o, s + o, wc, wc + psd_work_offset(side), h_inf);
        break;
      }
      default: {
        double vc[3], zc[3], sc[3], hs[9], frame[kNonsymSplitFrameSize];
        for (int i = 0; i < 3; ++i) vc[i] = v[o + i], zc[i] = z[o + i], sc[i] = s[o + i];
        bool ok = false;
        with_nonsym_cone(
            k, c, [&](const auto& cone) { ok = nonsym_split(cone, vc, zc, sc, hs, frame, h_inf); });
        if (!ok) return false;
        for (int i = 0; i < 3; ++i) z[o + i] = zc[i], s[o + i] = sc[i];
        for (int i = 0; i < 9; ++i) wc[kNonsymHs + i] = hs[i];
        for (int i = 0; i < kNonsymSplitFrameSize; ++i) wc[kNonsymSplitFrame + i] = frame[i];
      }
    }
  }
  return true;
}

}  // namespace batchcone::kernels
