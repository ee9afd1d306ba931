// SPDX-License-Identifier: Apache-2.0
// A batch of long-only portfolio problems sharing one structure, solved in one call:
//
//   minimize ½ γ xᵀΣx − μₖᵀx   subject to  1ᵀx = 1,  x ≥ 0
//
// with one covariance Σ shared by the batch (stride 0, never copied) and a return vector μₖ per
// problem. Prints each problem's status, iterations, objective and weights.
#include <cstdio>
#include <vector>

#include "batchcone/solver.hpp"

int main() {
  using namespace batchcone;
  const int n = 4, batch = 3;
  const double gamma = 2.0;
  // triu(γΣ), column by column: Σ = [[.10 .02 .01 0], [.02 .08 .01 .01], [.01 .01 .12 .02], [0 .01 .02 .09]]
  StructureSpec spec;
  spec.n = n;
  spec.m = 1 + n;
  spec.P_colptr = {0, 1, 3, 6, 9};
  spec.P_rowval = {0, 0, 1, 0, 1, 2, 1, 2, 3};
  const std::vector<double> P = {0.20, 0.04, 0.16, 0.02, 0.02, 0.24, 0.02, 0.04, 0.18};
  // A = [1ᵀ; −I]: row 0 is the budget (Zero cone), rows 1..n are −x ≤ 0 (NonNeg cone).
  spec.A_colptr = {0, 2, 4, 6, 8};
  spec.A_rowval = {0, 1, 0, 2, 0, 3, 0, 4};
  const std::vector<double> A = {1, -1, 1, -1, 1, -1, 1, -1};
  const std::vector<double> b = {1, 0, 0, 0, 0};
  spec.cones = {{ConeKind::Zero, 1}, {ConeKind::NonNeg, n}};
  const Structure structure = make_structure(spec);

  const std::vector<double> minus_mu = {-0.10, -0.08, -0.12, -0.07,   // problem 0
                                        -0.05, -0.09, -0.06, -0.11,   // problem 1
                                        -0.30, -0.01, -0.01, -0.01};  // problem 2
  BatchData data;
  data.batch = batch;
  data.P_vals = P.data(), data.P_stride = 0;  // shared
  data.A_vals = A.data(), data.A_stride = 0;  // shared
  data.b = b.data(), data.b_stride = 0;       // shared
  data.c = minus_mu.data();                   // per problem (stride n)

  std::vector<double> x(batch * n), z(batch * spec.m), s(batch * spec.m), objective(batch);
  std::vector<std::int32_t> status(batch), iterations(batch);
  cpu_solve(structure, Settings{}, data,
            {x.data(), z.data(), s.data(), status.data(), iterations.data(), objective.data()});

  std::printf("batched portfolio QPs (n=%d, batch=%d, Σ shared by stride 0)\n", n, batch);
  for (int k = 0; k < batch; ++k) {
    std::printf("problem %d: %-8s %2d iterations  objective %+.8f  x = [", k,
                to_string(static_cast<Status>(status[k])), iterations[k], objective[k]);
    for (int j = 0; j < n; ++j) std::printf("%s%.6f", j ? ", " : "", x[k * n + j]);
    std::printf("]\n");
  }
  return 0;
}
