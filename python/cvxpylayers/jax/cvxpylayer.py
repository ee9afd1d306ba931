# SPDX-License-Identifier: Apache-2.0
"""CvxpyLayer for JAX (the cvxpylayers API), solved by batchcone.

Construction canonicalizes the DPP problem once (cvxpylayers/_canon.py). A call maps the
parameters to the problem data with sparse maps in JAX, solves the whole batch in one native
call (batchcone.solve) and gathers the requested variables, so the layer works eagerly and under
jax.jit, jax.vmap, jax.grad, jax.jvp/jacfwd and shard_map/pmap, in float32 or float64.
"""

from __future__ import annotations

from dataclasses import replace

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np

import batchcone as bc
from batchcone.settings import settings_from_options
from batchcone.solve import ALMOST_SOLVED, SOLVED

from .._canon import canonicalize
from ._values import check_eagerly, invalidate_traced

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


class CvxpyLayer:
    """A differentiable convex optimization layer: parameters in, optimal variables out.

    The native batched solver answers to ``solver=None``, ``"MOREAU"`` and ``"BATCHCONE"``; every
    transformation works with it (jit, vmap, grad, forward mode). ``"DIFFCP"``, ``"SCS"``,
    ``"CLARABEL"`` and ``"ECOS"`` use diffcp as a reference backend (if installed; jit, vmap and
    reverse mode; ``solver_args`` go to diffcp). ``__call__`` also takes ``return_info=True`` to
    get the per-problem statuses, which is how failures are seen under jit (failed problems give
    NaN outputs there instead of raising).
    """

    def __init__(self, problem, parameters, variables, solver=None, gp=False, verbose=False,
                 canon_backend=None, solver_args=None):  # fmt: skip
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
        if name not in NATIVE_SOLVERS and name not in DIFFCP_SOLVERS:
            raise RuntimeError("Unknown solver. Check if your solver is supported by CVXPYlayers")
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
        if self.backend == "diffcp":
            from ._diffcp import make_solver

            args = dict(self.solver_args)
            method = args.pop("solve_method", {"CLARABEL": "Clarabel", "ECOS": "ECOS"}.get(name, "SCS"))
            self._diffcp = make_solver(self._canon, method, args)

    # ---- call --------------------------------------------------------------------------------

    def __call__(self, *params, solver_args=None, warm_start=False, return_info=False):
        """Solves for the given parameter values; returns a tuple, one array per variable.

        A leading batch axis per parameter is optional; unbatched parameters are broadcast (and
        their gradients summed). ``warm_start`` is accepted for compatibility and ignored (the
        interior-point method starts from its own initial point). With ``return_info=True`` the
        result is ``(outputs, info)`` with per-problem ``status`` (int32, see
        ``batchcone.STATUS_NAMES``), ``iterations`` and ``objective``.
        """
        del warm_start
        settings = settings_from_options(solver_args, self._settings) if solver_args else self._settings
        batch, arrays = self._validate(params)
        dtype = jnp.result_type(*arrays) if arrays else jnp.result_type(float)
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = jnp.result_type(float)
        arrays = [a.astype(dtype) for a in arrays]
        batched = [a.ndim > len(param.shape) for a, param in zip(arrays, self.parameters)]
        if any(isinstance(a, jax.core.Tracer) for a in arrays):
            arrays = invalidate_traced(self.parameters, arrays, batched)
        else:
            check_eagerly(self.parameters, arrays, batched, self.gp)
        p = self._parameter_vector(arrays, batch, dtype)
        cn = self._canon
        if self.backend == "native":
            data = [_apply(sm, p, shared_constant=True) for sm in (cn.P, cn.c, cn.A, cn.b)]
            sol = bc.solve(cn.structure, *data, settings)
        else:
            c = _apply(cn.c, p)
            x, y, s, status = self._diffcp(_apply(cn.A, p), _apply(cn.b, p), c)
            objective = jnp.sum(c * x, -1)
            sol = bc.Solution(x, y, s, status, jnp.zeros_like(status), objective)
        ok = (sol.status == SOLVED) | (sol.status == ALMOST_SOLVED)
        self._raise_if_failed(sol.status, ok)
        outputs = tuple(self._recover(out, sol, ok) for out in cn.outputs)
        if not return_info:
            return outputs
        # The solver minimizes; cvxpy's value is −that for Maximize, and exp of it for a
        # geometric program (solved in log-log space).
        objective = self._objective_sign * (sol.objective + _apply(cn.d, p)[..., 0])
        if self.gp:
            objective = jnp.exp(objective)
        return outputs, {"status": sol.status, "iterations": sol.iterations, "objective": objective}

    def _validate(self, params):
        if len(params) != len(self.parameters):
            raise ValueError(
                f"A tensor must be provided for each CVXPY parameter; received {len(params)} "
                f"tensors, expected {len(self.parameters)}"
            )
        arrays, batch_sizes = [], []
        for i, (value, param) in enumerate(zip(params, self.parameters)):
            if value is None:  # cvxpylayers fails on None.shape: the same exception type
                raise AttributeError(
                    f"'NoneType' object has no attribute 'shape' (parameter {i} of the layer is None)"
                )
            a = jnp.asarray(value)
            if jnp.issubdtype(a.dtype, jnp.complexfloating):
                raise TypeError(
                    f"batchcone: parameter {i} ({param.name()}) is complex ({a.dtype}); the layer "
                    "takes real values"
                )
            shape = tuple(param.shape)
            if a.ndim == len(shape):
                if a.shape != shape:
                    raise ValueError(
                        f"Invalid parameter shape for parameter {i}. Expected: {shape}, Got: {a.shape}"
                    )
                batch_sizes.append(None)
            elif a.ndim == len(shape) + 1:
                if a.shape[1:] != shape:
                    raise ValueError(
                        f"Invalid parameter shape for parameter {i}. Expected batched shape: "
                        f"(batch_size, {', '.join(map(str, shape))}), Got: {a.shape}"
                    )
                batch_sizes.append(a.shape[0])
            else:
                raise ValueError(
                    f"Invalid parameter dimensionality for parameter {i}. Expected {len(shape)} or "
                    f"{len(shape) + 1} dimensions, Got: {a.ndim} dimensions"
                )
            arrays.append(a)
        sizes = [b for b in batch_sizes if b is not None]
        if len(set(sizes)) > 1:
            raise ValueError(
                "Inconsistent batch sizes. Expected all batched parameters to have the same batch "
                f"size, but got: {sizes}"
            )
        return ((sizes[0],) if sizes else ()), arrays

    def _parameter_vector(self, arrays, batch, dtype):
        """p = [θ; 1] with each parameter flattened column-major at its offset, [*batch, p_len].
        Unbatched parameters broadcast over the batch."""
        cn = self._canon
        p = jnp.zeros(batch + (cn.p_len,), dtype).at[..., cn.p_len - 1].set(1.0)
        for a, param, block in zip(arrays, self.parameters, cn.blocks):
            if block.offset < 0:
                continue
            if block.log:
                a = jnp.log(a)
            lead = a.ndim - len(param.shape)  # 1 if this parameter is batched, else 0
            axes = tuple(range(lead)) + tuple(reversed(range(lead, a.ndim)))
            size = int(np.prod(param.shape, dtype=int))  # not −1: a batch may be empty
            flat = jnp.transpose(a, axes).reshape(a.shape[:lead] + (size,))  # column-major
            vals = flat[..., block.gather]
            if block.mirror is not None:
                vals = 0.5 * (vals + flat[..., block.mirror])
            p = p.at[..., block.offset : block.offset + vals.shape[-1]].set(
                jnp.broadcast_to(vals, batch + vals.shape[-1:])
            )
        return p

    def _recover(self, out, sol, ok):
        src = sol.x if out.source == "x" else sol.z
        value = src[..., out.index] * jnp.asarray(out.coef, src.dtype)
        if out.exp:
            value = jnp.exp(value)
        mask = ok.reshape(ok.shape + (1,) * out.index.ndim)
        return jnp.where(mask, value, jnp.nan)

    def _raise_if_failed(self, status, ok):
        if isinstance(status, jax.core.Tracer):
            return  # under jit/vmap: failures show as NaN outputs and in return_info
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


