# SPDX-License-Identifier: Apache-2.0
"""The structure a batch shares: sizes, the patterns of triu(P) and A, and the cones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from . import _ffi
from ._types import is_integer, is_real


class Cone(NamedTuple):
    kind: str  # "zero", "nonneg", "soc", "psd", "exp" or "pow"
    dim: int  # rows; for "psd" the side k of the matrix (k(k+1)/2 rows, svec); exp/pow: 3
    alpha: float = 0.0  # "pow" only: the exponent α ∈ (0, 1)


def Zero(dim: int) -> Cone:
    """The zero cone {0}^dim: equality rows (Ax = b on these rows)."""
    return Cone("zero", dim)


def NonNeg(dim: int) -> Cone:
    """The nonnegative orthant: Ax ≤ b on these rows."""
    return Cone("nonneg", dim)


def SOC(dim: int) -> Cone:
    """The second-order cone {(t, u): ‖u‖₂ ≤ t}, t first."""
    return Cone("soc", dim)


def PSD(side: int) -> Cone:
    """Positive semidefinite side×side matrices in svec form: the upper triangle column by
    column, off-diagonals scaled by √2 (side(side+1)/2 rows), as cvxpy emits for Clarabel."""
    return Cone("psd", side)


def Exp() -> Cone:
    """The exponential cone cl{(x, y, z): y·exp(x/y) ≤ z, y > 0} (cvxpy's ExpCone order)."""
    return Cone("exp", 3)


def Pow(alpha: float) -> Cone:
    """The 3-D power cone {(x, y, z): x^α·y^(1−α) ≥ |z|, x, y ≥ 0}, 0 < α < 1 (PowCone3D)."""
    return Cone("pow", 3, float(alpha))


_KIND_CODES = {"zero": 0, "nonneg": 1, "soc": 2, "psd": 3, "exp": 4, "pow": 5}


_INT32_MAX = int(np.iinfo(np.int32).max)


def _size(name: str, v) -> int:
    """A size given by the user: an integer (not a bool or a float) in [0, 2^31 - 1]."""
    if not is_integer(v):
        raise TypeError(f"batchcone: {name} must be an integer, got {v!r} ({type(v).__name__})")
    if not 0 <= int(v) <= _INT32_MAX:
        raise ValueError(f"batchcone: {name} = {int(v)} is outside [0, 2^31 - 1]")
    return int(v)


def _int_array(name: str, a) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"batchcone: {name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"batchcone: {name} must hold integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < np.iinfo(np.int32).min or arr.max() > _INT32_MAX):
        raise ValueError(f"batchcone: {name} has entries outside the int32 range")
    return np.ascontiguousarray(arr, dtype=np.int32)


def _check_lengths(n: int, arrays: dict[str, np.ndarray]) -> None:
    """indptr has n + 1 entries and indices as many as indptr[-1] says (the native validator
    checks the values; this keeps a short array from being read past its end)."""
    for mat in ("P", "A"):
        indptr, indices = arrays[f"{mat}_indptr"], arrays[f"{mat}_indices"]
        if indptr.size != n + 1:
            raise ValueError(
                f"batchcone: {mat}_indptr has length {indptr.size}, expected n + 1 = {n + 1}"
            )
        if int(indptr[-1]) != indices.size:
            raise ValueError(
                f"batchcone: {mat}_indptr[n] = {int(indptr[-1])} but {mat}_indices has "
                f"{indices.size} entries"
            )


def _cone(i: int, cone) -> Cone:
    """One user cone (a Cone or a (kind, dim[, alpha]) tuple), with its types checked."""
    try:
        kind, dim, alpha = (tuple(cone) + (0.0,))[:3]
    except (TypeError, ValueError):
        raise TypeError(
            f"batchcone: cones[{i}] must be a Cone or a (kind, dim) tuple, got {cone!r}"
        ) from None
    if not isinstance(kind, str) or kind not in _KIND_CODES:
        raise ValueError(
            f"batchcone: cones[{i}] has unknown kind {kind!r} "
            "(supported: zero, nonneg, soc, psd, exp, pow)"
        )
    dim = _size(f"cones[{i}] ({kind}) dimension", dim)
    if not is_real(alpha):
        raise TypeError(f"batchcone: cones[{i}] ({kind}) alpha must be a real number, got {alpha!r}")
    return Cone(kind, dim, float(alpha))


def _sorted_csc(M):
    """M as a scipy CSC matrix with sorted row indices; one the user passed in that form is used
    as it is (no copy, and never modified), since this runs in every Structure.from_matrices."""
    import scipy.sparse as sp

    if not (sp.issparse(M) and M.format == "csc"):
        M = sp.csc_matrix(M)
    if not M.has_sorted_indices:
        M = M.copy()
        M.sort_indices()
    return M


