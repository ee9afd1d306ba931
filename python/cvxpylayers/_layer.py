# SPDX-License-Identifier: Apache-2.0
"""What the JAX and PyTorch layers share: the constructor's checks and canonicalization, the
call's shape checks (cvxpylayers' messages) and the failure report."""

from __future__ import annotations

from dataclasses import replace

import cvxpy as cp
import numpy as np

import batchcone as bc
from batchcone.settings import settings_from_options

from ._canon import canonicalize

NATIVE_SOLVERS = (None, "MOREAU", "BATCHCONE")
DIFFCP_SOLVERS = ("DIFFCP", "SCS", "CLARABEL", "ECOS")


def _solver_error_base():
    try:
        import diffcp  # noqa: F401

        return (RuntimeError, diffcp.SolverError)
    except Exception:  # diffcp not installed (or broken): RuntimeError alone
        return (RuntimeError,)


class SolverError(*_solver_error_base()):
    """Some problems of a call were not solved. A RuntimeError (and a diffcp.SolverError when
    diffcp is installed, as code written for cvxpylayers catches that); `.statuses` holds the
    status name of every problem of the batch."""

    def __init__(self, message, statuses):
        super().__init__(message)
        self.statuses = statuses


class LayerCore:
    """The framework-independent part of a layer: checks the problem, parameters and variables
    as cvxpylayers does, canonicalizes once (``_canon``) and keeps the default settings."""

    def __init__(self, problem, parameters, variables, solver, gp, verbose, canon_backend,
                 solver_args, solvers=NATIVE_SOLVERS + DIFFCP_SOLVERS):  # fmt: skip
        if not isinstance(parameters, (list, tuple)):
            raise ValueError("The layer's parameters must be provided as a list or tuple")
        if not isinstance(variables, (list, tuple)):
            raise ValueError("The layer's variables must be provided as a list or tuple")
        if gp:
            if not problem.is_dgp(dpp=True):
                raise ValueError("Problem must be DPP for geometric programming.")
        elif not _is_dpp(problem):
            raise ValueError("Problem must be DPP.")
        if set(parameters) != set(problem.parameters()) or len(parameters) != len(set(parameters)):
            raise ValueError("The layer's parameters must exactly match problem.parameters")
        duals = {dv.id for con in problem.constraints for dv in con.dual_variables}
        primal = {v.id for v in problem.variables()}
        for v in variables:
            if v.id not in primal and v.id not in duals:
                raise ValueError(
                    f"Variable {v} must be a subset of problem.variables or a constraint dual variable"
                )
        name = solver.upper() if isinstance(solver, str) else solver
        if name not in solvers:
            raise RuntimeError("Unknown solver. Check if your solver is supported by CVXPYlayers")
        self.solver_name = name
        self.backend = "native" if name in NATIVE_SOLVERS else "diffcp"
        self.problem, self.parameters, self.variables = problem, list(parameters), list(variables)
        self.gp, self.verbose = gp, verbose
        self._objective_sign = -1.0 if isinstance(problem.objective, cp.Maximize) else 1.0
        self.solver_args = dict(solver_args or {})
        self._canon = canonicalize(problem, self.parameters, self.variables, gp, verbose,
                                   canon_backend, self.solver_args, self.backend)  # fmt: skip
        self._settings = settings_from_options(self.solver_args)
        if verbose:  # the native solver's iteration table (CPU) as well as cvxpy's compilation log
            self._settings = replace(self._settings, verbose=True)

    def _call_settings(self, solver_args):
        return settings_from_options(solver_args, self._settings) if solver_args else self._settings

    def _check_shapes(self, arrays):
        """cvxpylayers' checks of the call's arrays (anything with .shape and .ndim, None
        rejected before): returns the batch, () or (B,)."""
        if len(arrays) != len(self.parameters):
            raise ValueError(
                f"A tensor must be provided for each CVXPY parameter; received {len(arrays)} "
                f"tensors, expected {len(self.parameters)}"
            )
        batch_sizes = []
        for i, (a, param) in enumerate(zip(arrays, self.parameters)):
            shape, got = tuple(param.shape), tuple(a.shape)
            if a.ndim == len(shape):
                if got != shape:
                    raise ValueError(
                        f"Invalid parameter shape for parameter {i}. Expected: {shape}, Got: {got}"
                    )
                batch_sizes.append(None)
            elif a.ndim == len(shape) + 1:
                if got[1:] != shape:
                    raise ValueError(
                        f"Invalid parameter shape for parameter {i}. Expected batched shape: "
                        f"(batch_size, {', '.join(map(str, shape))}), Got: {got}"
                    )
                batch_sizes.append(got[0])
            else:
                raise ValueError(
                    f"Invalid parameter dimensionality for parameter {i}. Expected {len(shape)} or "
                    f"{len(shape) + 1} dimensions, Got: {a.ndim} dimensions"
                )
        sizes = [b for b in batch_sizes if b is not None]
        if len(set(sizes)) > 1:
            raise ValueError(
                "Inconsistent batch sizes. Expected all batched parameters to have the same batch "
                f"size, but got: {sizes}"
            )
        return (sizes[0],) if sizes else ()


def reject_none(params) -> None:
    for i, value in enumerate(params):
        if value is None:  # cvxpylayers fails on None.shape: the same exception type
            raise AttributeError(
                f"'NoneType' object has no attribute 'shape' (parameter {i} of the layer is None)"
            )


def complex_error(i, param, dtype) -> TypeError:
    return TypeError(
        f"batchcone: parameter {i} ({param.name()}) is complex ({dtype}); the layer takes real values"
    )


def raise_if_failed(status, ok) -> None:
    """Raises SolverError naming the failed problems (concrete numpy status and ok)."""
    ok = np.asarray(ok)
    if ok.all():
        return
    status = np.atleast_1d(np.asarray(status))
    names = [bc.STATUS_NAMES[int(s)] for s in status]
    failed = [k for k, good in enumerate(np.atleast_1d(ok)) if not good]
    detail = ", ".join(f"{k}: {names[k]}" for k in failed[:10])
    more = "" if len(failed) <= 10 else f" (and {len(failed) - 10} more)"
    raise SolverError(
        f"The solver failed on {len(failed)} of {len(status)} problems (batch index: status) "
        f"{detail}{more}",
        names,
    )


def constant_value(sm, p_len):
    """The value of a SparseMap that reads no parameter (only p's constant last entry), as a
    numpy array, else None."""
    if not np.all(sm.cols == p_len - 1):
        return None
    value = np.zeros(sm.size)
    np.add.at(value, sm.rows, sm.coef)
    return value


def _is_dpp(problem) -> bool:
    """DPP, with quad_form(x, P) for a parametric P allowed in the objective (the native solver
    takes P as data), as cvxpy does for solvers with quadratic objectives."""
    try:
        return problem.is_dpp("dcp", quad_form_dpp="qp")
    except TypeError:  # cvxpy without the quad_form_dpp option
        return problem.is_dcp(dpp=True)
