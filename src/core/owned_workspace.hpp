// SPDX-License-Identifier: Apache-2.0
// The workspace of the public overloads that take none: allocated for one call, aligned for
// doubles, freed when the call returns.
#pragma once

#include <cstddef>
#include <memory>

namespace batchcone::core {

template <class Run>
void with_owned_workspace(std::size_t bytes, Run&& run) {
  std::unique_ptr<double[]> ws(new double[(bytes + sizeof(double) - 1) / sizeof(double)]);
  run(static_cast<void*>(ws.get()), bytes);
}

}  // namespace batchcone::core
