// SPDX-License-Identifier: Apache-2.0
// The per-problem bodies of the CUDA backend's steps, over batch-interleaved storage (value i of
// problem b at i·B + b). Each __global__ wrapper in kernels_instantiate.cu runs one of them for
// its thread's problem; the emulated launch (emulated_backend.hpp) runs the same functions in a
// host loop over b, so every CPU test machine exercises the device path's layout, masking and
// structure binding, not only the per-problem math that the CPU backend shares.
#pragma once

#include <cstdint>

#include "kernels/cone_table.hpp"
#include "kernels/ipm/adjoint.hpp"
#include "kernels/ipm/equilibrate.hpp"
#include "kernels/ipm/finalize.hpp"
#include "kernels/ipm/info.hpp"
#include "kernels/ipm/init.hpp"
#include "kernels/ipm/invalid_input.hpp"
#include "kernels/ipm/step.hpp"

namespace batchcone::device_steps {

using View = kernels::Strided<double>;

// What every step sees: the structure bound to where the launch's arrays live, and the batch's
// workspace (per-problem scalars, then the interleaved blocks).
struct Batch {
  kernels::Context cx;
  kernels::Layout layout;
  double* blocks;
  kernels::Scalars* scalars;
  int batch;
};

// The data of the batch: problem b's values at p + b·stride (stride 0: shared by the batch).
struct Inputs {
  kernels::ProblemInput first;
  long p_stride, c_stride, a_stride, b_stride;
};

// The solve's outputs, dense rows [B·n], [B·m], [B·m], [B].
struct Outputs {
  double *x, *z, *s, *objective;
  std::int32_t *status, *iterations;
};

BC_HD kernels::State<View> state_of(const Batch& bt, int b) {
  return kernels::make_state(bt.layout, View{bt.blocks + b, bt.batch}, bt.scalars + b);
}

BC_HD kernels::ProblemInput input_of(const Inputs& in, int b) {
  return {in.first.p_vals + b * in.p_stride, in.first.c + b * in.c_stride,
          in.first.a_vals + b * in.a_stride, in.first.b + b * in.b_stride};
}

BC_HD bool is_active(const Batch& bt, int b) { return bt.scalars[b].status == Status::Unsolved; }

// ---- the solve: the Backend contract's primitives (src/backend/backend.hpp), per problem -------

// A problem with non-finite data (Settings::nonfinite_as_status; otherwise the host rejected
// the batch) is not set up: it is marked InvalidInput, so every later step skips it.
BC_HD void setup(const Batch& bt, const Inputs& in, int b) {
  const auto st = state_of(bt, b);
  const kernels::ProblemInput input = input_of(in, b);
  if (bt.cx.settings.nonfinite_as_status && !kernels::input_is_finite(bt.cx.dims, input)) {
    st.sc->status = Status::InvalidInput;
    return;
  }
  kernels::equilibrate(bt.cx, st, input);
  kernels::initialize(bt.cx, st);
}

// Finished problems are masked: the step returns at once for them.
BC_HD void check_termination(const Batch& bt, int b) {
  if (is_active(bt, b)) kernels::check_termination(bt.cx, state_of(bt, b));
}

BC_HD void iterate(const Batch& bt, int b) {
  if (is_active(bt, b)) kernels::iterate(bt.cx, state_of(bt, b));
}

BC_HD void finalize(const Batch& bt, const Outputs& out, int b) {
  const long n = bt.cx.dims.n, m = bt.cx.dims.m;
  if (bt.scalars[b].status == Status::InvalidInput)
    return kernels::write_invalid_input(bt.cx.dims, out.x + b * n, out.z + b * m, out.s + b * m,
                                        out.objective[b], out.status[b], out.iterations[b]);
  if (kernels::finalize(bt.cx, state_of(bt, b), out.x + b * n, out.z + b * m, out.s + b * m,
                        out.objective[b]))
    return;  // the second run follows (kernels/ipm/finalize.hpp)
  out.status[b] = static_cast<std::int32_t>(bt.scalars[b].status);
  out.iterations[b] = bt.scalars[b].iterations;
}

// ---- derivatives at a solution (kernels/ipm/adjoint.hpp), solution rows [B·n], [B·m] ------------

BC_HD void derivative_factor(const Batch& bt, const Inputs& in, const double* x, const double* z,
                             const double* s, const std::int32_t* status, int b) {
  const long n = bt.cx.dims.n, m = bt.cx.dims.m;
  const kernels::ProblemSolution sol{x + b * n, z + b * m, s + b * m};
  kernels::factor_if_differentiable(bt.cx, state_of(bt, b), input_of(in, b), sol, status[b]);
}

// Vector rows [B·n], [B·m] (one vector per problem; the host loops over further vectors).
BC_HD void kkt_apply(const Batch& bt, const double* vx, const double* vz, double* ox, double* oz,
                     bool multiply, int b) {
  const long n = bt.cx.dims.n, m = bt.cx.dims.m;
  kernels::kkt_apply_at_solution(bt.cx, state_of(bt, b), vx + b * n, vz + b * m, ox + b * n,
                                 oz + b * m, multiply);
}

}  // namespace batchcone::device_steps
