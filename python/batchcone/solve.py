# SPDX-License-Identifier: Apache-2.0
"""``solve``: a batch of cone programs through the native solver, differentiable in both modes.

Differentiation is one ``custom_jvp`` rule. At the solution (x, z, s) with cone scaling H and
    K = [[P, Aᵀ], [A, −H]],
the tangent of the solution is
    [dx; dz] = K⁻¹ [−dP·x − dAᵀz − dc ; db − dA·x],    ds = db − dA·x − A·dx,
whose right-hand side is built here with sparse gathers (linear in the tangents) and whose
solve is a ``lax.custom_linear_solve`` over the native KKT solve (K is symmetric, so it is its
own transpose). JAX transposes this rule for reverse mode, so ``jax.jvp``, ``jax.jacfwd``,
``jax.grad`` and ``jax.vjp`` all work, under ``jit`` and ``vmap``. Problems that did not reach
Solved or AlmostSolved get zero derivatives.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from . import _ffi, _vma
from .settings import Settings
from .structure import Structure

_OPERANDS = ("P_vals", "c", "A_vals", "b")
MAX_BATCH = 2**31 - 1  # problems per call: the native solver counts them in int32
SOLVED, ALMOST_SOLVED = 1, 2
STATUS_NAMES = (
    "Unsolved", "Solved", "AlmostSolved", "PrimalInfeasible", "DualInfeasible",
    "AlmostPrimalInfeasible", "AlmostDualInfeasible", "MaxIterations", "NumericalError",
    "InsufficientProgress", "InvalidInput",
)  # fmt: skip
INVALID_INPUT = 10  # the problem's data hold a NaN or an infinity; it was not solved


class Solution(NamedTuple):
    x: jax.Array  # [..., n]
    z: jax.Array  # [..., m] dual variables
    s: jax.Array  # [..., m] slacks
    status: jax.Array  # [...] int32, see STATUS_NAMES
    iterations: jax.Array  # [...] int32
    objective: jax.Array  # [...] primal objective (NaN for infeasibility certificates)


def solve(structure: Structure, P_vals, c, A_vals, b, settings: Settings = Settings()) -> Solution:
    """Solves ``minimize ½xᵀPx + cᵀx  s.t.  Ax + s = b, s ∈ K`` for every problem of a batch.

    ``P_vals [..., nnz_P]`` (values of triu(P) in the structure's CSC order), ``c [..., n]``,
    ``A_vals [..., nnz_A]``, ``b [..., m]``: leading dimensions are batch dimensions and broadcast
    against each other (an unbatched input is shared by the whole batch, without copies).
    float32 or float64; compute is float64 inside and outputs come back in the input dtype.
    """
    if not isinstance(structure, Structure):
        raise TypeError(f"batchcone: structure must be a batchcone.Structure, got {type(structure)}")
    if not isinstance(settings, Settings):
        raise TypeError(f"batchcone: settings must be a batchcone.Settings, got {type(settings)}")
    arrays = [jnp.asarray(a) for a in (P_vals, c, A_vals, b)]
    for name, a in zip(_OPERANDS, arrays):
        if jnp.issubdtype(a.dtype, jnp.complexfloating):
            raise TypeError(
                f"batchcone: {name} is complex ({a.dtype}); the solver takes real float32 or "
                "float64 arrays"
            )
    dtype = jnp.result_type(*arrays)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)
    if dtype not in (jnp.float32, jnp.float64):
        raise TypeError(f"batchcone: inputs must be float32 or float64, got {dtype}")
    arrays = [a.astype(dtype) for a in arrays]
    for name, a, size in zip(_OPERANDS, arrays,
                             (structure.nnz_P, structure.n, structure.nnz_A, structure.m)):  # fmt: skip
        if a.ndim == 0 or a.shape[-1] != size:
            raise ValueError(
                f"batchcone: {name} has shape {a.shape}, expected last dimension {size}"
            )
    try:  # reported here rather than from inside the native call
        lead = jnp.broadcast_shapes(*(a.shape[:-1] for a in arrays))
    except ValueError:
        raise ValueError(
            "batchcone: the batch dimensions of P_vals, c, A_vals, b do not broadcast: "
            + ", ".join(str(a.shape[:-1]) for a in arrays)
        ) from None
    if math.prod(lead) > MAX_BATCH:
        raise ValueError(
            f"batchcone: the batch {lead} holds {math.prod(lead)} problems, more than "
            f"{MAX_BATCH} (2^31 - 1) per call; split it into several calls"
        )
    # Called eagerly, non-finite data raise here, naming the entry; traced (jit, vmap, grad), an
    # error could only surface later and would lose the batch, so such a problem gets status
    # InvalidInput and NaN outputs instead, and the others are solved.
    traced = any(isinstance(a, jax.core.Tracer) for a in arrays)
    # Inside shard_map, operands replicated over a manual axis are cast to vary over it like the
    # sharded ones, here, outside the custom JVP: their gradients are then summed over the
    # devices by the cast's transpose (_vma.py).
    arrays, _ = _vma.agree(*arrays)
    return Solution(*_solve(structure, settings, traced, *arrays))


# ---- the native calls --------------------------------------------------------------------------


def _attrs(structure: Structure, settings: Settings, nonfinite_as_status: bool) -> dict:
    return {
        "structure_key": np.int64(structure.key),
        "settings": settings.attribute(nonfinite_as_status),
    }


def _solve_call(structure, settings, traced, P, c, A, b, exact=False):
    """The six Solution fields, then the float64 x, z, s as uint32 pairs ([..., 2n], [..., 2m])
    when ``exact`` (else empty): the point a float32 caller's derivatives are taken at, which
    needs no float64 arrays (jax_enable_x64 may be off)."""
    lead = jnp.broadcast_shapes(P.shape[:-1], c.shape[:-1], A.shape[:-1], b.shape[:-1])
    (P, c, A, b), like = _vma.agree(P, c, A, b)
    dt, sds = c.dtype, partial(_vma.result, like=like)
    n, m = (structure.n, structure.m) if exact else (0, 0)
    out = (
        sds(lead + (structure.n,), dt),
        sds(lead + (structure.m,), dt),
        sds(lead + (structure.m,), dt),
        sds(lead, jnp.int32),
        sds(lead, jnp.int32),
        sds(lead, dt),
        sds(lead + (2 * n,), jnp.uint32),
        sds(lead + (2 * m,), jnp.uint32),
        sds(lead + (2 * m,), jnp.uint32),
    )
    call = jax.ffi.ffi_call("batchcone_solve", out, vmap_method="expand_dims")
    return call(P, c, A, b, **_attrs(structure, settings, traced))


def _kkt_call(target, structure, settings, data, solution, vx, vz):
    lead = jnp.broadcast_shapes(solution[0].shape[:-1], vx.shape[:-1], vz.shape[:-1])
    operands, like = _vma.agree(*data, *solution, vx, vz)
    sds = partial(_vma.result, like=like)
    out = (sds(lead + (structure.n,), vx.dtype), sds(lead + (structure.m,), vz.dtype))
    call = jax.ffi.ffi_call(target, out, vmap_method="expand_dims")
    # Only Solved and AlmostSolved problems are differentiated, and a NaN in one's vector is
    # that problem's: no value checks (the solve made them).
    return call(*operands, **_attrs(structure, settings, True))


# ---- sparse products on the structure's patterns (linear in the values, so transposable) -------


def _spmv(vals, vec, src, dst, size):
    """out[..., dst[k]] += vals[..., k] · vec[..., src[k]]."""
    prod = vals * vec[..., src]
    return jnp.zeros(prod.shape[:-1] + (size,), prod.dtype).at[..., dst].add(prod)


def _P_times(structure, P_vals, x):
    rows, cols = structure.P_coords
    off = jnp.asarray(rows != cols, P_vals.dtype)
    return _spmv(P_vals, x, cols, rows, structure.n) + _spmv(P_vals * off, x, rows, cols, structure.n)


def _A_times(structure, A_vals, x):
    rows, cols = structure.A_coords
    return _spmv(A_vals, x, cols, rows, structure.m)


def _At_times(structure, A_vals, z):
    rows, cols = structure.A_coords
    return _spmv(A_vals, z, rows, cols, structure.n)


# ---- the differentiable solve ------------------------------------------------------------------


@partial(jax.custom_jvp, nondiff_argnums=(0, 1, 2))
def _solve(structure, settings, traced, P, c, A, b):
    return _solve_call(structure, settings, traced, P, c, A, b)[:6]


def _masked(v, keep):
    """v [..., k] with the rows of problems where keep is False set to zero."""
    return jnp.where(keep[..., None], v, 0)


def _is_zero(t):
    return isinstance(t, SymbolicZero)


def _zero_tangent(v):
    """A symbolic zero tangent for output v, typed after it (inside shard_map, varying over
    the same manual axes)."""
    return SymbolicZero(jax.typeof(v).to_tangent_aval())


def _solve_jvp(structure, settings, traced, primals, tangents):
    """The tangent rule. Tangents of inputs that do not depend on the differentiated arguments
    arrive as symbolic zeros (symbolic_zeros=True) and their terms are left out: computed, a
    zero term would be a constant part of the right-hand side, which linearization solves in
    the forward pass at the cost of a second factorization."""
    P, c, A, b = primals
    dP, dc, dA, db = tangents
    # float32 callers: the KKT calls get the float64 solution (cpu.cc explains why).
    exact = c.dtype == jnp.float32
    x, z, s, status, iterations, objective, x64, z64, s64 = _solve_call(
        structure, settings, traced, P, c, A, b, exact
    )
    out = (x, z, s, status, iterations, objective)
    # The tangent terms below are zero for problems that are not differentiated; their x and z
    # (NaN for an InvalidInput problem) are zeroed so that 0·NaN cannot reach shared tangents.
    okb = (status == SOLVED) | (status == ALMOST_SOLVED)
    x_d, z_d = _masked(x, okb), _masked(z, okb)
    solution = (x64, z64, s64, status) if exact else (x, z, s, status)
    zero_int = _zero_tangent(status)
    if all(_is_zero(t) for t in tangents):
        return out, tuple(_zero_tangent(v) for v in out)

    n, m = structure.n, structure.m
    r_x = [-_P_times(structure, dP, x_d)] if not _is_zero(dP) else []
    r_x += [-_At_times(structure, dA, z_d)] if not _is_zero(dA) else []
    r_x += [-dc] if not _is_zero(dc) else []
    r_z = [db] if not _is_zero(db) else []
    r_z += [-_A_times(structure, dA, x_d)] if not _is_zero(dA) else []
    # One right-hand side vector [r_x; r_z]: custom_linear_solve transposes only when every part
    # of it depends on the tangents, so a part with no term is the other part's first entry
    # times zeros (linear in the tangents, and zero).
    lead = jnp.broadcast_shapes(x.shape[:-1], *(t.shape[:-1] for t in r_x + r_z))
    r_x = sum(jnp.broadcast_to(t, lead + (n,)) for t in r_x) if r_x else None
    r_z = sum(jnp.broadcast_to(t, lead + (m,)) for t in r_z) if r_z else None
    if r_x is None:
        r_x = jnp.zeros_like(r_z[..., :1]) * jnp.zeros(n, r_z.dtype)
    if r_z is None:
        r_z = jnp.zeros_like(r_x[..., :1]) * jnp.zeros(m, r_x.dtype)
    rhs = jnp.concatenate([r_x, r_z], -1)

    def kkt(target, v):
        ox, oz = _kkt_call(target, structure, settings, primals, solution, v[..., :n], v[..., n:])
        return jnp.concatenate([ox, oz], -1)

    w = jax.lax.custom_linear_solve(
        partial(kkt, "batchcone_kkt_multiply"),
        rhs,
        lambda _matvec, r: kkt("batchcone_kkt_solve", r),
        symmetric=True,
    )
    dx, dz = w[..., :n], w[..., n:]
    ok = okb.astype(x.dtype)
    # With the data of the problems not differentiated zeroed too (a NaN there would reach the
    # others' cotangents through 0·NaN in the transposed products).
    P_d, c_d, A_d = (_masked(v, okb) if v.ndim > 1 else v for v in (P, c, A))
    ds = (r_z - _A_times(structure, A_d, dx)) * ok[..., None]
    # d(½xᵀPx + cᵀx) = ½xᵀdP x + dcᵀx + (Px + c)ᵀdx
    dobjective = jnp.sum((_P_times(structure, P_d, x_d) + c_d) * dx, -1)
    if not _is_zero(dP):
        dobjective = dobjective + 0.5 * jnp.sum(x_d * _P_times(structure, dP, x_d), -1)
    if not _is_zero(dc):
        dobjective = dobjective + jnp.sum(dc * x_d, -1)
    return out, (dx, dz, ds, zero_int, zero_int, jnp.where(okb, dobjective, 0))


_solve.defjvp(_solve_jvp, symbolic_zeros=True)
