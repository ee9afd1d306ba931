// SPDX-License-Identifier: Apache-2.0
// Elimination tree, pattern of L and the straight-line numeric schedule (kernels/ldl.hpp).
//
// Row k of L is the reach of {i < k : K_ik ≠ 0} in the elimination tree: walk up from each such
// i until a node already visited for row k. Sorting that set ascending gives a valid processing
// order (L_kc only ever updates rows above c's column position, i.e. larger indices). Entries of
// column c are appended in increasing row order, so the slot of L_kc is known in advance.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "symbolic.hpp"

namespace batchcone::detail {

// Where the dense tail starts (kernels/ldl.hpp). With the tail from column s, the leading
// columns cost Σ_{c<s} |L_c|(|L_c| + 1)/2 multiply-adds of the up-looking pass (contiguous runs,
// but each column re-read for every later row it updates) and the tail t³/6 of the panel
// factorization (t = order − s, all in registers and contiguous memory), which runs about
// kDenseSpeedup times faster per multiply-add: measured on dense QPs (n = m = 100: 3.2×,
// n = 20, m = 40: 2.6×) and the sparse n = 1000 QP's 900-row tail (3.1×), one thread, AVX-512.
// s minimizes the estimated time; the tail is capped at kDenseMaxTail rows (its t² doubles per
// problem: 8 MiB).
constexpr double kDenseSpeedup = 3.0;
constexpr int kDenseMaxTail = 1024;
// Tails under 32 rows measured no faster than the sparse schedule (LP, NNLS, SOCP and logistic
// rivals rows, 16–24-row tails, at B = 1 and 256), and they cost the solves a second pass.
constexpr int kDenseMinTail = 32;

int choose_dense_tail(int order, const std::vector<int>& lp) {
  double lead = 0.0;  // work of the columns before s
  double best = INFINITY;
  int best_s = order;
  for (int s = 0; s <= order; ++s) {
    const double t = order - s;
    const double cost = lead + t * t * t / 6.0 / kDenseSpeedup;
    if (t <= kDenseMaxTail && (t >= kDenseMinTail || t == 0) && cost < best)
      best = cost, best_s = s;
    if (s < order) {
      const double k = lp[s + 1] - lp[s];
      lead += 0.5 * k * (k + 1);
    }
  }
  return best_s;
}

namespace {

// Splits every column of L into maximal runs of consecutive rows (kernels/ldl.hpp, LdlPlan).
void build_runs(int order, FactorSchedule& f) {
  f.run_ptr.assign(order + 1, 0);
  f.run_start.clear();
  for (int c = 0; c < order; ++c) {
    f.run_ptr[c] = static_cast<int>(f.run_start.size());
    for (int p = f.lp[c]; p < f.lp[c + 1]; ++p)
      if (p == f.lp[c] || f.li[p] != f.li[p - 1] + 1) f.run_start.push_back(p);
  }
  f.run_ptr[order] = static_cast<int>(f.run_start.size());
  f.run_start.push_back(f.lp[order]);  // the end of the last run
}

}  // namespace

FactorSchedule build_factor_schedule(int order, const std::vector<int>& kp,
                                     const std::vector<int>& ki) {
  std::vector<int> parent(order, -1), mark(order, -1), count(order, 0);
  std::vector<std::vector<int>> rows(order);
  for (int k = 0; k < order; ++k) {
    mark[k] = k;
    for (int p = kp[k]; p < kp[k + 1]; ++p) {
      for (int j = ki[p]; mark[j] != k; j = parent[j]) {
        if (parent[j] == -1) parent[j] = k;
        mark[j] = k;
        rows[k].push_back(j);
      }
    }
    std::sort(rows[k].begin(), rows[k].end());
    for (int c : rows[k]) ++count[c];
  }

  FactorSchedule f;
  f.lp.assign(order + 1, 0);
  long long factor_entries = 0;
  for (int c = 0; c < order; ++c) factor_entries += count[c];
  if (factor_entries > 2147483647LL)
    throw std::invalid_argument("batchcone: the LDLᵀ factor would have " +
                                std::to_string(factor_entries) +
                                " entries, more than the 2^31 - 1 that int32 indices allow");
  for (int c = 0; c < order; ++c) f.lp[c + 1] = f.lp[c] + count[c];
  f.li.assign(f.lp[order], 0);
  std::vector<int> next(f.lp.begin(), f.lp.end() - 1);
  f.row_ptr.assign(order + 1, 0);
  f.sched_col.reserve(f.lp[order]), f.sched_slot.reserve(f.lp[order]);
  for (int k = 0; k < order; ++k) {
    for (int c : rows[k]) {
      const int slot = next[c]++;
      f.li[slot] = k;
      f.sched_col.push_back(c);
      f.sched_slot.push_back(slot);
    }
    f.row_ptr[k + 1] = static_cast<int>(f.sched_col.size());
  }
  build_runs(order, f);
  f.dense_from = choose_dense_tail(order, f.lp);
  return f;
}

}  // namespace batchcone::detail
