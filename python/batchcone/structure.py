# SPDX-License-Identifier: Apache-2.0
"""The structure a batch shares: sizes, the patterns of triu(P) and A, and the cones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from . import _ffi


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


def _int_array(name: str, a) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"batchcone: {name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"batchcone: {name} must hold integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < np.iinfo(np.int32).min or arr.max() > np.iinfo(np.int32).max):
        raise ValueError(f"batchcone: {name} has entries outside the int32 range")
    return np.ascontiguousarray(arr, dtype=np.int32)


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
        cone_list = []
        for i, cone in enumerate(cones):
            kind, dim, alpha = (tuple(cone) + (0.0,))[:3]
            if kind not in _KIND_CODES:
                raise ValueError(
                    f"batchcone: cones[{i}] has unknown kind {kind!r} "
                    "(supported: zero, nonneg, soc, psd, exp, pow)"
                )
            cone_list.append(Cone(kind, int(dim), float(alpha)))
        kinds = np.array([_KIND_CODES[c.kind] for c in cone_list], np.int32)
        dims = np.array([c.dim for c in cone_list], np.int32)
        alphas = np.array([c.alpha for c in cone_list], np.float64)
        key = _content_key(int(n), int(m), arrays, kinds, dims, alphas)
        for name, value in arrays.items():
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "n", int(n))
        object.__setattr__(self, "m", int(m))
        object.__setattr__(self, "cones", tuple(cone_list))
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_dims", dims)
        object.__setattr__(self, "_alphas", alphas)
        object.__setattr__(self, "_generation", None)
        self.ensure_registered()

    def ensure_registered(self) -> None:
        """Registers with the native registry (again after clear_structures); raises ValueError
        naming the fault for an invalid structure."""
        if self._generation == _ffi.generation():
            return
        _ffi.register_structure(self.key, self.n, self.m, self.P_indptr, self.P_indices,
                                self.A_indptr, self.A_indices, self._kinds, self._dims,
                                self._alphas)  # fmt: skip
        object.__setattr__(self, "_generation", _ffi.generation())

    @classmethod
    def from_matrices(cls, P, A, cones: Sequence[Cone | tuple[str, int]]) -> "Structure":
        """From scipy sparse (or dense) P (n×n; its upper triangle is used) and A (m×n)."""
        import scipy.sparse as sp

        Pu = sp.triu(sp.csc_matrix(P), format="csc")
        Ac = sp.csc_matrix(A)
        Pu.sort_indices(), Ac.sort_indices()
        return cls(Ac.shape[1], Ac.shape[0], Pu.indptr, Pu.indices, Ac.indptr, Ac.indices, cones)

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
