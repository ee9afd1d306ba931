# SPDX-License-Identifier: Apache-2.0
"""The native calls inside shard_map: which manual mesh axes their operands and results vary over.

Under shard_map (check_vma, the default) every value is typed with the manual axes over which it
may differ between devices. A native call's per-problem results differ wherever any operand does,
so they are declared varying over the union of the operands' axes, and the operands that vary
over fewer are cast to that union (an ffi_call's operands must agree). Declared invariant, the
results would meet varying tangents in the solve's JVP rule, and differentiating inside shard_map
would fail. Outside shard_map (or with check_vma=False) the union is empty and nothing changes.

jax >= 0.10 spells the type `aval.mat.varying` and a result's `ShapeDtypeStruct(sharding=...,
manual_axis_type=...)` (on the manual mesh), casts with `lax.pcast(..., to="varying")`; jax
0.6-0.9 spells them `aval.vma`, `ShapeDtypeStruct(vma=...)` and `lax.pvary`.
"""

from __future__ import annotations

import jax
from jax.sharding import NamedSharding, PartitionSpec


def _axes(a) -> frozenset:
    aval = jax.typeof(a)
    mat = getattr(aval, "mat", None)
    return frozenset(mat.varying if mat is not None else getattr(aval, "vma", ()))


def _cast_varying(a, axes: frozenset):
    missing = tuple(sorted(axes - _axes(a)))
    if not missing:
        return a
    if hasattr(jax.lax, "pcast"):
        return jax.lax.pcast(a, missing, to="varying")
    return jax.lax.pvary(a, missing)


def agree(*operands):
    """The operands cast to the union of their varying axes, and the type of one of them (None
    where they vary over no axis): the results' types are made after it."""
    axes = frozenset().union(*(_axes(a) for a in operands))
    if not axes:
        return operands, None
    operands = tuple(_cast_varying(a, axes) for a in operands)
    return operands, jax.typeof(operands[0])


def result(shape, dtype, like) -> jax.ShapeDtypeStruct:
    """A native call's result type, varying over the same manual axes as ``like``."""
    if like is None:
        return jax.ShapeDtypeStruct(shape, dtype)
    if hasattr(like, "mat"):
        replicated = NamedSharding(like.sharding.mesh, PartitionSpec())
        return jax.ShapeDtypeStruct(shape, dtype, sharding=replicated, manual_axis_type=like.mat)
    return jax.ShapeDtypeStruct(shape, dtype, vma=like.vma)
