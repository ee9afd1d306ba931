// SPDX-License-Identifier: Apache-2.0
#include "lane_backend.hpp"

#include <algorithm>

#include "cpu_backend.hpp"
#include "kernels/ipm/adjoint.hpp"
#include "kernels/ipm/equilibrate.hpp"
#include "kernels/ipm/finalize.hpp"
#include "kernels/ipm/info.hpp"
#include "kernels/ipm/init.hpp"
#include "kernels/ipm/step.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu {

using lanes::kLanes;

LaneBackend::LaneBackend(const kernels::Context& cx, const kernels::Layout& layout,
                         const BatchData& data, const BatchSolution& out, double* block,
                         kernels::Scalars* scalars, int first, int count)
    : cx_(cx),
      layout_(layout),
      data_(data),
      out_(out),
      base_(block),
      scalars_(scalars),
      block_(kernels::make_state(layout, lanes::LaneView{block}, scalars)),
      first_(first),
      count_(count),
      active_{} {}

LaneBackend::Lane LaneBackend::lane(int l) const {
  return kernels::make_state(layout_, lanes::LaneOf{base_ + l}, scalars_ + l);
}

kernels::ProblemInput LaneBackend::input(int k) const { return problem_input(data_, cx_.dims, k); }

// Padding lanes (past count_) carry a copy of the block's first problem, so that the KKT
// operations they ride along in see ordinary numbers; they are never active.
void LaneBackend::setup() {
  for (int l = 0; l < kLanes; ++l)
    kernels::load_input(cx_, lane(l), input(first_ + (l < count_ ? l : 0)));
  kernels::equilibrate_loaded(cx_, block());
  kernels::initialize_kkt(cx_, block());
  bool solve[kLanes], lp[kLanes], any = false, any_lp = false;
  for (int l = 0; l < kLanes; ++l) any |= solve[l] = kernels::initialize_begin(cx_, lane(l));
  if (any) {
    const lanes::Mask ok = kernels::initial_solve(cx_, block());
    for (int l = 0; l < kLanes; ++l) any_lp |= lp[l] = kernels::initialize_middle(cx_, lane(l));
    const lanes::Mask ok_lp = any_lp ? kernels::initial_lp_solve(cx_, block()) : ok;
    for (int l = 0; l < kLanes; ++l)
      kernels::initialize_end(cx_, lane(l),
                              lanes::lane(ok, l) && (!lp[l] || lanes::lane(ok_lp, l)));
  }
  for (int l = 0; l < kLanes; ++l) active_[l] = l < count_;
}

// Residuals for the whole block (a finished lane's are recomputed at its unchanged point), then
// the per-problem termination tests.
int LaneBackend::check_termination() {
  kernels::update_residuals(cx_, block());
  int active = 0;
  for (int l = 0; l < count_; ++l) {
    if (!active_[l]) continue;
    const Lane st = lane(l);
    if (st.sc->status == Status::Unsolved) kernels::check_termination_after_residuals(cx_, st);
    active_[l] = st.sc->status == Status::Unsolved;
    active += active_[l];
  }
  return active;
}

// The four phases of kernels/ipm/step.hpp lane by lane, each KKT operation once for the block.
void LaneBackend::iterate() {
  using kernels::StepOutcome;
  StepOutcome out[kLanes];
  bool going[kLanes];
  // Runs phase(l, solved_l) on the lanes still going after a block-wide KKT operation.
  auto after = [&](const lanes::Mask& solved, auto&& phase) {
    for (int l = 0; l < kLanes; ++l)
      if (going[l]) going[l] = (out[l] = phase(l, lanes::lane(solved, l))) == StepOutcome::Taken;
  };
  auto any_going = [&] {
    bool any = false;
    for (int l = 0; l < kLanes; ++l) any |= going[l];
    return any;
  };
  for (int l = 0; l < kLanes; ++l) {
    out[l] = active_[l] ? kernels::begin_iteration(cx_, lane(l)) : StepOutcome::Taken;
    going[l] = active_[l] && out[l] == StepOutcome::Taken;
  }
  if (any_going()) {
    after(kernels::factor_and_solve_x2(cx_, block()), [&](int l, bool solved) {
      if (!solved) return StepOutcome::SolveFailed;
      kernels::predictor_rhs(cx_, lane(l));
      return StepOutcome::Taken;
    });
  }
  if (any_going()) {
    after(kernels::solve_step_kkt(cx_, block()),
          [&](int l, bool solved) { return kernels::to_corrector(cx_, lane(l), solved); });
  }
  if (any_going()) {
    after(kernels::solve_step_kkt(cx_, block()),
          [&](int l, bool solved) { return kernels::finish_iteration(cx_, lane(l), solved); });
  }
  for (int l = 0; l < kLanes; ++l)
    if (active_[l] && out[l] != StepOutcome::Taken &&
        kernels::iteration_failed(cx_, lane(l), out[l]))
      kernels::iterate(cx_, lane(l));  // the retry, on this lane alone
}

