// SPDX-License-Identifier: Apache-2.0
// The public CPU derivative entry points: argument checks, then the backend's adjoint primitives.
#include "backend/cpu/cpu_backend.hpp"
#include "batchcone/diff.hpp"
#include "core/checks.hpp"
#include "core/derivative_settings.hpp"
#include "core/owned_workspace.hpp"

namespace batchcone {
namespace {

void check_solution(const Structure& s, int batch, const SolutionView& sol) {
  if (batch == 0) return;
  if (sol.status == nullptr || (s.n() > 0 && sol.x == nullptr) ||
      (s.m() > 0 && (sol.z == nullptr || sol.s == nullptr)))
    core::fail("a solution pointer (x, z, s or status) is null");
  core::check_input("solution x", sol.x, kDense, s.n(), batch);
  core::check_input("solution z", sol.z, kDense, s.m(), batch);
  core::check_input("solution s", sol.s, kDense, s.m(), batch);
}

// Checks shared by both derivative calls: settings, data and the solution.
void check_common(const Structure& st, const Settings& settings, const BatchData& data,
                  const SolutionView& sol) {
  validate(settings);
  core::check_data(st, data);
  check_solution(st, data.batch, sol);
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

// The overloads without a workspace own one for the call.
template <class Run>
void with_workspace(const Structure& st, int batch, Run&& run) {
  core::with_owned_workspace(cpu_derivative_workspace_bytes(st, batch), run);
}

}  // namespace

std::size_t cpu_derivative_workspace_bytes(const Structure& structure, int batch) {
  return cpu_workspace_bytes(structure, batch);
}

void cpu_vjp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const SolutionCotangents& cot, const DataGradients& grad,
             void* workspace, std::size_t bytes) {
  check_common(st, settings, data, sol);
  core::check_input("cotangent x", cot.x, kDense, st.n(), data.batch, true);
  core::check_input("cotangent z", cot.z, kDense, st.m(), data.batch, true);
  core::check_input("cotangent s", cot.s, kDense, st.m(), data.batch, true);
  if (data.batch == 0) return;
  run_backend(st, settings, data, workspace, bytes, [&](auto& be) { be.vjp(sol, cot, grad); });
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
  check_common(st, settings, data, sol);
  core::check_input("tangent P_vals", tan.P_vals, tan.P_stride, st.nnz_P(), data.batch, true);
  core::check_input("tangent c", tan.c, tan.c_stride, st.n(), data.batch, true);
  core::check_input("tangent A_vals", tan.A_vals, tan.A_stride, st.nnz_A(), data.batch, true);
  core::check_input("tangent b", tan.b, tan.b_stride, st.m(), data.batch, true);
  if (data.batch == 0) return;
  if ((st.n() > 0 && out.x == nullptr) || (st.m() > 0 && (out.z == nullptr || out.s == nullptr)))
    core::fail("an output pointer (x, z or s tangent) is null");
  run_backend(st, settings, data, workspace, bytes, [&](auto& be) { be.jvp(sol, tan, out); });
}

void cpu_jvp(const Structure& st, const Settings& settings, const BatchData& data,
             const SolutionView& sol, const DataTangents& tan, const SolutionTangents& out) {
  with_workspace(st, data.batch, [&](void* ws, std::size_t bytes) {
    cpu_jvp(st, settings, data, sol, tan, out, ws, bytes);
  });
}

namespace {

void kkt_call(const Structure& st, const Settings& settings, const BatchData& data,
              const SolutionView& sol, const KktVectors& in, const KktOutputs& out, bool multiply) {
  check_common(st, settings, data, sol);
  core::check_input("vector x", in.x, kDense, st.n(), data.batch);
  core::check_input("vector z", in.z, kDense, st.m(), data.batch);
  if (data.batch == 0) return;
  if ((st.n() > 0 && out.x == nullptr) || (st.m() > 0 && out.z == nullptr))
    core::fail("an output pointer (x or z) is null");
  with_workspace(st, data.batch, [&](void* ws, std::size_t bytes) {
    run_backend(st, settings, data, ws, bytes,
                [&](auto& be) { be.kkt_apply(sol, in, out, multiply); });
  });
}

}  // namespace

void cpu_kkt_solve(const Structure& st, const Settings& settings, const BatchData& data,
                   const SolutionView& sol, const KktVectors& rhs, const KktOutputs& out) {
  kkt_call(st, settings, data, sol, rhs, out, false);
}

void cpu_kkt_multiply(const Structure& st, const Settings& settings, const BatchData& data,
                      const SolutionView& sol, const KktVectors& v, const KktOutputs& out) {
  kkt_call(st, settings, data, sol, v, out, true);
}

}  // namespace batchcone
