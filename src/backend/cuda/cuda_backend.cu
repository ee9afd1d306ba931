// SPDX-License-Identifier: Apache-2.0
// The CUDA backend: device copies of a structure's packed arrays (cached per device) and the
// executor that runs device_steps.hpp as kernel launches on the caller's stream. The IPM loop is
// core::solve_batch over device_backend::DeviceBackend, the backend the emulated launch (tests)
// drives with a host executor; statuses are counted on the device and read back every
// LaunchPolicy::kStatusReadbackEvery iterations to stop early.
#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_backend.hpp"
#include "backend/cuda/ipm_kernels.cuh"
#include "backend/cuda/launch_policy.hpp"
#include "batchcone/cuda.hpp"
#include "core/checks.hpp"
#include "core/derivative_settings.hpp"
#include "core/ipm.hpp"

namespace batchcone {
namespace {

using device_backend::Batch;
using device_backend::Inputs;
using device_backend::Outputs;

// A structure's packed arrays (device_backend.hpp) in one device allocation, and the Context
// bound to it.
class DeviceStructure {
 public:
  DeviceStructure(const detail::Symbolic& sym, const Settings& defaults) {
    const device_backend::PackedStructure packed = device_backend::pack(sym);
    const size_t int_bytes = packed.ints.size() * sizeof(int);
    check_cuda(cudaMalloc(&mem_, int_bytes + packed.sign.size() + 1), "cudaMalloc(structure)");
    check_cuda(cudaMemcpy(mem_, packed.ints.data(), int_bytes, cudaMemcpyHostToDevice),
               "upload structure");
    auto* sign = static_cast<signed char*>(mem_) + int_bytes;
    check_cuda(cudaMemcpy(sign, packed.sign.data(), packed.sign.size(), cudaMemcpyHostToDevice),
               "upload signs");
    cx_ = device_backend::bind(sym, defaults, packed, static_cast<const int*>(mem_), sign);
  }
  ~DeviceStructure() { cudaFree(mem_); }
  DeviceStructure(const DeviceStructure&) = delete;
  DeviceStructure& operator=(const DeviceStructure&) = delete;

  kernels::Context context(const Settings& settings) const {
    kernels::Context cx = cx_;
    cx.settings = settings;
    return cx;
  }

 private:
  void* mem_ = nullptr;
  kernels::Context cx_{};
};

// One DeviceStructure per (structure, device), made on first use.
std::shared_ptr<const DeviceStructure> device_structure(const Structure& st, const Settings& s) {
  static std::mutex mu;
  static std::map<
      std::pair<const detail::Symbolic*, int>,
      std::pair<std::weak_ptr<const detail::Symbolic>, std::shared_ptr<DeviceStructure>>>
      cache;
  int device = 0;
  check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  const auto key = std::make_pair(&st.symbolic(), device);
  std::lock_guard<std::mutex> lk(mu);
  auto it = cache.find(key);
  if (it != cache.end() && !it->second.first.expired()) return it->second.second;
  auto made = std::make_shared<DeviceStructure>(st.symbolic(), s);
  cache[key] = {st.symbolic_ptr(), made};
  return made;
}

// atomicMin of the flat index k·len + i of every non-finite value of one input into *first.
// Rows the query does not read (device_backend::query_reads_row) are skipped.
__global__ void first_nonfinite_kernel(device_backend::FiniteQuery q, long total,
                                       unsigned long long* first) {
  const long t = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= total || !device_backend::query_reads_row(q, t / q.len)) return;
  if (!isfinite(q.p[(t / q.len) * q.stride + t % q.len]))
    atomicMin(first, static_cast<unsigned long long>(t));
}

// One launch per step: one thread per problem (device_backend.hpp's executor contract).
class CudaExecutor {
 public:
  CudaExecutor(CudaStream stream, device_backend::DeviceFlags* flags)
      : stream_(stream), flags_(flags) {}

