# SPDX-License-Identifier: Apache-2.0
"""Checks of the parameter values a layer is called with, in the user's terms.

Called eagerly, a bad value raises ValueError naming the parameter, the entry and the problem of
the batch. Traced (jit, vmap, grad) nothing can raise: a problem whose parameters are bad gets
NaN for them, so that the native solver gives it status InvalidInput and NaN outputs while the
rest of the batch is solved. Bad means: not finite; not positive in a geometric program (its
logarithm is taken); outside the semidefinite cone for a PSD=True or NSD=True parameter (the
symmetric part is tested, which is what the problem uses).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _label(i, param) -> str:
    return f"parameter {i} ({param.name()})"


def _where(batched: bool, flat_index: tuple) -> str:
    index = ", ".join(str(int(k)) for k in flat_index)
    problem = f" (problem {int(flat_index[0])} of the batch)" if batched else ""
    return f"[{index}]{problem}"


def _semidefinite(param) -> int:
    """+1 for a PSD=True parameter, −1 for NSD=True, 0 otherwise."""
    attrs = getattr(param, "attributes", {})
    return 1 if attrs.get("PSD") else -1 if attrs.get("NSD") else 0


def _extreme_eigenvalue(a, sign):
    """min eigenvalue of sign·sym(a) over its last two axes, and the tolerance below which
    it is a violation: 1e-8 (cvxpy's PSD_NSD_PROJECTION_TOL) relative to max(1, ‖sym(a)‖₂)
    and never below 100 ulps of the dtype."""
    sym = 0.5 * (a + jnp.swapaxes(a, -1, -2)) * sign
    lam = jnp.linalg.eigvalsh(sym)
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(lam), -1))
    tol = max(1e-8, 100 * float(jnp.finfo(a.dtype).eps)) * scale
    return lam[..., 0], tol


def check_eagerly(parameters, arrays, batched, gp) -> None:
    """Raises ValueError for the first bad value (concrete arrays)."""
    for i, (param, a, is_batched) in enumerate(zip(parameters, arrays, batched)):
        v = np.asarray(a)
        bad = ~np.isfinite(v)
        if bad.any():
            at = np.argwhere(bad)[0]
            kind = "NaN" if np.isnan(v[tuple(at)]) else "infinite"
            raise ValueError(f"batchcone: {_label(i, param)} is {kind} at {_where(is_batched, at)}")
        if gp and (v <= 0).any():
            at = np.argwhere(v <= 0)[0]
            raise ValueError(
                f"batchcone: {_label(i, param)} must be positive in a geometric program, got "
                f"{v[tuple(at)]} at {_where(is_batched, at)}"
            )
        sign = _semidefinite(param)
        if sign and v.size:
            lam, tol = (np.asarray(t) for t in _extreme_eigenvalue(jnp.asarray(v), sign))
            low = np.atleast_1d(lam < -tol)
            if low.any():
                k = int(np.argmax(low))
                what = "positive" if sign > 0 else "negative"
                where = f" in problem {k} of the batch" if is_batched else ""
                raise ValueError(
                    f"batchcone: {_label(i, param)} must be {what} semidefinite (its symmetric part"
                    f"{where} has eigenvalue {sign * float(np.atleast_1d(lam)[k]):.3g})"
                )


def invalidate_traced(parameters, arrays, batched):
    """The arrays with the semidefinite parameters that violate their attribute replaced by NaN
    (non-finite and non-positive values need nothing: they reach the solver as NaN or ±inf)."""
    out = []
    for param, a, is_batched in zip(parameters, arrays, batched):
        sign = _semidefinite(param)
        if sign and a.size:
            lam, tol = _extreme_eigenvalue(jax.lax.stop_gradient(a), sign)
            bad = lam < -tol
            a = jnp.where(bad[..., None, None], jnp.nan, a)
        out.append(a)
    return out
