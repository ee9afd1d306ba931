// SPDX-License-Identifier: Apache-2.0
// The __global__ steps (ipm_kernels.cuh): one thread per problem, each a one-line call of the
// per-problem body in device_steps.hpp, which the emulated launch also runs on the host.
#include "backend/cuda/ipm_kernels.cuh"

namespace batchcone::cuda {

// The problem handled by this thread, or −1 past the end of the batch.
__device__ inline int problem_index(int batch) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  return b < batch ? b : -1;
}

namespace steps = device_steps;

__global__ void setup_kernel(Batch bt, Inputs in) {
  if (const int b = problem_index(bt.batch); b >= 0) steps::setup(bt, in, b);
}

__global__ void check_termination_kernel(Batch bt) {
  if (const int b = problem_index(bt.batch); b >= 0) steps::check_termination(bt, b);
}

__global__ void iteration_kernel(Batch bt) {
  if (const int b = problem_index(bt.batch); b >= 0) steps::iterate(bt, b);
}

__global__ void finalize_kernel(Batch bt, Outputs out) {
  if (const int b = problem_index(bt.batch); b >= 0) steps::finalize(bt, out, b);
}

__global__ void count_active_kernel(Batch bt, int* active) {
  if (const int b = problem_index(bt.batch); b >= 0 && steps::is_active(bt, b))
    atomicAdd(active, 1);
}

__global__ void derivative_factor_kernel(Batch bt, Inputs in, const double* x, const double* z,
                                         const double* s, const std::int32_t* status) {
  if (const int b = problem_index(bt.batch); b >= 0)
    steps::derivative_factor(bt, in, x, z, s, status, b);
}

__global__ void kkt_apply_kernel(Batch bt, const double* vx, const double* vz, double* ox,
                                 double* oz, int multiply) {
  if (const int b = problem_index(bt.batch); b >= 0)
    steps::kkt_apply(bt, vx, vz, ox, oz, multiply != 0, b);
}

}  // namespace batchcone::cuda
