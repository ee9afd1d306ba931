// SPDX-License-Identifier: Apache-2.0
#include "reduced_qp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu_backend.hpp"
#include "dense_ops.hpp"
#include "kernels/sparse.hpp"

namespace batchcone::backend::cpu::reduced {
namespace {

using kernels::csc_symv_upper;

constexpr int kMaxN = 512;
// Slots of per-problem scratch: two per hardware thread, within this many bytes.
constexpr double kMaxScratchBytes = 256.0 * (1 << 20);

bool cones_are_linear(const detail::Symbolic& sym) {
  for (const Cone& k : sym.spec.cones)
    if (k.kind != ConeKind::Zero && k.kind != ConeKind::NonNeg) return false;
  return true;
}

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

EqualityPattern equality_pattern(const detail::Symbolic& sym, const Sizes& z, const Roles& r) {
  return {sym.A(), z.m_eq, r.eq_index, r.eq_rows, r.single_entry, r.pivots_possible};
}

}  // namespace

Sizes sizes_of(const detail::Symbolic& sym) {
  int m_eq = 0;
  for (const Cone& k : sym.spec.cones) m_eq += k.kind == ConeKind::Zero ? k.dim : 0;
  const int n = sym.spec.n, m = sym.spec.m;
  return {n, m, m_eq, m - m_eq, std::max(n - m_eq, 0)};
}

std::size_t Roles::ints(const detail::Symbolic& sym, const Sizes& z) {
  return 3 * z.m + z.n + z.m_eq + z.m_in + 1 + 2 * sym.spec.A_rowval.size();
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

std::size_t Slot::doubles(const Sizes& z) {
  const std::size_t n = z.n, i = z.m_in, r = z.n_red;
  return r * r + i * r + (z.m_eq > 0 ? n * r : 0) + 2 * i + r + 4 * n + z.m +
         (z.m_eq > 0 ? NullSpaceArrays::doubles(z.n, z.m_eq) : 0) +
         DualActiveSetArrays::doubles(z.n_red, z.m_in) + 8;
}

Slot Slot::carve(double*& at, const Sizes& z) {
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

ReducedQp::ReducedQp(const detail::Symbolic& sym, const BatchData& data, const Roles& roles,
                     const Slot& slot)
    : data_(data),
      roles_(roles),
      w_(slot),
      z_(sizes_of(sym)),
      P_(sym.P()),
      A_(sym.A()),
      null_(equality_pattern(sym, z_, roles), z_.n, slot.eq),
      core_(slot.core) {}

const double* ReducedQp::c_of(int k) const {
  return data_.c + k * stride_of(data_.c_stride, z_.n);
}

const double* ReducedQp::b_of(int k) const {
  return data_.b + k * stride_of(data_.b_stride, z_.m);
}

bool ReducedQp::load(int k) {
  const double* P = data_.P_vals + k * stride_of(data_.P_stride, P_.nnz());
  const double* A = data_.A_vals + k * stride_of(data_.A_stride, A_.nnz());
  if (P == loaded_P_ && A == loaded_A_) return reduced_;
  loaded_P_ = P, loaded_A_ = A;
  reduced_ = reduce() && core_.factor(z_.n_red, w_.H);
  return reduced_;
}

// H, C and C's row norms of the reduced problem (P and A_I themselves without equalities).
bool ReducedQp::reduce() {
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
void ReducedQp::scatter_dense() {
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
void ReducedQp::form_reduced() {
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

double ReducedQp::A_I_row_dot(int i, const double* v) const {
  double sum = 0.0;
  for (int t = roles_.in_ptr[i]; t < roles_.in_ptr[i + 1]; ++t)
    sum += loaded_A_[roles_.in_entry[t]] * v[roles_.in_col[t]];
  return sum;
}

void ReducedQp::prepare(int k) {
  const double* c = c_of(k);
  const double* b = b_of(k);
  if (z_.m_eq == 0) {
    g_ = c, d_ = b;
    return;
  }
  const int n = z_.n;
  null_.particular(b, w_.xp);
  std::copy(c, c + n, w_.grad);
  csc_symv_upper(P_, loaded_P_, 1.0, w_.xp, w_.grad);
  std::fill(w_.g, w_.g + z_.n_red, 0.0);
  for (int l = 0; l < n; ++l) axpy(z_.n_red, w_.grad[l], Z_row(l), w_.g);  // g = Zᵀ(Px_p + c)
  for (int i = 0; i < z_.m_in; ++i) w_.d[i] = b[roles_.in_rows[i]] - A_I_row_dot(i, w_.xp);
  g_ = w_.g, d_ = w_.d;
}

bool can_apply(const detail::Symbolic& sym) {
  const Sizes z = sizes_of(sym);
  return cones_are_linear(sym) && !sym.spec.P_rowval.empty() && z.n <= kMaxN && z.m_eq <= z.n;
}

int slots_for(std::size_t slot_doubles, int batch) {
  const double bytes = 8.0 * static_cast<double>(slot_doubles);
  const int fit = static_cast<int>(std::max(1.0, kMaxScratchBytes / bytes));
  return std::max(1, std::min({batch, 2 * thread_count(0), fit}));
}

std::size_t workspace_bytes(const detail::Symbolic& sym, std::size_t slot_doubles, int batch) {
  if (batch <= 0 || !can_apply(sym)) return 0;
  return 4 * Roles::ints(sym, sizes_of(sym)) + 64 + 8 * slot_doubles * slots_for(slot_doubles, batch);
}

int* roles_at(void* workspace) { return static_cast<int*>(workspace); }

double* slots_at(void* workspace, const detail::Symbolic& sym) {
  const auto after = reinterpret_cast<std::uintptr_t>(roles_at(workspace) +
                                                      Roles::ints(sym, sizes_of(sym)));
  return reinterpret_cast<double*>((after + 63) & ~std::uintptr_t{63});
}

}  // namespace batchcone::backend::cpu::reduced
