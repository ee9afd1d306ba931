// SPDX-License-Identifier: Apache-2.0
// Solving a batch on a CUDA GPU: the same algorithm and per-problem code as the CPU backend,
// one thread per problem over batch-interleaved storage (value i of problem b at i·B + b).
//
// Every pointer is device memory on the current device; all work is queued on `stream`.
// Workspace protocol as on the CPU: cuda_workspace_bytes, then the caller's device buffer.
// The solve reads per-problem statuses back every few iterations to stop early, which
// synchronizes `stream` at those points (launch_policy.hpp); nothing else synchronizes.
// Available when the library was built with CUDA (BATCHCONE_ENABLE_CUDA and nvcc).
#pragma once

#include <cstddef>

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"

struct CUstream_st;

namespace batchcone {

using CudaStream = CUstream_st*;

// True when the library was built with CUDA and a device is visible.
bool cuda_available();

std::size_t cuda_workspace_bytes(const Structure& structure, int batch);

// As cpu_solve, with device pointers in `data` and `out` (strides as in BatchData). Throws
// std::invalid_argument for bad arguments and std::runtime_error for CUDA errors.
void cuda_solve(const Structure& structure, const Settings& settings, const BatchData& data,
                const BatchSolution& out, void* workspace, std::size_t workspace_bytes,
                CudaStream stream);

// The derivative building blocks of diff.hpp on the GPU (what the JAX layer composes): at each
// problem's solution, out = K⁻¹ rhs (cuda_kkt_solve) or K v (cuda_kkt_multiply), zeros for
// problems not Solved/AlmostSolved. Device pointers; workspace of cuda_workspace_bytes.
void cuda_kkt_solve(const Structure& structure, const Settings& settings, const BatchData& data,
                    const SolutionView& solution, const KktVectors& rhs, const KktOutputs& out,
                    void* workspace, std::size_t workspace_bytes, CudaStream stream);
void cuda_kkt_multiply(const Structure& structure, const Settings& settings,
                       const BatchData& data, const SolutionView& solution, const KktVectors& v,
                       const KktOutputs& out, void* workspace, std::size_t workspace_bytes,
                       CudaStream stream);

}  // namespace batchcone
