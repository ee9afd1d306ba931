# SPDX-License-Identifier: Apache-2.0
"""CvxpyLayer for JAX (the cvxpylayers API), solved by batchcone.

Construction canonicalizes the DPP problem once (cvxpylayers/_canon.py). A call maps the
parameters to the problem data with sparse maps in JAX, solves the whole batch in one native
call (batchcone.solve) and gathers the requested variables, so the layer works eagerly and under
jax.jit, jax.vmap, jax.grad, jax.jvp/jacfwd and shard_map/pmap, in float32 or float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import batchcone as bc
from batchcone.solve import ALMOST_SOLVED, SOLVED

from .._layer import LayerCore, SolverError, complex_error, constant_value, raise_if_failed, reject_none
from ._values import check_eagerly, invalidate_traced

__all__ = ["CvxpyLayer", "SolverError"]


class CvxpyLayer(LayerCore):
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
        super().__init__(problem, parameters, variables, solver, gp, verbose, canon_backend,
                         solver_args)  # fmt: skip
        if self.backend == "diffcp":
            from ._diffcp import make_solver

            args = dict(self.solver_args)
            method = args.pop("solve_method", {"CLARABEL": "Clarabel", "ECOS": "ECOS"}.get(self.solver_name, "SCS"))
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
        settings = self._call_settings(solver_args)
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
        reject_none(params)
        arrays = [jnp.asarray(value) for value in params]
        for i, (a, param) in enumerate(zip(arrays, self.parameters)):
            if jnp.issubdtype(a.dtype, jnp.complexfloating):
                raise complex_error(i, param, a.dtype)
        return self._check_shapes(arrays), arrays

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
        raise_if_failed(status, ok)


def _apply(sm, p, shared_constant=False):
    """The SparseMap applied to p [..., p_len] -> [..., size] (linear: differentiable, jittable).
    With shared_constant, a map that reads no parameter (only p's last entry, the constant 1)
    gives its value unbatched, [size]: the native solver then shares one copy across the batch
    and nothing is differentiated through it."""
    value = constant_value(sm, p.shape[-1]) if shared_constant else None
    if value is not None:
        return jnp.asarray(value, p.dtype)
    if sm.gathers is None:
        vals = jnp.asarray(sm.coef, p.dtype) * p[..., sm.cols]
        return jnp.zeros(p.shape[:-1] + (sm.size,), p.dtype).at[..., sm.rows].add(vals)
    idx, coef = sm.gathers
    out = jnp.zeros(p.shape[:-1] + (sm.size,), p.dtype)
    for l in range(idx.shape[0]):  # the scatter's terms in its order (XLA may fuse into FMAs)
        out = out + jnp.asarray(coef[l], p.dtype) * p[..., np.where(idx[l] < 0, p.shape[-1] - 1, idx[l])]
    return out
