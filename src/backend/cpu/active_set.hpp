// SPDX-License-Identifier: Apache-2.0
// A dense dual active-set method for QPs whose cones are all Zero and NonNeg (CPU only):
//
//   minimize ½xᵀPx + cᵀx   subject to  A_E x = b_E,  A_I x ≤ b_I.
//
// Goldfarb and Idnani's dual method: it starts at the unconstrained minimizer of a strictly
// convex objective and adds violated constraints one at a time (dropping those whose multipliers
// would turn negative), so every iterate is dual feasible and the first primal feasible one is
// optimal. Each step costs O(n² + mn) on a dense n×n basis, and a small QP needs about as many
// steps as it has active constraints, far fewer flops than an interior point's ~10 KKT
// factorizations. Its solution is exact up to rounding with exact complementarity, so the
// derivatives at it (kernels/ipm/adjoint.hpp) are those of the active set.
//
// Equality rows are eliminated first (null_space.hpp), so P needs to be positive definite
// only on the null space of A_E. A problem it cannot solve to the settings' tolerances
// (infeasible, P not definite there, dependent equalities, degenerate cycling) is left with
// status Unsolved for the interior point.
#pragma once

#include <cstddef>

#include "batchcone/settings.hpp"
#include "batchcone/solver.hpp"
#include "symbolic/symbolic.hpp"

namespace batchcone::backend::cpu {

// Whether a solve under `settings` takes the active-set path: every cone Zero or NonNeg, P with
// entries, at most kActiveSetMaxN variables, and for QpMethod::Auto a dense active-set solve
// estimated cheaper in flops than the interior point's factorizations.
bool active_set_applies(const detail::Symbolic& sym, const Settings& settings);

// Workspace bytes the active-set path needs for a batch (0 where it can never apply); the CPU
// solve's workspace is at least this large.
std::size_t active_set_workspace_bytes(const detail::Symbolic& sym, int batch);

// Solves every problem on settings.num_threads threads, for a structure the method can take (a
// nonzero active_set_workspace_bytes). Problems it solves get status Solved, their solution,
// objective and step count; the others get status Unsolved and nothing else.
void active_set_solve(const detail::Symbolic& sym, const Settings& settings, const BatchData& data,
                      const BatchSolution& out, void* workspace);

}  // namespace batchcone::backend::cpu
