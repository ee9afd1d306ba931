// SPDX-License-Identifier: Apache-2.0
// The CUDA backend: device copies of a structure's symbolic arrays (cached per device), the
// batch-interleaved workspace, and the IPM loop of src/core as kernel launches on the caller's
// stream. The loop is core::solve_batch's, step for step; statuses are counted on the device
// and read back every LaunchPolicy::kStatusReadbackEvery iterations to stop early.
#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cuda/ipm_kernels.cuh"
#include "backend/cuda/launch_policy.hpp"
#include "batchcone/cuda.hpp"
#include "core/checks.hpp"
#include "core/derivative_settings.hpp"

namespace batchcone {
namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("batchcone: CUDA error in ") + what + ": " +
                             cudaGetErrorString(err));
}

// All int arrays of a structure in one device allocation, and the Context pointing into it.
class DeviceStructure {
 public:
  DeviceStructure(const detail::Symbolic& sym, const Settings& defaults) {
    const detail::KktPattern& k = sym.kkt;
    const detail::FactorSchedule& f = sym.factor;
    const std::vector<const std::vector<int>*> arrays = {
        &sym.spec.P_colptr, &sym.spec.P_rowval, &sym.spec.A_colptr, &sym.spec.A_rowval,
        &sym.cones.kind,    &sym.cones.offset,  &sym.cones.dim,     &sym.cones.woff,
        &k.perm,            &k.iperm,           &k.kp,              &k.ki,
        &k.p_to_k,          &k.a_to_k,          &k.diag_to_k,       &k.h_ptr,
        &k.h_slot,          &k.expansion,       &f.lp,              &f.li,
        &f.row_ptr,         &f.sched_col,       &f.sched_slot,      &f.run_ptr,
        &f.run_start};
    std::vector<int> packed;
    std::vector<size_t> at;
    for (const auto* a : arrays) {
      at.push_back(packed.size());
      packed.insert(packed.end(), a->begin(), a->end());
    }
    const size_t int_bytes = packed.size() * sizeof(int);
    check(cudaMalloc(&mem_, int_bytes + k.sign.size() + 1), "cudaMalloc(structure)");
    check(cudaMemcpy(mem_, packed.data(), int_bytes, cudaMemcpyHostToDevice), "upload structure");
    auto* sign = static_cast<signed char*>(mem_) + int_bytes;
    check(cudaMemcpy(sign, k.sign.data(), k.sign.size(), cudaMemcpyHostToDevice), "upload signs");
    const int* d = static_cast<const int*>(mem_);
    auto ptr = [&](int i) { return d + at[i]; };
    cx_ = backend::cpu::make_context(sym, defaults);  // sizes and settings; pointers replaced:
    cx_.P = {sym.spec.n, sym.spec.n, ptr(0), ptr(1)};
    cx_.A = {sym.spec.m, sym.spec.n, ptr(2), ptr(3)};
    cx_.cones.kind = ptr(4), cx_.cones.offset = ptr(5), cx_.cones.dim = ptr(6);
    cx_.cones.woff = ptr(7);
    cx_.maps.perm = ptr(8), cx_.maps.iperm = ptr(9);
    cx_.plan.kp = ptr(10), cx_.plan.ki = ptr(11);
    cx_.maps.p_to_k = ptr(12), cx_.maps.a_to_k = ptr(13), cx_.maps.diag_to_k = ptr(14);
    cx_.maps.h_ptr = ptr(15), cx_.maps.h_slot = ptr(16), cx_.maps.expansion = ptr(17);
    cx_.plan.lp = ptr(18), cx_.plan.li = ptr(19), cx_.plan.row_ptr = ptr(20);
    cx_.plan.sched_col = ptr(21), cx_.plan.sched_slot = ptr(22), cx_.plan.sign = sign;
    cx_.plan.run_ptr = ptr(23), cx_.plan.run_start = ptr(24);
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
  static std::map<std::pair<const detail::Symbolic*, int>,
                  std::pair<std::weak_ptr<const detail::Symbolic>, std::shared_ptr<DeviceStructure>>>
      cache;
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  const auto key = std::make_pair(&st.symbolic(), device);
  std::lock_guard<std::mutex> lk(mu);
  auto it = cache.find(key);
  if (it != cache.end() && !it->second.first.expired()) return it->second.second;
  auto made = std::make_shared<DeviceStructure>(st.symbolic(), s);
  cache[key] = {st.symbolic_ptr(), made};
  return made;
}

kernels::Layout layout_of(const Structure& st) {
  return kernels::make_layout(backend::cpu::make_context(st.symbolic(), Settings{}).dims);
}

std::size_t scalars_bytes(int batch) {
  return (sizeof(kernels::Scalars) * static_cast<std::size_t>(batch) + 255) & ~std::size_t{255};
}

long stride(long s, int natural) { return s == kDense ? natural : s; }

// The workspace split: per-problem scalars, then the interleaved blocks, then a counter.
struct Workspace {
  kernels::Scalars* scalars;
  double* blocks;
  int* active;
};

Workspace split(void* workspace, int batch, const kernels::Layout& layout) {
  auto* blocks = reinterpret_cast<double*>(static_cast<char*>(workspace) + scalars_bytes(batch));
  return {static_cast<kernels::Scalars*>(workspace), blocks,
          reinterpret_cast<int*>(blocks + static_cast<std::size_t>(layout.total) * batch)};
}

void kkt_call(const Structure& st, const Settings& settings, const BatchData& data,
              const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
              void* workspace, std::size_t bytes, CudaStream stream, bool multiply) {
  validate(settings);
  if (data.batch < 0) core::fail("batch size " + std::to_string(data.batch) + " is negative");
  if (data.batch == 0) return;
  if (sol.x == nullptr || sol.z == nullptr || sol.s == nullptr || sol.status == nullptr ||
      in.x == nullptr || in.z == nullptr || out.x == nullptr || out.z == nullptr)
    core::fail("a solution, vector or output pointer is null");
  if (in.count < 1) core::fail("vector count " + std::to_string(in.count) + " is not positive");
  core::check_workspace(workspace, bytes, cuda_workspace_bytes(st, data.batch),
                        "cuda_workspace_bytes");
  const int B = data.batch;
  const Settings ds = core::derivative_settings(settings);
  const kernels::Context cx = device_structure(st, ds)->context(ds);
  const kernels::Layout layout = layout_of(st);
  const Workspace w = split(workspace, B, layout);
  using Policy = backend::cuda::LaunchPolicy;
  const int grid = (B + Policy::kThreadsPerBlock - 1) / Policy::kThreadsPerBlock;
  const kernels::ProblemInput pin{data.P_vals, data.c, data.A_vals, data.b};
  cuda::derivative_factor_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(
      cx, layout, w.blocks, w.scalars, pin, stride(data.P_stride, st.nnz_P()),
      stride(data.c_stride, st.n()), stride(data.A_stride, st.nnz_A()),
      stride(data.b_stride, st.m()), sol.x, sol.z, sol.s, sol.status, B);
  for (int j = 0; j < in.count; ++j) {  // one factorization, in.count vectors
    const long row = static_cast<long>(j) * B;
    cuda::kkt_apply_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(
        cx, layout, w.blocks, w.scalars, in.x + row * st.n(), in.z + row * st.m(),
        out.x + row * st.n(), out.z + row * st.m(), multiply ? 1 : 0, B);
  }
  check(cudaGetLastError(), "derivative kernels");
}

}  // namespace

