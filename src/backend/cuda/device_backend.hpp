// SPDX-License-Identifier: Apache-2.0
// The device path's Backend (src/backend/backend.hpp) over an executor, host code only. The
// executor runs one step of device_steps.hpp for every problem of the batch: CudaExecutor
// (cuda_backend.cu) as a kernel launch on a stream, HostExecutor (emulated.cpp) as a loop on the
// host. Both see the same batch-interleaved workspace and the same packed structure, so the
// emulated launch tests everything but the hardware.
//
// Executor contract (Batch, Inputs, Outputs from device_steps.hpp):
//   void setup(const Batch&, const Inputs&);     void check_termination(const Batch&);
//   int  count_active(const Batch&);             void iterate(const Batch&);
//   void finalize(const Batch&, const Outputs&);
//   void derivative_factor(const Batch&, const Inputs&, const double* x, const double* z,
//                          const double* s, const std::int32_t* status);
//   void kkt_apply(const Batch&, const double* vx, const double* vz, double* ox, double* oz,
//                  bool multiply);
//   void first_nonfinite(const FiniteQuery* q, int count, long* first);  (check_finite)
//   double read_value(const double* p);
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/cuda/device_steps.hpp"
#include "backend/cuda/launch_policy.hpp"
#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "core/checks.hpp"
#include "core/ipm.hpp"

namespace batchcone::device_backend {

using device_steps::Batch;
using device_steps::Inputs;
using device_steps::Outputs;

// ---- sizing, layout and the packed structure (device_backend.cpp) -------------------------------

kernels::Layout layout_of(const Structure& st);

// The workspace's last 256 bytes: the count of active problems and, per input checked for
// non-finite values (check_finite), the flat index of its first one.
constexpr int kMaxFiniteQueries = 16;
struct DeviceFlags {
  int active;
  unsigned long long first_nonfinite[kMaxFiniteQueries];
};

// Workspace: per-problem scalars, the interleaved blocks, then the DeviceFlags.
std::size_t workspace_bytes(const Structure& st, int batch);

// The launch's view of a workspace of workspace_bytes(st, batch) bytes (and its flags), with the
// structure bound in `cx`.
Batch batch_in(const kernels::Context& cx, const Structure& st, int batch, void* workspace,
               DeviceFlags** flags);

Inputs inputs_of(const Structure& st, const BatchData& data);

// A structure's int arrays in one buffer and its pivot signs, for one upload; bind() points a
// Context (sizes and settings from the host structure) at a copy of them, wherever it lives.
struct PackedStructure {
  std::vector<int> ints;
  std::vector<signed char> sign;
  std::vector<std::size_t> at;  // where each array starts in ints
};
PackedStructure pack(const detail::Symbolic& sym);
kernels::Context bind(const detail::Symbolic& sym, const Settings& settings,
                      const PackedStructure& packed, const int* ints, const signed char* sign);

// ---- finite inputs: core::check_data's checks with the values read by the executor ------------

// One input: row k's entry i at p[k·stride + i] for k < distinct (check_input_layout). With a
// `status` (the derivative calls), row k is checked only if problem k mod batch is Solved or
// AlmostSolved, unless distinct is 1 (a shared input, always checked).
struct FiniteQuery {
  const char* name;
  const double* p;
  long stride;
  int len;
  int distinct;
  const std::int32_t* status = nullptr;
  int batch = 0;
};

// Whether the query reads row k (the same test on the host and on the device).
BC_HD bool query_reads_row(const FiniteQuery& q, long k) {
  if (q.status == nullptr || q.distinct <= 1) return true;
  const std::int32_t s = q.status[k % q.batch];
  return s == static_cast<std::int32_t>(Status::Solved) ||
         s == static_cast<std::int32_t>(Status::AlmostSolved);
}

// The data's queries, after core's pointer and stride checks (data.batch ≥ 0).
std::vector<FiniteQuery> data_queries(const Structure& st, const BatchData& d);
// The derivative calls': the data, the solution (x, z, s) and `count` vectors per problem, on
// the differentiable problems only; none when settings.nonfinite_as_status (diff_cpu.cpp's
// rules).
std::vector<FiniteQuery> kkt_queries(const Structure& st, const Settings& settings,
                                     const BatchData& d, const SolutionView& sol,
                                     const KktVectors& v);

// Throws core's message ("c[3] of problem 0 is NaN") for the first input holding a non-finite
// value; one executor round trip for all of them.
template <class Executor>
void check_finite(Executor& exec, const std::vector<FiniteQuery>& queries) {
  if (queries.empty()) return;
  std::vector<long> first(queries.size(), -1);
  exec.first_nonfinite(queries.data(), static_cast<int>(queries.size()), first.data());
  for (size_t q = 0; q < queries.size(); ++q) {
    if (first[q] < 0) continue;
    const FiniteQuery& f = queries[q];
    const long k = first[q] / f.len, i = first[q] % f.len;
    core::fail_nonfinite(f.name, first[q], f.len, exec.read_value(f.p + k * f.stride + i));
  }
}

// ---- the Backend ------------------------------------------------------------------------------

// Statuses reach the host every kStatusReadbackEvery termination checks (one synchronization
// on the device); in between the last count stands and finished problems are masked.
template <class Executor>
class DeviceBackend {
 public:
  DeviceBackend(Executor& exec, const Batch& bt, const Inputs& in, const Outputs& out)
      : exec_(exec), bt_(bt), in_(in), out_(out), active_(bt.batch) {}

