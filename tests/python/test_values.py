# SPDX-License-Identifier: Apache-2.0
"""Values against the cvxpy + Clarabel fixtures (tests/data, Clarabel at 1e-10), float64 and
float32, and infeasibility statuses."""

import jax.numpy as jnp
import numpy as np
import pytest

import batchcone as bc
from problems import load_fixtures

FEASIBLE = [p for fam in ("lp", "qp", "socp", "sdp", "exp", "pow") for p in load_fixtures(fam)]
INFEASIBLE = load_fixtures("infeasible")


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("p", FEASIBLE, ids=lambda p: p.name)
def test_float64_matches_clarabel(p):
    sol = bc.solve(p.structure, p.P, p.c, p.A, p.b)
    assert bc.STATUS_NAMES[int(sol.status)] == "Solved"
    assert sol.x.dtype == jnp.float64
    assert abs(float(sol.objective) - p.objective) <= 1e-7 * max(1.0, abs(p.objective))
    # x, z of the fixture are Clarabel's at 1e-10. At the default 1e-8 a solve is only so close
    # to them (up to ~4e-5 on SOCPs with s and z both on a cone boundary): require ours to be
    # as close as Clarabel's own default solve, within a factor 2.
    # Exp/pow problems: the two solvers follow the same iterates until μ ~ 1e-7, then rounding
    # splits their last steps; both end at 1e-8 tolerances, where x and z are only accurate to
    # ~√tol (Clarabel's own default solve is up to 3e-5 from its 1e-10 one), so allow 1e-4.
    slack = 1e-4 if any(c.kind in ("exp", "pow") for c in p.structure.cones) else 1e-7
    ref_x, ref_z = clarabel_default(p)
    assert rel(sol.x, p.x) <= 2 * rel(ref_x, p.x) + slack
    assert rel(sol.z, p.z) <= 2 * rel(ref_z, p.z) + slack


def clarabel_default(p):
    clarabel = pytest.importorskip("clarabel")
    import scipy.sparse as sp

    st = p.structure
    P = sp.csc_matrix((p.P, st.P_indices, st.P_indptr), shape=(st.n, st.n))
    A = sp.csc_matrix((p.A, st.A_indices, st.A_indptr), shape=(st.m, st.n))
    make = {"zero": clarabel.ZeroConeT, "nonneg": clarabel.NonnegativeConeT,
            "soc": clarabel.SecondOrderConeT, "psd": clarabel.PSDTriangleConeT,
            "exp": lambda d: clarabel.ExponentialConeT(), "pow": None}  # fmt: skip
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.presolve_enable = False
    cones = [clarabel.PowerConeT(c.alpha) if c.kind == "pow" else make[c.kind](c.dim) for c in st.cones]
    sol = clarabel.DefaultSolver(P, p.c, A, p.b, cones, settings).solve()
    return np.array(sol.x), np.array(sol.z)


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