def _upper_triangle(Pc) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, indices) of triu(Pc) for a CSC matrix with sorted rows: the entries with
    row ≤ column are a prefix of every column, so the pattern is a mask and a count."""
    indptr, indices = Pc.indptr, Pc.indices
    cols = np.repeat(np.arange(Pc.shape[1], dtype=indices.dtype), np.diff(indptr))
    keep = indices <= cols
    if keep.all():
        return indptr, indices
    upper = np.zeros(Pc.shape[1] + 1, np.int64)
    np.cumsum(np.bincount(cols[keep], minlength=Pc.shape[1]), out=upper[1:])
    return upper, indices[keep]


@dataclass(frozen=True, eq=False)
class Structure:
    """Sizes, CSC patterns of triu(P) (n×n) and A (m×n), and cones of
    ``minimize ½xᵀPx + cᵀx  s.t.  Ax + s = b, s ∈ K``.

    Validated and analysed once in native code (ordering, factorization schedule) and registered
    under a content-hash key; only the key enters compiled JAX programs. Equal patterns give
    equal keys, so structures are cheap to recreate.
    """

    n: int
    m: int
    P_indptr: np.ndarray
    P_indices: np.ndarray
    A_indptr: np.ndarray
    A_indices: np.ndarray
    cones: tuple[Cone, ...]
    key: int

    def __init__(self, n: int, m: int, P_indptr, P_indices, A_indptr, A_indices,
                 cones: Sequence[Cone | tuple[str, int]]):  # fmt: skip
        arrays = {
            "P_indptr": _int_array("P_indptr", P_indptr),
            "P_indices": _int_array("P_indices", P_indices),
            "A_indptr": _int_array("A_indptr", A_indptr),
            "A_indices": _int_array("A_indices", A_indices),
        }
        n, m = _size("n", n), _size("m", m)
        _check_lengths(n, arrays)
        cone_list = [_cone(i, cone) for i, cone in enumerate(cones)]
        kinds = np.array([_KIND_CODES[c.kind] for c in cone_list], np.int32)
        dims = np.array([c.dim for c in cone_list], np.int32)
        alphas = np.array([c.alpha for c in cone_list], np.float64)
        key = _content_key(n, m, arrays, kinds, dims, alphas)
        for name, value in arrays.items():
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "cones", tuple(cone_list))
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_dims", dims)
        object.__setattr__(self, "_alphas", alphas)
        _ffi.register_structure(key, n, m, arrays["P_indptr"], arrays["P_indices"],
                                arrays["A_indptr"], arrays["A_indices"], kinds, dims,
                                alphas)  # fmt: skip

    @classmethod
    def from_matrices(cls, P, A, cones: Sequence[Cone | tuple[str, int]]) -> "Structure":
        """From scipy sparse (or dense) P (n×n; its upper triangle is used) and A (m×n)."""
        Ac = _sorted_csc(A)
        return cls(Ac.shape[1], Ac.shape[0], *_upper_triangle(_sorted_csc(P)), Ac.indptr,
                   Ac.indices, cones)  # fmt: skip

    @property
    def nnz_P(self) -> int:
        return int(self.P_indices.size)

    @property
    def nnz_A(self) -> int:
        return int(self.A_indices.size)

    # (row, column) of every stored value, for the JAX-side sparse products.
    @property
    def P_coords(self) -> tuple[np.ndarray, np.ndarray]:
        return self.P_indices, np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.P_indptr))

    @property
    def A_coords(self) -> tuple[np.ndarray, np.ndarray]:
        return self.A_indices, np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.A_indptr))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other) -> bool:
        return isinstance(other, Structure) and other.key == self.key

    def __repr__(self) -> str:
        cones = ", ".join(f"{c.kind}({c.alpha if c.kind == 'pow' else c.dim})" for c in self.cones)
        return f"Structure(n={self.n}, m={self.m}, nnz_P={self.nnz_P}, nnz_A={self.nnz_A}, cones=[{cones}])"


def _content_key(n, m, arrays, kinds, dims, alphas) -> int:
    h = hashlib.blake2b(digest_size=8)
    h.update(np.array([n, m], np.int64).tobytes())
    for name in ("P_indptr", "P_indices", "A_indptr", "A_indices"):
        h.update(name.encode())
        h.update(np.int64(arrays[name].size).tobytes())
        h.update(arrays[name].tobytes())
    h.update(kinds.tobytes())
    h.update(dims.tobytes())
    h.update(alphas.tobytes())
    return int(np.frombuffer(h.digest(), np.int64)[0])
