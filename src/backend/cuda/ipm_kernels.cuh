// SPDX-License-Identifier: Apache-2.0
// The __global__ steps the CUDA backend launches (kernels_instantiate.cu): one thread per
// problem, each running the per-problem body of device_steps.hpp for its problem.
#pragma once

#include <cstdint>

#include "backend/cuda/device_steps.hpp"

namespace batchcone::cuda {

using device_steps::Batch;
using device_steps::Inputs;
using device_steps::Outputs;

__global__ void setup_kernel(Batch bt, Inputs in);
__global__ void check_termination_kernel(Batch bt);
__global__ void iteration_kernel(Batch bt);
__global__ void finalize_kernel(Batch bt, Outputs out);
__global__ void count_active_kernel(Batch bt, int* active);
__global__ void derivative_factor_kernel(Batch bt, Inputs in, const double* x, const double* z,
                                         const double* s, const std::int32_t* status);
__global__ void kkt_apply_kernel(Batch bt, const double* vx, const double* vz, double* ox,
                                 double* oz, int multiply);

}  // namespace batchcone::cuda
