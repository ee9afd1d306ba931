// SPDX-License-Identifier: Apache-2.0
// The CPU backend: each problem's state is one contiguous block of the workspace, and every
// primitive runs the per-problem kernel over the active problems on the thread pool.
#pragma once

#include <cstddef>
#include <vector>

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "kernels/ipm/state.hpp"
#include "symbolic/symbolic.hpp"

namespace batchcone::backend::cpu {

// The stride of an input between problems: its natural length for kDense, else as given.
inline long stride_of(long stride, int natural) { return stride == kDense ? natural : stride; }

// The sizes of a structure as the per-problem kernels read them.
kernels::Dims dims_of(const detail::Symbolic& sym);

// Problem k's data (triu(P), c, A, b) in a batch.
kernels::ProblemInput problem_input(const BatchData& data, const kernels::Dims& d, int k);

// Bytes of workspace for `batch` problems of a structure, in either layout: per problem
// (CpuBackend) or in blocks of lanes (LaneBackend), with room to align it to 64 bytes.
std::size_t workspace_bytes(const detail::Symbolic& sym, int batch);

// The workspace's parts: one Scalars per problem, then the problems' arrays.
struct WorkspaceParts {
  kernels::Scalars* scalars;
  double* blocks;
};
WorkspaceParts carve_workspace(void* workspace, int batch);

// Whether a batch runs in blocks of lanes (LaneBackend) rather than problem by problem, on
// `threads` threads (Settings::num_threads).
bool use_lanes(const detail::Symbolic& sym, int batch, int threads);

// The shared read-only context of a structure under given settings.
kernels::Context make_context(const detail::Symbolic& sym, const Settings& settings);

// Problems [begin, end) of the batch.
struct ProblemRange {
  int begin, end;
};

// The backend over a range of problems of one batch (the workspace and outputs are the whole
// batch's). Its primitives spread the range's active problems over settings.num_threads threads;
// solve_cpu instead runs one single-threaded backend per chunk of problems, so a whole IPM
// iteration per problem runs without a thread hand-off between primitives.
class CpuBackend {
 public:
  CpuBackend(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
             const BatchSolution& out, void* workspace);
  CpuBackend(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
             const BatchSolution& out, void* workspace, ProblemRange range);

  void setup();
  int check_termination();
  void iterate();
  int finalize();  // how many problems resume (kernels/ipm/finalize.hpp)

  // Derivatives at a given solution (no solve needed; see include/batchcone/diff.hpp).
  // Per problem: equilibrate, H, factor (factor = false: products with K only).
  void derivative_factor(const SolutionView& sol, bool factor = true);
  void vjp(const SolutionView& sol, const SolutionCotangents& cot, const DataGradients& grad);
  void jvp(const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out);
  // K⁻¹r (multiply = false) or K v (multiply = true) at each problem's solution.
  void kkt_apply(const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
                 bool multiply);

  // One problem's state (valid after setup); used by the derivative code and by tests.
  kernels::State<double*> state(int k) const;
  const kernels::Context& context() const { return cx_; }

 private:
  template <class F>
  void for_active(F&& f);  // f(problem index) for every active problem, in parallel
  kernels::ProblemInput input(int k) const;
  kernels::ProblemSolution solution(const SolutionView& sol, int k) const;
  // out ← the staged per-problem gradients: summed when `shared`, else one block per problem.
  void gather_gradient(double* out, long kernels::Layout::*field, int len, bool shared) const;

  kernels::Context cx_;
  kernels::Layout layout_;
  BatchData data_;
  BatchSolution out_;
  double* blocks_;
  kernels::Scalars* scalars_;
  int threads_;
  ProblemRange range_;
  std::vector<int> active_;
};

}  // namespace batchcone::backend::cpu
