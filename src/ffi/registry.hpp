// SPDX-License-Identifier: Apache-2.0
// Structures registered once per process under a content-hash key (computed in Python from the
// canonical pattern), so that only the key travels in the HLO and the symbolic analysis is done
// once. Thread-safe. A key stays bound to its spec for the life of the process;
// clear_structures() frees the analyses, which are rebuilt on the key's next use.
#pragma once

#include <cstdint>
#include <memory>

#include "batchcone/structure.hpp"

namespace batchcone::ffi_support {

// Registers `spec` under `key` (idempotent for an identical spec). Throws std::invalid_argument
// for an invalid spec or a key already bound to a different structure.
void register_structure(std::int64_t key, StructureSpec spec);

// The structure registered under `key` (analysed again if cleared); throws
// std::invalid_argument when there is none (the key came from another process).
std::shared_ptr<const Structure> find_structure(std::int64_t key);

// Frees every analysis not in use by a running call; the specs stay registered.
void clear_structures();

}  // namespace batchcone::ffi_support
