# SPDX-License-Identifier: Apache-2.0
"""Derivatives through solve: check_grads in forward and reverse mode on problems with planted
strictly complementary solutions, a closed form, and zero gradients for infeasible problems."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import batchcone as bc
from problems import load_fixtures, planted

TIGHT = bc.Settings(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)


@pytest.mark.parametrize("family", ["lp", "qp", "socp"])
@pytest.mark.parametrize("seed", [0, 1])
def test_check_grads_forward_and_reverse(family, seed):
    p = planted(family, seed)

    def f(P, c, A, b):
        sol = bc.solve(p.structure, P, c, A, b, TIGHT)
        return sol.x, sol.z, sol.s, sol.objective

    args = tuple(jnp.asarray(a) for a in (p.P, p.c, p.A, p.b))
    # eps = 1e-5: truncation ~1e-10, solver noise ~1e-10/1e-5 = 1e-5 relative at worst.
    check_grads(f, args, order=1, modes=["fwd", "rev"], eps=1e-5, atol=1e-4, rtol=1e-4)


def test_projection_onto_the_ball_closed_form():
    # min ½‖x − a‖² s.t. ‖x‖ ≤ 1, ‖a‖ > 1: x = a/‖a‖, dx/da = (I − xxᵀ)/‖a‖ (c = −a).
    st = bc.Structure(2, 3, [0, 1, 2], [0, 1], [0, 1, 2], [1, 2], [bc.SOC(3)])
    a = jnp.array([1.5, -2.0])

    def x_of(a):
        return bc.solve(st, jnp.ones(2), -a, -jnp.ones(2), jnp.array([1.0, 0, 0])).x

    x = a / jnp.linalg.norm(a)
    want = (jnp.eye(2) - jnp.outer(x, x)) / jnp.linalg.norm(a)
    np.testing.assert_allclose(jax.jacfwd(x_of)(a), want, atol=1e-6)
    np.testing.assert_allclose(jax.jacrev(x_of)(a), want, atol=1e-6)


def test_infeasible_problems_get_zero_gradients():
    for p in load_fixtures("infeasible"):
        def loss(c, b):
            return jnp.sum(bc.solve(p.structure, p.P, c, p.A, b).x)

        gc, gb = jax.grad(loss, argnums=(0, 1))(jnp.asarray(p.c), jnp.asarray(p.b))
        assert np.all(np.asarray(gc) == 0) and np.all(np.asarray(gb) == 0), p.name
