// SPDX-License-Identifier: Apache-2.0
// Solving a batch of problems that share one Structure, on the CPU.
//
// Workspace protocol (no allocation inside the solve): ask cpu_workspace_bytes(structure, batch),
// provide that many bytes (8-byte aligned), call cpu_solve. The convenience overload without a
// workspace allocates one itself. Both are thread-safe: concurrent calls need separate
// workspaces and outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "batchcone/settings.hpp"
#include "batchcone/status.hpp"
#include "batchcone/structure.hpp"

namespace batchcone {

// Per-problem stride, in elements, between consecutive problems' values of one input.
// kDense means "the natural length" (nnz_P, n, nnz_A or m); 0 shares one block with the batch.
constexpr long kDense = -1;

// The values of a batch. Problem k reads P_vals + k·P_stride (nnz_P values, in the order of the
// structure's P pattern), c + k·c_stride (n), A_vals + k·A_stride (nnz_A), b + k·b_stride (m).
struct BatchData {
  int batch = 0;
  const double* P_vals = nullptr;
  long P_stride = kDense;
  const double* c = nullptr;
  long c_stride = kDense;
  const double* A_vals = nullptr;
  long A_stride = kDense;
  const double* b = nullptr;
  long b_stride = kDense;
};

// Outputs, row-major per problem: x[batch·n], z[batch·m], s[batch·m], and per problem its
// Status (as int32), iteration count and primal objective (NaN for infeasibility certificates,
// whose x/z/s are the normalized certificate).
struct BatchSolution {
  double* x = nullptr;
  double* z = nullptr;
  double* s = nullptr;
  std::int32_t* status = nullptr;
  std::int32_t* iterations = nullptr;
  double* objective = nullptr;
};

std::size_t cpu_workspace_bytes(const Structure& structure, int batch);

// Solves every problem of the batch. Throws std::invalid_argument for bad arguments (null
// pointers, negative strides or batch, NaN/Inf values — naming the problem and entry, too
// small a workspace, invalid settings). A problem that fails numerically is not an error: its
// status says so.
void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out, void* workspace, std::size_t workspace_bytes);
void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out);

}  // namespace batchcone
