# SPDX-License-Identifier: Apache-2.0
"""CvxpyLayer: problem families against cvxpy + Clarabel, gradients (check_grads and closed
forms), batching and broadcasting, duals, dtypes, errors with cvxpylayers' messages, failures."""

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from cvxpylayers.jax import CvxpyLayer, SolverError

TIGHT = {"eps": 1e-10}
rng = np.random.default_rng(0)


def clarabel_solve(problem, params, values, tight=True):
    # Tight: 1e-12, where Clarabel is within ~1e-7 of the solution even at second-order cone
    # boundary pairs (at 1e-10 it can be 1e-6 away; our layers are polished to rounding).
    for p, v in zip(params, values):
        p.value = np.asarray(v, float)
    tol = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500} if tight else {}
    problem.solve(solver="CLARABEL", **tol)
    return problem


# ---- families: (problem, parameters, variables, parameter values) ----------------------------


def constrained_ls():
    n, m = 4, 7
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0, cp.sum(x) == 1])
    return prob, [A, b], [x], [rng.standard_normal((m, n)), rng.standard_normal(m)]


def nnls():
    n, m = 3, 6
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
    return prob, [A, b], [x], [rng.standard_normal((m, n)), rng.standard_normal(m)]


def parametric_quad_form():
    n = 4
    x, P, q = cp.Variable(n), cp.Parameter((n, n), PSD=True), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, P) + q @ x), [x >= -1, x <= 1])
    G = rng.standard_normal((n, n))
    return prob, [P, q], [x], [G @ G.T + np.eye(n), 3 * rng.standard_normal(n)]


def robust_ls():
    n, m = 3, 8
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b) + 0.5 * cp.norm(x)), [cp.norm(x, 1) <= 2])
    return prob, [A, b], [x], [rng.standard_normal((m, n)), rng.standard_normal(m)]


FAMILIES = [constrained_ls, nnls, parametric_quad_form, robust_ls]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_values_match_clarabel(family):
    prob, params, variables, values = family()
    # SOCPs whose solution has s and z both on a cone boundary reach only ~1e-6 accuracy in x at
    # any IPM tolerance (Clarabel at 1e-10 reports "inaccurate" here): compare at the defaults.
    socp = family is robust_ls
    layer = CvxpyLayer(prob, parameters=params, variables=variables,
                       solver_args=None if socp else TIGHT)  # fmt: skip
    (x,) = layer(*values)
    clarabel_solve(prob, params, values, tight=not socp)
    np.testing.assert_allclose(x, variables[0].value, atol=1e-5 if socp else 1e-6)
    assert x.dtype == jnp.float64


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_check_grads(family):
    prob, params, variables, values = family()
    layer = CvxpyLayer(prob, parameters=params, variables=variables, solver_args=TIGHT)
    args = tuple(jnp.asarray(v) for v in values)
    if family is parametric_quad_form:  # keep P symmetric: differentiate through P = S + Sᵀ
        f = lambda S, q: layer(S + S.T, q)[0]  # noqa: E731
        args = (args[0] / 2, args[1])
    else:
        f = lambda *a: layer(*a)[0]  # noqa: E731
    check_grads(f, args, order=1, modes=["rev", "fwd"], eps=1e-5, atol=1e-4, rtol=1e-4)


def test_unconstrained_least_squares_closed_form():
    n, m = 3, 6
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    layer = CvxpyLayer(cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b))), [A, b], [x])
    Av, bv = rng.standard_normal((m, n)), rng.standard_normal(m)
    (xs,) = layer(Av, bv)
    np.testing.assert_allclose(xs, np.linalg.lstsq(Av, bv, rcond=None)[0], atol=1e-7)
    w = rng.standard_normal(n)
    grad_b = jax.grad(lambda b: jnp.dot(w, layer(Av, b)[0]))(bv)
    np.testing.assert_allclose(grad_b, np.linalg.pinv(Av).T @ w, atol=1e-7)  # x = A⁺b


def test_equality_constrained_least_squares_closed_form():
    n, m = 4, 6
    x, b, h = cp.Variable(n), cp.Parameter(m), cp.Parameter(1)
    Av, Fv = rng.standard_normal((m, n)), rng.standard_normal((1, n))
    prob = cp.Problem(cp.Minimize(cp.sum_squares(Av @ x - b)), [Fv @ x == h])
    layer = CvxpyLayer(prob, [b, h], [x])
    K = np.block([[2 * Av.T @ Av, Fv.T], [Fv, np.zeros((1, 1))]])
    Kinv = np.linalg.inv(K)
    bv, hv = rng.standard_normal(m), np.array([0.7])
    np.testing.assert_allclose(layer(bv, hv)[0], (Kinv @ np.concatenate([2 * Av.T @ bv, hv]))[:n],
                               atol=1e-7)  # fmt: skip
    jac = jax.jacfwd(lambda h: layer(bv, h)[0])(hv)
    np.testing.assert_allclose(jac[:, 0], Kinv[:n, n], atol=1e-7)


