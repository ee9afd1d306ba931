// SPDX-License-Identifier: Apache-2.0
// The active set's derivative solves (active_set_diff.hpp) over the solve's reduced QP.
#include "active_set_diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu_backend.hpp"
#include "dense_ops.hpp"
#include "kernels/ipm/adjoint.hpp"
#include "reduced_qp.hpp"

namespace batchcone::backend::cpu {
namespace {

using namespace reduced;  // NOLINT(google-build-using-namespace): this file's vocabulary
using kernels::csc_gemv_t;
using kernels::csc_symv_upper;

// A Cholesky pivot of M below this fraction of its diagonal entry: the active row depends on
// the others (in H's metric), and the active set does not determine the multipliers.
constexpr double kDependentTol = 1e-20;

// Per slot, after the reduced QP's own scratch: q ≤ min(n_red, m_in) active rows.
struct DiffArrays {
  double *Y, *M;                       // n_red×q, q×q (column-major)
  double *dxp, *dx, *grad, *dz;        // n, n, n, m
  double *g, *a, *u, *y, *dA;          // n_red, n_red, n_red, q, q
  int* act;                            // q: the active rows' places among the inequality rows
  static std::size_t doubles(const Sizes& z) {
    const std::size_t r = z.n_red, q = std::min(z.n_red, z.m_in);
    return r * q + q * q + 3 * static_cast<std::size_t>(z.n) + z.m + 3 * r + 2 * q + q / 2 + 8;
  }
  static DiffArrays carve(double*& at, const Sizes& z) {
    DiffArrays w{};
    const std::size_t r = z.n_red, q = std::min(z.n_red, z.m_in), n = z.n;
    w.Y = take(at, r * q), w.M = take(at, q * q);
    w.dxp = take(at, n), w.dx = take(at, n), w.grad = take(at, n), w.dz = take(at, z.m);
    w.g = take(at, r), w.a = take(at, r), w.u = take(at, r), w.y = take(at, q), w.dA = take(at, q);
    w.act = reinterpret_cast<int*>(take(at, q / 2 + 1));
    return w;
  }
};

std::size_t slot_doubles(const Sizes& z) { return Slot::doubles(z) + DiffArrays::doubles(z); }

// y ← L⁻¹v = J0ᵀv (J0 = L⁻ᵀ upper triangular, r×r).
void lower_times(int r, const double* J0, const double* v, double* y) {
  for (int j = 0; j < r; ++j) y[j] = dot(j + 1, col(J0, r, j), v);
}

// y ← L⁻ᵀv = J0·v.
void upper_times(int r, const double* J0, const double* v, double* y) {
  std::fill(y, y + r, 0.0);
  for (int j = 0; j < r; ++j) axpy(j + 1, v[j], col(J0, r, j), y);
}

class ActiveSetDerivative {
 public:
  ActiveSetDerivative(const detail::Symbolic& sym, const BatchData& data, const Roles& roles,
                      double* at)
      : qp_(sym, data, roles, Slot::carve(at, sizes_of(sym))),
        z_(qp_.sizes()),
        w_(DiffArrays::carve(at, z_)) {}

  // Factors problem k's active set; false where the derivative is the interior point's.
  bool factor(int k, const double* z, const double* s) {
    return active_rows(z, s) && qp_.load(k) && factor_schur();
  }

  // [ox; oz] ← K⁻¹[rx; rz] after factor; false if the result is not finite.
  bool solve(const double* rx, const double* rz, double* ox, double* oz) {
    const int n = z_.n, m = z_.m, r = z_.n_red;
    reduce_rhs(rx, rz);
    lower_times(r, qp_.core().inverse_factor(), w_.g, w_.a);  // a = L⁻¹g
    for (int t = 0; t < q_; ++t) w_.y[t] = -dot(r, col(w_.Y, r, t), w_.a) - w_.dA[t];
    cholesky_solve(w_.y);
    for (int t = 0; t < q_; ++t) axpy(r, w_.y[t], col(w_.Y, r, t), w_.a);  // a + Yy
    upper_times(r, qp_.core().inverse_factor(), w_.a, w_.u);
    scale(r, w_.u, -1.0);  // du
    std::fill(w_.dz, w_.dz + m, 0.0);
    for (int t = 0; t < q_; ++t) w_.dz[qp_.roles().in_rows[w_.act[t]]] = w_.y[t];
    if (z_.m_eq == 0) {
      std::copy(w_.u, w_.u + n, w_.dx);
    } else {
      for (int l = 0; l < n; ++l) w_.dx[l] = w_.dxp[l] + dot(r, qp_.Z_row(l), w_.u);
      equality_multipliers(rx);
    }
    std::copy(w_.dx, w_.dx + n, ox);
    std::copy(w_.dz, w_.dz + m, oz);
    return kernels::all_finite(n, ox) && kernels::all_finite(m, oz);
  }

 private:
  // The active inequality rows (z_i > 0 = s_i); false unless every inequality row is exactly
  // complementary and strictly so, with no more active rows than reduced variables.
  bool active_rows(const double* z, const double* s) {
    q_ = 0;
    for (int t = 0; t < z_.m_in; ++t) {
      const int i = qp_.roles().in_rows[t];
      const bool active = z[i] > 0.0 && s[i] == 0.0, inactive = s[i] > 0.0 && z[i] == 0.0;
      if (!active && !inactive) return false;
      if (!active) continue;
      if (q_ == std::min(z_.n_red, z_.m_in)) return false;
      w_.act[q_++] = t;
    }
    return true;
  }

