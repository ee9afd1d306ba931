// SPDX-License-Identifier: Apache-2.0
// The KKT matrix of one problem, in permuted upper-triangular storage:
//
//   K = [ P     Aᵀ  ]      order N = n + m + 2·(number of expanded SOCs)
//       [ A    −H   ]      (+ two rows/columns per expanded SOC, see cones/soc.hpp)
//
// The maps below (built once per structure by src/symbolic) send each P value, A value, diagonal
// and cone block entry to its slot. Values of P and A are written once per solve; the −H block
// is rewritten at every iteration. Static regularization is not stored: ldl_factor adds it, so kx
// always holds the unregularized K against which iterative refinement measures residuals.
#pragma once

#include <math.h>

#include "cone_table.hpp"
#include "hd.hpp"
#include "ldl.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

struct KktMaps {
  int n, m, order;         // order = n + m + 2·expansions
  int nnz;                 // stored entries of the permuted upper triangle
  const int* perm;         // perm[k]: the original row at permuted position k
  const int* iperm;        // iperm[i]: the permuted position of original row i
  const int* p_to_k;       // slot of each value of triu(P)
  const int* a_to_k;       // slot of each value of A
  const int* diag_to_k;    // slot of the diagonal of each original row
  const int* h_ptr;        // per cone: its slots in h_slot[h_ptr[c] .. h_ptr[c+1]):
  const int* h_slot;       //   dense SOC: upper triangle column-major; expanded SOC: v then u
                           //   columns; NonNeg/Zero: none (the diagonal is used)
  const int* expansion;    // per cone: its expansion index e (columns n+m+2e, n+m+2e+1) or −1
};

// kx ← [P Aᵀ; A 0] (all H slots zero).
template <class PV, class AV, class KV>
BC_HD void kkt_load_data(const KktMaps& mp, int nnz_p, PV p_vals, int nnz_a, AV a_vals, KV kx) {
  fill(mp.nnz, kx, 0.0);
  for (int i = 0; i < nnz_p; ++i) kx[mp.p_to_k[i]] = p_vals[i];
  for (int i = 0; i < nnz_a; ++i) kx[mp.a_to_k[i]] = a_vals[i];
}

// Writes −H for one expanded SOC: −η²D on the diagonal, −η²v and −η²u in the extra columns,
// −η² and +η² on their diagonals.
template <class W, class KV>
BC_HD void kkt_write_soc_expansion(const KktMaps& mp, int c, int o, int d, W w, double eta, KV kx) {
  const double e2 = eta * eta;
  const int* slots = mp.h_slot + mp.h_ptr[c];
  const SocExpansion ex = soc_expansion(d, w);
  kx[mp.diag_to_k[mp.n + o]] = -e2 * ex.d0;
  for (int i = 1; i < d; ++i) kx[mp.diag_to_k[mp.n + o + i]] = -e2;
  kx[slots[0]] = 0.0;
  kx[slots[d]] = -e2 * ex.u0;
  for (int i = 1; i < d; ++i) {
    kx[slots[i]] = -e2 * ex.v1 * w[i];
    kx[slots[d + i]] = -e2 * ex.u1 * w[i];
  }
  const int extra = mp.n + mp.m + 2 * mp.expansion[c];
  kx[mp.diag_to_k[extra]] = -e2;
  kx[mp.diag_to_k[extra + 1]] = e2;
}

// Writes −H for one PSD cone: column t of H = WᵀW applied to the svec unit vector e_t (the
// vectors live in the work part of the cone's w block).
template <class W, class KV>
BC_HD void kkt_write_psd_block(const KktMaps& mp, int c, int d, W wc, KV kx) {
  const int k = psd_side(d);
  const int* slots = mp.h_slot + mp.h_ptr[c];
  W work = wc + psd_work_offset(k), e = work + 4 * k * k + k, y = e + d, h = y + d;
  fill(d, e, 0.0);
  for (int t = 0, slot = 0; t < d; ++t) {
    e[t] = 1.0;
    psd_congruence(k, wc, true, e, y, work);   // W e_t = RᵀE R
    psd_congruence(k, wc, false, y, h, work);  // Wᵀ(W e_t) = R(RᵀE R)Rᵀ
    e[t] = 0.0;
    for (int i = 0; i <= t; ++i, ++slot) kx[slots[slot]] = -h[i];
  }
}

