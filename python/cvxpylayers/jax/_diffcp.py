# SPDX-License-Identifier: Apache-2.0
"""The diffcp reference backend: each problem solved by diffcp (SCS, ECOS or Clarabel inside)
through jax.pure_callback, and differentiated by diffcp's adjoint in a second callback, wrapped in
a custom_vjp. Unlike cvxpylayers' own diffcp path this works under jax.jit and jax.vmap (the
callbacks take any leading batch dimensions); it loops over problems in Python, so it is a
reference, not a fast path. Reverse mode only.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

SOLVED, PRIMAL_INFEASIBLE, DUAL_INFEASIBLE, NUMERICAL_ERROR = 1, 3, 4, 8


def _status_of(error: Exception) -> int:
    text = str(error).lower()
    if "unbounded" in text or "dual infeasible" in text:
        return DUAL_INFEASIBLE
    if "infeasible" in text:
        return PRIMAL_INFEASIBLE
    return NUMERICAL_ERROR


def make_solver(canon, solve_method: str, kwargs: dict):
    """A function (A_vals, b, c) -> (x, y, s, status) over leading batch dims, differentiable.
    The backward pass re-solves each problem (warm-started for SCS) to get diffcp's adjoint:
    nothing is kept between the two callbacks, so it composes with jit and vmap."""
    import diffcp

    indptr, indices, (m, n) = canon.A_pattern
    cones = canon.cone_dict

    def matrix(vals):
        return sp.csc_matrix((np.asarray(vals, float).copy(), indices, indptr), shape=(m, n))

    def flat(*arrays):
        lead = arrays[-1].shape[:-1]
        return lead, [np.broadcast_to(a, lead + a.shape[-1:]).reshape(-1, a.shape[-1]) for a in arrays]

    def forward(A_vals, b, c):
        lead, (A2, b2, c2) = flat(np.asarray(A_vals), np.asarray(b), np.asarray(c))
        B = A2.shape[0]
        xs, ys, ss = np.full((B, n), np.nan), np.full((B, m), np.nan), np.full((B, m), np.nan)
        status = np.full(B, SOLVED, np.int32)
        for k in range(B):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    xs[k], ys[k], ss[k] = diffcp.solve_only(
                        matrix(A2[k]), b2[k].astype(float), c2[k].astype(float), cones,
                        solve_method=solve_method, **kwargs)  # fmt: skip
            except diffcp.SolverError as e:
                status[k] = _status_of(e)
        dt = np.asarray(c).dtype
        return (xs.reshape(lead + (n,)).astype(dt), ys.reshape(lead + (m,)).astype(dt),
                ss.reshape(lead + (m,)).astype(dt), status.reshape(lead))  # fmt: skip

    def backward(A_vals, b, c, x, y, s, status, dx, dy, ds):
        lead, (A2, b2, c2, x2, y2, s2, dx2, dy2, ds2) = flat(
            *(np.asarray(a) for a in (A_vals, b, c, x, y, s, dx, dy, ds)))  # fmt: skip
        st = np.broadcast_to(np.asarray(status), lead).reshape(-1)
        B = A2.shape[0]
        gA, gb, gc = np.zeros_like(A2, float), np.zeros((B, m)), np.zeros((B, n))
        rows, cols = indices, np.repeat(np.arange(n), np.diff(indptr))
        for k in range(B):
            if st[k] != SOLVED:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                warm = (x2[k], y2[k], s2[k]) if solve_method == "SCS" else None  # SCS warm-starts
                _, _, _, _, adjoint = diffcp.solve_and_derivative(
                    matrix(A2[k]), b2[k].astype(float), c2[k].astype(float), cones,
                    warm_start=warm, solve_method=solve_method, **kwargs)  # fmt: skip
                dA, db, dc = adjoint(dx2[k].astype(float), dy2[k].astype(float), ds2[k].astype(float))
            gA[k] = np.asarray(sp.csc_matrix(dA)[rows, cols]).ravel()
            gb[k], gc[k] = db, dc
        dt = np.asarray(c).dtype
        return (gA.reshape(lead + A2.shape[-1:]).astype(dt), gb.reshape(lead + (m,)).astype(dt),
                gc.reshape(lead + (n,)).astype(dt))  # fmt: skip

    def shapes(A_vals, b, c):
        lead = jnp.broadcast_shapes(A_vals.shape[:-1], b.shape[:-1], c.shape[:-1])
        dt, sds = c.dtype, jax.ShapeDtypeStruct
        return (sds(lead + (n,), dt), sds(lead + (m,), dt), sds(lead + (m,), dt),
                sds(lead, jnp.int32))  # fmt: skip

    @jax.custom_vjp
    def solve(A_vals, b, c):
        return jax.pure_callback(forward, shapes(A_vals, b, c), A_vals, b, c,
                                 vmap_method="broadcast_all")  # fmt: skip

    def solve_fwd(A_vals, b, c):
        out = solve(A_vals, b, c)
        return out, (A_vals, b, c) + tuple(out)

    def solve_bwd(res, cts):
        A_vals, b, c, x, y, s, status = res
        dx, dy, ds, _ = cts
        result = tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in (A_vals, b, c))
        lead = x.shape[:-1]
        grads = jax.pure_callback(backward, tuple(jax.ShapeDtypeStruct(lead + a.shape[-1:], a.dtype)
                                                  for a in result),
                                  A_vals, b, c, x, y, s, status, dx, dy, ds,
                                  vmap_method="broadcast_all")  # fmt: skip
        # Inputs without the batch dimensions get their cotangents summed over them.
        return tuple(_sum_to(g, a.shape) for g, a in zip(grads, result))

    solve.defvjp(solve_fwd, solve_bwd)
    return solve


def _sum_to(g, shape):
    extra = g.ndim - len(shape)
    if extra > 0:
        g = jnp.sum(g, axis=tuple(range(extra)))
    return g