bool cuda_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::size_t cuda_workspace_bytes(const Structure& st, int batch) {
  const kernels::Layout l = layout_of(st);
  return scalars_bytes(batch) + sizeof(double) * static_cast<std::size_t>(l.total) * batch +
         256;  // the active-problem counter
}

void cuda_solve(const Structure& st, const Settings& settings, const BatchData& data,
                const BatchSolution& out, void* workspace, std::size_t bytes, CudaStream stream) {
  validate(settings);
  if (data.batch < 0) core::fail("batch size " + std::to_string(data.batch) + " is negative");
  core::check_outputs(st, data.batch, out);
  if (data.batch == 0) return;
  core::check_workspace(workspace, bytes, cuda_workspace_bytes(st, data.batch),
                        "cuda_workspace_bytes");
  const int B = data.batch;
  const kernels::Context cx = device_structure(st, settings)->context(settings);
  const kernels::Layout layout = layout_of(st);
  const Workspace w = split(workspace, B, layout);
  kernels::Scalars* scalars = w.scalars;
  double* blocks = w.blocks;
  int* active = w.active;

  using Policy = backend::cuda::LaunchPolicy;
  const int grid = (B + Policy::kThreadsPerBlock - 1) / Policy::kThreadsPerBlock;
  const kernels::ProblemInput in{data.P_vals, data.c, data.A_vals, data.b};
  cuda::setup_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(
      cx, layout, blocks, scalars, in, stride(data.P_stride, st.nnz_P()),
      stride(data.c_stride, st.n()), stride(data.A_stride, st.nnz_A()),
      stride(data.b_stride, st.m()), B);
  check(cudaGetLastError(), "setup_kernel");
  for (int it = 0; it <= settings.max_iter; ++it) {
    cuda::check_termination_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(
        cx, layout, blocks, scalars, B);
    if (it % Policy::kStatusReadbackEvery == Policy::kStatusReadbackEvery - 1) {
      int host_active = 0;
      check(cudaMemsetAsync(active, 0, sizeof(int), stream), "cudaMemsetAsync");
      cuda::count_active_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(scalars, active, B);
      check(cudaMemcpyAsync(&host_active, active, sizeof(int), cudaMemcpyDeviceToHost, stream),
            "read back active count");
      check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
      if (host_active == 0) break;
    }
    cuda::iteration_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(cx, layout, blocks,
                                                                          scalars, B);
  }
  cuda::finalize_kernel<<<grid, Policy::kThreadsPerBlock, 0, stream>>>(
      cx, layout, blocks, scalars, out.x, out.z, out.s, out.objective, out.status, out.iterations,
      B);
  check(cudaGetLastError(), "IPM kernels");
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
