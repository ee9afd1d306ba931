// SPDX-License-Identifier: Apache-2.0
// Derivatives of a batch of solutions with respect to the problem data, on the CPU.
//
// Both entry points are stateless: from the data and the solution returned by cpu_solve they
// refresh the NT scaling H at the solution and factor K = [P Aᵀ; A −H] once per problem (the
// cost of about one interior-point iteration), then do one refined solve per problem:
//   JVP:  K [dx; dz] = [−dP x − dAᵀz − dc ; db − dA x],   ds = −H dz
//   VJP:  K [w_x; w_z] = [x̄ ; z̄ − H s̄],  c̄ = −w_x,  b̄ = w_z,  Ā_ij = −(z_i w_x,j + w_z,i x_j),
//         P̄ = −½(w_x xᵀ + x w_xᵀ) on the pattern of triu(P) (off-diagonal entries count twice).
// Problems whose status is not Solved or AlmostSolved (or whose derivative system fails) get
// zero derivatives; nothing NaN leaks out.
//
// H is the limit scaling of the solution's complementary pair: 0 on equality and active rows,
// infinite on inactive ones (there dz = 0). The interior point's derivative stands a large
// finite value in for infinity (relative error ~1e-7 in the derivatives). Where the solve takes
// the active-set path (settings.qp_method, active_set.hpp) and the solution is exactly and
// strictly complementary, every call here uses the exact limit instead: the active rows' KKT
// system, reduced as the solve reduces the problem, with no factorization of K.
#pragma once

#include "batchcone/solver.hpp"

namespace batchcone {

// A solution as returned by cpu_solve: x[B·n], z[B·m], s[B·m], status[B].
struct SolutionView {
  const double* x = nullptr;
  const double* z = nullptr;
  const double* s = nullptr;
  const std::int32_t* status = nullptr;
};

// Cotangents of (x, z, s), dense [B·n], [B·m], [B·m]; a null pointer means zero.
struct SolutionCotangents {
  const double* x = nullptr;
  const double* z = nullptr;
  const double* s = nullptr;
};

// Gradients with respect to the data. Each follows its input's sharing in BatchData: for a
// shared input (stride 0) one block holding the sum over the batch, otherwise [B·len] dense.
// A null pointer skips that gradient.
struct DataGradients {
  double* P_vals = nullptr;
  double* c = nullptr;
  double* A_vals = nullptr;
  double* b = nullptr;
};

// Tangents of the data, laid out like BatchData (strides in elements, kDense, 0 = shared);
// a null pointer means a zero tangent.
struct DataTangents {
  const double* P_vals = nullptr;
  long P_stride = kDense;
  const double* c = nullptr;
  long c_stride = kDense;
  const double* A_vals = nullptr;
  long A_stride = kDense;
  const double* b = nullptr;
  long b_stride = kDense;
};

// Tangents of the solution, dense [B·n], [B·m], [B·m].
struct SolutionTangents {
  double* x = nullptr;
  double* z = nullptr;
  double* s = nullptr;
};

// Workspace for either derivative call (the same as for cpu_solve).
std::size_t cpu_derivative_workspace_bytes(const Structure& structure, int batch);

void cpu_vjp(const Structure& structure, const Settings& settings, const BatchData& data,
             const SolutionView& solution, const SolutionCotangents& cotangents,
             const DataGradients& gradients, void* workspace, std::size_t workspace_bytes);
void cpu_vjp(const Structure& structure, const Settings& settings, const BatchData& data,
             const SolutionView& solution, const SolutionCotangents& cotangents,
             const DataGradients& gradients);

void cpu_jvp(const Structure& structure, const Settings& settings, const BatchData& data,
             const SolutionView& solution, const DataTangents& tangents,
             const SolutionTangents& out, void* workspace, std::size_t workspace_bytes);
void cpu_jvp(const Structure& structure, const Settings& settings, const BatchData& data,
             const SolutionView& solution, const DataTangents& tangents,
             const SolutionTangents& out);

// The building blocks the JAX layer composes (it builds the right-hand sides itself so that
// forward and reverse mode come from one rule): at each problem's solution, with K as above,
//   cpu_kkt_solve:    [ox; oz] = K⁻¹ [rx; rz]      (zeros for problems not Solved/AlmostSolved)
//   cpu_kkt_multiply: [yx; yz] = K [vx; vz]       (with the finite stand-in for infinite H)
// so K (K⁻¹ r) = r except on the inactive rows of an exact active-set solution, where K⁻¹ is
// the limit (oz = 0) and K multiplies by the stand-in.
// All vectors dense: `count` vectors per problem, vector j of problem k in row j·B + k
// ([count·B·n] and [count·B·m], the outputs likewise), so that K is factored once per problem for
// all of them (the tangents of a jacfwd, the cotangents of a jacrev).
struct KktVectors {
  const double* x = nullptr;
  const double* z = nullptr;
  int count = 1;
};
struct KktOutputs {
  double* x = nullptr;
  double* z = nullptr;
};
void cpu_kkt_solve(const Structure& structure, const Settings& settings, const BatchData& data,
                   const SolutionView& solution, const KktVectors& rhs, const KktOutputs& out);
void cpu_kkt_multiply(const Structure& structure, const Settings& settings, const BatchData& data,
                      const SolutionView& solution, const KktVectors& v, const KktOutputs& out);
// The same with a caller's workspace of cpu_derivative_workspace_bytes(structure, batch).
void cpu_kkt_solve(const Structure& structure, const Settings& settings, const BatchData& data,
                   const SolutionView& solution, const KktVectors& rhs, const KktOutputs& out,
                   void* workspace, std::size_t workspace_bytes);
void cpu_kkt_multiply(const Structure& structure, const Settings& settings, const BatchData& data,
                      const SolutionView& solution, const KktVectors& v, const KktOutputs& out,
                      void* workspace, std::size_t workspace_bytes);

}  // namespace batchcone
