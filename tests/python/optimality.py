# SPDX-License-Identifier: Apache-2.0
"""The optimality conditions of  min ½xᵀPx + cᵀx  s.t.  Ax + s = b, s ∈ K  checked in numpy from
the problem data alone (no solver involved): relative residuals, complementarity and the cones'
closed-form membership tests for s ∈ K and z ∈ K*. A point that passes them to ε is an exact
solution of a problem perturbed by ε, whatever produced it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class Optimality:
    primal: float  # ‖Ax + s − b‖∞ / (1 + ‖b‖∞ + ‖Ax‖∞)
    dual: float  # ‖Px + Aᵀz + c‖∞ / (1 + ‖c‖∞ + ‖Px‖∞ + ‖Aᵀz‖∞)
    complementarity: float  # |sᵀz| / (1 + |cᵀx| + |bᵀz|)
    cone_s: float  # how far s is outside K, relative to ‖s‖∞ (0 inside)
    cone_z: float  # how far z is outside K*, relative to ‖z‖∞

    def worst(self) -> float:
        return max(self.primal, self.dual, self.complementarity, self.cone_s, self.cone_z)


def svec_to_mat(v: np.ndarray) -> np.ndarray:
    """The symmetric matrix of an svec (upper triangle column-major, off-diagonals ×√2)."""
    k = int(round((np.sqrt(8 * len(v) + 1) - 1) / 2))
    m, t = np.zeros((k, k)), 0
    for j in range(k):
        for i in range(j + 1):
            m[i, j] = m[j, i] = v[t] if i == j else v[t] / np.sqrt(2)
            t += 1
    return m


def _violation(kind: str, x: np.ndarray, dual: bool, alpha: float) -> float:
    """How far x is outside the cone (or its dual), ≥ 0."""
    if kind == "zero":
        return 0.0 if dual else float(np.max(np.abs(x), initial=0.0))
    if kind == "nonneg":
        return float(max(0.0, -np.min(x)))
    if kind == "soc":
        return float(max(0.0, np.linalg.norm(x[1:]) - x[0]))
    if kind == "psd":
        return float(max(0.0, -np.min(np.linalg.eigvalsh(svec_to_mat(x)))))
    if kind == "exp":  # K: x₁e^{x₀/x₁} ≤ x₂, x₁ ≥ 0;  K*: −x₀e^{x₁/x₀−1} ≤ x₂, x₀ ≤ 0
        a, b, c = x
        if dual:
            bound = -a * np.exp(b / a - 1) if a < 0 else (0.0 if b >= 0 else np.inf)
            return float(max(0.0, a, bound - c))
        bound = b * np.exp(a / b) if b > 0 else (0.0 if a <= 0 else np.inf)
        return float(max(0.0, -b, bound - c))
    # pow(α): x₀^α x₁^(1−α) ≥ |x₂|;  dual: (x₀/α)^α (x₁/(1−α))^(1−α) ≥ |x₂|
    u, w = (x[0] / alpha, x[1] / (1 - alpha)) if dual else (x[0], x[1])
    geo = max(u, 0.0) ** alpha * max(w, 0.0) ** (1 - alpha)
    return float(max(0.0, -x[0], -x[1], abs(x[2]) - geo))


def optimality(problem, x, z, s) -> Optimality:
    st = problem.structure
    x, z, s = (np.asarray(v, float) for v in (x, z, s))
    P = sp.csc_matrix((problem.P, st.P_indices, st.P_indptr), shape=(st.n, st.n))
    P = P + sp.triu(P, 1).T
    A = sp.csc_matrix((problem.A, st.A_indices, st.A_indptr), shape=(st.m, st.n))
    Ax, Px, Atz = A @ x, P @ x, A.T @ z
    inf = lambda v: float(np.max(np.abs(v), initial=0.0))  # noqa: E731
    cs = cz = 0.0
    o = 0
    for cone in st.cones:
        d = cone.dim * (cone.dim + 1) // 2 if cone.kind == "psd" else cone.dim  # PSD: its side
        cs = max(cs, _violation(cone.kind, s[o : o + d], False, cone.alpha))
        cz = max(cz, _violation(cone.kind, z[o : o + d], True, cone.alpha))
        o += d
    return Optimality(
        primal=inf(Ax + s - problem.b) / (1 + inf(problem.b) + inf(Ax)),
        dual=inf(Px + Atz + problem.c) / (1 + inf(problem.c) + inf(Px) + inf(Atz)),
        complementarity=abs(float(s @ z)) / (1 + abs(float(problem.c @ x)) + abs(float(problem.b @ z))),
        cone_s=cs / max(1.0, inf(s)),
        cone_z=cz / max(1.0, inf(z)),
    )
