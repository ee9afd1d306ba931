// SPDX-License-Identifier: Apache-2.0
// Reader for the reference fixtures written by tests/gen/make_fixtures.py (cvxpy + Clarabel).
#pragma once

#include <string>
#include <vector>

#include "batchcone/structure.hpp"

namespace batchcone::testing {

struct Fixture {
  std::string name;
  StructureSpec spec;
  std::vector<double> P_vals, A_vals, c, b;
  std::string status;  // Clarabel's status at default settings
  int iterations = 0;  // Clarabel's iterations at default settings
  double objective = 0;
  std::vector<double> x, z, s;  // reference solution at 1e-10 (empty for infeasible problems)
};

// Reads tests/data/<family>.txt (the data directory is compiled in as BATCHCONE_TEST_DATA).
std::vector<Fixture> load_fixtures(const std::string& family);

}  // namespace batchcone::testing
