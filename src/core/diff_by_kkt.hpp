// SPDX-License-Identifier: Apache-2.0
// The JVP and the VJP of diff.hpp composed from batched KKT solves, as the JAX layer composes
// them: for the structures whose solves go through the active set (active_set_diff.hpp), which
// has no derivative of its own. At the solution (x, z, s),
//   JVP: [dx; dz] = K⁻¹[−dP x − dAᵀz − dc ; r_z],  r_z = db − dA x,  ds = r_z − A dx;
//   VJP: w = K⁻¹[x̄ − Aᵀs̄; z̄] + [0; s̄],  c̄ = −w_x,  b̄ = w_z,  Ā_ij = −(z_i w_x,j + w_z,i x_j),
//        P̄_ij = −(w_x,i x_j + x_i w_x,j) off the diagonal of triu(P), −w_x,i x_i on it.
// Problems that are neither Solved nor AlmostSolved get zeros.
#pragma once

#include <functional>

#include "batchcone/diff.hpp"

namespace batchcone::core {

// [out.x; out.z] ← K⁻¹[in.x; in.z] for the whole batch (in.count = 1).
using BatchKktSolve = std::function<void(const KktVectors&, const KktOutputs&)>;

void vjp_by_kkt_solve(const Structure& st, const BatchData& data, const SolutionView& sol,
                      const SolutionCotangents& cot, const DataGradients& grad, int threads,
                      const BatchKktSolve& solve);

void jvp_by_kkt_solve(const Structure& st, const BatchData& data, const SolutionView& sol,
                      const DataTangents& tan, const SolutionTangents& out, int threads,
                      const BatchKktSolve& solve);

}  // namespace batchcone::core
