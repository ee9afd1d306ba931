// SPDX-License-Identifier: Apache-2.0
// Everything computed once per structure and shared read-only by every problem of every batch:
// the cone table, the KKT pattern under its fill-reducing permutation, the value maps into it,
// and the LDLᵀ schedule. The kernels see it through the plain views cones(), plan(), maps().
#pragma once

#include <vector>

#include "batchcone/structure.hpp"
#include "kernels/cone_table.hpp"
#include "kernels/kkt.hpp"
#include "kernels/ldl.hpp"
#include "kernels/sparse.hpp"

namespace batchcone::detail {

struct ConeArrays {
  std::vector<int> kind, offset, dim, woff;  // dim: rows; woff: block start in w
  std::vector<double> alpha;                 // power cones' α, 0 elsewhere
  int w_size = 0;
  int degree = 0;
  int nonsym = 0;  // exp and pow cones
};

// KKT pattern, permutation and value maps (see kernels/kkt.hpp for their meaning).
struct KktPattern {
  int order = 0;
  std::vector<int> perm, iperm;
  std::vector<int> kp, ki;
  std::vector<int> p_to_k, a_to_k, diag_to_k;
  std::vector<int> h_ptr, h_slot, expansion;
  std::vector<signed char> sign;  // expected pivot sign per permuted row
};

// The factor's pattern and the straight-line numeric schedule (see kernels/ldl.hpp), and
// where its dense tail starts (choose_dense_tail).
struct FactorSchedule {
  std::vector<int> lp, li;
  std::vector<int> run_ptr, run_start;  // contiguous-row runs of L's columns (kernels/ldl.hpp)
  std::vector<int> row_ptr, sched_col, sched_slot;
  int dense_from = 0;
  // Doubles of L storage per problem: the leading columns' entries, then the dense tail.
  long storage(int order) const {
    const long t = order - dense_from;
    return lp.empty() ? 0 : lp[dense_from] + t * t;
  }
};

struct Symbolic {
  StructureSpec spec;
  ConeArrays cones;
  KktPattern kkt;
  FactorSchedule factor;

  kernels::ConeTable cone_table() const;
  kernels::LdlPlan plan() const;
  kernels::KktMaps maps() const;
  kernels::CscPattern P() const;
  kernels::CscPattern A() const;
};

// Steps of the analysis, in order (each in its own file).
void validate_spec(const StructureSpec& spec);                           // validate.cpp
int cone_rows(const Cone& cone);                                         // validate.cpp
ConeArrays build_cone_arrays(const StructureSpec& spec);                  // validate.cpp
KktPattern build_kkt_pattern(const StructureSpec& spec, const ConeArrays& cones);  // kkt_pattern.cpp
std::vector<int> amd_permutation(int order, const std::vector<int>& colptr,
                                 const std::vector<int>& rowval);        // ordering.cpp
FactorSchedule build_factor_schedule(int order, const std::vector<int>& kp,
                                     const std::vector<int>& ki);         // schedule.cpp
int choose_dense_tail(int order, const std::vector<int>& lp);            // schedule.cpp

}  // namespace batchcone::detail
