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
#include "dual_active_set.hpp"
#include "null_space.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu {
namespace {

using kernels::csc_gemv;
using kernels::csc_gemv_t;
using kernels::csc_symv_upper;

constexpr int kActiveSetMaxN = 512;
// Slots of per-problem scratch: two per hardware thread, within this many bytes.
constexpr double kMaxScratchBytes = 256.0 * (1 << 20);

struct Sizes {
  int n, m, m_eq, m_in, n_red;  // n_red = n − m_eq variables after elimination
};

Sizes sizes_of(const detail::Symbolic& sym) {
  int m_eq = 0;
  for (const Cone& k : sym.spec.cones) m_eq += k.kind == ConeKind::Zero ? k.dim : 0;
  const int n = sym.spec.n, m = sym.spec.m;
  return {n, m, m_eq, m - m_eq, std::max(n - m_eq, 0)};
}

bool cones_are_linear(const detail::Symbolic& sym) {
  for (const Cone& k : sym.spec.cones)
    if (k.kind != ConeKind::Zero && k.kind != ConeKind::NonNeg) return false;
  return true;
}

// Per structure, in the workspace ahead of the slots: each row's place among the equality or
// the inequality rows, EqualityPattern's single-entry columns, and the inequality rows of A by
// rows (in_ptr; in_col and in_entry: each entry's column and index into A's values).
struct Roles {
  int *eq_index, *in_index, *eq_rows, *in_rows;  // m, m, m_eq, m_in (−1: the other kind)
  int *single_entry, *covered;                   // n, m_eq
  int *in_ptr, *in_col, *in_entry;               // m_in + 1, nnz_A, nnz_A
  bool pivots_possible;
  static std::size_t ints(const detail::Symbolic& sym, const Sizes& z) {
    return 3 * z.m + z.n + z.m_eq + z.m_in + 1 + 2 * sym.spec.A_rowval.size();
  }
};

void assign_rows(const detail::Symbolic& sym, Roles& r) {
  int row = 0, e = 0, i = 0;
  for (const Cone& k : sym.spec.cones)
    for (int t = 0; t < k.dim; ++t, ++row) {
      const bool eq = k.kind == ConeKind::Zero;
      r.eq_index[row] = eq ? e : -1;
      r.in_index[row] = eq ? -1 : i;
      (eq ? r.eq_rows[e++] : r.in_rows[i++]) = row;
    }
}

// A's inequality rows by rows (a counting sort of its entries, columns ascending in each row).
void inequality_rows(const detail::Symbolic& sym, const Sizes& z, Roles& r) {
  const kernels::CscPattern A = sym.A();
  std::fill(r.in_ptr, r.in_ptr + z.m_in + 1, 0);
  for (int p = 0; p < A.nnz(); ++p)
    if (r.in_index[A.rowval[p]] >= 0) ++r.in_ptr[r.in_index[A.rowval[p]] + 1];
  for (int k = 0; k < z.m_in; ++k) r.in_ptr[k + 1] += r.in_ptr[k];
  for (int j = 0; j < z.n; ++j)
    for (int p = A.colptr[j]; p < A.colptr[j + 1]; ++p) {
      const int k = r.in_index[A.rowval[p]];
      if (k < 0) continue;
      const int at = r.in_ptr[k]++;
      r.in_col[at] = j, r.in_entry[at] = p;
    }
  for (int k = z.m_in; k > 0; --k) r.in_ptr[k] = r.in_ptr[k - 1];  // undo the cursor moves
  r.in_ptr[0] = 0;
}

// Columns with exactly one entry among the equality rows, and whether they cover every row.
void single_entries(const detail::Symbolic& sym, const Sizes& z, Roles& r) {
  const kernels::CscPattern A = sym.A();
  std::fill(r.covered, r.covered + z.m_eq, 0);
  for (int j = 0; j < z.n; ++j) {
    int count = 0, entry = -1;
    for (int p = A.colptr[j]; p < A.colptr[j + 1]; ++p)
      if (r.eq_index[A.rowval[p]] >= 0) ++count, entry = p;
    r.single_entry[j] = count == 1 ? entry : -1;
    if (count == 1) r.covered[r.eq_index[A.rowval[entry]]] = 1;
  }
  r.pivots_possible = std::all_of(r.covered, r.covered + z.m_eq, [](int c) { return c != 0; });
}

Roles build_roles(const detail::Symbolic& sym, const Sizes& z, int* at) {
  Roles r{};
  r.eq_index = at, r.in_index = at + z.m, r.eq_rows = at + 2 * z.m, r.in_rows = r.eq_rows + z.m_eq;
  r.single_entry = r.in_rows + z.m_in, r.covered = r.single_entry + z.n;
  r.in_ptr = r.covered + z.m_eq, r.in_col = r.in_ptr + z.m_in + 1;
  r.in_entry = r.in_col + sym.spec.A_rowval.size();
  assign_rows(sym, r);
  inequality_rows(sym, z, r);
  single_entries(sym, z, r);
  return r;
}

EqualityPattern equality_pattern(const detail::Symbolic& sym, const Sizes& z, const Roles& r) {
  return {sym.A(), z.m_eq, r.eq_index, r.eq_rows, r.single_entry, r.pivots_possible};
}

// One slot of scratch, for one problem at a time.
struct Slot {
  double *H, *C, *PZ, *norm, *d, *g;  // n_red², m_in×n_red, n×n_red (row-major), m_in, m_in, n_red
  double *xp, *x, *grad, *px, *ax;    // n, n, n, n, m
  NullSpaceArrays eq;
  DualActiveSetArrays core;
};

std::size_t slot_doubles(const Sizes& z) {
  const std::size_t n = z.n, i = z.m_in, r = z.n_red;
  return r * r + i * r + (z.m_eq > 0 ? n * r : 0) + 2 * i + r + 4 * n + z.m +
         (z.m_eq > 0 ? NullSpaceArrays::doubles(z.n, z.m_eq) : 0) +
         DualActiveSetArrays::doubles(z.n_red, z.m_in) + 8;
}

Slot carve_slot(double* at, const Sizes& z) {
  Slot s{};
  const std::size_t n = z.n, r = z.n_red;
  s.H = take(at, r * r), s.C = take(at, static_cast<std::size_t>(z.m_in) * r);
  s.PZ = take(at, z.m_eq > 0 ? n * r : 0);
  s.norm = take(at, z.m_in), s.d = take(at, z.m_in), s.g = take(at, r);
  s.xp = take(at, n), s.x = take(at, n), s.grad = take(at, n), s.px = take(at, n);
  s.ax = take(at, z.m);
  if (z.m_eq > 0) s.eq = NullSpaceArrays::carve(at, z.n, z.m_eq);
  s.core = DualActiveSetArrays::carve(at, z.n_red, z.m_in);
  return s;
}

int slots_for(const Sizes& z, int batch) {
  const double bytes = 8.0 * slot_doubles(z);
  const int fit = static_cast<int>(std::max(1.0, kMaxScratchBytes / bytes));
  return std::max(1, std::min({batch, 2 * thread_count(0), fit}));
}

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

// The path for one problem at a time over one slot. Work that depends on P and A only (the
// elimination, the reduced H and C, H's factorization) is kept while they stay the same
// arrays, as for values shared by the batch (stride 0).
class ActiveSetProblem {
 public:
  ActiveSetProblem(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                   const BatchSolution& out, const Roles& roles, const Slot& slot)
      : set_(settings),
        data_(data),
        out_(out),
        roles_(roles),
        w_(slot),
        z_(sizes_of(sym)),
        P_(sym.P()),
        A_(sym.A()),
        null_(equality_pattern(sym, z_, roles), z_.n, slot.eq),
        core_(slot.core) {}

