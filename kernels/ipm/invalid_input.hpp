// SPDX-License-Identifier: Apache-2.0
// Problems whose data hold a NaN or an infinity (Settings::nonfinite_as_status): such a problem
// is not solved; it gets Status::InvalidInput, zero iterations and NaN x, z, s and objective,
// like a failed solve, while the rest of its batch is solved as usual.
#pragma once

#include <math.h>

#include "state.hpp"

namespace batchcone::kernels {

// Whether every value of one problem's data (triu(P), c, A, b) is finite.
BC_HD bool input_is_finite(const Dims& dm, const ProblemInput& in) {
  for (int i = 0; i < dm.nnz_p; ++i)
    if (!isfinite(in.p_vals[i])) return false;
  for (int i = 0; i < dm.n; ++i)
    if (!isfinite(in.c[i])) return false;
  for (int i = 0; i < dm.nnz_a; ++i)
    if (!isfinite(in.a_vals[i])) return false;
  for (int i = 0; i < dm.m; ++i)
    if (!isfinite(in.b[i])) return false;
  return true;
}

// The outputs of a problem left unsolved for invalid input.
template <class O>
BC_HD void write_invalid_input(const Dims& dm, O x_out, O z_out, O s_out, double& objective,
                               std::int32_t& status, std::int32_t& iterations) {
  for (int i = 0; i < dm.n; ++i) x_out[i] = NAN;
  for (int i = 0; i < dm.m; ++i) z_out[i] = NAN, s_out[i] = NAN;
  objective = NAN;
  status = static_cast<std::int32_t>(Status::InvalidInput);
  iterations = 0;
}

}  // namespace batchcone::kernels