int LaneBackend::finalize() {
  bool step[kLanes] = {}, any = false;
  for (int l = 0; l < count_; ++l) any |= step[l] = kernels::finalize_begin(cx_, lane(l));
  while (any) {
    const lanes::Mask solved = kernels::polish_solve(cx_, block());
    any = false;
    for (int l = 0; l < count_; ++l)
      if (step[l])
        any |= step[l] = kernels::polish_after_step(cx_, lane(l), lanes::lane(solved, l));
  }
  const long n = cx_.dims.n, m = cx_.dims.m;
  int resumed = 0;
  for (int l = 0; l < count_; ++l) {
    const long k = first_ + l;
    const Lane st = lane(l);
    active_[l] = kernels::finalize_end(cx_, st, out_.x + k * n, out_.z + k * m, out_.s + k * m,
                                       out_.objective[k]);
    resumed += active_[l];
    if (active_[l]) continue;
    out_.status[k] = static_cast<std::int32_t>(st.sc->status);
    out_.iterations[k] = st.sc->iterations;
  }
  return resumed;
}

// ---- derivatives ------------------------------------------------------------------------------

kernels::ProblemSolution LaneBackend::solution(const SolutionView& sol, int k) const {
  const long n = cx_.dims.n, m = cx_.dims.m;
  return {sol.x + k * n, sol.z + k * m, sol.s + k * m};
}

// kernels/ipm/adjoint.hpp's derivative_factor for the block: equilibration and K's data for all
// lanes at once, the split and −H lane by lane, one factorization. Lanes without a derivative
// (padding, unsolved problems, failed splits) keep H = 0 and factored = 0.
void LaneBackend::derivative_factor(const SolutionView& sol, bool factor) {
  for (int l = 0; l < kLanes; ++l)
    kernels::load_input(cx_, lane(l), input(first_ + (l < count_ ? l : 0)));
  kernels::equilibrate_loaded(cx_, block());
  kernels::initialize_kkt(cx_, block());
  bool split[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    const int k = first_ + l;
    split[l] = l < count_ && kernels::is_differentiable(sol.status[k]) &&
               kernels::derivative_split(cx_, lane(l), solution(sol, k));
  }
  const lanes::Mask ok = factor ? kernels::factor_kkt_at_solution(cx_, block(), lanes::mask_of(split))
                                : lanes::Mask{~lanes::VecL{}};
  for (int l = 0; l < kLanes; ++l) scalars_[l].factored = split[l] && lanes::lane(ok, l);
}

void LaneBackend::vjp(const SolutionView& sol, const SolutionCotangents& cot, const double* zeros) {
  const kernels::Dims& d = cx_.dims;
  const long n = d.n, m = d.m;
  derivative_factor(sol);
  auto row = [&](const double* p, int k, long len) { return p ? p + k * len : zeros; };
  for (int l = 0; l < count_; ++l) {
    const int k = first_ + l;
    kernels::vjp_rhs(cx_, lane(l), row(cot.x, k, n), row(cot.z, k, m), row(cot.s, k, m));
  }
  const lanes::Mask solved = kernels::solve_unscaled(cx_, block());
  for (int l = 0; l < count_; ++l) {
    const int k = first_ + l;
    const Lane st = lane(l);
    if (st.sc->factored && lanes::lane(solved, l) &&
        kernels::vjp_gradients(cx_, st, solution(sol, k), row(cot.s, k, m)))
      continue;
    kernels::fill(d.nnz_p, st.gp, 0.0), kernels::fill(d.nnz_a, st.ga, 0.0);
    kernels::fill(d.n, st.gc, 0.0), kernels::fill(d.m, st.gb, 0.0);
  }
}

