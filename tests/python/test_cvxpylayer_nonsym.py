# SPDX-License-Identifier: Apache-2.0
"""CvxpyLayer with exponential and power cones on the native solver: softmax (closed form),
logistic regression, the LML layer, a geometric program (gp=True) and p-norm / power layers,
against cvxpy + Clarabel, closed forms and check_grads (central differences)."""

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from cvxpylayers.jax import CvxpyLayer

# Exp cones of entr/logistic/log-sum-exp end as boundary pairs (s and z both on the cone's
# boundary), where an interior-point solution is accurate to ~√gap only: Clarabel's is 1.5e-6 from
# the solution at 1e-10, 2e-9 at 1e-12, so the references use 1e-12. Our layers run at default
# settings: polishing makes their solutions exact to rounding (test_polish.py).
CLARABEL_TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}
rng = np.random.default_rng(3)


def softmax_layer(n):
    # argmax xᵀy + Σ entr(y) over the simplex is softmax(x) (its optimality conditions:
    # x − log y − 1 = ν·1).
    x, y = cp.Parameter(n), cp.Variable(n)
    prob = cp.Problem(cp.Maximize(x @ y + cp.sum(cp.entr(y))), [cp.sum(y) == 1])
    return CvxpyLayer(prob, [x], [y])


def test_softmax_layer_is_softmax_with_its_jacobian():
    n = 5
    layer = softmax_layer(n)
    xv = jnp.asarray(rng.standard_normal(n))
    (y,) = layer(xv)
    np.testing.assert_allclose(y, jax.nn.softmax(xv), atol=1e-9)
    p = jax.nn.softmax(xv)
    J = jax.jacrev(lambda x: layer(x)[0])(xv)
    np.testing.assert_allclose(J, jnp.diag(p) - jnp.outer(p, p), atol=1e-7)
    Jf = jax.jacfwd(lambda x: layer(x)[0])(xv)
    np.testing.assert_allclose(Jf, J, atol=1e-9)


def test_softmax_layer_batched_under_jit_vmap_grad():
    n, B = 4, 6
    layer = softmax_layer(n)
    xs = jnp.asarray(rng.standard_normal((B, n)))
    w = jnp.asarray(rng.standard_normal(n))
    loss = lambda x: jnp.dot(w, layer(x)[0])  # noqa: E731
    got = jax.jit(jax.vmap(jax.grad(loss)))(xs)
    p = jax.nn.softmax(xs, axis=-1)
    want = p * (w - jnp.sum(p * w, axis=-1, keepdims=True))  # (diag p − ppᵀ) w
    np.testing.assert_allclose(got, want, atol=1e-7)


def logistic_regression(N=12, d=3):
    X, lam = cp.Parameter((N, d)), cp.Parameter(nonneg=True)
    labels = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
    w = cp.Variable(d)
    loss = cp.sum(cp.logistic(-cp.multiply(labels, X @ w))) / N
    prob = cp.Problem(cp.Minimize(loss + lam * cp.sum_squares(w)))
    values = [rng.standard_normal((N, d)), np.array(0.1)]
    return prob, [X, lam], [w], values


def lml(n=5, k=2):
    # The limited multi-label projection (Amos et al. 2019): argmax xᵀy + Σ H_b(y_i) s.t. Σy = k.
    x, y = cp.Parameter(n), cp.Variable(n)
    prob = cp.Problem(cp.Maximize(x @ y + cp.sum(cp.entr(y)) + cp.sum(cp.entr(1 - y))),
                      [cp.sum(y) == k])  # fmt: skip
    return prob, [x], [y], [rng.standard_normal(n)]


def pnorm_regression(m=7, n=3):
    A, b, x = cp.Parameter((m, n)), cp.Parameter(m), cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.pnorm(A @ x - b, 3, approx=False) + 0.1 * cp.sum_squares(x)))
    return prob, [A, b], [x], [rng.standard_normal((m, n)), rng.standard_normal(m)]


def power_utility(n=4):
    # maximize Σ wᵢ·xᵢ^0.5 − ‖x‖² over the simplex: power cones through cp.power.
    wt, x = cp.Parameter(n, pos=True), cp.Variable(n)
    prob = cp.Problem(cp.Maximize(wt @ cp.power(x, 0.5, approx=False) - cp.sum_squares(x)), [cp.sum(x) <= 1])
    return prob, [wt], [x], [rng.uniform(0.5, 2.0, n)]


FAMILIES = [logistic_regression, lml, pnorm_regression, power_utility]


