// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>

#include "batchcone/settings.hpp"

namespace batchcone::core {

// Refinement settings for derivative solves. Their accuracy comes from the outer refinement in
// the reduced space (kernels/ipm/adjoint.hpp, solve_reduced), which runs while it improves; each
// of its correction solves only needs Clarabel's usual inner refinement (10 steps, stop when an
// improvement is below 5×) with tolerances at rounding. Inner refinement run to convergence
// (50 steps at 1.01) passed the same derivative tests (adjoint identity to 1e-10, central
// differences) but made the backward pass of a 30-step MPC layer cost as much as its forward
// solve (6× what it costs now).
inline Settings derivative_settings(Settings s) {
  s.iterative_refinement_enable = true;
  s.iterative_refinement_max_iter = std::max(s.iterative_refinement_max_iter, 10);
  s.iterative_refinement_stop_ratio = std::min(s.iterative_refinement_stop_ratio, 5.0);
  s.iterative_refinement_reltol = std::min(s.iterative_refinement_reltol, 1e-16);
  s.iterative_refinement_abstol = std::min(s.iterative_refinement_abstol, 1e-16);
  return s;
}

}  // namespace batchcone::core
