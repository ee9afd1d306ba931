// SPDX-License-Identifier: Apache-2.0
// The active-set path (active_set.hpp): each problem's equality rows eliminated (null_space.hpp),
// the reduced inequality QP in u, x = x_p + Zu,
//   minimize ½uᵀ(ZᵀPZ)u + (Zᵀ(Px_p + c))ᵀu   subject to  A_I Z u ≤ b_I − A_I x_p,
// solved by DualActiveSet, the solution and multipliers mapped back and checked by Clarabel's
// termination tests on the original data. Products with P and A use their sparse patterns.
#include "active_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu_backend.hpp"
#include "dense_ops.hpp"
#include "reduced_qp.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu {
namespace {

using namespace reduced;  // NOLINT(google-build-using-namespace): this file's vocabulary
using kernels::csc_gemv;
using kernels::csc_gemv_t;
using kernels::csc_symv_upper;

// Flops of the interior point's KKT work (~10 iterations of a factorization and three solves).
double ipm_flops(const detail::Symbolic& sym) {
  const auto& f = sym.factor;
  const int order = sym.kkt.order;
  double factor = 0.0, entries = 0.0;
  for (int j = 0; j < order; ++j) {
    const double cnt = j < f.dense_from ? f.lp[j + 1] - f.lp[j] : order - 1 - j;
    factor += cnt * cnt, entries += cnt;
  }
  return 10.0 * (factor + 3.0 * 4.0 * entries);
}

// Flops of one dense active-set solve: the elimination (pivot columns or Householder), the
// reduced H and C, H's factorization and inverse, then about one step per half of the reduced
// variables, each a few n_red² and m·n_red passes.
double active_set_flops(const detail::Symbolic& sym, const Sizes& z, bool pivots) {
  const double n = z.n, e = z.m_eq, i = z.m_in, r = z.n_red;
  const double nnz = static_cast<double>(sym.spec.P_rowval.size() + sym.spec.A_rowval.size());
  const double householder = pivots ? 0.0 : 2 * e * e * n + 4 * n * e * r;
  const double reduce = e > 0 ? householder + n * r * r + 2 * r * nnz : 0.0;
  const double steps = 0.5 * std::min(r, i) + 2.0;
  return reduce + r * r * r + steps * (6 * r * r + 2 * i * r) + 4 * nnz;
}

// The path for one problem at a time over one slot (the reduced QP's, reduced_qp.hpp).
class ActiveSetProblem {
 public:
  ActiveSetProblem(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                   const BatchSolution& out, const Roles& roles, const Slot& slot)
      : set_(settings), out_(out), qp_(sym, data, roles, slot), z_(qp_.sizes()), w_(slot) {}

  void solve(int k) {
    const bool ok = qp_.load(k) && (qp_.prepare(k), true) &&
                    qp_.core().solve(qp_.g(), z_.m_in, w_.C, w_.norm, qp_.d(),
                                     3 * (z_.n_red + z_.m_in) + 20) &&
                    finish(k);
    if (!ok) out_.status[k] = static_cast<std::int32_t>(Status::Unsolved);
  }

 private:
  // x = x_p + Zu and the multipliers: z_I from the method, z_E from stationarity.
  void recover(const double* c, double* z) {
    const int n = z_.n;
    const DualActiveSet& core = qp_.core();
    std::fill(z, z + z_.m, 0.0);
    for (int j = 0; j < core.active_count(); ++j)
      z[qp_.roles().in_rows[core.active(j)]] = std::max(core.multiplier(j), 0.0);
    if (z_.m_eq == 0) {
      std::copy(core.u(), core.u() + n, w_.x);
      return;
    }
    for (int l = 0; l < n; ++l) w_.x[l] = w_.xp[l] + dot(z_.n_red, qp_.Z_row(l), core.u());
    std::copy(c, c + n, w_.grad);
    csc_symv_upper(qp_.P(), qp_.P_vals(), 1.0, w_.x, w_.grad);
    csc_gemv_t(qp_.A(), qp_.A_vals(), 1.0, z, w_.grad);
    qp_.null_space().multipliers(w_.grad, z);
  }

