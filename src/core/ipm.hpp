// SPDX-License-Identifier: Apache-2.0
// The interior-point method over a Backend (see src/backend/backend.hpp): Clarabel's
// homogeneous embedding with a quadratic objective, Mehrotra predictor–corrector, NT scaling
// on symmetric cones and barrier-based scaling on exp/pow cones.
// Every step acts on the whole batch; problems leave the active set as they finish.
#pragma once

#include "backend/backend.hpp"

namespace batchcone::core {

// Watches a solve without changing it (verbose output): iteration(be, active) after every
// termination check, done(be) after finalize.
struct NoMonitor {
  template <class Backend>
  void iteration(const Backend&, int) {}
  template <class Backend>
  void done(const Backend&) {}
};

template <class Backend, class Monitor = NoMonitor>
void solve_batch(Backend& be, Monitor&& monitor = Monitor{}) {
  static_assert(backend::is_backend<Backend>::value, "type does not satisfy the Backend contract");
  // 1. Equilibrate the data and find a starting point in the interior of the cones.
  be.setup();
  do {
    for (;;) {
      // 2. Residuals and termination; finished problems are masked from here on.
      const int active = be.check_termination();
      monitor.iteration(be, active);
      if (active == 0) break;
      // 3. Scale the cones and factor the KKT matrix at the current iterate; predictor,
      //    centering and corrector; take the step.
      be.iterate();
    }
    // 4. Reduced-accuracy verdicts for early stops, solution polishing; unscale the solutions.
    //    Problems where polishing declined come back for a second run at tightened tolerances
    //    (kernels/ipm/finalize.hpp), once each.
  } while (be.finalize() > 0);
  monitor.done(be);
}

}  // namespace batchcone::core
