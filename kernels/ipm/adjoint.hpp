// SPDX-License-Identifier: Apache-2.0
// Derivatives of one problem's solution (x, z, s) with respect to its data (P, c, A, b).
//
// At the solution, with H the NT scaling (Hz = s, ds = −H dz on the central path),
//   K = [ P   Aᵀ ]       JVP:  K [dx; dz] = [−dP x − dAᵀz − dc ; db − dA x],   ds = −H dz
//       [ A  −H  ]       VJP:  K [w_x; w_z] = [x̄ ; z̄ − H s̄],
//   c̄ = −w_x,  b̄ = w_z,  Ā_ij = −(z_i w_x,j + w_z,i x_j),  P̄_ij = −½(w_x,i x_j + x_i w_x,j)
// (P̄ on the full symmetric P; an off-diagonal entry of triu(P) stands for two and gets twice).
// The VJP is the exact transpose of the JVP because K is symmetric.
//
// Solves run in the solver's equilibrated coordinates: with S = diag(√c·D, E/√c) the
// factored matrix is K̃ = S K S (P̃ = cDPD, Ã = EAD, H̃ = EHE/c is the NT scaling of the scaled
// pair s̃ = Es, z̃ = cE⁻¹z), so K⁻¹r = S K̃⁻¹(S r). H itself is applied as c·E⁻¹H̃E⁻¹.
#pragma once

#include "equilibrate.hpp"
#include "linsys.hpp"

namespace batchcone::kernels {

// Equilibrates the data, takes the NT scaling at the solution and factors K̃ (the state then
// serves any number of jvp/vjp solves). False if the solution is not interior or K̃ fails.
template <class V>
BC_HD bool derivative_factor(const Context& cx, const State<V>& st, const ProblemInput& in,
                             const ProblemSolution& sol) {
  const Dims& dm = cx.dims;
  equilibrate(cx, st, in);
  const double c = st.sc->cscale;
  for (int i = 0; i < dm.m; ++i) {
    st.s[i] = st.e[i] * sol.s[i];
    st.z[i] = c * sol.z[i] / st.e[i];
  }
  if (!cones_update_scaling(cx.cones, st.s, st.z, st.w, st.eta, st.lambda)) return false;
  fill(cx.maps.order, st.ywork, 0.0);
  kkt_load_data(cx.maps, dm.nnz_p, st.pv, dm.nnz_a, st.av, st.kx);
  kkt_write_H(cx.maps, cx.cones, st.w, st.eta, st.kx);
  return factor_kkt(cx, st);
}

// out ← H v = c·E⁻¹H̃E⁻¹v in the user's coordinates (H̃ = W̃W̃, W̃ symmetric). Uses work1/work2.
template <class V, class U, class O>
BC_HD void apply_H(const Context& cx, const State<V>& st, U v, O out) {
  for (int i = 0; i < cx.dims.m; ++i) st.work1[i] = v[i] / st.e[i];
  cones_mul_W(cx.cones, st.w, st.eta, st.work1, st.work2, false);
  cones_mul_W(cx.cones, st.w, st.eta, st.work2, st.work1, false);
  for (int i = 0; i < cx.dims.m; ++i) out[i] = st.sc->cscale * st.work1[i] / st.e[i];
}

// [dx; dz] ← K⁻¹ [rhs_x; rhs_z] = S K̃⁻¹ S [rhs_x; rhs_z], in place in (rhs_x, rhs_z).
template <class V>
BC_HD bool solve_unscaled(const Context& cx, const State<V>& st) {
  const double rc = sqrt(st.sc->cscale);
  for (int j = 0; j < cx.dims.n; ++j) st.rhs_x[j] *= rc * st.d[j];
  for (int i = 0; i < cx.dims.m; ++i) st.rhs_z[i] *= st.e[i] / rc;
  if (!solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.dz)) return false;
  for (int j = 0; j < cx.dims.n; ++j) st.rhs_x[j] = rc * st.d[j] * st.dx[j];
  for (int i = 0; i < cx.dims.m; ++i) st.rhs_z[i] = st.e[i] * st.dz[i] / rc;
  return true;
}

// JVP after derivative_factor: writes (dx, dz, ds). False if the solve failed.
template <class V, class O>
BC_HD bool jvp(const Context& cx, const State<V>& st, const ProblemSolution& sol,
               const ProblemTangent& t, O dx, O dz, O ds) {
  const Dims& dm = cx.dims;
  for (int j = 0; j < dm.n; ++j) st.rhs_x[j] = -t.dc[j];
  for (int i = 0; i < dm.m; ++i) st.rhs_z[i] = t.db[i];
  csc_symv_upper(cx.P, t.dp, -1.0, sol.x, st.rhs_x);
  csc_gemv_t(cx.A, t.da, -1.0, sol.z, st.rhs_x);
  csc_gemv(cx.A, t.da, -1.0, sol.x, st.rhs_z);
  if (!solve_unscaled(cx, st)) return false;
  copy(dm.n, st.rhs_x, dx);
  copy(dm.m, st.rhs_z, dz);
  apply_H(cx, st, st.rhs_z, ds);
  scale(dm.m, ds, -1.0);
  return true;
}

// VJP after derivative_factor: cotangents (x̄, z̄, s̄) → (P̄, c̄, Ā, b̄) in st.gp/gc/ga/gb.
template <class V>
BC_HD bool vjp(const Context& cx, const State<V>& st, const ProblemSolution& sol,
               const double* xbar, const double* zbar, const double* sbar) {
  const Dims& dm = cx.dims;
  apply_H(cx, st, sbar, st.rhs_z);
  for (int i = 0; i < dm.m; ++i) st.rhs_z[i] = zbar[i] - st.rhs_z[i];
  copy(dm.n, xbar, st.rhs_x);
  if (!solve_unscaled(cx, st)) return false;
  const V wx = st.rhs_x, wz = st.rhs_z;
  for (int j = 0; j < dm.n; ++j) st.gc[j] = -wx[j];
  for (int i = 0; i < dm.m; ++i) st.gb[i] = wz[i];
  for (int j = 0; j < dm.n; ++j) {
    for (int p = cx.A.colptr[j]; p < cx.A.colptr[j + 1]; ++p) {
      const int i = cx.A.rowval[p];
      st.ga[p] = -(sol.z[i] * wx[j] + wz[i] * sol.x[j]);
    }
    for (int p = cx.P.colptr[j]; p < cx.P.colptr[j + 1]; ++p) {
      const int i = cx.P.rowval[p];
      st.gp[p] = (i == j) ? -wx[i] * sol.x[i] : -(wx[i] * sol.x[j] + sol.x[i] * wx[j]);
    }
  }
  return all_finite(dm.n, st.gc) && all_finite(dm.m, st.gb) && all_finite(dm.nnz_a, st.ga) &&
         all_finite(dm.nnz_p, st.gp);
}

}  // namespace batchcone::kernels