  void solve(int k) {
    const bool ok = load(k) && prepare(k) &&
                    core_.solve(g_, z_.m_in, w_.C, w_.norm, d_, 3 * (z_.n_red + z_.m_in) + 20) &&
                    finish(k);
    if (!ok) out_.status[k] = static_cast<std::int32_t>(Status::Unsolved);
  }

 private:
  const double* P_of(int k) const { return data_.P_vals + k * stride_of(data_.P_stride, P_.nnz()); }
  const double* A_of(int k) const { return data_.A_vals + k * stride_of(data_.A_stride, A_.nnz()); }
  const double* c_of(int k) const { return data_.c + k * stride_of(data_.c_stride, z_.n); }
  const double* b_of(int k) const { return data_.b + k * stride_of(data_.b_stride, z_.m); }

  bool load(int k) {
    const double* P = P_of(k);
    const double* A = A_of(k);
    if (P == loaded_P_ && A == loaded_A_) return reduced_;
    loaded_P_ = P, loaded_A_ = A;
    reduced_ = reduce() && core_.factor(z_.n_red, w_.H);
    return reduced_;
  }

  // H, C and C's row norms of the reduced problem (P and A_I themselves without equalities).
  bool reduce() {
    if (z_.m_eq == 0) {
      scatter_dense();
    } else {
      if (z_.m_eq > z_.n || !null_.factor(loaded_A_)) return false;
      form_reduced();
    }
    for (int i = 0; i < z_.m_in; ++i) {
      const double* ci = col(w_.C, z_.n_red, i);
      w_.norm[i] = std::sqrt(dot(z_.n_red, ci, ci));
    }
    return true;
  }

