// SPDX-License-Identifier: Apache-2.0
// The __global__ IPM steps the CUDA backend launches (defined in kernels_instantiate.cu): one
// thread per problem, batch-interleaved storage, finished problems return at once (masking).
#pragma once

#include <cstdint>

#include "kernels/ipm/state.hpp"

namespace batchcone::cuda {

__global__ void setup_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                             kernels::Scalars* scalars, kernels::ProblemInput in, long p_stride,
                             long c_stride, long a_stride, long b_stride, int batch);
__global__ void check_termination_kernel(kernels::Context cx, kernels::Layout layout,
                                         double* blocks, kernels::Scalars* scalars, int batch);
__global__ void iteration_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                 kernels::Scalars* scalars, int batch);
__global__ void finalize_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                kernels::Scalars* scalars, double* x, double* z, double* s,
                                double* objective, std::int32_t* status, std::int32_t* iterations,
                                int batch);
__global__ void count_active_kernel(const kernels::Scalars* scalars, int* active, int batch);
__global__ void derivative_factor_kernel(kernels::Context cx, kernels::Layout layout,
                                         double* blocks, kernels::Scalars* scalars,
                                         kernels::ProblemInput in, long p_stride, long c_stride,
                                         long a_stride, long b_stride, const double* x,
                                         const double* z, const double* s,
                                         const std::int32_t* status, int batch);
__global__ void kkt_apply_kernel(kernels::Context cx, kernels::Layout layout, double* blocks,
                                 kernels::Scalars* scalars, const double* vx, const double* vz,
                                 double* ox, double* oz, int multiply, int batch);

}  // namespace batchcone::cuda
