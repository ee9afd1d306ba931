# SPDX-License-Identifier: Apache-2.0
"""Values on the cvxpy + Clarabel fixtures (tests/data, Clarabel at 1e-10): float64 solutions
checked against the optimality conditions and against Clarabel at 1e-12, float32 solves, and
infeasibility statuses."""

import jax.numpy as jnp
import numpy as np
import pytest

import scipy.sparse as sp

import batchcone as bc
from optimality import optimality
from problems import clarabel_solve, load_fixtures

FEASIBLE = [p for fam in ("lp", "qp", "socp", "sdp", "exp", "pow") for p in load_fixtures(fam)]
INFEASIBLE = load_fixtures("infeasible")


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / max(1.0, np.max(np.abs(b)))


def objective(p, x):
    st = p.structure
    P = sp.csc_matrix((p.P, st.P_indices, st.P_indptr), shape=(st.n, st.n))
    return float(p.c @ x + 0.5 * x @ ((P + sp.triu(P, 1).T) @ x))


@pytest.mark.parametrize("p", FEASIBLE, ids=lambda p: p.name)
def test_float64_solutions_are_exact(p):
    # Default settings, so the interior-point solution is polished (kernels/ipm/polish.hpp):
    # the optimality conditions, checked in numpy from the data alone, hold to rounding.
    sol = bc.solve(p.structure, p.P, p.c, p.A, p.b)
    assert bc.STATUS_NAMES[int(sol.status)] == "Solved"
    assert sol.x.dtype == jnp.float64
    assert optimality(p, sol.x, sol.z, sol.s).worst() <= 1e-12
    # The fixture's objective is Clarabel's at 1e-10 (its gap bounds the objective's error).
    assert abs(float(sol.objective) - p.objective) <= 1e-8 * max(1.0, abs(p.objective))


@pytest.mark.parametrize("p", FEASIBLE, ids=lambda p: p.name)
def test_float64_matches_tight_clarabel(p):
    # The fixtures' x and z (Clarabel at 1e-10) are themselves only ~1e-6 accurate where s and z
    # are both on a cone's boundary: Clarabel at 1e-12 moves by that much. Where it reaches Solved
    # at 1e-12 it is within ~1e-9 of the solution, so ours must be within 1e-8 of it; where it
    # stops at AlmostSolved (SOCP boundary pairs), its last iterate is ~1e-7 accurate.
    # Where the solution is not unique the two may differ by more: then Clarabel's point must be
    # a second solution (optimal by the same independent check, with our objective).
    pytest.importorskip("clarabel")
    sol = bc.solve(p.structure, p.P, p.c, p.A, p.b)
    x, z, s, status = clarabel_solve(p, 1e-12)
    tol = 1e-8 if status == "Solved" else 1e-6
    if rel(sol.x, x) <= tol and rel(sol.z, z) <= tol:
        return
    assert optimality(p, x, z, s).worst() <= 1e-9
    assert abs(objective(p, x) - objective(p, np.asarray(sol.x))) <= 1e-9 * max(1.0, abs(p.objective))


@pytest.mark.parametrize("p", FEASIBLE, ids=lambda p: p.name)
def test_float32_in_float32_out(p):
    f32 = [jnp.asarray(a, jnp.float32) for a in (p.P, p.c, p.A, p.b)]
    sol = bc.solve(p.structure, *f32)
    assert sol.x.dtype == jnp.float32 and sol.objective.dtype == jnp.float32
    assert bc.STATUS_NAMES[int(sol.status)] in ("Solved", "AlmostSolved")
    # float32 data: the problem itself differs from the float64 one by ~1e-7 relative.
    assert abs(float(sol.objective) - p.objective) <= 1e-4 * max(1.0, abs(p.objective))


@pytest.mark.parametrize("p", INFEASIBLE, ids=lambda p: p.name)
def test_infeasible_status(p):
    sol = bc.solve(p.structure, p.P, p.c, p.A, p.b)
    assert bc.STATUS_NAMES[int(sol.status)] == p.status
    assert np.isnan(float(sol.objective))
