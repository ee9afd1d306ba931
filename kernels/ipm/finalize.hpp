// SPDX-License-Identifier: Apache-2.0
// The end of one problem's solve: the reduced-accuracy test for solves that stopped early,
// polishing (polish.hpp), and the solution in the user's coordinates,
//   x = D x̃/t,  z = E z̃/(c t),  s = E⁻¹ s̃/t,   t = τ (solved) or κ (certificates).
//
// Where polishing declines at a Solved point, the interior point runs on from that point to
// tolerances kTightenFactor times the user's (resume_tightened, info.hpp check_tightened), and
// the end (polishing included) comes again after that second run. This is the exact end at
// degenerate pairs: where polishing's split lands on a wrong active set (LP-like
// Maros–Meszaros problems such as QSHARE1B, 6e-6 off the optimum at the default tolerances,
// as Clarabel's answer is), a few more iterations reach the solution to the tightened
// tolerances, and the point they end at still meets the user's.
#pragma once

#include <math.h>

#include "info.hpp"
#include "polish.hpp"

namespace batchcone::kernels {

BC_HD bool is_certificate(Status s) {
  return s == Status::PrimalInfeasible || s == Status::DualInfeasible ||
         s == Status::AlmostPrimalInfeasible || s == Status::AlmostDualInfeasible;
}

// Applies the reduced tolerances where the solve stopped early, then starts polishing (returns
// whether a polishing step follows; see polish.hpp).
template <class V>
BC_HD bool finalize_begin(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  if (sc.finished) return false;
  if (sc.tighten == 1) {  // the second run's end; after a failed step, at its starting point
    if (sc.status != Status::Solved) tighten_start(cx, st, false);
    sc.status = Status::Solved, sc.tighten = 2;
  } else if (sc.status == Status::MaxIterations || sc.status == Status::NumericalError ||
             sc.status == Status::InsufficientProgress) {
    if (sc.rollback) rollback(cx, st);
    const Status almost = convergence_status(sc, reduced_tolerances(cx.settings), true);
    if (almost != Status::Unsolved) sc.status = almost;
  }
  return polish_begin(cx, st);
}

// After polishing declined at a Solved point that does not meet the tightened tolerances: back
// to the interior point's iterate (undoing polish_begin's normalization), the previous iterate
// the same point, and the problem Unsolved again for the second run. Returns whether it resumes.
template <class V>
BC_HD bool resume_tightened(const Context& cx, const State<V>& st) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  if (sc.tighten != 0 || sc.polish_it < 0 || sc.polished || sc.status != Status::Solved ||
      convergence_status(sc, tightened_tolerances(cx.settings), false) == Status::Solved)
    return false;
  scale(dm.n, st.x, sc.ipm_tau), scale(dm.m, st.z, sc.ipm_tau), scale(dm.m, st.s, sc.ipm_tau);
  sc.tau = sc.prev_tau = sc.ipm_tau, sc.kappa = sc.prev_kappa = sc.ipm_kappa;
  copy(dm.n, st.x, st.px), copy(dm.m, st.z, st.pz), copy(dm.m, st.s, st.ps);
  tighten_start(cx, st, true);
  sc.tighten_from = sc.iterations, sc.tighten = 1, sc.status = Status::Unsolved;
  return true;
}

// Ends polishing, then writes x, z, s and the primal objective (NaN for infeasibility
// certificates) into the given outputs, or returns true and writes nothing where the problem
// resumes for the second run (resume_tightened).
template <class V, class O>
BC_HD bool finalize_end(const Context& cx, const State<V>& st, O x_out, O z_out, O s_out,
                        double& objective) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  if (sc.finished) return false;
  polish_end(cx, st);
  if (resume_tightened(cx, st)) return true;
  const bool cert = is_certificate(sc.status);
  const double t = cert ? sc.kappa : sc.tau;
  for (int i = 0; i < dm.n; ++i) x_out[i] = st.d[i] * st.x[i] / t;
  for (int i = 0; i < dm.m; ++i) {
    z_out[i] = st.e[i] * st.z[i] / (sc.cscale * t);
    s_out[i] = st.s[i] / (st.e[i] * t);
  }
  objective = cert ? NAN : sc.cost_p;
  sc.finished = 1;
  return false;
}

// The whole end of one problem; true where it resumes (finalize_end).
template <class V, class O>
BC_HD bool finalize(const Context& cx, const State<V>& st, O x_out, O z_out, O s_out,
                    double& objective) {
  for (bool step = finalize_begin(cx, st); step;)
    step = polish_after_step(cx, st, polish_solve(cx, st));
  return finalize_end(cx, st, x_out, z_out, s_out, objective);
}

}  // namespace batchcone::kernels