void LaneBackend::jvp(const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out,
                      const double* zeros) {
  const kernels::Dims& d = cx_.dims;
  const long n = d.n, m = d.m;
  derivative_factor(sol);
  auto row = [&](const double* p, long stride, int len, int k) {
    return p ? p + k * stride_of(stride, len) : zeros;
  };
  for (int l = 0; l < count_; ++l) {
    const int k = first_ + l;
    const kernels::ProblemTangent t{
        row(tan.P_vals, tan.P_stride, d.nnz_p, k), row(tan.c, tan.c_stride, d.n, k),
        row(tan.A_vals, tan.A_stride, d.nnz_a, k), row(tan.b, tan.b_stride, d.m, k)};
    kernels::jvp_rhs(cx_, lane(l), solution(sol, k), t, out.s + k * m);
  }
  const lanes::Mask solved = kernels::solve_unscaled(cx_, block());
  for (int l = 0; l < count_; ++l) {
    const int k = first_ + l;
    double *dx = out.x + k * n, *dz = out.z + k * m, *ds = out.s + k * m;
    const bool ok = lane(l).sc->factored && lanes::lane(solved, l);
    if (ok) kernels::jvp_outputs(cx_, lane(l), dx, dz, ds);
    if (!ok || !kernels::all_finite(d.n, dx) || !kernels::all_finite(d.m, dz) ||
        !kernels::all_finite(d.m, ds))
      kernels::fill(d.n, dx, 0.0), kernels::fill(d.m, dz, 0.0), kernels::fill(d.m, ds, 0.0);
  }
}

void LaneBackend::kkt_apply(const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
                            bool multiply) {
  const long n = cx_.dims.n, m = cx_.dims.m;
  derivative_factor(sol, !multiply);
  for (int j = 0; j < in.count; ++j) {  // one factorization, in.count vectors
    const long row = static_cast<long>(j) * data_.batch + first_;  // of lane 0
    if (multiply) {
      for (int l = 0; l < count_; ++l)
        kernels::kkt_apply_at_solution(cx_, lane(l), in.x + (row + l) * n, in.z + (row + l) * m,
                                       out.x + (row + l) * n, out.z + (row + l) * m, true);
      continue;
    }
    for (int l = 0; l < count_; ++l) {
      kernels::copy(n, in.x + (row + l) * n, lane(l).rhs_x);
      kernels::copy(m, in.z + (row + l) * m, lane(l).rhs_z);
    }
    const lanes::Mask solved = kernels::solve_unscaled(cx_, block());
    for (int l = 0; l < count_; ++l) {
      const Lane st = lane(l);
      double *ox = out.x + (row + l) * n, *oz = out.z + (row + l) * m;
      const bool ok = st.sc->factored && lanes::lane(solved, l);
      if (ok) kernels::copy(n, st.rhs_x, ox), kernels::copy(m, st.rhs_z, oz);
      if (!ok || !kernels::all_finite(n, ox) || !kernels::all_finite(m, oz))
        kernels::fill(n, ox, 0.0), kernels::fill(m, oz, 0.0);
    }
  }
}

void gather_gradient(const kernels::Layout& layout, const double* blocks, int batch,
                     long kernels::Layout::*field, int len, bool shared, double* out, int threads) {
  if (out == nullptr) return;
  // Value i of problem k's staged gradient.
  auto staged = [&](int k, int i) {
    const long block = k / kLanes, l = k % kLanes;
    return blocks[(block * layout.total + layout.*field + i) * kLanes + l];
  };
  if (!shared) {
    parallel_for(batch, threads, [&](int k) {
      for (int i = 0; i < len; ++i) out[static_cast<long>(k) * len + i] = staged(k, i);
    });
    return;
  }
  std::fill(out, out + len, 0.0);
  for (int k = 0; k < batch; ++k)  // fixed order: deterministic sums
    for (int i = 0; i < len; ++i) out[i] += staged(k, i);
}

}  // namespace batchcone::backend::cpu