def test_batching_broadcasting_and_batch_of_one():
    prob, params, variables, values = nnls()
    layer = CvxpyLayer(prob, params, variables)
    A_b = np.stack([values[0] + 0.1 * k for k in range(5)])
    (xb,) = layer(A_b, values[1])  # b unbatched: broadcast
    for k in range(5):
        np.testing.assert_allclose(xb[k], layer(A_b[k], values[1])[0], atol=1e-12)
    # gradient of an unbatched parameter is the sum over the batch
    gb = jax.grad(lambda b: jnp.sum(layer(A_b, b)[0]))(values[1])
    want = sum(jax.grad(lambda b: jnp.sum(layer(A_b[k], b)[0]))(values[1]) for k in range(5))
    np.testing.assert_allclose(gb, want, atol=1e-10)
    (x1,) = layer(A_b[:1], values[1][None])
    assert x1.shape == (1, 3)


def test_duals_as_outputs_match_cvxpy():
    n, m = 4, 7
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    cons = [x >= 0, cp.sum(x) == 1]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), cons)
    layer = CvxpyLayer(prob, [A, b], [x, cons[0].dual_variables[0], cons[1].dual_variables[0]],
                       solver_args=TIGHT)  # fmt: skip
    values = [rng.standard_normal((m, n)), rng.standard_normal(m)]
    xs, lam, nu = layer(*values)
    clarabel_solve(prob, [A, b], values)
    np.testing.assert_allclose(lam, cons[0].dual_value, atol=1e-6)
    np.testing.assert_allclose(nu, cons[1].dual_value, atol=1e-6)


def test_float32_in_float32_out():
    prob, params, variables, values = nnls()
    layer = CvxpyLayer(prob, params, variables)
    (x,) = layer(*(jnp.asarray(v, jnp.float32) for v in values))
    assert x.dtype == jnp.float32


def test_call_errors_use_cvxpylayers_messages():
    prob, params, variables, values = nnls()
    layer = CvxpyLayer(prob, params, variables)
    with pytest.raises(ValueError, match="received 1 tensors, expected 2"):
        layer(values[0])
    with pytest.raises(ValueError, match=r"Invalid parameter shape for parameter 1. Expected: \(6,\), Got: \(5,\)"):
        layer(values[0], values[1][:5])
    with pytest.raises(ValueError, match="Expected 1 or 2 dimensions, Got: 3 dimensions"):
        layer(values[0], np.zeros((2, 2, 6)))
    with pytest.raises(ValueError, match=r"Inconsistent batch sizes.*\[2, 3\]"):
        layer(np.stack([values[0]] * 2), np.stack([values[1]] * 3))
    with pytest.raises(AttributeError, match="parameter 1 of the layer is None"):  # as in cvxpylayers
        layer(values[0], None)


def test_verbose_prints_the_solver_iterations(capfd):
    prob, params, variables, values = nnls()
    layer = CvxpyLayer(prob, params, variables, verbose=True)
    capfd.readouterr()
    layer(*values)
    table = capfd.readouterr().out
    assert "pcost" in table and "status Solved after" in table and "polished solution" in table
    layer(np.stack([values[0]] * 3), values[1])
    summary = capfd.readouterr().out
    assert "worst gap" in summary and "statuses: Solved 3" in summary
    quiet = CvxpyLayer(prob, params, variables)
    quiet(*values)
    assert "pcost" not in capfd.readouterr().out


def test_construction_errors_use_cvxpylayers_messages():
    x, A, b = cp.Variable(2), cp.Parameter((3, 2)), cp.Parameter(3)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
    with pytest.raises(ValueError, match="must exactly match problem.parameters"):
        CvxpyLayer(prob, [A], [x])
    with pytest.raises(ValueError, match="must be provided as a list or tuple"):
        CvxpyLayer(prob, A, [x])
    with pytest.raises(ValueError, match="must be a subset of problem.variables"):
        CvxpyLayer(prob, [A, b], [cp.Variable(2)])
    with pytest.raises(RuntimeError, match="Unknown solver"):
        CvxpyLayer(prob, [A, b], [x], solver="NOT_A_SOLVER")
    p = cp.Parameter()
    with pytest.raises(ValueError, match="Problem must be DPP."):
        CvxpyLayer(cp.Problem(cp.Minimize(p * p * cp.sum(x))), [p], [x])