// Writes the −H block at the scaling (w, η): −diag(w²) on NonNeg, −η²(2wwᵀ − J) on SOC
// (dense or expanded), −WᵀW on PSD, the dense 3×3 H of exp/pow cones, 0 on Zero.
template <class W, class E, class KV>
BC_HD void kkt_write_H(const KktMaps& mp, const ConeTable& k, W w, E eta, KV kx) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const W wc = w + k.woff[c];
    if (k.kind[c] == kZeroCone) {
      for (int i = 0; i < d; ++i) kx[mp.diag_to_k[mp.n + o + i]] = 0.0;
    } else if (k.kind[c] == kNonNegCone) {
      for (int i = 0; i < d; ++i) kx[mp.diag_to_k[mp.n + o + i]] = -wc[i] * wc[i];
    } else if (k.kind[c] == kPsdCone) {
      kkt_write_psd_block(mp, c, d, wc, kx);
    } else if (is_nonsym(k.kind[c])) {
      const int* slots = mp.h_slot + mp.h_ptr[c];
      for (int j = 0, t = 0; j < 3; ++j)
        for (int i = 0; i <= j; ++i, ++t) kx[slots[t]] = -wc[kNonsymHs + 3 * i + j];
    } else if (mp.expansion[c] >= 0) {
      kkt_write_soc_expansion(mp, c, o, d, wc, eta[c], kx);
    } else {
      const double e2 = eta[c] * eta[c];
      const int* slots = mp.h_slot + mp.h_ptr[c];
      for (int j = 0, t = 0; j < d; ++j)
        for (int i = 0; i <= j; ++i, ++t) kx[slots[t]] = -e2 * soc_H_entry(wc, i, j);
    }
  }
}

// Writes −H with H = I on every cone but Zero (H = 0): the initialization system.
template <class KV>
BC_HD void kkt_write_identity_H(const KktMaps& mp, const ConeTable& k, KV kx) {
  for (int c = 0; c < k.count; ++c) {
    const int o = k.offset[c], d = k.dim[c];
    const double h = (k.kind[c] == kZeroCone) ? 0.0 : -1.0;
    for (int i = 0; i < d; ++i) kx[mp.diag_to_k[mp.n + o + i]] = h;
    if (k.kind[c] != kSocCone && k.kind[c] != kPsdCone && !is_nonsym(k.kind[c])) continue;
    const int* slots = mp.h_slot + mp.h_ptr[c];
    const int count = mp.h_ptr[c + 1] - mp.h_ptr[c];
    for (int t = 0; t < count; ++t) kx[slots[t]] = 0.0;  // off-diagonals, expansion columns
    if (mp.expansion[c] >= 0) {
      const int extra = mp.n + mp.m + 2 * mp.expansion[c];
      kx[mp.diag_to_k[extra]] = -1.0;
      kx[mp.diag_to_k[extra + 1]] = 1.0;
    } else {
      for (int j = 0, t = 0; j < d; ++j)
        for (int i = 0; i <= j; ++i, ++t) kx[slots[t]] = (i == j) ? -1.0 : 0.0;
    }
  }
}

struct RefinementSettings {
  int max_iter;       // at most this many correction steps
  double reltol;      // stop when ‖K x − b‖∞ ≤ abstol + reltol·‖b‖∞
  double abstol;
  double stop_ratio;  // or when a step improves the residual by less than this factor
};

// Solves K [x; z] = [rx; rz] with the factors of K + regularization, then refines against the
// unregularized K (kx). Expansion rows get a zero right-hand side and their solution is dropped.
// work: 4·order. Per problem (each lane of a pack), refinement stops on its own criteria while
// the others go on. Returns, per problem, whether the result is finite.
template <class KV, class LV, class DV, class R, class S, class WV>
BC_HD mask_t<value_t<WV>> kkt_solve(const LdlPlan& pl, const KktMaps& mp, KV kx, LV lx, DV dinv,
                                    R rx, R rz, S x, S z, WV work, const RefinementSettings& ir) {
  using T = value_t<WV>;
  using M = mask_t<T>;
  const int N = mp.order;
  WV b = work, sol = work + N, e = work + 2 * N, dx = work + 3 * N;
  for (int k = 0; k < N; ++k) {
    const int i = mp.perm[k];
    b[k] = (i < mp.n) ? rx[i] : (i < mp.n + mp.m ? rz[i - mp.n] : T(0.0));
  }
  copy(N, b, sol);
  ldl_solve(pl, lx, dinv, sol);
  const T target = ir.abstol + ir.reltol * norm_inf(N, b);
  auto residual = [&](WV v) {  // e ← b − K v, returns ‖e‖∞
    kkt_symv(pl, kx, lx, v, e);
    axpby(N, 1.0, b, -1.0, e);
    return norm_inf(N, e);
  };
  T norme = residual(sol);
  M going = norme > target;  // problems still refining
  for (int it = 0; it < ir.max_iter && vany(going); ++it) {
    copy(N, e, dx);
    ldl_solve(pl, lx, dinv, dx);
    axpy(N, 1.0, sol, dx);  // dx ← sol + correction: the trial point
    const T last = norme, trial = residual(dx);
    // Too little progress: keep the better point and stop; else take the trial and go on.
    const M stalled = last / trial < T(ir.stop_ratio);
    const M take = vand(going, vor(vnot(stalled), trial < last));
    if (vall(take)) {
      copy(N, dx, sol);
    } else if (vany(take)) {
      for (int k = 0; k < N; ++k) sol[k] = vselect(take, dx[k], sol[k]);
    }
    norme = vselect(take, trial, norme);
    going = vand(vand(going, vnot(stalled)), norme > target);
  }
  for (int k = 0; k < N; ++k) {
    const int i = mp.perm[k];
    if (i < mp.n) x[i] = sol[k];
    else if (i < mp.n + mp.m) z[i - mp.n] = sol[k];
  }
  return finite_mask(N, sol);
}

}  // namespace batchcone::kernels
