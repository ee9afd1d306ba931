// SPDX-License-Identifier: Apache-2.0
// The emulated launch (device_backend.hpp): the CUDA backend's steps run by a host loop over the
// problems, on host memory laid out as on the device (batch-interleaved blocks, a packed copy of
// the structure bound like the device one), driven by the same DeviceBackend and core loop.
#include <cstdint>
#include <vector>

#include "backend/cuda/device_backend.hpp"
#include "core/checks.hpp"
#include "core/derivative_settings.hpp"
#include "core/ipm.hpp"

namespace batchcone::device_backend {
namespace {

// One "launch" = the step for every problem index in turn, as the device's threads would.
struct HostExecutor {
  template <class Step>
  static void each(const Batch& bt, Step&& step) {
    for (int b = 0; b < bt.batch; ++b) step(b);
  }
  void setup(const Batch& bt, const Inputs& in) {
    each(bt, [&](int b) { device_steps::setup(bt, in, b); });
  }
  void check_termination(const Batch& bt) {
    each(bt, [&](int b) { device_steps::check_termination(bt, b); });
  }
  int count_active(const Batch& bt) {
    int active = 0;
    each(bt, [&](int b) { active += device_steps::is_active(bt, b) ? 1 : 0; });
    return active;
  }
  void iterate(const Batch& bt) {
    each(bt, [&](int b) { device_steps::iterate(bt, b); });
  }
  void finalize(const Batch& bt, const Outputs& out) {
    each(bt, [&](int b) { device_steps::finalize(bt, out, b); });
  }
  void derivative_factor(const Batch& bt, const Inputs& in, const double* x, const double* z,
                         const double* s, const std::int32_t* status) {
    each(bt, [&](int b) { device_steps::derivative_factor(bt, in, x, z, s, status, b); });
  }
  void kkt_apply(const Batch& bt, const double* vx, const double* vz, double* ox, double* oz,
                 bool multiply) {
    each(bt, [&](int b) { device_steps::kkt_apply(bt, vx, vz, ox, oz, multiply, b); });
  }
  void first_nonfinite(const FiniteQuery* q, int count, long* first) {
    for (int j = 0; j < count; ++j) {
      first[j] = -1;
      for (long k = 0; k < q[j].distinct && first[j] < 0; ++k) {
        if (!query_reads_row(q[j], k)) continue;
        const long i = core::first_nonfinite(q[j].p + k * q[j].stride, q[j].stride, q[j].len, 1);
        if (i >= 0) first[j] = k * q[j].len + i;
      }
    }
  }
  double read_value(const double* p) { return *p; }
};

// A host workspace and a host copy of the packed structure, bound for `settings`.
struct HostLaunch {
  PackedStructure packed;
  std::vector<double> workspace;  // doubles: aligned for the scalars and the blocks
  Batch bt;
  HostLaunch(const Structure& st, const Settings& settings, int batch)
      : packed(pack(st.symbolic())), workspace(workspace_bytes(st, batch) / sizeof(double) + 1) {
    const kernels::Context cx =
        bind(st.symbolic(), settings, packed, packed.ints.data(), packed.sign.data());
    DeviceFlags* flags = nullptr;
    bt = batch_in(cx, st, batch, workspace.data(), &flags);
  }
};

}  // namespace

void emulated_solve(const Structure& st, const Settings& settings, const BatchData& data,
                    const BatchSolution& out) {
  check_solve_args(st, settings, data, out);
  if (data.batch == 0) return;
  HostLaunch launch(st, settings, data.batch);
  HostExecutor exec;
  run_solve(exec, launch.bt, st, data, out);
}

void emulated_kkt_apply(const Structure& st, const Settings& settings, const BatchData& data,
                        const SolutionView& sol, const KktVectors& v, const KktOutputs& out,
                        bool multiply) {
  check_kkt_args(settings, data, sol, v, out);
  if (data.batch == 0) return;
  HostLaunch launch(st, core::derivative_settings(settings), data.batch);
  HostExecutor exec;
  run_kkt(exec, launch.bt, st, data, sol, v, out, multiply);
}

}  // namespace batchcone::device_backend