  // s, the objective and the interior point's termination test (kernels/ipm/info.hpp: Clarabel's
  // residuals in 2-norms relative to the data's ∞-norms and the iterate's 2-norms, and the gap)
  // on the original data; the solution is written only when it passes.
  bool finish(int k) {
    const int n = z_.n, m = z_.m;
    const double* c = qp_.c_of(k);
    const double* b = qp_.b_of(k);
    const kernels::CscPattern &P = qp_.P(), &A = qp_.A();
    double* z = out_.z + static_cast<long>(k) * m;
    double* s = out_.s + static_cast<long>(k) * m;
    recover(c, z);
    std::fill(w_.ax, w_.ax + m, 0.0);
    csc_gemv(A, qp_.A_vals(), 1.0, w_.x, w_.ax);
    for (int i = 0; i < m; ++i) {
      const bool slack = z[i] == 0.0 && qp_.roles().in_index[i] >= 0;
      s[i] = slack ? std::max(b[i] - w_.ax[i], 0.0) : 0.0;
      w_.ax[i] += s[i] - b[i];  // Ax + s − b
    }
    std::fill(w_.px, w_.px + n, 0.0);
    csc_symv_upper(P, qp_.P_vals(), 1.0, w_.x, w_.px);
    for (int j = 0; j < n; ++j) w_.grad[j] = w_.px[j] + c[j];
    csc_gemv_t(A, qp_.A_vals(), 1.0, z, w_.grad);  // Px + c + Aᵀz
    auto norm = [](int len, const double* v) { return std::sqrt(sumsq(len, v)); };
    const double xPx = dot(n, w_.x, w_.px), normx = norm(n, w_.x);
    const double pobj = 0.5 * xPx + dot(n, c, w_.x), dobj = -0.5 * xPx - dot(m, b, z);
    const double res_p = norm(m, w_.ax) / std::max(1.0, norm_inf(m, b) + normx + norm(m, s));
    const double res_d = norm(n, w_.grad) / std::max(1.0, norm_inf(n, c) + normx + norm(m, z));
    const double gap = std::abs(pobj - dobj);
    const bool ok =
        res_p < set_.tol_feas && res_d < set_.tol_feas &&
        (gap < set_.tol_gap_abs ||
         gap < set_.tol_gap_rel * std::max(1.0, std::min(std::abs(pobj), std::abs(dobj))));
    if (!ok || !std::isfinite(pobj + dobj)) return false;
    std::copy(w_.x, w_.x + n, out_.x + static_cast<long>(k) * n);
    out_.status[k] = static_cast<std::int32_t>(Status::Solved);
    out_.iterations[k] = qp_.core().steps();
    out_.objective[k] = pobj;
    return true;
  }

  const Settings& set_;
  const BatchSolution& out_;
  ReducedQp qp_;
  Sizes z_;
  Slot w_;
};

}  // namespace

bool active_set_applies(const detail::Symbolic& sym, const Settings& settings) {
  if (settings.qp_method == QpMethod::InteriorPoint || !can_apply(sym)) return false;
  if (settings.qp_method == QpMethod::ActiveSet) return true;
  const Sizes z = sizes_of(sym);
  std::vector<int> roles(Roles::ints(sym, z));
  const bool pivots = build_roles(sym, z, roles.data()).pivots_possible;
  return active_set_flops(sym, z, pivots) < ipm_flops(sym);
}

std::size_t active_set_workspace_bytes(const detail::Symbolic& sym, int batch) {
  return reduced::workspace_bytes(sym, Slot::doubles(sizes_of(sym)), batch);
}

void active_set_solve(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                      const BatchSolution& out, void* workspace) {
  const std::size_t slot = Slot::doubles(sizes_of(sym));
  for_each_slot(sym, settings.num_threads, data.batch, slot, workspace,
                [&](const Roles& roles, double* at, int first, int last) {
                  ActiveSetProblem problem(sym, settings, data, out, roles,
                                           Slot::carve(at, sizes_of(sym)));
                  for (int k = first; k < last; ++k) problem.solve(k);
                });
}

}  // namespace batchcone::backend::cpu
