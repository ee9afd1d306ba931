// SPDX-License-Identifier: Apache-2.0
// The end of one problem's solve: the reduced-accuracy test for solves that stopped early,
// polishing (polish.hpp), and the solution in the user's coordinates,
//   x = D x̃/t,  z = E z̃/(c t),  s = E⁻¹ s̃/t,   t = τ (solved) or κ (certificates).
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
  if (sc.status == Status::MaxIterations || sc.status == Status::NumericalError ||
      sc.status == Status::InsufficientProgress) {
    if (sc.rollback) rollback(cx, st);
    const Status almost = convergence_status(sc, reduced_tolerances(cx.settings), true);
    if (almost != Status::Unsolved) sc.status = almost;
  }
  return polish_begin(cx, st);
}

// Ends polishing, then writes x, z, s and the primal objective (NaN for infeasibility
// certificates) into the given outputs.
template <class V, class O>
BC_HD void finalize_end(const Context& cx, const State<V>& st, O x_out, O z_out, O s_out,
                        double& objective) {
  Scalars& sc = *st.sc;
  const Dims& dm = cx.dims;
  polish_end(cx, st);
  const bool cert = is_certificate(sc.status);
  const double t = cert ? sc.kappa : sc.tau;
  for (int i = 0; i < dm.n; ++i) x_out[i] = st.d[i] * st.x[i] / t;
  for (int i = 0; i < dm.m; ++i) {
    z_out[i] = st.e[i] * st.z[i] / (sc.cscale * t);
    s_out[i] = st.s[i] / (st.e[i] * t);
  }
  objective = cert ? NAN : sc.cost_p;
}

template <class V, class O>
BC_HD void finalize(const Context& cx, const State<V>& st, O x_out, O z_out, O s_out,
                    double& objective) {
  for (bool step = finalize_begin(cx, st); step;)
    step = polish_after_step(cx, st, polish_solve(cx, st));
  finalize_end(cx, st, x_out, z_out, s_out, objective);
}

}  // namespace batchcone::kernels
