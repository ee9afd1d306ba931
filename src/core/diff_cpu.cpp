// SPDX-License-Identifier: Apache-2.0
// The public CPU derivative entry points: argument checks, then the backend's adjoint primitives.
#include <algorithm>
#include <string>
#include <vector>

#include "backend/cpu/active_set.hpp"
#include "backend/cpu/active_set_diff.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/lane_backend.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "batchcone/diff.hpp"
#include "core/checks.hpp"
#include "core/derivative_settings.hpp"
#include "core/diff_by_kkt.hpp"
#include "core/owned_workspace.hpp"

namespace batchcone {
using core::jvp_by_kkt_solve;
using core::vjp_by_kkt_solve;

namespace {

// The problems being differentiated: those Solved or AlmostSolved (the others get zero
// derivatives, whatever their data, solution and vectors hold).
std::vector<char> differentiable(int batch, const SolutionView& sol) {
  std::vector<char> out(batch, 0);
  for (int k = 0; k < batch; ++k)
    out[k] = sol.status[k] == static_cast<std::int32_t>(Status::Solved) ||
             sol.status[k] == static_cast<std::int32_t>(Status::AlmostSolved);
  return out;
}

// Checks shared by the derivative calls: settings, pointers and strides, then (unless
// nonfinite_as_status) that the data and the solution of the differentiable problems are finite;
// returns those problems for the checks of the call's vectors.
std::vector<char> check_common(const Structure& st, const Settings& settings, const BatchData& data,
                               const SolutionView& sol) {
  validate(settings);
  core::check_data_layout(st, data);
  if (data.batch == 0) return {};
  if (sol.status == nullptr || (st.n() > 0 && sol.x == nullptr) ||
      (st.m() > 0 && (sol.z == nullptr || sol.s == nullptr)))
    core::fail("a solution pointer (x, z, s or status) is null");
  const std::vector<char> only = differentiable(data.batch, sol);
  if (settings.nonfinite_as_status) return only;
  core::check_operands(st, data,
                       [&](auto... operand) { core::check_input_rows(operand..., only); });
  core::check_input_rows("solution x", sol.x, kDense, st.n(), data.batch, only);
  core::check_input_rows("solution z", sol.z, kDense, st.m(), data.batch, only);
  core::check_input_rows("solution s", sol.s, kDense, st.m(), data.batch, only);
  return only;
}

// A tangent, cotangent or vector input: its layout, and unless nonfinite_as_status the values
// of the differentiable problems (with it, a NaN gives NaN derivatives to its problem only).
void check_vector(const Settings& settings, const char* name, const double* p, long stride, int len,
                  int rows, const std::vector<char>& only, bool nullable = false) {
  if (settings.nonfinite_as_status)
    core::check_input_layout(name, p, stride, len, rows, nullable);
  else
    core::check_input_rows(name, p, stride, len, rows, only, nullable);
}

// After the call-specific checks: the workspace check and the backend that runs the call.
template <class Run>
void run_backend(const Structure& st, const Settings& settings, const BatchData& data,
                 void* workspace, std::size_t bytes, Run&& run) {
  core::check_workspace(workspace, bytes, cpu_derivative_workspace_bytes(st, data.batch),
                        "cpu_derivative_workspace_bytes");
  backend::cpu::CpuBackend be(st.symbolic(), core::derivative_settings(settings), data,
                              BatchSolution{}, workspace);
  run(be);
}

// Batches that run in blocks of lanes (backend::cpu::use_lanes): run(be) on a LaneBackend per
// block, the blocks spread over the threads; returns where the blocks live.
template <class Run>
backend::cpu::WorkspaceParts run_blocks(const Structure& st, const Settings& settings,
                                        const BatchData& data, void* workspace, std::size_t bytes,
                                        Run&& run) {
  using backend::cpu::lanes::kLanes;
  core::check_workspace(workspace, bytes, cpu_derivative_workspace_bytes(st, data.batch),
                        "cpu_derivative_workspace_bytes");
  const kernels::Context cx =
      backend::cpu::make_context(st.symbolic(), core::derivative_settings(settings));
  const kernels::Layout layout = kernels::make_layout(cx.dims);
  const backend::cpu::WorkspaceParts ws = backend::cpu::carve_workspace(workspace, data.batch);
  const int blocks = (data.batch + kLanes - 1) / kLanes;
  backend::cpu::parallel_for(blocks, settings.num_threads, [&](int j) {
    const int first = j * kLanes;
    backend::cpu::LaneBackend be(cx, layout, data, BatchSolution{},
                                 ws.blocks + layout.total * first, ws.scalars + first, first,
                                 std::min(kLanes, data.batch - first));
    run(be);
  });
  return ws;
}

// Zeros standing in for null cotangents and tangents.
std::vector<double> zeros_for(const Structure& st) {
  return std::vector<double>(std::max({st.n(), st.m(), st.nnz_P(), st.nnz_A(), 1}), 0.0);
}

bool lanes_for(const Structure& st, const Settings& settings, int batch) {
  return backend::cpu::use_lanes(st.symbolic(), batch, settings.num_threads);
}

// The overloads without a workspace own one for the call.
template <class Run>
void with_workspace(const Structure& st, int batch, Run&& run) {
  core::with_owned_workspace(cpu_derivative_workspace_bytes(st, batch), batch, run);
}

// The interior point's KKT products or solves (kernels/ipm/adjoint.hpp) after the checks.
void kkt_apply(const Structure& st, const Settings& settings, const BatchData& data,
               const SolutionView& sol, const KktVectors& in, const KktOutputs& out, bool multiply,
               void* workspace, std::size_t bytes) {
  if (lanes_for(st, settings, data.batch)) {
    run_blocks(st, settings, data, workspace, bytes,
               [&](auto& be) { be.kkt_apply(sol, in, out, multiply); });
  } else {
    run_backend(st, settings, data, workspace, bytes,
                [&](auto& be) { be.kkt_apply(sol, in, out, multiply); });
  }
}

// Solves at the active-set path's solutions: through the active set (active_set_diff.hpp)
// where it determines the derivative; the others (interior-point solutions, a weakly active
// row, dependent active rows) by the interior point's solves, run with the done problems'
// statuses set to Unsolved, into scratch outputs whose rows of the others are copied back.
void kkt_solve_active_set(const Structure& st, const Settings& settings, const BatchData& data,
                          const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
                          void* workspace, std::size_t bytes) {
  core::check_workspace(workspace, bytes, cpu_derivative_workspace_bytes(st, data.batch),
                        "cpu_derivative_workspace_bytes");
  std::vector<char> done(data.batch, 0);
  backend::cpu::active_set_kkt_solve(st.symbolic(), settings, data, sol, in, out, workspace,
                                     done.data());
  if (std::all_of(done.begin(), done.end(), [](char d) { return d != 0; })) return;
  std::vector<std::int32_t> status(sol.status, sol.status + data.batch);
  for (int k = 0; k < data.batch; ++k)
    if (done[k]) status[k] = static_cast<std::int32_t>(Status::Unsolved);
  const long n = st.n(), m = st.m(), rows = static_cast<long>(in.count) * data.batch;
  std::vector<double> ox(rows * n), oz(rows * m);
  SolutionView rest = sol;
  rest.status = status.data();
  kkt_apply(st, settings, data, rest, in, KktOutputs{ox.data(), oz.data()}, false, workspace,
            bytes);
  for (long r = 0; r < rows; ++r) {
    if (done[r % data.batch]) continue;
    std::copy(ox.begin() + r * n, ox.begin() + (r + 1) * n, out.x + r * n);
    std::copy(oz.begin() + r * m, oz.begin() + (r + 1) * m, out.z + r * m);
  }
}

}  // namespace

std::size_t cpu_derivative_workspace_bytes(const Structure& structure, int batch) {
  const int b = batch < 0 ? 0 : batch;
  return std::max(backend::cpu::workspace_bytes(structure.symbolic(), b),
                  backend::cpu::active_set_kkt_workspace_bytes(structure.symbolic(), b));
}

void cpu_vjp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const SolutionCotangents& cot, const DataGradients& grad,
             void* workspace, std::size_t bytes) {
  const std::vector<char> only = check_common(st, settings, data, sol);
  check_vector(settings, "cotangent x", cot.x, kDense, st.n(), data.batch, only, true);
  check_vector(settings, "cotangent z", cot.z, kDense, st.m(), data.batch, only, true);
  check_vector(settings, "cotangent s", cot.s, kDense, st.m(), data.batch, only, true);
  if (data.batch == 0) return;
  if (backend::cpu::active_set_applies(st.symbolic(), settings)) {
    vjp_by_kkt_solve(st, data, sol, cot, grad, settings.num_threads, [&](auto& in, auto& out) {
      kkt_solve_active_set(st, settings, data, sol, in, out, workspace, bytes);
    });
    return;
  }
  if (!lanes_for(st, settings, data.batch)) {
    run_backend(st, settings, data, workspace, bytes, [&](auto& be) { be.vjp(sol, cot, grad); });
    return;
  }
  const std::vector<double> zeros = zeros_for(st);
  const auto ws = run_blocks(st, settings, data, workspace, bytes,
                             [&](auto& be) { be.vjp(sol, cot, zeros.data()); });
  const kernels::Layout layout =
      kernels::make_layout(backend::cpu::make_context(st.symbolic(), settings).dims);
  auto gather = [&](double* out, long kernels::Layout::*field, int len, long stride) {
    backend::cpu::gather_gradient(layout, ws.blocks, data.batch, field, len, stride == 0, out,
                                  settings.num_threads);
  };
  gather(grad.P_vals, &kernels::Layout::gp, st.nnz_P(), data.P_stride);
  gather(grad.c, &kernels::Layout::gc, st.n(), data.c_stride);
  gather(grad.A_vals, &kernels::Layout::ga, st.nnz_A(), data.A_stride);
  gather(grad.b, &kernels::Layout::gb, st.m(), data.b_stride);
}

