// SPDX-License-Identifier: Apache-2.0
// Fill-reducing ordering of the KKT pattern with SuiteSparse AMD (approximate minimum degree).
#include <amd.h>

#include <stdexcept>
#include <string>

#include "symbolic.hpp"

namespace batchcone::detail {

// perm[k] = the original row placed at position k. AMD reads the pattern of S + Sᵀ, so the upper
// triangle is enough.
std::vector<int> amd_permutation(int order, const std::vector<int>& colptr,
                                 const std::vector<int>& rowval) {
  std::vector<int> perm(order);
  if (order == 0) return perm;
  double control[AMD_CONTROL], info[AMD_INFO];
  amd_defaults(control);
  const int rc = amd_order(order, colptr.data(), rowval.data(), perm.data(), control, info);
  if (rc != AMD_OK && rc != AMD_OK_BUT_JUMBLED)
    throw std::runtime_error("batchcone: AMD ordering failed with code " + std::to_string(rc));
  return perm;
}

}  // namespace batchcone::detail