def _is_dpp(problem) -> bool:
    """DPP, with quad_form(x, P) for a parametric P allowed in the objective (the native solver
    takes P as data), as cvxpy does for solvers with quadratic objectives."""
    try:
        return problem.is_dpp("dcp", quad_form_dpp="qp")
    except TypeError:  # cvxpy without the quad_form_dpp option
        return problem.is_dcp(dpp=True)


def _apply(sm, p, shared_constant=False):
    """The SparseMap applied to p [..., p_len] -> [..., size] (linear: differentiable, jittable).
    With shared_constant, a map that reads no parameter (only p's last entry, the constant 1)
    gives its value unbatched, [size]: the native solver then shares one copy across the batch
    and nothing is differentiated through it."""
    if shared_constant and np.all(sm.cols == p.shape[-1] - 1):
        value = np.zeros(sm.size)
        np.add.at(value, sm.rows, sm.coef)
        return jnp.asarray(value, p.dtype)
    if sm.gathers is None:
        vals = jnp.asarray(sm.coef, p.dtype) * p[..., sm.cols]
        return jnp.zeros(p.shape[:-1] + (sm.size,), p.dtype).at[..., sm.rows].add(vals)
    idx, coef = sm.gathers
    out = jnp.zeros(p.shape[:-1] + (sm.size,), p.dtype)
    for l in range(idx.shape[0]):  # the scatter's terms in its order (XLA may fuse into FMAs)
        out = out + jnp.asarray(coef[l], p.dtype) * p[..., np.where(idx[l] < 0, p.shape[-1] - 1, idx[l])]
    return out