void cpu_vjp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const SolutionCotangents& cot, const DataGradients& grad) {
  with_workspace(st, data.batch, [&](void* ws, std::size_t bytes) {
    cpu_vjp(st, settings, data, sol, cot, grad, ws, bytes);
  });
}

void cpu_jvp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out,
             void* workspace, std::size_t bytes) {
  const std::vector<char> only = check_common(st, settings, data, sol);
  check_vector(settings, "tangent P_vals", tan.P_vals, tan.P_stride, st.nnz_P(), data.batch, only,
               true);
  check_vector(settings, "tangent c", tan.c, tan.c_stride, st.n(), data.batch, only, true);
  check_vector(settings, "tangent A_vals", tan.A_vals, tan.A_stride, st.nnz_A(), data.batch, only,
               true);
  check_vector(settings, "tangent b", tan.b, tan.b_stride, st.m(), data.batch, only, true);
  if (data.batch == 0) return;
  if ((st.n() > 0 && out.x == nullptr) || (st.m() > 0 && (out.z == nullptr || out.s == nullptr)))
    core::fail("an output pointer (x, z or s tangent) is null");
  if (backend::cpu::active_set_applies(st.symbolic(), settings)) {
    jvp_by_kkt_solve(st, data, sol, tan, out, settings.num_threads, [&](auto& in, auto& o) {
      kkt_solve_active_set(st, settings, data, sol, in, o, workspace, bytes);
    });
    return;
  }
  if (!lanes_for(st, settings, data.batch)) {
    run_backend(st, settings, data, workspace, bytes, [&](auto& be) { be.jvp(sol, tan, out); });
    return;
  }
  const std::vector<double> zeros = zeros_for(st);
  run_blocks(st, settings, data, workspace, bytes,
             [&](auto& be) { be.jvp(sol, tan, out, zeros.data()); });
}

