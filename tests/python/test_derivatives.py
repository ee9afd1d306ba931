# SPDX-License-Identifier: Apache-2.0
"""Derivatives through solve: check_grads in forward and reverse mode on problems with planted
strictly complementary solutions, a closed form, and zero gradients for infeasible problems."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import batchcone as bc
import rivals
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


@pytest.mark.parametrize("family", ["socp", "exp"])
def test_float32_solve_returns_the_float64_solution_bit_for_bit(family):
    # float32 callers' derivatives are taken at the float64 solution, which the solve returns as
    # uint32 pairs (no second solve, no float64 arrays in JAX): it must be exactly the solution of
    # a float64 solve of the widened data.
    from batchcone.solve import _solve_call

    for p in load_fixtures(family)[:2]:
        f32 = [np.asarray(a, np.float32) for a in (p.P, p.c, p.A, p.b)]
        out = _solve_call(p.structure, bc.Settings(), False, *map(jnp.asarray, f32), exact=True)
        wide = bc.solve(p.structure, *(jnp.asarray(a, jnp.float64) for a in f32))
        for bits, want in zip(out[6:], (wide.x, wide.z, wide.s)):
            assert bits.dtype == jnp.uint32
            np.testing.assert_array_equal(np.asarray(bits).view(np.float64), np.asarray(want))
        np.testing.assert_array_equal(out[0], np.asarray(wide.x).astype(np.float32))


@pytest.mark.parametrize("family", ["socp", "exp"])
def test_float32_tangents_match_float64_ones(family):
    # The same derivative in both dtypes on float32-representable data and directions (of c and b,
    # so the right-hand side [−dc; db] is exact in float32): the float32 one is the float64 one
    # rounded, its KKT system being the float64 one at the float64 solution.
    for p in load_fixtures(family)[:2]:
        data = [np.asarray(a, np.float32) for a in (p.P, p.c, p.A, p.b)]
        rng = np.random.default_rng(0)
        dirs = [rng.standard_normal(a.shape).astype(np.float32) for a in data]

        def x_of(dtype):
            def f(c, b):
                return bc.solve(p.structure, jnp.asarray(data[0], dtype), c, jnp.asarray(data[2], dtype), b).x

            args = (jnp.asarray(data[1], dtype), jnp.asarray(data[3], dtype))
            tans = (jnp.asarray(dirs[1], dtype), jnp.asarray(dirs[3], dtype))
            return np.asarray(jax.jvp(f, args, tans)[1], np.float64)

        want, got = x_of(jnp.float64), x_of(jnp.float32)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.max(np.abs(want)))


# name → (problem, parameters, variables, draw) of bench/rivals.py's quick families
_FAMILIES = {f"{name} {size}": f[0] for name, size, *f in rivals.families(True)}


@pytest.mark.parametrize("family", list(_FAMILIES))
def test_gradients_do_not_depend_on_the_equilibration(family):
    # The derivative solves run in the equilibrated coordinates; the gradient is a property of
    # the problem, so 3 Ruiz passes instead of 10, or none, must give the same one (1e-8
    # of the largest gradient entry). With equilibration off, one LP draw's factor at the
    # solution overflowed and its gradient came back zero (kernels/ipm/linsys.hpp,
    # factor_kkt_at_solution). Without equilibration dense QP is 7.5e-8 off and logistic
    # regression 1.3e-8 (issue 24, open): only the 3-pass comparison applies to those two. The
    # scale is the largest entry of all the gradients.
    from cvxpylayers.jax import CvxpyLayer

    prob, params, variables, draw = _FAMILIES[family]
    layer = CvxpyLayer(prob, parameters=params, variables=variables)
    B = 8
    values = [jnp.asarray(v) for v in draw(np.random.default_rng(0), B)]
    w = jnp.asarray(np.random.default_rng(1).standard_normal((B,) + tuple(variables[0].shape)))

    def grads(args):
        f = lambda *p: jnp.sum(w * layer(*p, solver_args=args)[0])  # noqa: E731
        return jax.grad(f, argnums=tuple(range(len(values))))(*values)

    reference = grads({})
    variants = [{"equilibrate_max_iter": 3}]
    if not family.startswith(("dense QP", "logistic")):
        variants.append({"equilibrate_enable": False})
    scale = max(float(jnp.max(jnp.abs(r))) for r in reference)  # (an LP's ∂/∂c is 0)
    assert scale > 0, family
    for args in variants:
        for g, r in zip(grads(args), reference):
            np.testing.assert_allclose(g, r, rtol=0, atol=1e-8 * scale, err_msg=f"{family} {args}")