def test_infeasible_raises_eagerly_and_gives_nan_and_status_under_jit():
    x, b = cp.Variable(2), cp.Parameter(2)
    prob = cp.Problem(cp.Minimize(cp.sum(x)), [x >= b, x <= 1])
    layer = CvxpyLayer(prob, [b], [x])
    bad = np.array([[0.0, 0.0], [2.0, 0.0]])  # the second is infeasible (x₀ ≥ 2, x₀ ≤ 1)
    with pytest.raises(SolverError, match="1: PrimalInfeasible") as info:
        layer(bad)
    assert isinstance(info.value, RuntimeError)
    (x_out,), meta = jax.jit(lambda b: layer(b, return_info=True))(bad)
    np.testing.assert_allclose(x_out[0], [0.0, 0.0], atol=1e-7)
    assert np.isnan(x_out[1]).all()
    assert list(np.asarray(meta["status"])) == [1, 3]


def test_problem_solve_with_batchcone_matches_clarabel():
    prob, params, variables, values = robust_ls()
    for p, v in zip(params, values):
        p.value = v
    ours = prob.solve(solver="BATCHCONE")
    x_ours = variables[0].value.copy()
    # Second-order cones with s and z both on their boundaries: Clarabel's default solve is only
    # ~√tol accurate there (3.5e-5 from the solution here); at 1e-12 it is within ~1e-7. Ours is
    # polished to rounding.
    ref = prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=500)
    assert abs(ours - ref) <= 1e-9 * max(1, abs(ref))
    np.testing.assert_allclose(x_ours, variables[0].value, atol=1e-6)


@pytest.mark.parametrize("solver", ["DIFFCP", "SCS", "CLARABEL"])
def test_diffcp_backend_agrees_with_native(solver):
    pytest.importorskip("diffcp")
    prob, params, variables, values = constrained_ls()
    duals = [prob.constraints[0].dual_variables[0]]
    native = CvxpyLayer(prob, params, variables + duals, solver_args=TIGHT)
    tight = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    args = {"eps": 1e-10} if solver in ("DIFFCP", "SCS") else tight
    ref = CvxpyLayer(prob, params, variables + duals, solver=solver, solver_args=args)
    # diffcp gets cvxpy's linear-objective form, where sum_squares is an SOC epigraph with s and
    # z both on the cone boundary: an IPM (Clarabel) is accurate to only ~1e-6 there even at
    # 1e-10 tolerances (measured on planted SOCPs: 3.7e-6), so it is compared at 5e-6.
    atol = 5e-6 if solver == "CLARABEL" else 1e-6
    for a, r in zip(native(*values), ref(*values)):
        np.testing.assert_allclose(a, r, atol=atol)

    def loss(layer):
        return lambda A, b: jnp.sum(layer(A, b)[0] ** 2)

    g_native = jax.grad(loss(native), argnums=(0, 1))(*values)
    g_ref = jax.jit(jax.grad(loss(ref), argnums=(0, 1)))(*values)  # jit works for diffcp too
    for a, r in zip(g_native, g_ref):
        np.testing.assert_allclose(a, r, atol=1e-5)
    A_batch = np.stack([values[0] * (1 + 0.1 * k) for k in range(3)])
    np.testing.assert_allclose(jax.vmap(lambda A: ref(A, values[1])[0])(A_batch),
                               native(A_batch, values[1])[0], atol=atol)  # fmt: skip


def test_solver_error_is_a_diffcp_solver_error_when_diffcp_is_installed():
    diffcp = pytest.importorskip("diffcp")
    assert issubclass(SolverError, RuntimeError) and issubclass(SolverError, diffcp.SolverError)


