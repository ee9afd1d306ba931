// SPDX-License-Identifier: Apache-2.0
// One problem's interior-point state: where its arrays live in its workspace block, and the
// read-only context (patterns, cones, KKT plan, settings) that every problem of a batch shares.
#pragma once

#include "../cone_table.hpp"
#include "../hd.hpp"
#include "../kkt.hpp"
#include "../ldl.hpp"
#include "../sparse.hpp"
#include "batchcone/settings.hpp"
#include "batchcone/status.hpp"

namespace batchcone::kernels {

struct Dims {
  int n, m, nnz_p, nnz_a, cones, kkt_order, kkt_nnz, l_nnz, w_size;
};

// Everything shared by the batch.
struct Context {
  Dims dims;
  CscPattern P, A;
  ConeTable cones;
  LdlPlan plan;
  KktMaps maps;
  Settings settings;
};

// Scalars of one problem. Costs, residuals and gaps are in unscaled terms (see info.hpp).
struct Scalars {
  double tau, kappa, prev_tau, prev_kappa;
  double dtau, dkappa;            // the current step's τ and κ components
  double d_tau, d_kappa;          // the right-hand side's τ and κ parts of the current step solve
  double cscale, normq, normb;    // cost scaling, ‖q‖∞ and ‖b‖∞ of the unscaled data
  double mu, sigma, alpha, alpha_aff;
  double dot_qx, dot_bz, dot_sz, dot_xPx, r_tau;
  double cost_p, cost_d, gap_abs, gap_rel, res_p, res_d, res_p_inf, res_d_inf, ktratio;
  double res_p_abs, res_d_abs;  // ‖Ax + s − b‖, ‖Px + Aᵀz + q‖ in the user's data (info.hpp)
  double prev_res_p, prev_res_d, prev_gap_abs, prev_gap_rel;
  Status status;
  int iterations;
  int is_lp;       // P = 0: the initial point uses two solves
  int rollback;    // the last step made things worse: finalize restores the previous iterate
  int factored;    // derivative calls: K at the solution was factored
  int dual_scaling;  // exp/pow cones: 0 primal–dual scaling, 1 dual scaling (after a switch)
  int centering;  // 1: this attempt is a pure centering step (σ = 1) after a too-short step;
                  // 2: it was taken (once per solve)
  int polished;      // the solution is the polished point (polish.hpp), not the last iterate
  int tighten;   // the interior point's second run after polishing declined (finalize.hpp):
                 // 0 not run, 1 running, 2 ended
  int finished;  // the outputs are written (finalize_end)
  double ipm_tau, ipm_kappa;  // τ and κ of the interior-point point polishing normalized
  int tighten_from;           // the iteration the second run started at
  int polish_it;     // polishing: Newton steps taken, and the merits of the best and last points
  int polish_moved;  // the last Newton step moved a nonnegative pair to the other side of v = 0
  double polish_best, polish_last;
  // The interior-point point's res_p_abs, res_d_abs and gap_abs (no_worse_than_reference).
  double polish_ref_p, polish_ref_d, polish_ref_gap;
};

// A field of one problem's scalars as a value of element type T (kernels/vec.hpp): here for
// double; src/backend/cpu/lanes.hpp overloads both for packs, whose lanes are consecutive Scalars.
BC_HD double sc_get(const Scalars* sc, double Scalars::*f, double) { return sc->*f; }
BC_HD void sc_set(Scalars* sc, double Scalars::*f, double v) { sc->*f = v; }

// Offsets (in doubles) of one problem's arrays inside its block.
struct Layout {
  long pv, av, q, b, d, e;                // equilibrated data and the scalings D, E
  long x, z, s, px, pz, ps;               // iterate and previous iterate (polish: the best point)
  long minty;                             // polish: v = z − s (cone_table.hpp, the Minty split)
  long bx, bz, bs;                        // the second run's starting point (finalize.hpp)
  long rx, rz, Px, Atz, Axs;              // residuals and the products they reuse
  long w, eta, lambda;                    // cone scaling
  long kx, lx, piv, pinv, ywork, irwork;  // KKT values, factor, work
  long x2, z2, dx, dz, ds, rhs_x, rhs_z, dsv, work1, work2;
  long gp, ga, gc, gb;                 // derivative outputs staged per problem
  long total;
};

BC_HD Layout make_layout(const Dims& d) {
  Layout l{};
  long at = 0;
  auto take = [&at](long count) {
    const long o = at;
    at += (count + 3) & ~3L;  // keep every array 32-byte aligned
    return o;
  };
  l.pv = take(d.nnz_p), l.av = take(d.nnz_a), l.q = take(d.n), l.b = take(d.m);
  l.d = take(d.n), l.e = take(d.m);
  l.x = take(d.n), l.z = take(d.m), l.s = take(d.m);
  l.px = take(d.n), l.pz = take(d.m), l.ps = take(d.m), l.minty = take(d.m);
  l.bx = take(d.n), l.bz = take(d.m), l.bs = take(d.m);
  l.rx = take(d.n), l.rz = take(d.m), l.Px = take(d.n), l.Atz = take(d.n), l.Axs = take(d.m);
  l.w = take(d.w_size), l.eta = take(d.cones), l.lambda = take(d.m);
  l.kx = take(d.kkt_nnz), l.lx = take(d.l_nnz), l.piv = take(d.kkt_order);
  l.pinv = take(d.kkt_order), l.ywork = take(d.kkt_order), l.irwork = take(4L * d.kkt_order);
  l.x2 = take(d.n), l.z2 = take(d.m), l.dx = take(d.n), l.dz = take(d.m), l.ds = take(d.m);
  l.rhs_x = take(d.n), l.rhs_z = take(d.m), l.dsv = take(d.m);
  l.work1 = take(d.m), l.work2 = take(d.m);
  l.gp = take(d.nnz_p), l.ga = take(d.nnz_a), l.gc = take(d.n), l.gb = take(d.m);
  l.total = at;
  return l;
}

// Views of one problem's arrays. V is a pointer-like view (see hd.hpp).
template <class V>
struct State {
  V pv, av, q, b, d, e, x, z, s, px, pz, ps, minty, bx, bz, bs, rx, rz, Px, Atz, Axs, w, eta;
  V lambda;
  V kx, lx, piv, pinv, ywork, irwork, x2, z2, dx, dz, ds, rhs_x, rhs_z, dsv, work1, work2;
  V gp, ga, gc, gb;
  Scalars* sc;
};

template <class V>
BC_HD State<V> make_state(const Layout& l, V base, Scalars* sc) {
  return {
      base + l.pv,    base + l.av,    base + l.q,      base + l.b,     base + l.d,   base + l.e,
      base + l.x,     base + l.z,     base + l.s,      base + l.px,    base + l.pz,  base + l.ps,
      base + l.minty, base + l.bx,    base + l.bz,     base + l.bs,    base + l.rx,    base + l.rz,     base + l.Px,    base + l.Atz, base + l.Axs,
      base + l.w,     base + l.eta,   base + l.lambda, base + l.kx,    base + l.lx,  base + l.piv,
      base + l.pinv,  base + l.ywork, base + l.irwork, base + l.x2,    base + l.z2,  base + l.dx,
      base + l.dz,    base + l.ds,    base + l.rhs_x,  base + l.rhs_z, base + l.dsv, base + l.work1,
      base + l.work2, base + l.gp,    base + l.ga,     base + l.gc,    base + l.gb,  sc};
}

// One problem's input values (read-only; shared inputs point at the same memory).
struct ProblemInput {
  const double* p_vals;
  const double* c;
  const double* a_vals;
  const double* b;
};

// The user's solution of one problem (read-only).
struct ProblemSolution {
  const double* x;
  const double* z;
  const double* s;
};

// Tangents of one problem's data (P on the pattern of triu(P), A on its pattern).
struct ProblemTangent {
  const double* dp;
  const double* dc;
  const double* da;
  const double* db;
};

}  // namespace batchcone::kernels
