// SPDX-License-Identifier: Apache-2.0
// The KKT pattern, its AMD permutation and the value maps.
//
// Original ordering of rows/columns: x (n), then z (m), then two extra variables (v, u) per
// SOC stored in expanded form. The pattern holds every entry that can ever be nonzero: triu(P),
// Aᵀ, a structural diagonal on every row, the dense upper triangle of each small SOC block, and
// the v and u columns of each expanded SOC.
#include <algorithm>
#include <utility>

#include "symbolic.hpp"

namespace batchcone::detail {
namespace {

struct Entry {
  int row, col;  // original indices, row ≤ col
};

struct PatternBuilder {
  std::vector<Entry> entries;
  int add(int row, int col) {
    entries.push_back({std::min(row, col), std::max(row, col)});
    return static_cast<int>(entries.size()) - 1;
  }
};

// Entry ids of each source, filled while the pattern is listed.
struct EntryIds {
  std::vector<int> p, a, diag, h_ptr{0}, h, expansion;
};

EntryIds list_entries(const StructureSpec& s, const ConeArrays& cones, PatternBuilder& pb,
                      int& order) {
  EntryIds ids;
  const int n = s.n, m = s.m;
  int expansions = 0;
  for (size_t c = 0; c < cones.kind.size(); ++c)
    if (cones.kind[c] == kernels::kSocCone && cones.dim[c] >= kernels::kSocExpansionMinDim)
      ++expansions;
  order = n + m + 2 * expansions;
  for (int j = 0; j < n; ++j)
    for (int p = s.P_colptr[j]; p < s.P_colptr[j + 1]; ++p) ids.p.push_back(pb.add(s.P_rowval[p], j));
  for (int j = 0; j < n; ++j)
    for (int p = s.A_colptr[j]; p < s.A_colptr[j + 1]; ++p)
      ids.a.push_back(pb.add(j, n + s.A_rowval[p]));
  for (int i = 0; i < order; ++i) ids.diag.push_back(pb.add(i, i));
  int e = 0;
  for (size_t c = 0; c < cones.kind.size(); ++c) {
    const int o = n + cones.offset[c], d = cones.dim[c];
    const bool soc = cones.kind[c] == kernels::kSocCone;
    const bool dense = cones.kind[c] == kernels::kPsdCone || kernels::is_nonsym(cones.kind[c]) ||
                       (soc && d < kernels::kSocExpansionMinDim);
    const bool expanded = soc && d >= kernels::kSocExpansionMinDim;
    ids.expansion.push_back(expanded ? e : -1);
    if (expanded) {
      const int vcol = n + m + 2 * e, ucol = vcol + 1;
      for (int i = 0; i < d; ++i) ids.h.push_back(pb.add(o + i, vcol));
      for (int i = 0; i < d; ++i) ids.h.push_back(pb.add(o + i, ucol));
      ++e;
    } else if (dense) {
      for (int j = 0; j < d; ++j)
        for (int i = 0; i <= j; ++i) ids.h.push_back(pb.add(o + i, o + j));
    }
    ids.h_ptr.push_back(static_cast<int>(ids.h.size()));
  }
  return ids;
}

// The ids in `seq`, stably reordered by key[id] ∈ [0, order): one counting-sort pass.
std::vector<int> stable_by_key(const std::vector<int>& key, int order,
                               const std::vector<int>& seq) {
  std::vector<int> start(order + 1, 0), out(seq.size());
  for (int id : seq) ++start[key[id] + 1];
  for (int j = 0; j < order; ++j) start[j + 1] += start[j];
  for (int id : seq) out[start[key[id]]++] = id;
  return out;
}

// Deduplicates the entries into an upper-triangular CSC of `order` columns (rows sorted) under
// the permutation iperm, and returns the slot of every entry. The (column, row) order comes from
// two counting-sort passes, by row and then stably by column: linear in the entries.
std::vector<int> compress(const std::vector<Entry>& entries, const std::vector<int>& iperm,
                          int order, std::vector<int>& colptr, std::vector<int>& rowval) {
  const int count = static_cast<int>(entries.size());
  std::vector<int> row(count), col(count), seq(count);
  for (int t = 0; t < count; ++t) {
    const int r = iperm[entries[t].row], c = iperm[entries[t].col];
    row[t] = std::min(r, c), col[t] = std::max(r, c), seq[t] = t;
  }
  const std::vector<int> sorted = stable_by_key(col, order, stable_by_key(row, order, seq));
  std::vector<int> slot(count);
  colptr.assign(order + 1, 0);
  rowval.clear();
  for (int u = 0; u < count; ++u) {
    const int t = sorted[u];
    if (u == 0 || row[t] != row[sorted[u - 1]] || col[t] != col[sorted[u - 1]]) {
      rowval.push_back(row[t]);
      ++colptr[col[t] + 1];
    }
    slot[t] = static_cast<int>(rowval.size()) - 1;
  }
  for (int j = 0; j < order; ++j) colptr[j + 1] += colptr[j];
  return slot;
}

std::vector<int> gather(const std::vector<int>& ids, const std::vector<int>& slot) {
  std::vector<int> out(ids.size());
  for (size_t t = 0; t < ids.size(); ++t) out[t] = slot[ids[t]];
  return out;
}

}  // namespace

KktPattern build_kkt_pattern(const StructureSpec& s, const ConeArrays& cones) {
  PatternBuilder pb;
  KktPattern k;
  const EntryIds ids = list_entries(s, cones, pb, k.order);

  // Order for sparsity on the unpermuted pattern, then compress under the permutation.
  std::vector<int> identity(k.order), cp, rv;
  for (int i = 0; i < k.order; ++i) identity[i] = i;
  compress(pb.entries, identity, k.order, cp, rv);
  k.perm = amd_permutation(k.order, cp, rv);
  k.iperm.assign(k.order, 0);
  for (int i = 0; i < k.order; ++i) k.iperm[k.perm[i]] = i;
  const std::vector<int> slot = compress(pb.entries, k.iperm, k.order, k.kp, k.ki);

  k.p_to_k = gather(ids.p, slot);
  k.a_to_k = gather(ids.a, slot);
  k.diag_to_k = gather(ids.diag, slot);
  k.h_slot = gather(ids.h, slot);
  k.h_ptr = ids.h_ptr;
  k.expansion = ids.expansion;

  // Expected pivot signs: + on x and on each expansion's u, − on z and on each v.
  std::vector<signed char> sign(k.order, -1);
  for (int i = 0; i < s.n; ++i) sign[i] = 1;
  for (int i = s.n + s.m + 1; i < k.order; i += 2) sign[i] = 1;
  k.sign.resize(k.order);
  for (int p = 0; p < k.order; ++p) k.sign[p] = sign[k.perm[p]];
  return k;
}

}  // namespace batchcone::detail
