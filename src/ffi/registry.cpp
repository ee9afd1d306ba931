// SPDX-License-Identifier: Apache-2.0
#include "ffi/registry.hpp"

#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace batchcone::ffi_support {
namespace {

// A key keeps its (validated) spec for the life of the process, so that a compiled program
// holding the key can always be served; clear_structures() drops only the analyses, which are
// rebuilt from the spec on the next use. Solves already running keep theirs through their
// shared_ptr.
struct Entry {
  std::shared_ptr<const StructureSpec> spec;
  std::shared_ptr<const Structure> analysis;  // null after clear_structures()
};

struct Registry {
  std::shared_mutex mu;
  std::unordered_map<std::int64_t, Entry> entries;
};

Registry& registry() {
  static Registry r;
  return r;
}

bool same_spec(const StructureSpec& a, const StructureSpec& b) {
  if (a.n != b.n || a.m != b.m || a.P_colptr != b.P_colptr || a.P_rowval != b.P_rowval ||
      a.A_colptr != b.A_colptr || a.A_rowval != b.A_rowval || a.cones.size() != b.cones.size())
    return false;
  for (size_t i = 0; i < a.cones.size(); ++i)
    if (a.cones[i].kind != b.cones[i].kind || a.cones[i].dim != b.cones[i].dim ||
        a.cones[i].alpha != b.cones[i].alpha)
      return false;
  return true;
}

}  // namespace

void register_structure(std::int64_t key, StructureSpec spec) {
  Registry& r = registry();
  {
    std::shared_lock<std::shared_mutex> lk(r.mu);
    auto it = r.entries.find(key);
    if (it != r.entries.end()) {
      if (same_spec(*it->second.spec, spec)) return;
      throw std::invalid_argument("batchcone: structure key " + std::to_string(key) +
                                  " is already registered for a different structure");
    }
  }
  auto saved = std::make_shared<const StructureSpec>(spec);
  auto structure = std::make_shared<const Structure>(make_structure(std::move(spec)));
  std::unique_lock<std::shared_mutex> lk(r.mu);
  r.entries.emplace(key, Entry{std::move(saved), std::move(structure)});
}

std::shared_ptr<const Structure> find_structure(std::int64_t key) {
  Registry& r = registry();
  std::shared_ptr<const StructureSpec> spec;
  {
    std::shared_lock<std::shared_mutex> lk(r.mu);
    auto it = r.entries.find(key);
    if (it == r.entries.end())
      throw std::invalid_argument("batchcone: structure " + std::to_string(key) +
                                  " is not registered in this process (create the Structure here)");
    if (it->second.analysis) return it->second.analysis;
    spec = it->second.spec;
  }
  // Cleared: analyse again outside the lock (concurrent callers may each do so; the first to
  // store wins and the others use its analysis).
  auto rebuilt = std::make_shared<const Structure>(make_structure(*spec));
  std::unique_lock<std::shared_mutex> lk(r.mu);
  Entry& e = r.entries[key];
  if (!e.analysis) e.analysis = std::move(rebuilt);
  return e.analysis;
}

void clear_structures() {
  Registry& r = registry();
  std::unique_lock<std::shared_mutex> lk(r.mu);
  for (auto& [key, entry] : r.entries) entry.analysis.reset();
}

}  // namespace batchcone::ffi_support