  void setup() { exec_.setup(bt_, in_); }
  int check_termination() {
    exec_.check_termination(bt_);
    if (++checks_ % backend::cuda::LaunchPolicy::kStatusReadbackEvery == 0)
      active_ = exec_.count_active(bt_);
    return active_;
  }
  void iterate() { exec_.iterate(bt_); }
  // Returns how many problems resume for a second run (kernels/ipm/finalize.hpp).
  int finalize() {
    exec_.finalize(bt_, out_);
    return active_ = exec_.count_active(bt_);
  }

 private:
  Executor& exec_;
  Batch bt_;
  Inputs in_;
  Outputs out_;
  int active_;
  int checks_ = 0;
};

// K⁻¹v or Kv at each problem's solution: one factorization per problem for all rhs.count
// vectors (row j·B + k, diff.hpp).
template <class Executor>
void kkt_apply(Executor& exec, const Batch& bt, const Inputs& in, const SolutionView& sol,
               const KktVectors& v, const KktOutputs& out, bool multiply) {
  exec.derivative_factor(bt, in, sol.x, sol.z, sol.s, sol.status);
  const long n = bt.cx.dims.n, m = bt.cx.dims.m;
  for (int j = 0; j < v.count; ++j) {
    const long row = static_cast<long>(j) * bt.batch;
    exec.kkt_apply(bt, v.x + row * n, v.z + row * m, out.x + row * n, out.z + row * m, multiply);
  }
}

// ---- the entry points' shared sequence (cuda_solve, cuda_kkt_*, and the emulated launch) --------

// The argument checks that read no device memory, made first by every entry point.
void check_solve_args(const Structure& st, const Settings& settings, const BatchData& data,
                      const BatchSolution& out);
void check_kkt_args(const Settings& settings, const BatchData& data, const SolutionView& sol,
                    const KktVectors& v, const KktOutputs& out);

// Then, on a batch of data.batch > 0 problems bound to a workspace: the finite-value checks
// through the executor, and the solve or the KKT products.
template <class Executor>
void run_solve(Executor& exec, const Batch& bt, const Structure& st, const BatchData& data,
               const BatchSolution& out) {
  const std::vector<FiniteQuery> queries = data_queries(st, data);  // the layout checks
  if (!bt.cx.settings.nonfinite_as_status) check_finite(exec, queries);
  DeviceBackend<Executor> be(exec, bt, inputs_of(st, data),
                             {out.x, out.z, out.s, out.objective, out.status, out.iterations});
  core::solve_batch(be);
}

template <class Executor>
void run_kkt(Executor& exec, const Batch& bt, const Structure& st, const BatchData& data,
             const SolutionView& sol, const KktVectors& v, const KktOutputs& out, bool multiply) {
  check_finite(exec, kkt_queries(st, bt.cx.settings, data, sol, v));
  kkt_apply(exec, bt, inputs_of(st, data), sol, v, out, multiply);
}

// ---- the emulated launch (emulated.cpp): the device path on host memory -------------------------

// As cuda_solve / cuda_kkt_solve / cuda_kkt_multiply with host pointers, the steps run by a host
// loop over problems on a host copy of the packed structure. For tests.
void emulated_solve(const Structure& st, const Settings& settings, const BatchData& data,
                    const BatchSolution& out);
void emulated_kkt_apply(const Structure& st, const Settings& settings, const BatchData& data,
                        const SolutionView& sol, const KktVectors& v, const KktOutputs& out,
                        bool multiply);

}  // namespace batchcone::device_backend