void cpu_jvp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out) {
  with_workspace(st, data.batch, [&](void* ws, std::size_t bytes) {
    cpu_jvp(st, settings, data, sol, tan, out, ws, bytes);
  });
}

namespace {

void kkt_call(const Structure& st, const Settings& settings, const BatchData& data,
              const SolutionView& sol, const KktVectors& in, const KktOutputs& out, bool multiply,
              void* workspace, std::size_t bytes) {
  const std::vector<char> only = check_common(st, settings, data, sol);
  if (in.count < 1) core::fail("vector count " + std::to_string(in.count) + " is not positive");
  check_vector(settings, "vector x", in.x, kDense, st.n(), data.batch * in.count, only);
  check_vector(settings, "vector z", in.z, kDense, st.m(), data.batch * in.count, only);
  if (data.batch == 0) return;
  if ((st.n() > 0 && out.x == nullptr) || (st.m() > 0 && out.z == nullptr))
    core::fail("an output pointer (x or z) is null");
  if (workspace == nullptr) {
    with_workspace(st, data.batch, [&](void* ws, std::size_t b) {
      kkt_call(st, settings, data, sol, in, out, multiply, ws, b);
    });
    return;
  }
  if (!multiply && backend::cpu::active_set_applies(st.symbolic(), settings)) {
    kkt_solve_active_set(st, settings, data, sol, in, out, workspace, bytes);
    return;
  }
  kkt_apply(st, settings, data, sol, in, out, multiply, workspace, bytes);
}

}  // namespace

void cpu_kkt_solve(const Structure& st, const Settings& settings, const BatchData& data,
                   const SolutionView& sol, const KktVectors& rhs, const KktOutputs& out) {
  kkt_call(st, settings, data, sol, rhs, out, false, nullptr, 0);
}

void cpu_kkt_multiply(const Structure& st, const Settings& settings, const BatchData& data,
                      const SolutionView& sol, const KktVectors& v, const KktOutputs& out) {
  kkt_call(st, settings, data, sol, v, out, true, nullptr, 0);
}

void cpu_kkt_solve(const Structure& st, const Settings& settings, const BatchData& data,
                   const SolutionView& sol, const KktVectors& rhs, const KktOutputs& out,
                   void* workspace, std::size_t bytes) {
  if (data.batch > 0 && workspace == nullptr) core::fail("workspace is null");
  kkt_call(st, settings, data, sol, rhs, out, false, workspace, bytes);
}

void cpu_kkt_multiply(const Structure& st, const Settings& settings, const BatchData& data,
                      const SolutionView& sol, const KktVectors& v, const KktOutputs& out,
                      void* workspace, std::size_t bytes) {
  if (data.batch > 0 && workspace == nullptr) core::fail("workspace is null");
  kkt_call(st, settings, data, sol, v, out, true, workspace, bytes);
}

}  // namespace batchcone
