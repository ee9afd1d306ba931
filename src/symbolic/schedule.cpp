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
  return f;
}

}  // namespace batchcone::detail