def _cones(prob):
    dims = prob.get_problem_data("CLARABEL")[0]["dims"]
    return dims.exp, len(dims.p3d)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_values_match_clarabel(family):
    prob, params, variables, values = family()
    exp_count, pow_count = _cones(prob)
    assert exp_count + pow_count > 0  # the family really exercises a nonsymmetric cone
    layer = CvxpyLayer(prob, params, variables)
    (x,) = layer(*values)
    for p, v in zip(params, values):
        p.value = np.asarray(v, float)
    prob.solve(solver="CLARABEL", **CLARABEL_TIGHT)
    # Clarabel at 1e-12 is within ~1e-9 of the solution when it reports optimal; some power-cone
    # instances end "optimal_inaccurate" (AlmostSolved), ~1e-7 away.
    np.testing.assert_allclose(x, variables[0].value, atol=1e-8 if prob.status == "optimal" else 1e-6)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_check_grads(family):
    prob, params, variables, values = family()
    layer = CvxpyLayer(prob, params, variables)
    f = jax.jit(lambda *a: layer(*a)[0])
    args = tuple(jnp.asarray(v) for v in values)
    check_grads(f, args, order=1, modes=["rev", "fwd"], eps=1e-5, atol=1e-5, rtol=1e-5)


def box_design():
    # cvxpy's box design GP (unique solution): maximize the volume under wall and floor limits.
    h, w, d = cp.Variable(pos=True), cp.Variable(pos=True), cp.Variable(pos=True)
    A_wall, A_flr = cp.Parameter(pos=True), cp.Parameter(pos=True)
    prob = cp.Problem(cp.Maximize(h * w * d),
                      [2 * (h * w + h * d) <= A_wall, w * d <= A_flr, 0.5 <= h / w, h / w <= 2,
                       0.5 <= d / w, d / w <= 2])  # fmt: skip
    return prob, [A_wall, A_flr], [h, w, d]


def test_geometric_program_layer_native():
    prob, params, variables = box_design()
    layer = CvxpyLayer(prob, params, variables, gp=True)
    for wall, flr in [(100.0, 10.0), (60.0, 20.0)]:
        params[0].value, params[1].value = wall, flr
        prob.solve(gp=True, solver="CLARABEL", **CLARABEL_TIGHT)
        got = layer(jnp.array(wall), jnp.array(flr))
        np.testing.assert_allclose([float(v) for v in got], [v.value for v in variables], rtol=1e-8)
    f = jax.jit(lambda wall, flr: jnp.stack(layer(wall, flr)))
    check_grads(f, (jnp.array(100.0), jnp.array(10.0)), order=1, modes=["rev", "fwd"], eps=1e-5,
                atol=1e-5, rtol=1e-5)  # fmt: skip


def test_geometric_program_native_agrees_with_diffcp():
    pytest.importorskip("diffcp")
    prob, params, variables = box_design()
    native = CvxpyLayer(prob, params, variables, gp=True)
    ref = CvxpyLayer(prob, params, variables, gp=True, solver="DIFFCP", solver_args={"eps": 1e-12, "max_iters": 500})
    args = (jnp.array(80.0), jnp.array(15.0))
    loss = lambda layer: lambda a, b: jnp.log(jnp.prod(jnp.stack(layer(a, b))))  # noqa: E731
    np.testing.assert_allclose(loss(native)(*args), loss(ref)(*args), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(loss(native), argnums=(0, 1))(*args),
                               jax.grad(loss(ref), argnums=(0, 1))(*args), rtol=1e-4)  # fmt: skip


def test_problem_solve_with_batchcone_on_exp_and_pow_cones():
    from batchcone.cvxpy_interface import register

    register()
    x = cp.Variable(4)
    A = rng.standard_normal((6, 4))
    for prob in [cp.Problem(cp.Minimize(cp.log_sum_exp(A @ x) + cp.sum_squares(x))),
                 cp.Problem(cp.Maximize(cp.geo_mean(x, approx=False)), [cp.sum(x) <= 1]),
                 cp.Problem(cp.Minimize(cp.pnorm(A @ x - 1, 3, approx=False)))]:  # fmt: skip
        ref = prob.solve(solver="CLARABEL", **CLARABEL_TIGHT)
        got = prob.solve(solver="BATCHCONE", **CLARABEL_TIGHT)
        assert prob.status == "optimal"
        assert abs(got - ref) <= 1e-7 * max(1.0, abs(ref))


def test_float32_layer_derivatives_are_taken_at_the_float64_solution():
    # A float32 solution rounded near the cone boundary would give a meaningless cone scaling (the
    # Jacobian came out infinite before the KKT handlers re-solved in float64): float32 in, float32
    # out, and the Jacobian still matches softmax's to float32 accuracy.
    layer = softmax_layer(5)
    xv = jnp.asarray(rng.standard_normal(5), jnp.float32)
    (y,) = layer(xv)
    assert y.dtype == jnp.float32
    p = jax.nn.softmax(xv.astype(jnp.float64))
    for jac in (jax.jacfwd, jax.jacrev):
        J = jac(lambda x: layer(x)[0])(xv)
        assert J.dtype == jnp.float32
        np.testing.assert_allclose(J, jnp.diag(p) - jnp.outer(p, p), atol=1e-6)
