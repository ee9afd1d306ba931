// SPDX-License-Identifier: Apache-2.0
// The public CPU entry points: argument checks, then the IPM over the CPU backend.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "backend/cpu/active_set.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/lane_backend.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "backend/cpu/verbose.hpp"
#include "batchcone/solver.hpp"
#include "core/checks.hpp"
#include "core/ipm.hpp"
#include "core/nonfinite.hpp"
#include "core/owned_workspace.hpp"

namespace batchcone {

namespace {

// Blocks of lanes::kLanes problems, each a task that runs the whole IPM loop for its block
// (LaneBackend), spread over the threads.
void solve_in_blocks(const Structure& structure, const Settings& serial, int threads,
                     const BatchData& data, const BatchSolution& out, void* workspace) {
  using backend::cpu::lanes::kLanes;
  const kernels::Context cx = backend::cpu::make_context(structure.symbolic(), serial);
  const kernels::Layout layout = kernels::make_layout(cx.dims);
  const backend::cpu::WorkspaceParts ws = backend::cpu::carve_workspace(workspace, data.batch);
  const int blocks = (data.batch + kLanes - 1) / kLanes;
  backend::cpu::parallel_for(blocks, threads, [&](int j) {
    const int first = j * kLanes;
    backend::cpu::LaneBackend be(cx, layout, data, out, ws.blocks + layout.total * first,
                                 ws.scalars + first, first, std::min(kLanes, data.batch - first));
    core::solve_batch(be);
  });
}

// One single-threaded backend per chunk of problems: each runs the whole IPM loop on its
// problems with no thread hand-off per primitive; several chunks per thread balance problems
// that need different iteration counts. With only_unsolved (after the active-set method), each
// problem it left Unsolved runs alone and the others are kept.
void solve_in_chunks(const Structure& structure, const Settings& serial, int threads,
                     const BatchData& data, const BatchSolution& out, void* workspace,
                     bool only_unsolved) {
  const int chunks = std::min(data.batch, 4 * backend::cpu::thread_count(threads));
  backend::cpu::parallel_for(chunks, threads, [&](int c) {
    const backend::cpu::ProblemRange range{
        static_cast<int>(static_cast<long>(data.batch) * c / chunks),
        static_cast<int>(static_cast<long>(data.batch) * (c + 1) / chunks)};
    auto run = [&](backend::cpu::ProblemRange r) {
      backend::cpu::CpuBackend be(structure.symbolic(), serial, data, out, workspace, r);
      core::solve_batch(be);
    };
    if (!only_unsolved) return run(range);
    for (int k = range.begin; k < range.end; ++k)
      if (out.status[k] == static_cast<std::int32_t>(Status::Unsolved)) run({k, k + 1});
  });
}

}  // namespace

using core::fail;
void validate(const Settings& s) {
  auto positive = [](const char* name, double v) {
    if (!(v > 0)) fail(std::string("setting ") + name + " = " + std::to_string(v) + " must be > 0");
  };
  if (s.max_iter < 0) fail("setting max_iter = " + std::to_string(s.max_iter) + " must be ≥ 0");
  if (!(s.max_step_fraction > 0 && s.max_step_fraction <= 1))
    fail("setting max_step_fraction must be in (0, 1]");
  positive("tol_gap_abs", s.tol_gap_abs), positive("tol_gap_rel", s.tol_gap_rel);
  positive("tol_feas", s.tol_feas), positive("tol_infeas_abs", s.tol_infeas_abs);
  positive("tol_infeas_rel", s.tol_infeas_rel), positive("tol_ktratio", s.tol_ktratio);
  positive("reduced_tol_gap_abs", s.reduced_tol_gap_abs);
  positive("reduced_tol_gap_rel", s.reduced_tol_gap_rel);
  positive("reduced_tol_feas", s.reduced_tol_feas);
  positive("reduced_tol_infeas_abs", s.reduced_tol_infeas_abs);
  positive("reduced_tol_infeas_rel", s.reduced_tol_infeas_rel);
  positive("reduced_tol_ktratio", s.reduced_tol_ktratio);
  positive("equilibrate_min_scaling", s.equilibrate_min_scaling);
  if (!(s.equilibrate_max_scaling >= s.equilibrate_min_scaling))
    fail("setting equilibrate_max_scaling must be ≥ equilibrate_min_scaling");
  if (s.equilibrate_max_iter < 0) fail("setting equilibrate_max_iter must be ≥ 0");
  if (s.iterative_refinement_max_iter < 0)
    fail("setting iterative_refinement_max_iter must be ≥ 0");
  positive("dynamic_regularization_delta", s.dynamic_regularization_delta);
  if (!(s.linesearch_backtrack_step > 0 && s.linesearch_backtrack_step < 1))
    fail("setting linesearch_backtrack_step must be in (0, 1)");
  if (!(s.min_switch_step_length >= 0 && s.min_switch_step_length <= 1))
    fail("setting min_switch_step_length must be in [0, 1]");
  if (s.polish_max_iter < 0) fail("setting polish_max_iter must be ≥ 0");
  const int method = static_cast<int>(s.qp_method);
  if (method < 0 || method > 2)
    fail("setting qp_method = " + std::to_string(method) +
         " must be 0 (Auto), 1 (InteriorPoint) or 2 (ActiveSet)");
  if (s.num_threads < 0) fail("setting num_threads must be ≥ 0");
}

std::size_t cpu_workspace_bytes(const Structure& structure, int batch) {
  const int b = batch < 0 ? 0 : batch;
  return std::max(backend::cpu::workspace_bytes(structure.symbolic(), b),
                  backend::cpu::active_set_workspace_bytes(structure.symbolic(), b));
}

namespace {

// The solve of a checked batch: the verbose, active-set, lane-block or chunked path.
void solve_checked(const Structure& structure, const Settings& settings, const BatchData& data,
                   const BatchSolution& out, void* workspace) {
  if (settings.verbose) {  // one backend over the whole batch, so that each row covers all of it
    backend::cpu::CpuBackend be(structure.symbolic(), settings, data, out, workspace);
    core::solve_batch(
        be, backend::cpu::VerboseMonitor(structure.symbolic(), settings, out, data.batch));
    return;
  }
  Settings serial = settings;
  serial.num_threads = 1;
  if (backend::cpu::active_set_applies(structure.symbolic(), settings)) {
    backend::cpu::active_set_solve(structure.symbolic(), settings, data, out, workspace);
    solve_in_chunks(structure, serial, settings.num_threads, data, out, workspace, true);
    return;
  }
  if (backend::cpu::use_lanes(structure.symbolic(), data.batch, settings.num_threads)) {
    solve_in_blocks(structure, serial, settings.num_threads, data, out, workspace);
    return;
  }
  solve_in_chunks(structure, serial, settings.num_threads, data, out, workspace, false);
}

}  // namespace

void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out, void* workspace, std::size_t bytes) {
  validate(settings);
  if (settings.nonfinite_as_status)
    core::check_data_layout(structure, data);
  else
    core::check_data(structure, data);
  core::check_outputs(structure, data.batch, out);
  if (data.batch == 0) return;
  core::check_workspace(workspace, bytes, cpu_workspace_bytes(structure, data.batch),
                        "cpu_workspace_bytes");
  if (!settings.nonfinite_as_status)
    return solve_checked(structure, settings, data, out, workspace);
  const core::NonfiniteScreen screen(structure, data);
  if (!screen.all_invalid()) solve_checked(structure, settings, screen.data(), out, workspace);
  screen.mark_invalid(out);
}

void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out) {
  core::with_owned_workspace(
      cpu_workspace_bytes(structure, data.batch), data.batch,
      [&](void* ws, std::size_t bytes) { cpu_solve(structure, settings, data, out, ws, bytes); });
}

}  // namespace batchcone
