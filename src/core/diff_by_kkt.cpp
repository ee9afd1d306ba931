// SPDX-License-Identifier: Apache-2.0
#include "core/diff_by_kkt.hpp"

#include <algorithm>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "kernels/ipm/adjoint.hpp"

namespace batchcone::core {
namespace {

using backend::cpu::parallel_for;
using backend::cpu::stride_of;

// Row k of an operand of `len` values with stride `stride` (0: shared, kDense: len).
const double* row_of(const double* p, long stride, int len, int k) {
  return p + k * stride_of(stride, len);
}

// Row k of an optional vector (null: zeros).
const double* optional_row(const double* p, long stride, int len, int k,
                           const std::vector<double>& zeros) {
  return p != nullptr ? row_of(p, stride, len, k) : zeros.data();
}

// The per-problem gradients `rows` (batch × len) into out: copied, or summed in a fixed order
// where the operand is shared (stride 0).
void write_gradient(const std::vector<double>& rows, int batch, int len, long stride,
                    double* out) {
  if (out == nullptr) return;
  if (stride != 0) {
    std::copy(rows.begin(), rows.begin() + static_cast<long>(batch) * len, out);
    return;
  }
  std::fill(out, out + len, 0.0);
  for (int k = 0; k < batch; ++k)
    for (int i = 0; i < len; ++i) out[i] += rows[static_cast<long>(k) * len + i];
}

}  // namespace

void vjp_by_kkt_solve(const Structure& st, const BatchData& data, const SolutionView& sol,
                      const SolutionCotangents& cot, const DataGradients& grad, int threads,
                      const BatchKktSolve& solve) {
  const int B = data.batch, n = st.n(), m = st.m(), np = st.nnz_P(), na = st.nnz_A();
  const kernels::CscPattern P = st.symbolic().P(), A = st.symbolic().A();
  const std::vector<double> zeros(std::max(n, m), 0.0);
  std::vector<double> rx(static_cast<long>(B) * n), rz(static_cast<long>(B) * m);
  parallel_for(B, threads, [&](int k) {  // [x̄ − Aᵀs̄; z̄]
    const double* sbar = optional_row(cot.s, kDense, m, k, zeros);
    const double* xbar = optional_row(cot.x, kDense, n, k, zeros);
    const double* zbar = optional_row(cot.z, kDense, m, k, zeros);
    double* ex = rx.data() + static_cast<long>(k) * n;
    std::copy(xbar, xbar + n, ex);
    kernels::csc_gemv_t(A, row_of(data.A_vals, data.A_stride, na, k), -1.0, sbar, ex);
    std::copy(zbar, zbar + m, rz.data() + static_cast<long>(k) * m);
  });
  std::vector<double> wx(rx.size()), wz(rz.size());
  solve({rx.data(), rz.data(), 1}, {wx.data(), wz.data()});
  std::vector<double> gp(static_cast<long>(B) * np), gc(static_cast<long>(B) * n),
      ga(static_cast<long>(B) * na), gb(static_cast<long>(B) * m);
  parallel_for(B, threads, [&](int k) {
    if (!kernels::is_differentiable(sol.status[k])) return;  // the gradients stay zero
    const double* sbar = optional_row(cot.s, kDense, m, k, zeros);
    const double *x = sol.x + static_cast<long>(k) * n, *z = sol.z + static_cast<long>(k) * m;
    const double* vx = wx.data() + static_cast<long>(k) * n;
    double* vz = wz.data() + static_cast<long>(k) * m;
    for (int i = 0; i < m; ++i) vz[i] += sbar[i];
    const long row = k;
    kernels::vjp_gradients_of(P, A, x, z, vx, static_cast<const double*>(vz), gp.data() + row * np,
                              gc.data() + row * n, ga.data() + row * na, gb.data() + row * m);
  });
  write_gradient(gp, B, np, data.P_stride, grad.P_vals);
  write_gradient(gc, B, n, data.c_stride, grad.c);
  write_gradient(ga, B, na, data.A_stride, grad.A_vals);
  write_gradient(gb, B, m, data.b_stride, grad.b);
}

void jvp_by_kkt_solve(const Structure& st, const BatchData& data, const SolutionView& sol,
                      const DataTangents& tan, const SolutionTangents& out, int threads,
                      const BatchKktSolve& solve) {
  const int B = data.batch, n = st.n(), m = st.m(), np = st.nnz_P(), na = st.nnz_A();
  const kernels::CscPattern P = st.symbolic().P(), A = st.symbolic().A();
  const std::vector<double> zeros(std::max({n, m, np, na}), 0.0);
  std::vector<double> rx(static_cast<long>(B) * n), rz(static_cast<long>(B) * m);
  parallel_for(B, threads, [&](int k) {  // [−dP x − dAᵀz − dc ; db − dA x]
    const double *x = sol.x + static_cast<long>(k) * n, *z = sol.z + static_cast<long>(k) * m;
    const kernels::ProblemTangent t{optional_row(tan.P_vals, tan.P_stride, np, k, zeros),
                                    optional_row(tan.c, tan.c_stride, n, k, zeros),
                                    optional_row(tan.A_vals, tan.A_stride, na, k, zeros),
                                    optional_row(tan.b, tan.b_stride, m, k, zeros)};
    double *ex = rx.data() + static_cast<long>(k) * n, *ez = rz.data() + static_cast<long>(k) * m;
    if (kernels::is_differentiable(sol.status[k])) {
      kernels::jvp_rhs_of(P, A, x, z, t, ex, ez);
    } else {  // x and z may hold NaN: the right-hand side is not used (the solve gives zeros)
      std::fill(ex, ex + n, 0.0), std::fill(ez, ez + m, 0.0);
    }
  });
  solve({rx.data(), rz.data(), 1}, {out.x, out.z});
  parallel_for(B, threads, [&](int k) {  // ds = r_z − A dx
    double* ds = out.s + static_cast<long>(k) * m;
    if (!kernels::is_differentiable(sol.status[k])) {
      std::fill(ds, ds + m, 0.0);
      return;
    }
    std::copy(rz.begin() + static_cast<long>(k) * m, rz.begin() + static_cast<long>(k + 1) * m, ds);
    kernels::csc_gemv(A, row_of(data.A_vals, data.A_stride, na, k), -1.0,
                      out.x + static_cast<long>(k) * n, ds);
  });
}

}  // namespace batchcone::core