  // Y = L⁻¹C_Aᵀ and M = YᵀY = LLᵀ in place (lower triangle); false if an active row depends
  // on the others.
  bool factor_schur() {
    const int r = z_.n_red;
    const double* J0 = qp_.core().inverse_factor();
    for (int t = 0; t < q_; ++t)
      lower_times(r, J0, col(qp_.slot().C, r, w_.act[t]), col(w_.Y, r, t));
    for (int j = 0; j < q_; ++j)
      for (int i = j; i < q_; ++i) col(w_.M, q_, j)[i] = dot(r, col(w_.Y, r, i), col(w_.Y, r, j));
    for (int j = 0; j < q_; ++j) {
      double* Mj = col(w_.M, q_, j);
      const double diagonal = Mj[j];
      for (int k = 0; k < j; ++k) axpy(q_ - j, -col(w_.M, q_, k)[j], col(w_.M, q_, k) + j, Mj + j);
      if (!(Mj[j] > kDependentTol * diagonal)) return false;
      scale(q_ - j, Mj + j, 1.0 / std::sqrt(Mj[j]));
    }
    return true;
  }

  // y ← M⁻¹y with M's Cholesky factor.
  void cholesky_solve(double* y) const {
    for (int j = 0; j < q_; ++j) {
      const double* Lj = col(w_.M, q_, j);
      y[j] /= Lj[j];
      axpy(q_ - j - 1, -y[j], Lj + j + 1, y + j + 1);
    }
    for (int j = q_ - 1; j >= 0; --j) {
      const double* Lj = col(w_.M, q_, j);
      y[j] = (y[j] - dot(q_ - j - 1, Lj + j + 1, y + j + 1)) / Lj[j];
    }
  }

  // g = Zᵀ(P dx_p − r_x) and d_A = r_A − A_A dx_p, with A_E dx_p = r_E (g = −r_x, d_A = r_A
  // without equalities).
  void reduce_rhs(const double* rx, const double* rz) {
    const int n = z_.n, r = z_.n_red;
    const int* in_rows = qp_.roles().in_rows;
    if (z_.m_eq == 0) {
      for (int j = 0; j < n; ++j) w_.g[j] = -rx[j];
      for (int t = 0; t < q_; ++t) w_.dA[t] = rz[in_rows[w_.act[t]]];
      return;
    }
    qp_.null_space().particular(rz, w_.dxp);
    for (int j = 0; j < n; ++j) w_.grad[j] = -rx[j];
    csc_symv_upper(qp_.P(), qp_.P_vals(), 1.0, w_.dxp, w_.grad);
    std::fill(w_.g, w_.g + r, 0.0);
    for (int l = 0; l < n; ++l) axpy(r, w_.grad[l], qp_.Z_row(l), w_.g);
    for (int t = 0; t < q_; ++t)
      w_.dA[t] = rz[in_rows[w_.act[t]]] - qp_.A_I_row_dot(w_.act[t], w_.dxp);
  }

  // dz_E from A_Eᵀdz_E = −(P dx + A_Iᵀdz_I − r_x).
  void equality_multipliers(const double* rx) {
    for (int j = 0; j < z_.n; ++j) w_.grad[j] = -rx[j];
    csc_symv_upper(qp_.P(), qp_.P_vals(), 1.0, w_.dx, w_.grad);
    csc_gemv_t(qp_.A(), qp_.A_vals(), 1.0, w_.dz, w_.grad);
    qp_.null_space().multipliers(w_.grad, w_.dz);
  }

  ReducedQp qp_;
  Sizes z_;
  DiffArrays w_;
  int q_ = 0;
};

}  // namespace

std::size_t active_set_kkt_workspace_bytes(const detail::Symbolic& sym, int batch) {
  return reduced::workspace_bytes(sym, slot_doubles(sizes_of(sym)), batch);
}

void active_set_kkt_solve(const detail::Symbolic& sym, const Settings& settings,
                          const BatchData& data, const SolutionView& sol, const KktVectors& in,
                          const KktOutputs& out, void* workspace, char* done) {
  const Sizes z = sizes_of(sym);
  const long n = z.n, m = z.m, batch = data.batch;
  for_each_slot(sym, settings.num_threads, data.batch, slot_doubles(z), workspace,
                [&](const Roles& roles, double* at, int first, int last) {
                  ActiveSetDerivative diff(sym, data, roles, at);
                  for (int k = first; k < last; ++k) {
                    const bool skip = !kernels::is_differentiable(sol.status[k]);
                    bool ok = skip || diff.factor(k, sol.z + k * m, sol.s + k * m);
                    for (int j = 0; ok && j < in.count; ++j) {
                      const long row = j * batch + k;
                      double *ox = out.x + row * n, *oz = out.z + row * m;
                      if (skip)
                        std::fill(ox, ox + n, 0.0), std::fill(oz, oz + m, 0.0);
                      else
                        ok = diff.solve(in.x + row * n, in.z + row * m, ox, oz);
                    }
                    done[k] = ok ? 1 : 0;
                  }
                });
}

}  // namespace batchcone::backend::cpu
