// SPDX-License-Identifier: Apache-2.0
#include "ffi/registry.hpp"

#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace batchcone::ffi_support {
namespace {

struct Registry {
  std::shared_mutex mu;
  std::unordered_map<std::int64_t, std::shared_ptr<const Structure>> entries;
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
    if (a.cones[i].kind != b.cones[i].kind || a.cones[i].dim != b.cones[i].dim) return false;
  return true;
}

}  // namespace

void register_structure(std::int64_t key, StructureSpec spec) {
  Registry& r = registry();
  {
    std::shared_lock<std::shared_mutex> lk(r.mu);
    auto it = r.entries.find(key);
    if (it != r.entries.end()) {
      if (same_spec(it->second->spec(), spec)) return;
      throw std::invalid_argument("batchcone: structure key " + std::to_string(key) +
                                  " is already registered for a different structure");
    }
  }
  auto structure = std::make_shared<const Structure>(make_structure(std::move(spec)));
  std::unique_lock<std::shared_mutex> lk(r.mu);
  r.entries.emplace(key, std::move(structure));
}

std::shared_ptr<const Structure> find_structure(std::int64_t key) {
  Registry& r = registry();
  std::shared_lock<std::shared_mutex> lk(r.mu);
  auto it = r.entries.find(key);
  if (it == r.entries.end())
    throw std::invalid_argument("batchcone: structure " + std::to_string(key) +
                                " is not registered in this process (create the Structure here)");
  return it->second;
}

void clear_structures() {
  Registry& r = registry();
  std::unique_lock<std::shared_mutex> lk(r.mu);
  r.entries.clear();
}

}  // namespace batchcone::ffi_support
