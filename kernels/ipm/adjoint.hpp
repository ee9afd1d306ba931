// SPDX-License-Identifier: Apache-2.0
// Derivatives of one problem's solution (x, z, s) with respect to its data (P, c, A, b).
//
// At the solution, with H the limit scaling of the solution map (ds = −H dz; see
// cones_split_pair in cone_table.hpp),
//   K = [ P   Aᵀ ]       JVP:  K [dx; dz] = [−dP x − dAᵀz − dc ; r_z],   r_z = db − dA x,
//       [ A  −H  ]             ds = −H dz = r_z − A dx   (the second form never multiplies a tiny
//                              dz by a huge H entry, so it keeps ds accurate on inactive rows)
//                        VJP:  K [u_x; u_z] = [x̄ − Aᵀs̄ ; z̄],  w = (u_x, u_z + s̄),
//   c̄ = −w_x,  b̄ = w_z,  Ā_ij = −(z_i w_x,j + w_z,i x_j),  P̄_ij = −½(w_x,i x_j + x_i w_x,j)
// (P̄ on the full symmetric P; an off-diagonal entry of triu(P) stands for two and gets twice).
// The VJP is the exact transpose of the JVP because K is symmetric.
//
// Solves run in the solver's equilibrated coordinates: with S = diag(√c·D, E/√c) the
// factored matrix is K̃ = S K S (P̃ = cDPD, Ã = EAD, H̃ = EHE/c is the limit scaling of the scaled
// pair s̃ = Es, z̃ = cE⁻¹z, which is the split of z̃ − s̃ because E maps every cone onto itself), so
// K⁻¹r = S K̃⁻¹(S r), and A = E⁻¹ÃD⁻¹.
#pragma once

#include "equilibrate.hpp"
#include "linsys.hpp"

