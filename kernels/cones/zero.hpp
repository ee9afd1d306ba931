// SPDX-License-Identifier: Apache-2.0
// The zero cone {0}ᵈ, whose dual is ℝᵈ: equality rows. s ≡ 0, z free, barrier degree 0, H = 0,
// and every complementarity term (λ, ds, step limits) vanishes.
#pragma once

#include "../hd.hpp"

namespace batchcone::kernels {

// Projection of the primal slack onto the cone during initialization: s ← 0.
template <class V>
BC_HD void zero_project_primal(int d, V s) {
  for (int i = 0; i < d; ++i) s[i] = 0.0;
}

}  // namespace batchcone::kernels