  // H = P (both triangles), C = A row-major (every row an inequality).
  void scatter_dense() {
    const int n = z_.n;
    std::fill(w_.H, w_.H + static_cast<std::size_t>(n) * n, 0.0);
    std::fill(w_.C, w_.C + static_cast<std::size_t>(z_.m) * n, 0.0);
    for (int j = 0; j < n; ++j) {
      for (int p = P_.colptr[j]; p < P_.colptr[j + 1]; ++p)
        col(w_.H, n, j)[P_.rowval[p]] = col(w_.H, n, P_.rowval[p])[j] = loaded_P_[p];
      for (int p = A_.colptr[j]; p < A_.colptr[j + 1]; ++p)
        col(w_.C, n, A_.rowval[p])[j] = loaded_A_[p];
    }
  }

  // PZ = P·Z, H = ZᵀPZ = Σ_l Z[l,:]ᵀ(PZ)[l,:] and C = A_I Z, with Z by rows (null_space.hpp)
  // and the sparse P and A_I.
  void form_reduced() {
    const int n = z_.n, r = z_.n_red;
    std::fill(w_.PZ, w_.PZ + static_cast<std::size_t>(n) * r, 0.0);
    for (int j = 0; j < n; ++j)
      for (int p = P_.colptr[j]; p < P_.colptr[j + 1]; ++p) {
        const int i = P_.rowval[p];
        axpy(r, loaded_P_[p], Z_row(j), PZ_row(i));
        if (i != j) axpy(r, loaded_P_[p], Z_row(i), PZ_row(j));
      }
    std::fill(w_.H, w_.H + static_cast<std::size_t>(r) * r, 0.0);
    for (int l = 0; l < n; ++l) {
      if (norm_inf(r, PZ_row(l)) == 0.0) continue;  // a variable without quadratic terms
      for (int a = 0; a < r; ++a) axpy(r, Z_row(l)[a], PZ_row(l), col(w_.H, r, a));
    }
    for (int i = 0; i < z_.m_in; ++i) {
      double* ci = col(w_.C, r, i);
      std::fill(ci, ci + r, 0.0);
      for (int t = roles_.in_ptr[i]; t < roles_.in_ptr[i + 1]; ++t)
        axpy(r, loaded_A_[roles_.in_entry[t]], Z_row(roles_.in_col[t]), ci);
    }
  }

  const double* Z_row(int l) const { return null_.Z() + static_cast<std::size_t>(l) * z_.n_red; }
  double* PZ_row(int l) { return w_.PZ + static_cast<std::size_t>(l) * z_.n_red; }

  // (A_I v)_i for inequality row i.
  double A_I_row_dot(int i, const double* v) const {
    double sum = 0.0;
    for (int t = roles_.in_ptr[i]; t < roles_.in_ptr[i + 1]; ++t)
      sum += loaded_A_[roles_.in_entry[t]] * v[roles_.in_col[t]];
    return sum;
  }

  // The reduced problem's g and d for problem k's c and b.
  bool prepare(int k) {
    const double* c = c_of(k);
    b_ = b_of(k);
    if (z_.m_eq == 0) {
      g_ = c, d_ = b_;
      return true;
    }
    const int n = z_.n;
    null_.particular(b_, w_.xp);
    std::copy(c, c + n, w_.grad);
    csc_symv_upper(P_, loaded_P_, 1.0, w_.xp, w_.grad);
    std::fill(w_.g, w_.g + z_.n_red, 0.0);
    for (int l = 0; l < n; ++l) axpy(z_.n_red, w_.grad[l], Z_row(l), w_.g);  // g = Zᵀ(Px_p + c)
    for (int i = 0; i < z_.m_in; ++i) w_.d[i] = b_[roles_.in_rows[i]] - A_I_row_dot(i, w_.xp);
    g_ = w_.g, d_ = w_.d;
    return true;
  }

  // x = x_p + Zu and the multipliers: z_I from the method, z_E from stationarity.
  void recover(const double* c, double* z) {
    const int n = z_.n;
    std::fill(z, z + z_.m, 0.0);
    for (int j = 0; j < core_.active_count(); ++j)
      z[roles_.in_rows[core_.active(j)]] = std::max(core_.multiplier(j), 0.0);
    if (z_.m_eq == 0) {
      std::copy(core_.u(), core_.u() + n, w_.x);
      return;
    }
    for (int l = 0; l < n; ++l) w_.x[l] = w_.xp[l] + dot(z_.n_red, Z_row(l), core_.u());
    std::copy(c, c + n, w_.grad);
    csc_symv_upper(P_, loaded_P_, 1.0, w_.x, w_.grad);
    csc_gemv_t(A_, loaded_A_, 1.0, z, w_.grad);
    null_.multipliers(w_.grad, z);
  }

