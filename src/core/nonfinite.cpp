// SPDX-License-Identifier: Apache-2.0
#include "core/nonfinite.hpp"

#include <algorithm>

#include "backend/cpu/cpu_backend.hpp"
#include "kernels/ipm/invalid_input.hpp"

namespace batchcone::core {
namespace {

using backend::cpu::stride_of;

// A dense copy of one operand in which each invalid problem's row is problem `donor`'s. Shared
// operands (stride 0) stay shared: if one held a non-finite value, every problem is invalid.
const double* repaired(const double* p, long stride, int len, int batch,
                       const std::vector<char>& invalid, int donor, std::vector<double>& copy,
                       long& new_stride) {
  const long st = stride_of(stride, len);
  if (st == 0 || len == 0) return new_stride = stride, p;
  copy.resize(static_cast<std::size_t>(batch) * len);
  for (int k = 0; k < batch; ++k) {
    const double* row = p + (invalid[k] ? donor : k) * st;
    std::copy(row, row + len, copy.begin() + static_cast<long>(k) * len);
  }
  new_stride = kDense;
  return copy.data();
}

}  // namespace

NonfiniteScreen::NonfiniteScreen(const Structure& st, const BatchData& data)
    : st_(st), batch_(data.batch), invalid_(data.batch, 0), data_(data) {
  const kernels::Dims dm = backend::cpu::dims_of(st.symbolic());
  int donor = -1;
  for (int k = 0; k < batch_; ++k) {
    invalid_[k] = kernels::input_is_finite(dm, backend::cpu::problem_input(data, dm, k)) ? 0 : 1;
    invalid_count_ += invalid_[k];
    if (!invalid_[k] && donor < 0) donor = k;
  }
  if (!any_invalid() || all_invalid()) return;
  data_.P_vals = repaired(data.P_vals, data.P_stride, st.nnz_P(), batch_, invalid_, donor,
                          copies_[0], data_.P_stride);
  data_.c =
      repaired(data.c, data.c_stride, st.n(), batch_, invalid_, donor, copies_[1], data_.c_stride);
  data_.A_vals = repaired(data.A_vals, data.A_stride, st.nnz_A(), batch_, invalid_, donor,
                          copies_[2], data_.A_stride);
  data_.b =
      repaired(data.b, data.b_stride, st.m(), batch_, invalid_, donor, copies_[3], data_.b_stride);
}

void NonfiniteScreen::mark_invalid(const BatchSolution& out) const {
  const kernels::Dims dm = backend::cpu::dims_of(st_.symbolic());
  const long n = dm.n, m = dm.m;
  for (int k = 0; k < batch_; ++k)
    if (invalid_[k])
      kernels::write_invalid_input(dm, out.x + k * n, out.z + k * m, out.s + k * m,
                                   out.objective[k], out.status[k], out.iterations[k]);
}

}  // namespace batchcone::core
