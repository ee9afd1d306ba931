// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>

#include "batchcone/settings.hpp"

namespace batchcone::core {

// Refinement for derivative solves runs while it keeps improving (at least 50 steps allowed):
// K at a converged solution is far worse conditioned than during the iterations, and these
// solves are few, so accuracy (and exact transposes between JVP and VJP) wins over time.
inline Settings derivative_settings(Settings s) {
  s.iterative_refinement_enable = true;
  s.iterative_refinement_max_iter = std::max(s.iterative_refinement_max_iter, 50);
  s.iterative_refinement_stop_ratio = std::min(s.iterative_refinement_stop_ratio, 1.01);
  s.iterative_refinement_reltol = std::min(s.iterative_refinement_reltol, 1e-16);
  s.iterative_refinement_abstol = std::min(s.iterative_refinement_abstol, 1e-16);
  return s;
}

}  // namespace batchcone::core
