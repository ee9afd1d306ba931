// SPDX-License-Identifier: Apache-2.0
// The CPU backend over one block of lanes::kLanes problems stored batch-interleaved (lanes.hpp).
//
// Every per-problem step of kernels/ipm runs lane by lane on double views of the block, as on
// the GPU one thread runs one problem; the KKT operations between those steps (factorization,
// solves with refinement) run once for the whole block on Pack views, so that each instruction
// of the LDLᵀ schedule serves kLanes problems. Problems that finished, failed, or only pad the
// block are masked: they ride along in the KKT operations (their results are ignored) and are
// skipped by the per-problem steps. A problem whose iteration must be retried (exp/pow cones
// switching to dual scaling) retries on its own lane with the one-problem kernels.
#pragma once

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "kernels/ipm/state.hpp"
#include "lanes.hpp"

namespace batchcone::backend::cpu {

class LaneBackend {
 public:
  // Problems [first, first + count) of the batch, count ≤ kLanes, in a block of
  // layout.total·kLanes doubles at `block` (64-byte aligned) with kLanes Scalars.
  LaneBackend(const kernels::Context& cx, const kernels::Layout& layout, const BatchData& data,
              const BatchSolution& out, double* block, kernels::Scalars* scalars, int first,
              int count);

  void setup();
  int check_termination();
  void iterate();
  int finalize();  // how many problems resume (kernels/ipm/finalize.hpp)

  // Derivatives at given solutions (include/batchcone/diff.hpp), the block's part of each call:
  // K at each solution factored once (derivative_factor), then the solves for all lanes at
  // once. vjp stages each problem's gradients in its lane (gather_gradients collects them);
  // `zeros` stands in for null inputs (at least max(nnz_P, nnz_A, n, m) zeros).
  void derivative_factor(const SolutionView& sol, bool factor = true);
  void vjp(const SolutionView& sol, const SolutionCotangents& cot, const double* zeros);
  void jvp(const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out,
           const double* zeros);
  void kkt_apply(const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
                 bool multiply);

 private:
  using Lane = kernels::State<lanes::LaneOf>;
  using Block = kernels::State<lanes::LaneView>;
  Lane lane(int l) const;
  Block block() const { return block_; }
  kernels::ProblemInput input(int k) const;
  kernels::ProblemSolution solution(const SolutionView& sol, int k) const;

  const kernels::Context& cx_;
  const kernels::Layout& layout_;
  BatchData data_;
  BatchSolution out_;
  double* base_;
  kernels::Scalars* scalars_;
  Block block_;
  int first_, count_;
  bool active_[lanes::kLanes];
};

// The gradients a LaneBackend::vjp staged for a batch laid out in blocks from `blocks`: out ←
// each problem's, or their sum (in problem order) where the input is shared.
void gather_gradient(const kernels::Layout& layout, const double* blocks, int batch,
                     long kernels::Layout::*field, int len, bool shared, double* out, int threads);

}  // namespace batchcone::backend::cpu