def test_geometric_program_through_the_diffcp_backend():
    # cvxpy's box design GP (unique solution): maximize the volume under wall and floor limits.
    pytest.importorskip("diffcp")
    h, w, d = cp.Variable(pos=True), cp.Variable(pos=True), cp.Variable(pos=True)
    A_wall, A_flr = cp.Parameter(pos=True), cp.Parameter(pos=True)
    prob = cp.Problem(cp.Maximize(h * w * d),
                      [2 * (h * w + h * d) <= A_wall, w * d <= A_flr, 0.5 <= h / w, h / w <= 2,
                       0.5 <= d / w, d / w <= 2])  # fmt: skip
    layer = CvxpyLayer(prob, [A_wall, A_flr], [h, w, d], gp=True, solver="DIFFCP",
                       solver_args={"eps": 1e-10})  # fmt: skip
    for wall, flr in [(100.0, 10.0), (60.0, 20.0)]:
        A_wall.value, A_flr.value = wall, flr
        prob.solve(gp=True, solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        got = layer(jnp.array(wall), jnp.array(flr))
        np.testing.assert_allclose([float(v) for v in got], [h.value, w.value, d.value], rtol=1e-5)
    # gradient of the log-volume against central differences
    f = lambda wall: jnp.log(jnp.prod(jnp.stack(layer(wall, jnp.array(10.0)))))  # noqa: E731
    step = 1e-3
    np.testing.assert_allclose(jax.grad(f)(100.0), (f(100.0 + step) - f(100.0 - step)) / (2 * step),
                               rtol=1e-4)  # fmt: skip


def test_soc_constraint_duals_match_cvxpy():
    n, m = 3, 5
    x, t, A, b = cp.Variable(n), cp.Variable(), cp.Parameter((m, n)), cp.Parameter(m)
    soc = cp.SOC(t, A @ x - b)
    prob = cp.Problem(cp.Minimize(t + cp.sum_squares(x)), [soc, x >= -1])
    layer = CvxpyLayer(prob, [A, b], [x, soc.dual_variables[0], soc.dual_variables[1]],
                       solver_args=TIGHT)  # fmt: skip
    values = [rng.standard_normal((m, n)), rng.standard_normal(m)]
    xs, lam_t, lam_x = layer(*values)
    clarabel_solve(prob, [A, b], values)
    np.testing.assert_allclose(xs, x.value, atol=1e-6)
    np.testing.assert_allclose(lam_t, soc.dual_value[0], atol=1e-6)
    np.testing.assert_allclose(lam_x, np.ravel(soc.dual_value[1]), atol=1e-6)


def test_unbounded_problem_raises_with_its_status():
    x, c = cp.Variable(2), cp.Parameter(2)
    layer = CvxpyLayer(cp.Problem(cp.Minimize(c @ x), [x >= 0]), [c], [x])
    with pytest.raises(SolverError, match="0: DualInfeasible"):
        layer(np.array([-1.0, 1.0]))


def test_jit_vmap_grad_and_shard_map_over_a_batch():
    prob, params, variables, values = nnls()
    layer = CvxpyLayer(prob, params, variables)
    A_batch = np.stack([values[0] * (1 + 0.1 * k) for k in range(8)])
    loss = lambda A: jnp.sum(layer(A, values[1])[0] ** 2)  # noqa: E731
    per_problem = np.stack([jax.grad(loss)(A_batch[k]) for k in range(8)])
    np.testing.assert_allclose(jax.jit(jax.vmap(jax.grad(loss)))(A_batch), per_problem, atol=1e-10)
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:4]), ("batch",))
    spec = jax.sharding.PartitionSpec("batch")
    shard_map = getattr(jax, "shard_map", None)
    if shard_map is None:  # jax < 0.6.1
        from jax.experimental.shard_map import shard_map
    f = jax.jit(shard_map(lambda A: layer(A, values[1])[0], mesh=mesh, in_specs=(spec,),
                          out_specs=spec))  # fmt: skip
    np.testing.assert_allclose(f(A_batch), layer(A_batch, values[1])[0], atol=1e-12)


def test_sdp_layer_values_duals_and_gradients():
    # nearest correlation matrix to a parametric C: X ⪰ 0 with unit diagonal
    k = 4
    C = cp.Parameter((k, k), symmetric=True)
    X = cp.Variable((k, k), symmetric=True)
    cons = [X >> 0, cp.diag(X) == 1]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), cons)
    layer = CvxpyLayer(prob, [C], [X, cons[0].dual_variables[0]], solver_args=TIGHT)
    G = np.random.default_rng(42).standard_normal((k, k))
    Cv = (G + G.T) / 2
    Xl, Zl = layer(Cv)
    clarabel_solve(prob, [C], [Cv])
    # X and Z are both rank-deficient at the solution (complementary ranges): like SOC boundary
    # pairs, an IPM at 1e-10 pins them down to ~1e-6 only (Clarabel's own solve included).
    np.testing.assert_allclose(Xl, X.value, atol=1e-5)
    np.testing.assert_allclose(Zl, cons[0].dual_value, atol=1e-5)  # full symmetric dual
    f = lambda S: layer(S + S.T)[0]  # noqa: E731  (C symmetric)
    S0 = jnp.asarray(Cv) / 2
    # Reverse mode is the exact transpose of forward mode (no differences involved):
    T = jnp.asarray(np.random.default_rng(1).standard_normal((k, k)))
    W = jnp.asarray(np.random.default_rng(2).standard_normal((k, k)))
    _, jv = jax.jvp(f, (S0,), (T,))
    (vj,) = jax.vjp(f, S0)[1](W)
    np.testing.assert_allclose(jnp.sum(jv * W), jnp.sum(vj * T), rtol=1e-8)
    # Forward mode against central differences. The solution is known to ~1e-6 only (X and Z
    # rank-deficient), so the step must be wide: at 1e-2 the difference quotient itself is
    # accurate to ~1e-4 (measured: 2.4e-5 for one tangent; 1e-5 steps give 2e-2 of noise).
    check_grads(f, (S0,), order=1, modes=["fwd"], eps=1e-2, atol=1e-3, rtol=1e-3)
