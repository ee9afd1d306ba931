# SPDX-License-Identifier: Apache-2.0
"""batchcone as a cvxpy conic solver: ``problem.solve(solver="BATCHCONE")``.

cvxpy canonicalizes to ``minimize ½xᵀPx + cᵀx  s.t.  Ax + s = b, s ∈ K`` with exactly the cones
declared here (Zero, NonNeg, SOC, PSD, Exp, Pow3D, in that order) and a quadratic objective, which is
the form the native solver takes. The same interface canonicalizes problems for
cvxpylayers.jax.CvxpyLayer. N-dimensional power cones (PowConeND) are not declared, so cvxpy rewrites
them with 3-D power cones.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from cvxpy import settings as s
from cvxpy.constraints import SOC, ExpCone, PowCone3D

try:  # cvxpy ≥ 1.9 lowers PSD constraints to SvecPSD for solvers that declare a triangle kind
    from cvxpy.constraints import SvecPSD as _PSD
    from cvxpy.utilities.psd_utils import TriangleKind
except ImportError:  # pragma: no cover - older cvxpy
    from cvxpy.constraints import PSD as _PSD

    TriangleKind = None
from cvxpy.reductions.solution import Solution, failure_solution
from cvxpy.reductions.solvers import utilities
from cvxpy.reductions.solvers.conic_solvers.conic_solver import ConicSolver

NAME = "BATCHCONE"


def structure_from_data(P_full, A, dims):
    """The batchcone Structure of cvxpy conic data (P full symmetric or None, A m×n)."""
    from .structure import PSD, SOC as soc, Exp, NonNeg, Pow, Structure, Zero

    n = A.shape[1]
    P = sp.triu(sp.csc_matrix(P_full) if P_full is not None else sp.csc_matrix((n, n)), format="csc")
    A = sp.csc_matrix(A)
    P.sort_indices(), A.sort_indices()
    cones = ([Zero(dims.zero)] if dims.zero else []) + ([NonNeg(dims.nonneg)] if dims.nonneg else [])
    cones += [soc(d) for d in dims.soc] + [PSD(k) for k in dims.psd]
    cones += [Exp() for _ in range(dims.exp)] + [Pow(a) for a in dims.p3d]
    return Structure(n, A.shape[0], P.indptr, P.indices, A.indptr, A.indices, cones), P, A


class BATCHCONE(ConicSolver):
    """The native batched interior-point solver (Clarabel's algorithm) as a cvxpy solver.
    Cones: Zero, NonNeg, SOC, PSD, Exp and Pow3D (cvxpy lowers everything else to these or refuses)."""

    MIP_CAPABLE = False
    SUPPORTED_CONSTRAINTS = ConicSolver.SUPPORTED_CONSTRAINTS + [SOC, _PSD, ExpCone, PowCone3D]
    EXP_CONE_ORDER = [0, 1, 2]  # (x, y, z) with y·exp(x/y) ≤ z, as the native cone
    # Clarabel's svec: upper triangle, column-major, off-diagonals scaled by √2.
    if TriangleKind is not None:
        PSD_TRIANGLE_KIND = TriangleKind.UPPER
        PSD_SQRT2_SCALING = True
    STATUS_MAP = {
        "Solved": s.OPTIMAL,
        "AlmostSolved": s.OPTIMAL_INACCURATE,
        "PrimalInfeasible": s.INFEASIBLE,
        "AlmostPrimalInfeasible": s.INFEASIBLE_INACCURATE,
        "DualInfeasible": s.UNBOUNDED,
        "AlmostDualInfeasible": s.UNBOUNDED_INACCURATE,
        "MaxIterations": s.USER_LIMIT,
    }

    def name(self):
        return NAME

    def import_solver(self) -> None:
        from . import _ffi

        _ffi.library()

    def supports_quad_obj(self) -> bool:
        return True

    def cite(self, data):
        return ""

    def solve_via_data(self, data, warm_start: bool, verbose: bool, solver_opts, solver_cache=None):
        from .settings import settings_from_options
        from .solve import STATUS_NAMES, solve

        dims = data[ConicSolver.DIMS]
        if dims.pnd:
            raise ValueError("batchcone: N-dimensional power cones are not supported (cvxpy should "
                             "have rewritten them with 3-D power cones)")
        structure, P, A = structure_from_data(data.get(s.P), data[s.A], dims)
        with _x64():
            sol = solve(structure, P.data.astype(float), np.asarray(data[s.C], float),
                        A.data.astype(float), np.asarray(data[s.B], float),
                        settings_from_options(solver_opts))  # fmt: skip
            return {
                "x": np.asarray(sol.x), "z": np.asarray(sol.z), "s": np.asarray(sol.s),
                "status": STATUS_NAMES[int(sol.status)], "obj_val": float(sol.objective),
                "iterations": int(sol.iterations),
            }  # fmt: skip

    def invert(self, solution, inverse_data):
        status = self.STATUS_MAP.get(solution["status"], s.SOLVER_ERROR)
        attr = {s.NUM_ITERS: solution["iterations"]}
        zero = inverse_data[ConicSolver.DIMS].zero
        z = solution["z"]
        dual_vars = utilities.get_dual_values(z[:zero], utilities.extract_dual_value,
                                              inverse_data[self.EQ_CONSTR])  # fmt: skip
        dual_vars.update(utilities.get_dual_values(z[zero:], utilities.extract_dual_value,
                                                   inverse_data[self.NEQ_CONSTR]))  # fmt: skip
        if status in s.SOLUTION_PRESENT:
            primal_vars = {inverse_data[self.VAR_ID]: solution["x"]}
            opt_val = solution["obj_val"] + inverse_data[s.OFFSET]
            return Solution(status, opt_val, primal_vars, dual_vars, attr)
        return failure_solution(status, attr)


def _x64():
    """float64 within (cvxpy hands us float64 data whatever the user's JAX x64 setting)."""
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # jax < 0.9

    return enable_x64()


_registered = False


def register() -> BATCHCONE:
    """Makes ``solver="BATCHCONE"`` known to cvxpy (idempotent); returns the solver instance."""
    global _registered
    from cvxpy.reductions.solvers import defines

    inst = defines.SOLVER_MAP_CONIC.get(NAME)
    if not _registered or inst is None:
        inst = BATCHCONE()
        defines.SOLVER_MAP_CONIC[NAME] = inst
        for names in (defines.CONIC_SOLVERS, defines.INSTALLED_SOLVERS, defines.INSTALLED_CONIC_SOLVERS):
            if NAME not in names:
                names.append(NAME)
        _registered = True
    return inst
