// SPDX-License-Identifier: Apache-2.0
// The interior-point method over a Backend (see src/backend/backend.hpp): Clarabel's
// homogeneous embedding with a quadratic objective, Mehrotra predictor–corrector, NT scaling
// on symmetric cones and barrier-based scaling on exp/pow cones.
// Every step acts on the whole batch; problems leave the active set as they finish.
#pragma once

#include "backend/backend.hpp"

namespace batchcone::core {

template <class Backend>
void solve_batch(Backend& be) {
  static_assert(backend::is_backend<Backend>::value, "type does not satisfy the Backend contract");
  // 1. Equilibrate the data and find a starting point in the interior of the cones.
  be.setup();
  for (;;) {
    // 2. Residuals and termination; finished problems are masked from here on.
    if (be.check_termination() == 0) break;
    // 3. Scale the cones and factor the KKT matrix at the current iterate; predictor,
    //    centering and corrector; take the step.
    be.iterate();
  }
  // 5. Reduced-accuracy verdicts for early stops; unscale the solutions.
  be.finalize();
}

}  // namespace batchcone::core
