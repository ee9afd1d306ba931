// SPDX-License-Identifier: Apache-2.0
#include "cpu_backend.hpp"

#include <algorithm>
#include <cstdint>

#include "kernels/ipm/equilibrate.hpp"
#include "kernels/ipm/finalize.hpp"
#include "kernels/ipm/info.hpp"
#include "kernels/ipm/init.hpp"
#include "kernels/ipm/step.hpp"
#include "lanes.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu {
namespace {

// Problems the workspace holds: the batch rounded up to whole blocks of lanes.
long padded(int batch) { return (batch + lanes::kLanes - 1) / lanes::kLanes * lanes::kLanes; }

std::size_t scalars_bytes(int batch) {
  const std::size_t b = sizeof(kernels::Scalars) * static_cast<std::size_t>(padded(batch));
  return (b + 63) & ~std::size_t{63};
}

}  // namespace

std::size_t workspace_bytes(const detail::Symbolic& sym, int batch) {
  const kernels::Layout l = kernels::make_layout(dims_of(sym));
  return 64 + scalars_bytes(batch) +
         sizeof(double) * static_cast<std::size_t>(l.total) * padded(batch);
}

// A block of lanes costs about as much as one problem while its arrays stay in the core's cache
// (the vector instructions do kLanes problems' work at once), but beyond that it streams kLanes
// times the memory, and a partly filled block wastes its empty lanes. Measured (one thread,
// AVX-512): dense QP n = 20, m = 40 (block 0.4 MB): a block of 8 ≈ 1.7 problems; n = m = 100
// (3.8 MB): ≈ 4.8 problems; the n = 1000 sparse QP (66 MB): ≈ 16 problems.
constexpr double kBlockInCacheBytes = 1 << 20;
constexpr double kBlockMaxBytes = 16 << 20;

bool use_lanes(const detail::Symbolic& sym, int batch, int threads) {
  const double block_bytes = 8.0 * lanes::kLanes * kernels::make_layout(dims_of(sym)).total;
  if (batch < 2 || block_bytes > kBlockMaxBytes) return false;
  return block_bytes <= kBlockInCacheBytes || batch >= lanes::kLanes * thread_count(threads);
}

WorkspaceParts carve_workspace(void* workspace, int batch) {
  const auto at = (reinterpret_cast<std::uintptr_t>(workspace) + 63) & ~std::uintptr_t{63};
  return {reinterpret_cast<kernels::Scalars*>(at),
          reinterpret_cast<double*>(at + scalars_bytes(batch))};
}

kernels::Dims dims_of(const detail::Symbolic& sym) {
  return {sym.spec.n,
          sym.spec.m,
          static_cast<int>(sym.spec.P_rowval.size()),
          static_cast<int>(sym.spec.A_rowval.size()),
          static_cast<int>(sym.cones.kind.size()),
          sym.kkt.order,
          static_cast<int>(sym.kkt.ki.size()),
          static_cast<int>(sym.factor.storage(sym.kkt.order)),
          sym.cones.w_size};
}

kernels::ProblemInput problem_input(const BatchData& data, const kernels::Dims& d, int k) {
  return {data.P_vals + k * stride_of(data.P_stride, d.nnz_p),
          data.c + k * stride_of(data.c_stride, d.n),
          data.A_vals + k * stride_of(data.A_stride, d.nnz_a),
          data.b + k * stride_of(data.b_stride, d.m)};
}

kernels::Context make_context(const detail::Symbolic& sym, const Settings& settings) {
  return {dims_of(sym), sym.P(), sym.A(), sym.cone_table(), sym.plan(), sym.maps(), settings};
}

CpuBackend::CpuBackend(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                       const BatchSolution& out, void* workspace)
    : CpuBackend(sym, settings, data, out, workspace, ProblemRange{0, data.batch}) {}

CpuBackend::CpuBackend(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                       const BatchSolution& out, void* workspace, ProblemRange range)
    : cx_(make_context(sym, settings)),
      layout_(kernels::make_layout(cx_.dims)),
      data_(data),
      out_(out),
      blocks_(carve_workspace(workspace, data.batch).blocks),
      scalars_(carve_workspace(workspace, data.batch).scalars),
      threads_(settings.num_threads),
      range_(range) {}

kernels::State<double*> CpuBackend::state(int k) const {
  return kernels::make_state(layout_, blocks_ + layout_.total * static_cast<long>(k), scalars_ + k);
}

kernels::ProblemInput CpuBackend::input(int k) const { return problem_input(data_, cx_.dims, k); }

template <class F>
void CpuBackend::for_active(F&& f) {
  parallel_for(static_cast<int>(active_.size()), threads_, [&](int i) { f(active_[i]); });
}

void CpuBackend::setup() {
  active_.clear();
  for (int k = range_.begin; k < range_.end; ++k) active_.push_back(k);
  for_active([&](int k) {
    const auto st = state(k);
    kernels::equilibrate(cx_, st, input(k));
    kernels::initialize(cx_, st);
  });
}

int CpuBackend::check_termination() {
  for_active([&](int k) {
    const auto st = state(k);
    if (st.sc->status == Status::Unsolved) kernels::check_termination(cx_, st);
  });
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [&](int k) { return scalars_[k].status != Status::Unsolved; }),
                active_.end());
  return static_cast<int>(active_.size());
}

void CpuBackend::iterate() {
  for_active([&](int k) { kernels::iterate(cx_, state(k)); });
}

int CpuBackend::finalize() {
  const kernels::Dims& d = cx_.dims;
  parallel_for(range_.end - range_.begin, threads_, [&](int i) {
    const int k = range_.begin + i;
    const auto st = state(k);
    const long n = d.n, m = d.m;
    if (kernels::finalize(cx_, st, out_.x + k * n, out_.z + k * m, out_.s + k * m,
                          out_.objective[k]))
      return;  // resumes
    out_.status[k] = static_cast<std::int32_t>(st.sc->status);
    out_.iterations[k] = st.sc->iterations;
  });
  for (int k = range_.begin; k < range_.end; ++k)
    if (scalars_[k].status == Status::Unsolved) active_.push_back(k);
  return static_cast<int>(active_.size());
}

}  // namespace batchcone::backend::cpu
