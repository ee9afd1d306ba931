// SPDX-License-Identifier: Apache-2.0
// Device instantiations of the per-problem math in kernels/: one-screen __global__ wrappers,
// one thread per problem over batch-interleaved storage (value i of problem b at i·B + b, so a
// warp's loads coalesce). The IPM-step wrappers (declared in ipm_kernels.cuh) are what the CUDA
// backend launches; the others instantiate the lower-level kernels for device code too.
#include "backend/cuda/ipm_kernels.cuh"
#include "kernels/cone_table.hpp"
#include "kernels/ipm/adjoint.hpp"
#include "kernels/ipm/equilibrate.hpp"
#include "kernels/ipm/finalize.hpp"
#include "kernels/ipm/info.hpp"
#include "kernels/ipm/init.hpp"
#include "kernels/ipm/step.hpp"
#include "kernels/kkt.hpp"
#include "kernels/ldl.hpp"

namespace batchcone::cuda {

using kernels::Strided;
using View = Strided<double>;

// The problem handled by this thread, or −1 past the end of the batch.
__device__ inline int problem_index(int batch) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  return b < batch ? b : -1;
}

__device__ inline View interleaved(double* base, int batch, int b) { return View{base + b, batch}; }

// ---- linear algebra ---------------------------------------------------------------------------

__global__ void ldl_factor_kernel(kernels::LdlPlan plan, kernels::LdlRegularization<> reg,
                                  double* kx, double* lx, double* d, double* dinv, double* y,
                                  int* bumped, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  bumped[b] = static_cast<int>(kernels::ldl_factor(
      plan, interleaved(kx, batch, b), interleaved(lx, batch, b), interleaved(d, batch, b),
      interleaved(dinv, batch, b), interleaved(y, batch, b), reg));
}

__global__ void ldl_solve_kernel(kernels::LdlPlan plan, const double* lx, const double* dinv,
                                 double* x, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const Strided<const double> l{lx + b, batch}, di{dinv + b, batch};
  kernels::ldl_solve(plan, l, di, interleaved(x, batch, b));
}

// w is written too: PSD cones assemble their H block in the scratch part of their w block.
__global__ void kkt_write_H_kernel(kernels::KktMaps maps, kernels::ConeTable cones, double* w,
                                   const double* eta, double* kx, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const Strided<const double> ev{eta + b, batch};
  kernels::kkt_write_H(maps, cones, interleaved(w, batch, b), ev, interleaved(kx, batch, b));
}

// ---- cones ------------------------------------------------------------------------------------

__global__ void cones_update_scaling_kernel(kernels::ConeTable cones, double* s, double* z,
                                            double* w, double* eta, double* lambda, int* ok,
                                            int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  ok[b] = kernels::cones_update_scaling(cones, interleaved(s, batch, b), interleaved(z, batch, b),
                                        interleaved(w, batch, b), interleaved(eta, batch, b),
                                        interleaved(lambda, batch, b));
}

__global__ void cones_step_length_kernel(kernels::ConeTable cones, double* x, double* dx,
                                         double* w, double* alpha, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  alpha[b] = kernels::cones_step_length(cones, interleaved(x, batch, b), interleaved(dx, batch, b),
                                        alpha[b], interleaved(w, batch, b));
}

// ---- interior-point steps (the Backend contract's primitives, per problem) ----------------------

__device__ inline kernels::State<View> problem_state(const kernels::Layout& layout, double* blocks,
                                                     kernels::Scalars* scalars, int batch, int b) {
  return kernels::make_state(layout, interleaved(blocks, batch, b), scalars + b);
}

__global__ void setup_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                             kernels::Scalars* scalars, kernels::ProblemInput in, long p_stride,
                             long c_stride, long a_stride, long b_stride, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const kernels::ProblemInput mine{in.p_vals + b * p_stride, in.c + b * c_stride,
                                   in.a_vals + b * a_stride, in.b + b * b_stride};
  const auto st = problem_state(layout, blocks, scalars, batch, b);
  kernels::equilibrate(cx, st, mine);
  kernels::initialize(cx, st);
}

__global__ void check_termination_kernel(kernels::Context cx, kernels::Layout layout,
                                         double* blocks, kernels::Scalars* scalars, int batch) {
  const int b = problem_index(batch);
  if (b < 0 || scalars[b].status != Status::Unsolved) return;
  kernels::check_termination(cx, problem_state(layout, blocks, scalars, batch, b));
}

__global__ void iteration_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                 kernels::Scalars* scalars, int batch) {
  const int b = problem_index(batch);
  if (b < 0 || scalars[b].status != Status::Unsolved) return;
  const auto st = problem_state(layout, blocks, scalars, batch, b);
  kernels::iterate(cx, st);
}

__global__ void finalize_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                kernels::Scalars* scalars, double* x, double* z, double* s,
                                double* objective, std::int32_t* status, std::int32_t* iterations,
                                int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const auto st = problem_state(layout, blocks, scalars, batch, b);
  const long n = cx.dims.n, m = cx.dims.m;
  kernels::finalize(cx, st, x + b * n, z + b * m, s + b * m, objective[b]);
  status[b] = static_cast<std::int32_t>(scalars[b].status);
  iterations[b] = scalars[b].iterations;
}

__global__ void count_active_kernel(const kernels::Scalars* scalars, int* active, int batch) {
  const int b = problem_index(batch);
  if (b >= 0 && scalars[b].status == Status::Unsolved) atomicAdd(active, 1);
}

}  // namespace batchcone::cuda

namespace batchcone::cuda {

// ---- derivatives at a solution (kernels/ipm/adjoint.hpp), solution rows [B·n], [B·m] ------------

__global__ void derivative_factor_kernel(kernels::Context cx, kernels::Layout layout,
                                         double* blocks, kernels::Scalars* scalars,
                                         kernels::ProblemInput in, long p_stride, long c_stride,
                                         long a_stride, long b_stride, const double* x,
                                         const double* z, const double* s,
                                         const std::int32_t* status, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const long n = cx.dims.n, m = cx.dims.m;
  const kernels::ProblemInput mine{in.p_vals + b * p_stride, in.c + b * c_stride,
                                   in.a_vals + b * a_stride, in.b + b * b_stride};
  const kernels::ProblemSolution sol{x + b * n, z + b * m, s + b * m};
  const auto st = problem_state(layout, blocks, scalars, batch, b);
  kernels::factor_if_differentiable(cx, st, mine, sol, status[b]);
}

__global__ void kkt_apply_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                 kernels::Scalars* scalars, const double* vx, const double* vz,
                                 double* ox, double* oz, int multiply, int batch) {
  const int b = problem_index(batch);
  if (b < 0) return;
  const long n = cx.dims.n, m = cx.dims.m;
  const auto st = problem_state(layout, blocks, scalars, batch, b);
  kernels::kkt_apply_at_solution(cx, st, vx + b * n, vz + b * m, ox + b * n, oz + b * m,
                                 multiply != 0);
}

}  // namespace batchcone::cuda
