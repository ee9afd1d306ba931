# SPDX-License-Identifier: Apache-2.0
"""The active-set path for small QPs (Settings.qp_method) through the layer: solutions against
cvxpy + Clarabel at tight tolerances, gradients against central differences and against the
interior point's, and the errors for a method that does not exist."""

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cvxpylayers.jax import CvxpyLayer

import batchcone as bc

CLARABEL_TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}
BATCH = 6


def nnls(rng):
    """Equality rows t = Ax − b with one pivot column each (t): eliminated by pivots."""
    x, A, b = cp.Variable(5), cp.Parameter((9, 5)), cp.Parameter(9)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
    return prob, [A, b], x, [rng.standard_normal((BATCH, 9, 5)), rng.standard_normal((BATCH, 9))]


def portfolio(rng):
    """One budget row over every variable, box constraints, a parametric return vector."""
    n = 8
    G = rng.standard_normal((n, n))
    x, mu = cp.Variable(n), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(cp.quad_form(x, G @ G.T / n + 0.1 * np.eye(n)) - mu @ x),
                      [cp.sum(x) == 1, x >= 0, x <= 0.4])  # fmt: skip
    return prob, [mu], x, [rng.standard_normal((BATCH, n))]


def coupled_equalities(rng):
    """Three dense equality rows sharing every column: eliminated by Householder QR."""
    n = 7
    C, G = rng.standard_normal((3, n)), rng.standard_normal((10, n))
    x, q, d = cp.Variable(n), cp.Parameter(n), cp.Parameter(3)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x) + q @ x), [C @ x == d, G @ x <= 1])
    return prob, [q, d], x, [rng.standard_normal((BATCH, n)), 0.3 * rng.standard_normal((BATCH, 3))]


FAMILIES = {"nnls": nnls, "portfolio": portfolio, "coupled_equalities": coupled_equalities}


def clarabel_solutions(prob, params, x, values):
    out = []
    for k in range(BATCH):
        for p, v in zip(params, values):
            p.value = v[k]
        prob.solve(solver=cp.CLARABEL, **CLARABEL_TIGHT)
        out.append(x.value)
    return np.array(out)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_solutions_match_clarabel(family):
    prob, params, x, values = FAMILIES[family](np.random.default_rng(7))
    layer = CvxpyLayer(prob, parameters=params, variables=[x])
    want = clarabel_solutions(prob, params, x, values)
    got = {}
    for method in ("active_set", "auto", "ipm"):
        (got[method],), info = layer(*map(jnp.asarray, values), solver_args={"qp_method": method},
                                     return_info=True)  # fmt: skip
        assert np.all(np.asarray(info["status"]) == bc.STATUS_NAMES.index("Solved")), method
        np.testing.assert_allclose(got[method], want, atol=2e-7 if method == "ipm" else 1e-8,
                                   err_msg=method)  # fmt: skip
    # The methods really differ (an active-set failure would hand every problem to the
    # interior point, bit for bit), and auto chose the active set for these small QPs.
    assert not np.array_equal(got["active_set"], got["ipm"])
    np.testing.assert_array_equal(got["auto"], got["active_set"])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_gradients_match_central_differences(family):
    prob, params, x, values = FAMILIES[family](np.random.default_rng(11))
    layer = CvxpyLayer(prob, parameters=params, variables=[x])
    w = jnp.asarray(np.random.default_rng(1).standard_normal((BATCH, x.size)))

    def loss(method):
        return lambda *p: jnp.sum(w * layer(*p, solver_args={"qp_method": method})[0])

    args = tuple(map(jnp.asarray, values))
    grads = jax.jit(jax.grad(loss("active_set"), argnums=tuple(range(len(args)))))(*args)
    f = jax.jit(loss("active_set"))
    rng, h = np.random.default_rng(2), 1e-5
    for _ in range(3):  # directional derivatives along random directions
        d = [jnp.asarray(rng.standard_normal(a.shape)) for a in args]
        fd = (f(*(a + h * e for a, e in zip(args, d))) - f(*(a - h * e for a, e in zip(args, d)))) / (2 * h)
        ad = sum(jnp.sum(g * e) for g, e in zip(grads, d))
        np.testing.assert_allclose(ad, fd, rtol=1e-6, atol=1e-8)
    ipm = jax.grad(loss("ipm"), argnums=tuple(range(len(args))))(*args)
    for g, gi in zip(grads, ipm):
        np.testing.assert_allclose(g, gi, rtol=1e-4, atol=1e-5)


def test_unknown_method_is_a_value_error():
    with pytest.raises(ValueError, match="qp_method must be one of"):
        bc.Settings(qp_method="simplex")
    prob, params, x, values = nnls(np.random.default_rng(0))
    layer = CvxpyLayer(prob, parameters=params, variables=[x])
    with pytest.raises(ValueError, match="got 'simplex'"):
        layer(*map(jnp.asarray, values), solver_args={"qp_method": "simplex"})