  // s, the objective and the interior point's termination test (kernels/ipm/info.hpp: Clarabel's
  // residuals in 2-norms relative to the data's ∞-norms and the iterate's 2-norms, and the gap)
  // on the original data; the solution is written only when it passes.
  bool finish(int k) {
    const int n = z_.n, m = z_.m;
    const double* c = c_of(k);
    double* z = out_.z + static_cast<long>(k) * m;
    double* s = out_.s + static_cast<long>(k) * m;
    recover(c, z);
    std::fill(w_.ax, w_.ax + m, 0.0);
    csc_gemv(A_, loaded_A_, 1.0, w_.x, w_.ax);
    for (int i = 0; i < m; ++i) {
      const bool slack = z[i] == 0.0 && roles_.in_index[i] >= 0;
      s[i] = slack ? std::max(b_[i] - w_.ax[i], 0.0) : 0.0;
      w_.ax[i] += s[i] - b_[i];  // Ax + s − b
    }
    std::fill(w_.px, w_.px + n, 0.0);
    csc_symv_upper(P_, loaded_P_, 1.0, w_.x, w_.px);
    for (int j = 0; j < n; ++j) w_.grad[j] = w_.px[j] + c[j];
    csc_gemv_t(A_, loaded_A_, 1.0, z, w_.grad);  // Px + c + Aᵀz
    auto norm = [](int len, const double* v) { return std::sqrt(sumsq(len, v)); };
    const double xPx = dot(n, w_.x, w_.px), normx = norm(n, w_.x);
    const double pobj = 0.5 * xPx + dot(n, c, w_.x), dobj = -0.5 * xPx - dot(m, b_, z);
    const double res_p = norm(m, w_.ax) / std::max(1.0, norm_inf(m, b_) + normx + norm(m, s));
    const double res_d = norm(n, w_.grad) / std::max(1.0, norm_inf(n, c) + normx + norm(m, z));
    const double gap = std::abs(pobj - dobj);
    const bool ok =
        res_p < set_.tol_feas && res_d < set_.tol_feas &&
        (gap < set_.tol_gap_abs ||
         gap < set_.tol_gap_rel * std::max(1.0, std::min(std::abs(pobj), std::abs(dobj))));
    if (!ok || !std::isfinite(pobj + dobj)) return false;
    std::copy(w_.x, w_.x + n, out_.x + static_cast<long>(k) * n);
    out_.status[k] = static_cast<std::int32_t>(Status::Solved);
    out_.iterations[k] = core_.steps();
    out_.objective[k] = pobj;
    return true;
  }

  const Settings& set_;
  const BatchData& data_;
  const BatchSolution& out_;
  const Roles& roles_;
  Slot w_;
  Sizes z_;
  kernels::CscPattern P_, A_;
  NullSpace null_;
  DualActiveSet core_;
  const double *loaded_P_ = nullptr, *loaded_A_ = nullptr;
  bool reduced_ = false;
  const double *g_ = nullptr, *d_ = nullptr, *b_ = nullptr;
};

// Whether the method can take the structure under some setting: linear cones, a quadratic
// objective, at most kActiveSetMaxN variables and no more equalities than variables (more are
// dependent: the interior point's case).
bool can_apply(const detail::Symbolic& sym) {
  const Sizes z = sizes_of(sym);
  return cones_are_linear(sym) && !sym.spec.P_rowval.empty() && z.n <= kActiveSetMaxN &&
         z.m_eq <= z.n;
}

// Where the roles and the slots start in the workspace.
int* roles_at(void* workspace) { return static_cast<int*>(workspace); }
double* slots_at(void* workspace, const detail::Symbolic& sym, const Sizes& z) {
  const auto after = reinterpret_cast<std::uintptr_t>(roles_at(workspace) + Roles::ints(sym, z));
  return reinterpret_cast<double*>((after + 63) & ~std::uintptr_t{63});
}

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
  if (batch <= 0 || !can_apply(sym)) return 0;
  const Sizes z = sizes_of(sym);
  return 4 * Roles::ints(sym, z) + 64 + 8 * slot_doubles(z) * slots_for(z, batch);
}

void active_set_solve(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                      const BatchSolution& out, void* workspace) {
  const Sizes z = sizes_of(sym);
  // At most two per worker thread: a batch sharing P and A reduces them once per slot.
  const int slots = std::min(slots_for(z, data.batch), 2 * thread_count(settings.num_threads));
  const Roles roles = build_roles(sym, z, roles_at(workspace));
  double* base = slots_at(workspace, sym, z);
  parallel_for(slots, settings.num_threads, [&](int c) {
    ActiveSetProblem problem(sym, settings, data, out, roles,
                             carve_slot(base + slot_doubles(z) * c, z));
    const long first = static_cast<long>(data.batch) * c / slots;
    const long last = static_cast<long>(data.batch) * (c + 1) / slots;
    for (long k = first; k < last; ++k) problem.solve(static_cast<int>(k));
  });
}

}  // namespace batchcone::backend::cpu
