// SPDX-License-Identifier: Apache-2.0
// Settings::verbose on the CPU: a monitor for core::solve_batch that prints, for one problem,
// a Clarabel-style table (one row per iteration: costs, gap, residuals, κ/τ, μ, step) and, for
// a batch, one summary row per iteration (active problems, the worst gap and residuals among
// them), then the final statuses and the solve time.
#pragma once

#include <chrono>

#include "cpu_backend.hpp"

namespace batchcone::backend::cpu {

class VerboseMonitor {
 public:
  VerboseMonitor(const detail::Symbolic& sym, const Settings& settings, const BatchSolution& out,
                 int batch);
  void iteration(const CpuBackend& be, int active);
  void done(const CpuBackend& be);

 private:
  void header(const detail::Symbolic& sym, const Settings& settings) const;
  void problem_row(const kernels::Scalars& sc) const;
  void batch_row(const CpuBackend& be, int active) const;

  BatchSolution out_;
  int batch_;
  int rows_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace batchcone::backend::cpu
