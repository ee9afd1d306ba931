// SPDX-License-Identifier: Apache-2.0
// One problem of the active-set path (active_set.hpp) reduced to its inequality QP in u: the
// equality rows eliminated (null_space.hpp), x = x_p + Zu,
//   minimize ½uᵀHu + gᵀu   subject to  C u ≤ d,   H = ZᵀPZ,  C = A_I Z,
// with H factored for the dual active-set method (dual_active_set.hpp). The solve
// (active_set.cpp) and the derivative at its solutions (active_set_diff.cpp) share it.
// Products with P and A use their sparse patterns.
#pragma once

#include <algorithm>
#include <cstddef>

#include "batchcone/solver.hpp"
#include "dual_active_set.hpp"
#include "null_space.hpp"
#include "symbolic/symbolic.hpp"
#include "thread_pool.hpp"

namespace batchcone::backend::cpu::reduced {

struct Sizes {
  int n, m, m_eq, m_in, n_red;  // n_red = n − m_eq variables after elimination
};
Sizes sizes_of(const detail::Symbolic& sym);

// Per structure, in the workspace ahead of the slots: each row's place among the equality or
// the inequality rows, EqualityPattern's single-entry columns, and the inequality rows of A by
// rows (in_ptr; in_col and in_entry: each entry's column and index into A's values).
struct Roles {
  int *eq_index, *in_index, *eq_rows, *in_rows;  // m, m, m_eq, m_in (−1: the other kind)
  int *single_entry, *covered;                   // n, m_eq
  int *in_ptr, *in_col, *in_entry;               // m_in + 1, nnz_A, nnz_A
  bool pivots_possible;
  static std::size_t ints(const detail::Symbolic& sym, const Sizes& z);
};
Roles build_roles(const detail::Symbolic& sym, const Sizes& z, int* at);

// One slot of scratch, for one problem at a time.
struct Slot {
  double *H, *C, *PZ, *norm, *d, *g;  // n_red², m_in×n_red, n×n_red (row-major), m_in, m_in, n_red
  double *xp, *x, *grad, *px, *ax;    // n, n, n, n, m
  NullSpaceArrays eq;
  DualActiveSetArrays core;
  static std::size_t doubles(const Sizes& z);
  static Slot carve(double*& at, const Sizes& z);
};

// Problem k's reduced QP over one slot. Work that depends on P and A only (the elimination, H
// and C, H's factorization) is kept while they stay the same arrays, as for values shared by the
// batch (stride 0).
class ReducedQp {
 public:
  ReducedQp(const detail::Symbolic& sym, const BatchData& data, const Roles& roles,
            const Slot& slot);

  // Eliminates problem k's equalities and factors H; false if A_E's rows are dependent or H is
  // not positive definite.
  bool load(int k);
  // g and d for problem k's c and b (after load).
  void prepare(int k);

  const Sizes& sizes() const { return z_; }
  const Roles& roles() const { return roles_; }
  const Slot& slot() const { return w_; }
  DualActiveSet& core() { return core_; }
  const NullSpace& null_space() const { return null_; }
  const kernels::CscPattern& P() const { return P_; }
  const kernels::CscPattern& A() const { return A_; }
  const double* P_vals() const { return loaded_P_; }
  const double* A_vals() const { return loaded_A_; }
  const double* c_of(int k) const;
  const double* b_of(int k) const;
  const double* g() const { return g_; }
  const double* d() const { return d_; }

  // Row l of Z (how x_l moves with u), with equality rows only.
  const double* Z_row(int l) const { return null_.Z() + static_cast<std::size_t>(l) * z_.n_red; }
  // (A_I v)_i for inequality row i.
  double A_I_row_dot(int i, const double* v) const;

 private:
  bool reduce();
  void scatter_dense();
  void form_reduced();
  double* PZ_row(int l) { return w_.PZ + static_cast<std::size_t>(l) * z_.n_red; }

  const BatchData& data_;
  const Roles& roles_;
  Slot w_;
  Sizes z_;
  kernels::CscPattern P_, A_;
  NullSpace null_;
  DualActiveSet core_;
  const double *loaded_P_ = nullptr, *loaded_A_ = nullptr;
  bool reduced_ = false;
  const double *g_ = nullptr, *d_ = nullptr;
};

// Whether the path can take the structure under some setting: linear cones, a quadratic
// objective, at most 512 variables and no more equalities than variables (more are dependent:
// the interior point's case).
bool can_apply(const detail::Symbolic& sym);

// The workspace: the roles, then `slots_for` slots of slot_doubles each.
int slots_for(std::size_t slot_doubles, int batch);
std::size_t workspace_bytes(const detail::Symbolic& sym, std::size_t slot_doubles, int batch);
int* roles_at(void* workspace);
double* slots_at(void* workspace, const detail::Symbolic& sym);

// run(roles, slot, first, last) for the batch split into contiguous ranges, one per slot (at most
// two per worker thread: a batch sharing P and A reduces them once per slot); slot points at that
// slot's slot_doubles.
template <class Run>
void for_each_slot(const detail::Symbolic& sym, int threads, int batch, std::size_t slot_doubles,
                   void* workspace, Run&& run) {
  const int slots = std::min(slots_for(slot_doubles, batch), 2 * thread_count(threads));
  const Roles roles = build_roles(sym, sizes_of(sym), roles_at(workspace));
  double* base = slots_at(workspace, sym);
  parallel_for(slots, threads, [&](int c) {
    const long first = static_cast<long>(batch) * c / slots;
    const long last = static_cast<long>(batch) * (c + 1) / slots;
    run(roles, base + slot_doubles * c, static_cast<int>(first), static_cast<int>(last));
  });
}

}  // namespace batchcone::backend::cpu::reduced