  void setup(const Batch& bt, const Inputs& in) {
    cuda::setup_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt, in);
    check_cuda(cudaGetLastError(), "setup_kernel");
  }
  void check_termination(const Batch& bt) {
    cuda::check_termination_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt);
  }
  // The one synchronization of the loop (every LaunchPolicy::kStatusReadbackEvery iterations).
  int count_active(const Batch& bt) {
    int host_active = 0;
    int* active = &flags_->active;
    check_cuda(cudaMemsetAsync(active, 0, sizeof(int), stream_), "cudaMemsetAsync");
    cuda::count_active_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt, active);
    check_cuda(cudaMemcpyAsync(&host_active, active, sizeof(int), cudaMemcpyDeviceToHost, stream_),
               "read back active count");
    check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    return host_active;
  }
  void iterate(const Batch& bt) { cuda::iteration_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt); }
  void finalize(const Batch& bt, const Outputs& out) {
    cuda::finalize_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt, out);
    check_cuda(cudaGetLastError(), "IPM kernels");
  }
  void derivative_factor(const Batch& bt, const Inputs& in, const double* x, const double* z,
                         const double* s, const std::int32_t* status) {
    cuda::derivative_factor_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt, in, x, z, s, status);
  }
  void kkt_apply(const Batch& bt, const double* vx, const double* vz, double* ox, double* oz,
                 bool multiply) {
    cuda::kkt_apply_kernel<<<grid(bt), kThreads, 0, stream_>>>(bt, vx, vz, ox, oz,
                                                               multiply ? 1 : 0);
    check_cuda(cudaGetLastError(), "derivative kernels");
  }
  // All queries' first non-finite indices in one read-back (one synchronization).
  void first_nonfinite(const device_backend::FiniteQuery* q, int count, long* first) {
    if (count > device_backend::kMaxFiniteQueries) core::fail("too many inputs to check");
    unsigned long long* slots = flags_->first_nonfinite;
    check_cuda(cudaMemsetAsync(slots, 0xff, sizeof(unsigned long long) * count, stream_),
               "cudaMemsetAsync");
    for (int j = 0; j < count; ++j) {
      const long total = static_cast<long>(q[j].distinct) * q[j].len;
      if (total > 0)
        first_nonfinite_kernel<<<static_cast<int>((total + 255) / 256), 256, 0, stream_>>>(
            q[j], total, slots + j);
    }
    unsigned long long host[device_backend::kMaxFiniteQueries];
    check_cuda(cudaMemcpyAsync(host, slots, sizeof(unsigned long long) * count,
                               cudaMemcpyDeviceToHost, stream_),
               "read back the finite checks");
    check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    for (int j = 0; j < count; ++j) first[j] = host[j] == ~0ull ? -1 : static_cast<long>(host[j]);
  }
  double read_value(const double* p) {
    double v = 0.0;
    check_cuda(cudaMemcpy(&v, p, sizeof(double), cudaMemcpyDeviceToHost), "read back a value");
    return v;
  }

 private:
  static constexpr int kThreads = backend::cuda::LaunchPolicy::kThreadsPerBlock;
  static int grid(const Batch& bt) { return (bt.batch + kThreads - 1) / kThreads; }
  CudaStream stream_;
  device_backend::DeviceFlags* flags_;
};

void kkt_call(const Structure& st, const Settings& settings, const BatchData& data,
              const SolutionView& sol, const KktVectors& in, const KktOutputs& out, void* workspace,
              std::size_t bytes, CudaStream stream, bool multiply) {
  device_backend::check_kkt_args(settings, data, sol, in, out);
  if (data.batch == 0) return;
  core::check_workspace(workspace, bytes, cuda_workspace_bytes(st, data.batch),
                        "cuda_workspace_bytes");
  const Settings ds = core::derivative_settings(settings);
  device_backend::DeviceFlags* flags = nullptr;
  const Batch bt = device_backend::batch_in(device_structure(st, ds)->context(ds), st, data.batch,
                                            workspace, &flags);
  CudaExecutor exec(stream, flags);
  device_backend::run_kkt(exec, bt, st, data, sol, in, out, multiply);
}

}  // namespace

bool cuda_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::size_t cuda_workspace_bytes(const Structure& st, int batch) {
  return device_backend::workspace_bytes(st, batch);
}

void cuda_solve(const Structure& st, const Settings& settings, const BatchData& data,
                const BatchSolution& out, void* workspace, std::size_t bytes, CudaStream stream) {
  device_backend::check_solve_args(st, settings, data, out);
  if (data.batch == 0) return;
  core::check_workspace(workspace, bytes, cuda_workspace_bytes(st, data.batch),
                        "cuda_workspace_bytes");
  device_backend::DeviceFlags* flags = nullptr;
  const Batch bt = device_backend::batch_in(device_structure(st, settings)->context(settings), st,
                                            data.batch, workspace, &flags);
  CudaExecutor exec(stream, flags);
  device_backend::run_solve(exec, bt, st, data, out);
}

void cuda_kkt_solve(const Structure& st, const Settings& settings, const BatchData& data,
                    const SolutionView& sol, const KktVectors& rhs, const KktOutputs& out,
                    void* workspace, std::size_t bytes, CudaStream stream) {
  kkt_call(st, settings, data, sol, rhs, out, workspace, bytes, stream, false);
}

void cuda_kkt_multiply(const Structure& st, const Settings& settings, const BatchData& data,
                       const SolutionView& sol, const KktVectors& v, const KktOutputs& out,
                       void* workspace, std::size_t bytes, CudaStream stream) {
  kkt_call(st, settings, data, sol, v, out, workspace, bytes, stream, true);
}

}  // namespace batchcone
