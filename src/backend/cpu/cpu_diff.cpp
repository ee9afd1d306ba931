// SPDX-License-Identifier: Apache-2.0
// The CPU backend's derivative primitives (kernels/ipm/adjoint.hpp per problem).
#include <algorithm>

#include "cpu_backend.hpp"
#include "kernels/ipm/adjoint.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu {

kernels::ProblemSolution CpuBackend::solution(const SolutionView& sol, int k) const {
  const long n = cx_.dims.n, m = cx_.dims.m;
  return {sol.x + k * n, sol.z + k * m, sol.s + k * m};
}

void CpuBackend::derivative_factor(const SolutionView& sol, bool factor) {
  parallel_for(data_.batch, threads_, [&](int k) {
    const auto st = state(k);
    kernels::factor_if_differentiable(cx_, st, input(k), solution(sol, k), sol.status[k], factor);
  });
}

void CpuBackend::gather_gradient(double* out, long kernels::Layout::*field, int len,
                                 bool shared) const {
  if (out == nullptr) return;
  const long step = layout_.total;
  const double* first = blocks_ + layout_.*field;
  if (!shared) {
    parallel_for(data_.batch, threads_, [&](int k) {
      std::copy(first + k * step, first + k * step + len, out + static_cast<long>(k) * len);
    });
    return;
  }
  std::fill(out, out + len, 0.0);
  for (int k = 0; k < data_.batch; ++k)  // fixed order: deterministic sums
    for (int i = 0; i < len; ++i) out[i] += first[k * step + i];
}

void CpuBackend::vjp(const SolutionView& sol, const SolutionCotangents& cot,
                     const DataGradients& grad) {
  const kernels::Dims& d = cx_.dims;
  derivative_factor(sol);
  parallel_for(data_.batch, threads_, [&](int k) {
    const auto st = state(k);
    const long n = d.n, m = d.m;
    // Null cotangents are zero: stage them in the (free) residual arrays.
    const double* xbar = cot.x ? cot.x + k * n : (std::fill(st.rx, st.rx + n, 0.0), st.rx);
    const double* zbar = cot.z ? cot.z + k * m : (std::fill(st.rz, st.rz + m, 0.0), st.rz);
    const double* sbar = cot.s ? cot.s + k * m : (std::fill(st.Axs, st.Axs + m, 0.0), st.Axs);
    const bool ok = st.sc->factored && kernels::vjp(cx_, st, solution(sol, k), xbar, zbar, sbar);
    if (!ok) {
      std::fill(st.gp, st.gp + d.nnz_p, 0.0), std::fill(st.ga, st.ga + d.nnz_a, 0.0);
      std::fill(st.gc, st.gc + n, 0.0), std::fill(st.gb, st.gb + m, 0.0);
    }
  });
  gather_gradient(grad.P_vals, &kernels::Layout::gp, d.nnz_p, data_.P_stride == 0);
  gather_gradient(grad.c, &kernels::Layout::gc, d.n, data_.c_stride == 0);
  gather_gradient(grad.A_vals, &kernels::Layout::ga, d.nnz_a, data_.A_stride == 0);
  gather_gradient(grad.b, &kernels::Layout::gb, d.m, data_.b_stride == 0);
}

void CpuBackend::jvp(const SolutionView& sol, const DataTangents& tan,
                     const SolutionTangents& out) {
  const kernels::Dims& d = cx_.dims;
  derivative_factor(sol);
  parallel_for(data_.batch, threads_, [&](int k) {
    const auto st = state(k);
    const long n = d.n, m = d.m;
    // Null tangents are zero: stage them in arrays the derivative solve does not use.
    auto pick = [&](const double* p, long stride, int len, double* zeros) {
      if (p != nullptr) return p + k * stride_of(stride, len);
      std::fill(zeros, zeros + len, 0.0);
      return static_cast<const double*>(zeros);
    };
    const kernels::ProblemTangent t{
        pick(tan.P_vals, tan.P_stride, d.nnz_p, st.gp), pick(tan.c, tan.c_stride, d.n, st.gc),
        pick(tan.A_vals, tan.A_stride, d.nnz_a, st.ga), pick(tan.b, tan.b_stride, d.m, st.gb)};
    double *dx = out.x + k * n, *dz = out.z + k * m, *ds = out.s + k * m;
    const bool ok = st.sc->factored && kernels::jvp(cx_, st, solution(sol, k), t, dx, dz, ds) &&
                    kernels::all_finite(d.n, dx) && kernels::all_finite(d.m, dz) &&
                    kernels::all_finite(d.m, ds);
    if (!ok) std::fill(dx, dx + n, 0.0), std::fill(dz, dz + m, 0.0), std::fill(ds, ds + m, 0.0);
  });
}

void CpuBackend::kkt_apply(const SolutionView& sol, const KktVectors& in, const KktOutputs& out,
                           bool multiply) {
  const kernels::Dims& d = cx_.dims;
  derivative_factor(sol, !multiply);
  parallel_for(data_.batch, threads_, [&](int k) {
    const auto st = state(k);
    for (int j = 0; j < in.count; ++j) {  // one factorization, in.count vectors
      const long r = static_cast<long>(j) * data_.batch + k, n = d.n, m = d.m;
      kernels::kkt_apply_at_solution(cx_, st, in.x + r * n, in.z + r * m, out.x + r * n,
                                     out.z + r * m, multiply);
    }
  });
}

}  // namespace batchcone::backend::cpu
