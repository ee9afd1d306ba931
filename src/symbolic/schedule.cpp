// SPDX-License-Identifier: Apache-2.0
// Elimination tree, pattern of L and the straight-line numeric schedule (kernels/ldl.hpp).
//
// Row k of L is the reach of {i < k : K_ik ≠ 0} in the elimination tree: walk up from each such
// i until a node already visited for row k. Sorting that set ascending gives a valid processing
// order (L_kc only ever updates rows above c's column position, i.e. larger indices). Entries of
// column c are appended in increasing row order, so the slot of L_kc is known in advance.
#include <algorithm>

#include "symbolic.hpp"

namespace batchcone::detail {

// The dense layout (kernels/ldl.hpp) does n³/6 multiply-adds over contiguous memory; the sparse
// schedule Σ_c |L_c|(|L_c| + 1)/2 of them through index gathers. It wins once the sparse count is
// at least kDenseMinWork of the dense one: measured (one thread, dense QPs, default build) dense
// 1.3× faster at 0.50 (n = m = 100), 1.1–1.2× slower at 0.41 (n = 20, m = 40) and 1.4× slower
// at 0.26 (n = 50, m = 100, where AMD eliminates the diagonal dual block first). The order cap
// keeps the per-problem storage (order² doubles) ≤ 2 MiB.
constexpr double kDenseMinWork = 0.45;
constexpr int kDenseMaxOrder = 512;

int choose_factor_layout(int order, const std::vector<int>& lp) {
  if (order > kDenseMaxOrder) return 0;
  double sparse = 0.0, dense = 0.0;
  for (int c = 0; c < order; ++c) {
    const double k = lp[c + 1] - lp[c], r = order - 1 - c;
    sparse += 0.5 * k * (k + 1), dense += 0.5 * r * (r + 1);
  }
  return sparse >= kDenseMinWork * dense ? 1 : 0;
}

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
  for (int c = 0; c < order; ++c) f.lp[c + 1] = f.lp[c] + count[c];
  f.li.assign(f.lp[order], 0);
  std::vector<int> next(f.lp.begin(), f.lp.end() - 1);
  f.row_ptr.assign(order + 1, 0);
  for (int k = 0; k < order; ++k) {
    for (int c : rows[k]) {
      const int slot = next[c]++;
      f.li[slot] = k;
      f.sched_col.push_back(c);
      f.sched_slot.push_back(slot);
    }
    f.row_ptr[k + 1] = static_cast<int>(f.sched_col.size());
  }
  f.dense = choose_factor_layout(order, f.lp);
  return f;
}

}  // namespace batchcone::detail
