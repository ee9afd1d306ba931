# SPDX-License-Identifier: Apache-2.0
"""Maros–Meszaros problems (tests/data/maros_meszaros, a subset of the set `make bench-mm` runs),
each in the conic form bench/mm.py gives both solvers:

- every problem of the subset Solved at default settings, its objective within 1e-8 (relative)
  of Clarabel's at 1e-12 tolerances on the same conic form (QBEACONF needs the interior point's
  centering retry, kernels/ipm/step.hpp iteration_failed, and QSHARE1B, QBORE3D and QBEACONF its
  second run after polishing declines, kernels/ipm/finalize.hpp);
- polishing never returns a point worse than the interior point's in the user's data: the
  primal and dual residuals and the gap recomputed here from the original data, polished
  against unpolished, on QBEACONF, STADAT1 and LASER (where polished points used to be worse, by
  up to 2000x in the dual residual) and on every problem of the subset.
"""

from pathlib import Path

import numpy as np
import pytest

import batchcone as bc

ROOT = Path(__file__).resolve().parents[2]
import mm  # noqa: E402  (bench/, on the path from conftest.py)

DATA = ROOT / "tests" / "data" / "maros_meszaros"
EVERY = mm.names(True, DATA)
CLARABEL_ALMOST_AT_TIGHT = ("QISRAEL", "QRECIPE")


@pytest.mark.parametrize("name", EVERY)
def test_solved_to_clarabels_tight_objective(name):
    # At default settings, the default method, the interior point and the emulated launch (the
    # GPU's method and its path) alike: Solved,
    # with the objective within 1e-8 (relative) of Clarabel's at 1e-12. At Clarabel's default
    # tolerances its answers are further off on QSHARE1B (6e-6), QBORE3D (1e-6), QBEACONF; ours
    # get there where polishing declines through the interior point's second run at tightened
    # tolerances (kernels/ipm/finalize.hpp).
    prob = mm.load(name, DATA)
    P, q, G, h, rows, signs, k = mm.conic(prob)
    status, xc = mm.clarabel_tight(P, q, G, h, k)
    # Clarabel ends AlmostSolved at 1e-12 on QISRAEL and QRECIPE (Solved at its defaults), a
    # reference good to 1e-7 there (QISRAEL: 1.8e-8 from ours; our second run does not reach
    # the tightened tolerances on it either and keeps the default-tolerance point).
    tol = 1e-7 if name in CLARABEL_ALMOST_AT_TIGHT else 1e-8
    assert status == ("AlmostSolved" if name in CLARABEL_ALMOST_AT_TIGHT else "Solved"), status
    theirs = 0.5 * xc @ (P @ xc) + q @ xc
    for method in ("auto", "ipm", "emulated"):
        if method == "emulated":  # the CUDA backend's device steps on the host
            status, x = _emulated(P, q, G, h, k)
        else:
            info, x, _ = mm.run_batchcone(P, q, G, h, k, 0, settings=bc.Settings(num_threads=1, qp_method=method))
            status = info["status"]
        ours = 0.5 * x @ (P @ x) + q @ x
        assert status == "Solved", (method, status)
        assert abs(ours - theirs) <= tol * (1 + min(abs(ours), abs(theirs))), (method, ours, theirs)


def _emulated(P, q, G, h, k):
    st = bc.Structure.from_matrices(P, G, mm.cones_of(k, G.shape[0]))
    P_vals, G_vals = mm.native_values(P, G)
    x, _, _, status, _ = mm.native_solve("batchcone_emulated_solve_f64", st, bc.Settings(), P_vals, q, G_vals, h)
    return bc.STATUS_NAMES[status[0]], x[0]


def user_measures(P, q, G, h, k, x, z, s):
    """The conic optimality conditions at the returned (x, z, s), in the user's data: absolute
    2-norms of the primal and dual residuals and the gap; the same three relative to Clarabel's
    normalizations; their rounding error here (64 ε times the sums of magnitudes they cancel);
    and the worst violation of s ∈ K and z ∈ K*."""
    Px = P @ x
    rp = np.linalg.norm(G @ x + s - h)
    rd = np.linalg.norm(Px + q + G.T @ z)
    xPx = x @ Px
    pobj, dobj = 0.5 * xPx + q @ x, -0.5 * xPx - h @ z
    gap = abs(pobj - dobj)
    absG, absP = abs(G), abs(P)
    eps = 64 * np.finfo(float).eps
    rounding = (eps * np.linalg.norm(absG @ abs(x) + abs(s) + abs(h)),
                eps * np.linalg.norm(absP @ abs(x) + abs(q) + absG.T @ abs(z)),
                eps * (abs(x) @ (absP @ abs(x)) + abs(q) @ abs(x) + abs(h) @ abs(z)))  # fmt: skip
    nx, nz, ns = np.linalg.norm(x), np.linalg.norm(z), np.linalg.norm(s)
    rel = (rp / max(1.0, np.max(np.abs(h)) + nx + ns), rd / max(1.0, np.max(np.abs(q)) + nx + nz),
           min(gap, gap / max(1.0, min(abs(pobj), abs(dobj)))))  # fmt: skip
    cone = max(np.max(np.abs(s[:k]), initial=0.0), -np.min(s[k:], initial=0.0), -np.min(z[k:], initial=0.0))
    return (rp, rd, gap), rel, rounding, cone


@pytest.mark.parametrize("name", EVERY)
def test_polishing_never_makes_the_users_point_worse(name):
    P, q, G, h, _, _, k = mm.conic(mm.load(name, DATA))
    out = {}
    for polish in (True, False):  # the interior point (the active-set method skips polishing)
        settings = bc.Settings(num_threads=1, qp_method="ipm", polish_enable=polish)
        info, x, z, s = mm.run_batchcone(P, q, G, h, k, 0, settings=settings, slacks=True)
        out[polish] = info["status"], user_measures(P, q, G, h, k, x, z, s)
    (status_on, (abs_on, rel_on, rounding, cone_on)), (status_off, (abs_off, *_)) = out[True], out[False]
    assert status_on == status_off or (status_off == "AlmostSolved" and status_on == "Solved")
    assert cone_on <= 1e-12 * max(1.0, np.max(np.abs(h)), np.max(np.abs(q)))
    for measure, a_on, a_off, r_on, err in zip(("primal", "dual", "gap"), abs_on, abs_off, rel_on, rounding):
        # No worse than unpolished (to the recomputation's rounding), or negligible: the solver's
        # own rule (kernels/ipm/info.hpp no_worse_than_reference), recomputed independently.
        assert a_on <= a_off + err or r_on <= 1.01e-12, (measure, a_on, a_off, r_on, err)
