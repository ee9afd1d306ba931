// SPDX-License-Identifier: Apache-2.0
// The workspace of the public overloads that take none: allocated for one call, aligned for
// doubles, freed when the call returns.
#pragma once

#include <cstddef>
#include <memory>

#include "core/memory.hpp"

namespace batchcone::core {

// `batch`: the call's problems, for the message when the memory is not there (memory.hpp).
template <class Run>
void with_owned_workspace(std::size_t bytes, long batch, Run&& run) {
  std::unique_ptr<double[]> ws(allocate_host("the solver workspace", bytes, batch));
  run(static_cast<void*>(ws.get()), bytes);
}

}  // namespace batchcone::core
