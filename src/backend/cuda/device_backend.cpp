// SPDX-License-Identifier: Apache-2.0
// Host helpers of the device path (device_backend.hpp): workspace sizing and split, the data's
// strides, and the structure packed for one upload and bound wherever its copy lives.
#include "backend/cuda/device_backend.hpp"

#include <string>

#include "backend/cpu/cpu_backend.hpp"

namespace batchcone::device_backend {
namespace {

std::size_t scalars_bytes(int batch) {
  return (sizeof(kernels::Scalars) * static_cast<std::size_t>(batch) + 255) & ~std::size_t{255};
}

long stride(long s, int natural) { return s == kDense ? natural : s; }

// The arrays of a structure that the per-problem code reads, in binding order (bind()).
std::vector<const std::vector<int>*> structure_arrays(const detail::Symbolic& sym) {
  const detail::KktPattern& k = sym.kkt;
  const detail::FactorSchedule& f = sym.factor;
  return {&sym.spec.P_colptr,
          &sym.spec.P_rowval,
          &sym.spec.A_colptr,
          &sym.spec.A_rowval,
          &sym.cones.kind,
          &sym.cones.offset,
          &sym.cones.dim,
          &sym.cones.woff,
          &k.perm,
          &k.iperm,
          &k.kp,
          &k.ki,
          &k.p_to_k,
          &k.a_to_k,
          &k.diag_to_k,
          &k.h_ptr,
          &k.h_slot,
          &k.expansion,
          &f.lp,
          &f.li,
          &f.row_ptr,
          &f.sched_col,
          &f.sched_slot,
          &f.run_ptr,
          &f.run_start};
}

}  // namespace

kernels::Layout layout_of(const Structure& st) {
  return kernels::make_layout(backend::cpu::make_context(st.symbolic(), Settings{}).dims);
}

std::size_t workspace_bytes(const Structure& st, int batch) {
  return scalars_bytes(batch) +
         sizeof(double) * static_cast<std::size_t>(layout_of(st).total) * batch + 256;
}

static_assert(sizeof(DeviceFlags) <= 256, "the flags must fit the workspace's last 256 bytes");

Batch batch_in(const kernels::Context& cx, const Structure& st, int batch, void* workspace,
               DeviceFlags** flags) {
  const kernels::Layout layout = layout_of(st);
  auto* blocks = reinterpret_cast<double*>(static_cast<char*>(workspace) + scalars_bytes(batch));
  *flags = reinterpret_cast<DeviceFlags*>(blocks + static_cast<std::size_t>(layout.total) * batch);
  return {cx, layout, blocks, static_cast<kernels::Scalars*>(workspace), batch};
}

Inputs inputs_of(const Structure& st, const BatchData& data) {
  return {{data.P_vals, data.c, data.A_vals, data.b},
          stride(data.P_stride, st.nnz_P()),
          stride(data.c_stride, st.n()),
          stride(data.A_stride, st.nnz_A()),
          stride(data.b_stride, st.m())};
}

namespace {

FiniteQuery query(const char* name, const double* p, long stride, int len, int batch,
                  bool nullable = false) {
  const int distinct = core::check_input_layout(name, p, stride, len, batch, nullable);
  return {name, p, stride == kDense ? len : stride, len, distinct};
}

}  // namespace

void check_solve_args(const Structure& st, const Settings& settings, const BatchData& data,
                      const BatchSolution& out) {
  validate(settings);
  if (data.batch < 0) core::fail("batch size " + std::to_string(data.batch) + " is negative");
  core::check_outputs(st, data.batch, out);
}

void check_kkt_args(const Settings& settings, const BatchData& data, const SolutionView& sol,
                    const KktVectors& v, const KktOutputs& out) {
  validate(settings);
  if (data.batch < 0) core::fail("batch size " + std::to_string(data.batch) + " is negative");
  if (data.batch == 0) return;
  if (sol.x == nullptr || sol.z == nullptr || sol.s == nullptr || sol.status == nullptr ||
      v.x == nullptr || v.z == nullptr || out.x == nullptr || out.z == nullptr)
    core::fail("a solution, vector or output pointer is null");
  if (v.count < 1) core::fail("vector count " + std::to_string(v.count) + " is not positive");
}

std::vector<FiniteQuery> data_queries(const Structure& st, const BatchData& d) {
  return {query("P_vals", d.P_vals, d.P_stride, st.nnz_P(), d.batch),
          query("c", d.c, d.c_stride, st.n(), d.batch),
          query("A_vals", d.A_vals, d.A_stride, st.nnz_A(), d.batch),
          query("b", d.b, d.b_stride, st.m(), d.batch)};
}

std::vector<FiniteQuery> kkt_queries(const Structure& st, const Settings& settings,
                                     const BatchData& d, const SolutionView& sol,
                                     const KktVectors& v) {
  std::vector<FiniteQuery> q = data_queries(st, d);
  q.push_back(query("solution x", sol.x, kDense, st.n(), d.batch));
  q.push_back(query("solution z", sol.z, kDense, st.m(), d.batch));
  q.push_back(query("solution s", sol.s, kDense, st.m(), d.batch));
  q.push_back(query("vector x", v.x, kDense, st.n(), d.batch * v.count));
  q.push_back(query("vector z", v.z, kDense, st.m(), d.batch * v.count));
  if (settings.nonfinite_as_status) return {};  // after the layout checks
  for (FiniteQuery& f : q) f.status = sol.status, f.batch = d.batch;
  return q;
}

PackedStructure pack(const detail::Symbolic& sym) {
  PackedStructure p;
  for (const auto* a : structure_arrays(sym)) {
    p.at.push_back(p.ints.size());
    p.ints.insert(p.ints.end(), a->begin(), a->end());
  }
  p.sign = sym.kkt.sign;
  return p;
}

kernels::Context bind(const detail::Symbolic& sym, const Settings& settings,
                      const PackedStructure& packed, const int* ints, const signed char* sign) {
  auto ptr = [&](int i) { return ints + packed.at[i]; };
  kernels::Context cx = backend::cpu::make_context(sym, settings);  // sizes; pointers replaced:
  cx.P = {sym.spec.n, sym.spec.n, ptr(0), ptr(1)};
  cx.A = {sym.spec.m, sym.spec.n, ptr(2), ptr(3)};
  cx.cones.kind = ptr(4), cx.cones.offset = ptr(5), cx.cones.dim = ptr(6);
  cx.cones.woff = ptr(7);
  cx.maps.perm = ptr(8), cx.maps.iperm = ptr(9);
  cx.plan.kp = ptr(10), cx.plan.ki = ptr(11);
  cx.maps.p_to_k = ptr(12), cx.maps.a_to_k = ptr(13), cx.maps.diag_to_k = ptr(14);
  cx.maps.h_ptr = ptr(15), cx.maps.h_slot = ptr(16), cx.maps.expansion = ptr(17);
  cx.plan.lp = ptr(18), cx.plan.li = ptr(19), cx.plan.row_ptr = ptr(20);
  cx.plan.sched_col = ptr(21), cx.plan.sched_slot = ptr(22), cx.plan.sign = sign;
  cx.plan.run_ptr = ptr(23), cx.plan.run_start = ptr(24);
  return cx;
}

}  // namespace batchcone::device_backend
