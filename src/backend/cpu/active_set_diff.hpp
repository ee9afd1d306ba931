// SPDX-License-Identifier: Apache-2.0
// Derivative solves at the active-set path's solutions (CPU only). At an exactly complementary
// solution of a QP with Zero and NonNeg cones, the limit scaling H of the derivative's KKT matrix
//   K = [ P   Aᵀ ]
//       [ A  −H  ]
// is 0 on the equality rows and the active inequality rows (z_i > 0 = s_i) and infinite on the
// inactive ones (s_i > 0 = z_i), so K⁻¹ is the active set's:
//   [P  A_Sᵀ] [dx  ]   [r_x  ]
//   [A_S  0 ] [dz_S] = [r_z,S],   dz = 0 off S.
// This is solved in the reduced space of the solve itself (reduced_qp.hpp): dx = dx_p + Z du
// with A_E dx_p = r_E, then with H = ZᵀPZ = LLᵀ, C_A the active rows of C = A_I Z, Y = L⁻¹C_Aᵀ
// and M = YᵀY = C_A H⁻¹ C_Aᵀ (factored once per problem, O(n_red²q)),
//   M y = −Yᵀ L⁻¹g − d_A,   du = −L⁻ᵀ(L⁻¹g + Y y),   dz_A = y,
// g = Zᵀ(P dx_p − r_x), d_A = r_A − A_A dx_p, and the equality multipliers dz_E from
// stationarity, A_Eᵀdz_E = r_x − P dx − A_Aᵀdz_A, as the solve recovers z_E. Each right-hand
// side then costs O(n²): no equilibration, no sparse factorization and no refinement.
#pragma once

#include <cstddef>

#include "batchcone/diff.hpp"
#include "symbolic/symbolic.hpp"

namespace batchcone::backend::cpu {

// Workspace bytes of active_set_kkt_solve (0 where the active-set path can never apply).
std::size_t active_set_kkt_workspace_bytes(const detail::Symbolic& sym, int batch);

// [out.x; out.z] ← K⁻¹[in.x; in.z] for every problem whose solution is exactly complementary on
// every inequality row with no weakly active one (z_i = 0 = s_i), whose active rows are
// independent and whose reduced H is positive definite: `done[k]` is set for those, and for
// problems that are neither Solved nor AlmostSolved (zeros, as from every derivative solve).
// The others are left, untouched, to the interior point's derivative. For a structure that
// active_set_applies takes.
void active_set_kkt_solve(const detail::Symbolic& sym, const Settings& settings,
                          const BatchData& data, const SolutionView& sol, const KktVectors& in,
                          const KktOutputs& out, void* workspace, char* done);

}  // namespace batchcone::backend::cpu
