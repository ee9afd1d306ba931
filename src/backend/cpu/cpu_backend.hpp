// SPDX-License-Identifier: Apache-2.0
// The CPU backend: each problem's state is one contiguous block of the workspace, and every
// primitive runs the per-problem kernel over the active problems on the thread pool.
#pragma once

#include <cstddef>
#include <vector>

#include "batchcone/solver.hpp"
#include "kernels/ipm/state.hpp"
#include "symbolic/symbolic.hpp"

namespace batchcone::backend::cpu {

// Bytes of workspace for `batch` problems of a structure.
std::size_t workspace_bytes(const detail::Symbolic& sym, int batch);

// The shared read-only context of a structure under given settings.
kernels::Context make_context(const detail::Symbolic& sym, const Settings& settings);

class CpuBackend {
 public:
  CpuBackend(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
             const BatchSolution& out, void* workspace);

  void setup();
  int check_termination();
  void scale_and_factor();
  void predictor_corrector();
  void finalize();

  // One problem's state (valid after setup); used by the derivative code and by tests.
  kernels::State<double*> state(int k) const;
  const kernels::Context& context() const { return cx_; }

 private:
  template <class F>
  void for_active(F&& f);  // f(problem index) for every active problem, in parallel

  kernels::Context cx_;
  kernels::Layout layout_;
  BatchData data_;
  BatchSolution out_;
  double* blocks_;
  kernels::Scalars* scalars_;
  int threads_;
  std::vector<int> active_;
};

}  // namespace batchcone::backend::cpu