namespace batchcone::kernels {

// The per-problem steps below are written for double views; the solves (solve_unscaled and
// what it calls) for any element type, so that a CPU block of problems runs them at once
// (src/backend/cpu/lane_backend.cpp), the cone scaling applied lane by lane (lanes.hpp).

// After equilibration: the solution in the equilibrated coordinates, its Minty split (v = z̃ − s̃,
// cone_table.hpp: exact for a polished solution, and the nearest exactly complementary pair's
// for an interior-point iterate) and −H̃ into K̃ (loaded with the data). False if an exp/pow
// split could not be found.
// Sol: anything with views x, z, s (ProblemSolution on the CPU, device rows on the GPU).
template <class V, class Sol>
BC_HD bool derivative_split(const Context& cx, const State<V>& st, const Sol& sol) {
  const Dims& dm = cx.dims;
  const double c = st.sc->cscale;
  for (int i = 0; i < dm.m; ++i) {
    st.s[i] = st.e[i] * sol.s[i];
    st.z[i] = c * sol.z[i] / st.e[i];
    st.minty[i] = st.z[i] - st.s[i];
  }
  if (!cones_split_pair(cx.cones, st.minty, st.z, st.s, st.w, st.eta)) return false;
  kkt_write_H(cx.maps, cx.cones, st.w, st.eta, st.kx);
  return true;
}

// Equilibrates the data, takes the limit scaling H of the solution's split and factors K̃
// (unless `factor` is false: products with K need no factorization); the state then serves any
// number of jvp/vjp solves. False if the split or K̃ fails.
template <class V, class Sol>
BC_HD bool derivative_factor(const Context& cx, const State<V>& st, const ProblemInput& in,
                             const Sol& sol, bool factor = true) {
  equilibrate(cx, st, in);
  fill(cx.maps.order, st.ywork, 0.0);
  kkt_load_data(cx.maps, cx.dims.nnz_p, st.pv, cx.dims.nnz_a, st.av, st.kx);
  if (!derivative_split(cx, st, sol)) return false;
  return !factor || factor_kkt_at_solution(cx, st, true);
}

// e ← b − K̃ v in the reduced (x, z) space, with the −H̃ block applied as −W̃(W̃ v_z) rather
// than through its stored entries: near the boundary of an SOC, H̃ = η²(2wwᵀ − J) has
// eigenvalues ~η²‖w‖^{±2}, and forming it explicitly loses the small ones to rounding.
// Returns ‖e‖∞. Uses work2 and dsv.
template <class V>
BC_HD value_t<V> reduced_residual(const Context& cx, const State<V>& st, V bx, V bz, V vx, V vz,
                                  V ex, V ez) {
  const Dims& dm = cx.dims;
  copy(dm.n, bx, ex);
  copy(dm.m, bz, ez);
  csc_symv_upper(cx.P, st.pv, -1.0, vx, ex);
  csc_gemv_t(cx.A, st.av, -1.0, vz, ex);
  csc_gemv(cx.A, st.av, -1.0, vx, ez);
  cones_mul_H(cx.cones, st.w, st.eta, vz, st.work2, st.dsv);
  axpy(dm.m, 1.0, st.dsv, ez);
  return vmax(norm_inf(dm.n, ex), norm_inf(dm.m, ez));
}

// [v_x; v_z] ← K̃⁻¹ [b_x; b_z] by refinement in the reduced space (reduced_residual), each
// correction solved with the factors of the regularized, expanded K̃ (kkt_solve). The exact
// operator is symmetric, so the derivative solves stay transposes of each other to the
// accuracy reached here. Arrays: b in (px, pz), result in (x2, z2), residual in (rhs_x, rhs_z).
// Per problem (lane): false if a solve failed or the result is not finite.
template <class V>
BC_HD mask_t<value_t<V>> solve_reduced(const Context& cx, const State<V>& st) {
  using T = value_t<V>;
  using M = mask_t<T>;
  const Dims& dm = cx.dims;
  M ok = solve_kkt(cx, st, st.px, st.pz, st.x2, st.z2);
  const T target = 1e-15 * vmax(norm_inf(dm.n, st.px), norm_inf(dm.m, st.pz));
  T norme = reduced_residual(cx, st, st.px, st.pz, st.x2, st.z2, st.rhs_x, st.rhs_z);
  M going = vand(ok, norme > target);
  for (int it = 0; it < 20 && vany(going); ++it) {
    const M solved = solve_kkt(cx, st, st.rhs_x, st.rhs_z, st.dx, st.dz);
    ok = vand(ok, vor(solved, vnot(going)));
    going = vand(going, solved);
    axpy(dm.n, 1.0, st.x2, st.dx);  // trial point
    axpy(dm.m, 1.0, st.z2, st.dz);
    const T last = norme,
            trial = reduced_residual(cx, st, st.px, st.pz, st.dx, st.dz, st.rhs_x, st.rhs_z);
    const M take = vand(going, trial < last);  // no progress: keep the previous point, stop
    for (int j = 0; j < dm.n; ++j) st.x2[j] = vselect(take, st.dx[j], st.x2[j]);
    for (int i = 0; i < dm.m; ++i) st.z2[i] = vselect(take, st.dz[i], st.z2[i]);
    norme = vselect(take, trial, norme);
    going = vand(vand(take, vnot(trial > 0.5 * last)), norme > target);  // stalled or done: stop
  }
  return vand(ok, vand(finite_mask(dm.n, st.x2), finite_mask(dm.m, st.z2)));
}

// [dx; dz] ← K⁻¹ [rhs_x; rhs_z] = S K̃⁻¹ S [rhs_x; rhs_z], in place in (rhs_x, rhs_z).
template <class V>
BC_HD mask_t<value_t<V>> solve_unscaled(const Context& cx, const State<V>& st) {
  using T = value_t<V>;
  const T rc = vsqrt(sc_get(st.sc, &Scalars::cscale, T()));
  for (int j = 0; j < cx.dims.n; ++j) st.px[j] = st.rhs_x[j] * rc * st.d[j];
  for (int i = 0; i < cx.dims.m; ++i) st.pz[i] = st.rhs_z[i] * st.e[i] / rc;
  const auto ok = solve_reduced(cx, st);
  for (int j = 0; j < cx.dims.n; ++j) st.rhs_x[j] = rc * st.d[j] * st.x2[j];
  for (int i = 0; i < cx.dims.m; ++i) st.rhs_z[i] = st.e[i] * st.z2[i] / rc;
  return ok;
}

// The JVP's right-hand side [−dP x − dAᵀz − dc ; db − dA x] into (rx, rz), for the patterns of
// P and A (also composed with other KKT solves: src/core/diff_by_kkt.cpp).
template <class X, class O>
BC_HD void jvp_rhs_of(const CscPattern& P, const CscPattern& A, X x, X z, const ProblemTangent& t,
                      O rx, O rz) {
  for (int j = 0; j < P.ncols; ++j) rx[j] = -t.dc[j];
  for (int i = 0; i < A.nrows; ++i) rz[i] = t.db[i];
  csc_symv_upper(P, t.dp, -1.0, x, rx);
  csc_gemv_t(A, t.da, -1.0, z, rx);
  csc_gemv(A, t.da, -1.0, x, rz);
}

// The VJP's gradients from w = K⁻¹[x̄ − Aᵀs̄; z̄] + [0; s̄] at (x, z): c̄ = −w_x, b̄ = w_z,
// Ā_ij = −(z_i w_x,j + w_z,i x_j), P̄ on triu(P) (an off-diagonal entry stands for two).
template <class X, class W, class O>
BC_HD void vjp_gradients_of(const CscPattern& P, const CscPattern& A, X x, X z, W wx, W wz, O gp,
                            O gc, O ga, O gb) {
  for (int j = 0; j < P.ncols; ++j) gc[j] = -wx[j];
  for (int i = 0; i < A.nrows; ++i) gb[i] = wz[i];
  for (int j = 0; j < P.ncols; ++j) {
    for (int p = A.colptr[j]; p < A.colptr[j + 1]; ++p) {
      const int i = A.rowval[p];
      ga[p] = -(z[i] * wx[j] + wz[i] * x[j]);
    }
    for (int p = P.colptr[j]; p < P.colptr[j + 1]; ++p) {
      const int i = P.rowval[p];
      gp[p] = (i == j) ? -wx[i] * x[i] : -(wx[i] * x[j] + x[i] * wx[j]);
    }
  }
}

// JVP, before solve_unscaled: the right-hand side in (rhs_x, rhs_z), and r_z = db − dA x into ds.
template <class V, class Sol, class O>
BC_HD void jvp_rhs(const Context& cx, const State<V>& st, const Sol& sol, const ProblemTangent& t,
                   O ds) {
  jvp_rhs_of(cx.P, cx.A, sol.x, sol.z, t, st.rhs_x, st.rhs_z);
  copy(cx.dims.m, st.rhs_z, ds);
}

// JVP, after solve_unscaled: dx, dz, and ds = r_z − A dx with A = E⁻¹ÃD⁻¹ from the
// equilibrated values.
template <class V, class O>
BC_HD void jvp_outputs(const Context& cx, const State<V>& st, O dx, O dz, O ds) {
  const Dims& dm = cx.dims;
  copy(dm.n, st.rhs_x, dx);
  copy(dm.m, st.rhs_z, dz);
  for (int j = 0; j < dm.n; ++j) st.dx[j] = dx[j] / st.d[j];
  fill(dm.m, st.work1, 0.0);
  csc_gemv(cx.A, st.av, 1.0, st.dx, st.work1);
  for (int i = 0; i < dm.m; ++i) ds[i] -= st.work1[i] / st.e[i];
}

// JVP after derivative_factor: writes (dx, dz, ds). False if the solve failed.
template <class V, class Sol, class O>
BC_HD bool jvp(const Context& cx, const State<V>& st, const Sol& sol, const ProblemTangent& t, O dx,
               O dz, O ds) {
  jvp_rhs(cx, st, sol, t, ds);
  if (!solve_unscaled(cx, st)) return false;
  jvp_outputs(cx, st, dx, dz, ds);
  return true;
}

// VJP, before solve_unscaled: the right-hand side [x̄ − Aᵀs̄; z̄] (Aᵀs̄ = D⁻¹ÃᵀE⁻¹s̄).
template <class V, class I>
BC_HD void vjp_rhs(const Context& cx, const State<V>& st, I xbar, I zbar, I sbar) {
  const Dims& dm = cx.dims;
  for (int i = 0; i < dm.m; ++i) st.work1[i] = sbar[i] / st.e[i];
  fill(dm.n, st.dx, 0.0);
  csc_gemv_t(cx.A, st.av, 1.0, st.work1, st.dx);
  for (int j = 0; j < dm.n; ++j) st.rhs_x[j] = xbar[j] - st.dx[j] / st.d[j];
  copy(dm.m, zbar, st.rhs_z);
}

// VJP, after solve_unscaled: w = K⁻¹[x̄ − Aᵀs̄; z̄] + [0; s̄] and the gradients (P̄, c̄, Ā, b̄)
// in st.gp/gc/ga/gb. False if they are not finite.
template <class V, class Sol, class I>
BC_HD bool vjp_gradients(const Context& cx, const State<V>& st, const Sol& sol, I sbar) {
  const Dims& dm = cx.dims;
  axpy(dm.m, 1.0, sbar, st.rhs_z);
  vjp_gradients_of(cx.P, cx.A, sol.x, sol.z, st.rhs_x, st.rhs_z, st.gp, st.gc, st.ga, st.gb);
  return all_finite(dm.n, st.gc) && all_finite(dm.m, st.gb) && all_finite(dm.nnz_a, st.ga) &&
         all_finite(dm.nnz_p, st.gp);
}

// VJP after derivative_factor: cotangents (x̄, z̄, s̄) → (P̄, c̄, Ā, b̄) in st.gp/gc/ga/gb.
// Transpose of jvp (ds = r_z − A dx): w = K⁻¹[x̄ − Aᵀs̄; z̄] + [0; s̄].
template <class V, class Sol>
BC_HD bool vjp(const Context& cx, const State<V>& st, const Sol& sol, const double* xbar,
               const double* zbar, const double* sbar) {
  vjp_rhs(cx, st, xbar, zbar, sbar);
  if (!solve_unscaled(cx, st)) return false;
  return vjp_gradients(cx, st, sol, sbar);
}

// Only Solved and AlmostSolved problems have derivatives.
BC_HD bool is_differentiable(std::int32_t status) {
  return status == static_cast<std::int32_t>(Status::Solved) ||
         status == static_cast<std::int32_t>(Status::AlmostSolved);
}

// Factors K at the solution only for a status that has a derivative (is_differentiable);
// st.sc->factored then gates every derivative solve of this problem. With factor = false only
// the scaling is prepared (for products with K).
template <class V, class Sol>
BC_HD void factor_if_differentiable(const Context& cx, const State<V>& st, const ProblemInput& in,
                                    const Sol& sol, std::int32_t status, bool factor = true) {
  st.sc->factored = is_differentiable(status) && derivative_factor(cx, st, in, sol, factor);
}

// [ox; oz] ← K⁻¹ [rx; rz] after derivative_factor (the user's coordinates).
template <class V, class I, class O>
BC_HD bool kkt_solve_at_solution(const Context& cx, const State<V>& st, I rx, I rz, O ox, O oz) {
  copy(cx.dims.n, rx, st.rhs_x);
  copy(cx.dims.m, rz, st.rhs_z);
  if (!solve_unscaled(cx, st)) return false;
  copy(cx.dims.n, st.rhs_x, ox);
  copy(cx.dims.m, st.rhs_z, oz);
  return true;
}

// [yx; yz] ← K [vx; vz] = [P vx + Aᵀvz; A vx − H vz] after derivative_factor, from the
// equilibrated values: P = D⁻¹P̃D⁻¹/c, A = E⁻¹ÃD⁻¹, H = c·E⁻¹W̃W̃E⁻¹.
template <class V, class I, class O>
BC_HD void kkt_multiply_at_solution(const Context& cx, const State<V>& st, I vx, I vz, O yx, O yz) {
  const Dims& dm = cx.dims;
  const double c = st.sc->cscale;
  for (int j = 0; j < dm.n; ++j) st.dx[j] = vx[j] / st.d[j];
  for (int i = 0; i < dm.m; ++i) st.work1[i] = vz[i] / st.e[i];
  fill(dm.n, st.Px, 0.0);
  csc_symv_upper(cx.P, st.pv, 1.0 / c, st.dx, st.Px);
  csc_gemv_t(cx.A, st.av, 1.0, st.work1, st.Px);
  for (int j = 0; j < dm.n; ++j) yx[j] = st.Px[j] / st.d[j];
  fill(dm.m, st.Axs, 0.0);
  csc_gemv(cx.A, st.av, 1.0, st.dx, st.Axs);
  cones_mul_H(cx.cones, st.w, st.eta, st.work1, st.work2, st.dsv);
  for (int i = 0; i < dm.m; ++i) yz[i] = (st.Axs[i] - c * st.dsv[i]) / st.e[i];
}

// [ox; oz] ← K⁻¹[vx; vz] (multiply false) or K[vx; vz] (multiply true) after
// factor_if_differentiable; zeros for a problem that was not factored or whose result is not
// finite, so nothing NaN leaves the derivative.
template <class V, class I, class O>
BC_HD void kkt_apply_at_solution(const Context& cx, const State<V>& st, I vx, I vz, O ox, O oz,
                                 bool multiply) {
  bool ok = st.sc->factored;
  if (ok && multiply) kkt_multiply_at_solution(cx, st, vx, vz, ox, oz);
  if (ok && !multiply) ok = kkt_solve_at_solution(cx, st, vx, vz, ox, oz);
  ok = ok && all_finite(cx.dims.n, ox) && all_finite(cx.dims.m, oz);
  if (!ok) fill(cx.dims.n, ox, 0.0), fill(cx.dims.m, oz, 0.0);
}

}  // namespace batchcone::kernels
