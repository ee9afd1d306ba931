// SPDX-License-Identifier: Apache-2.0
// The public CPU entry points: argument checks, then the IPM over the CPU backend.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "backend/cpu/cpu_backend.hpp"
#include "batchcone/solver.hpp"
#include "core/ipm.hpp"

namespace batchcone {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("batchcone: " + msg); }

// Checks one input array of the batch: pointer, stride and finite values.
void check_input(const char* name, const double* p, long stride, int len, int batch) {
  if (len == 0 || batch == 0) return;
  if (p == nullptr) fail(std::string(name) + " is null");
  if (stride != kDense && stride < 0)
    fail(std::string(name) + " stride " + std::to_string(stride) + " is negative");
  const long st = stride == kDense ? len : stride;
  const int distinct = st == 0 ? 1 : batch;
  for (int k = 0; k < distinct; ++k)
    for (int i = 0; i < len; ++i)
      if (!std::isfinite(p[k * st + i]))
        fail(std::string(name) + "[" + std::to_string(i) + "] of problem " + std::to_string(k) +
             " is " + (std::isnan(p[k * st + i]) ? "NaN" : "infinite"));
}

void check_arguments(const Structure& s, const BatchData& d, const BatchSolution& o) {
  if (d.batch < 0) fail("batch size " + std::to_string(d.batch) + " is negative");
  check_input("P_vals", d.P_vals, d.P_stride, s.nnz_P(), d.batch);
  check_input("c", d.c, d.c_stride, s.n(), d.batch);
  check_input("A_vals", d.A_vals, d.A_stride, s.nnz_A(), d.batch);
  check_input("b", d.b, d.b_stride, s.m(), d.batch);
  if (d.batch > 0 && (o.status == nullptr || o.iterations == nullptr || o.objective == nullptr ||
                      (s.n() > 0 && o.x == nullptr) ||
                      (s.m() > 0 && (o.z == nullptr || o.s == nullptr))))
    fail("an output pointer (x, z, s, status, iterations or objective) is null");
}

}  // namespace

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
  if (s.iterative_refinement_max_iter < 0) fail("setting iterative_refinement_max_iter must be ≥ 0");
  positive("dynamic_regularization_delta", s.dynamic_regularization_delta);
  if (s.num_threads < 0) fail("setting num_threads must be ≥ 0");
}

std::size_t cpu_workspace_bytes(const Structure& structure, int batch) {
  return backend::cpu::workspace_bytes(structure.symbolic(), batch < 0 ? 0 : batch);
}

void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out, void* workspace, std::size_t bytes) {
  validate(settings);
  check_arguments(structure, data, out);
  if (data.batch == 0) return;
  const std::size_t need = cpu_workspace_bytes(structure, data.batch);
  if (workspace == nullptr || bytes < need)
    fail("workspace of " + std::to_string(bytes) + " bytes is too small: " + std::to_string(need) +
         " needed (cpu_workspace_bytes)");
  backend::cpu::CpuBackend be(structure.symbolic(), settings, data, out, workspace);
  core::solve_batch(be);
}

void cpu_solve(const Structure& structure, const Settings& settings, const BatchData& data,
               const BatchSolution& out) {
  const std::size_t bytes = cpu_workspace_bytes(structure, data.batch);
  std::unique_ptr<double[]> ws(new double[(bytes + sizeof(double) - 1) / sizeof(double)]);
  cpu_solve(structure, settings, data, out, ws.get(), bytes);
}

}  // namespace batchcone
