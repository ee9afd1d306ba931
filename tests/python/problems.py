# SPDX-License-Identifier: Apache-2.0
"""Test problems: the committed cvxpy + Clarabel fixtures (tests/data) and random problems with a
planted, strictly complementary solution (so derivatives exist and finite differences work)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import batchcone as bc

DATA = Path(__file__).resolve().parents[1] / "data"
_KINDS = {"z": "zero", "l": "nonneg", "q": "soc", "s": "psd", "e": "exp", "p": "pow"}


def _cone(kind: str, token: str) -> tuple:
    """A fixture cone: the token after the kind is the dimension, or α for a power cone."""
    return ("pow", 3, float(token)) if kind == "p" else (_KINDS[kind], int(token))


@dataclass
class Problem:
    name: str
    structure: bc.Structure
    P: np.ndarray
    c: np.ndarray
    A: np.ndarray
    b: np.ndarray
    status: str = "Solved"
    iterations: int = 0
    objective: float = float("nan")
    x: np.ndarray | None = None
    z: np.ndarray | None = None
    s: np.ndarray | None = None


def load_fixtures(family: str) -> list[Problem]:
    tokens = []
    for line in (DATA / f"{family}.txt").read_text().splitlines():
        if not line.startswith("#"):
            tokens += line.split()
    out, i = [], 0
    while i < len(tokens):
        assert tokens[i] == "problem"
        p, i = {"name": tokens[i + 1]}, i + 2
        while tokens[i] != "end":
            key, i = tokens[i], i + 1
            if key in ("n", "m", "iterations"):
                p[key], i = int(tokens[i]), i + 1
            elif key == "status":
                p[key], i = tokens[i], i + 1
            elif key == "objective":
                p[key], i = float(tokens[i]), i + 1
            elif key == "cones":
                count, i = int(tokens[i]), i + 1
                p[key] = [_cone(tokens[i + 2 * k], tokens[i + 2 * k + 1]) for k in range(count)]
                i += 2 * count
            else:
                count, i = int(tokens[i]), i + 1
                p[key] = np.array([float(t) for t in tokens[i : i + count]])
                i += count
        i += 1
        st = bc.Structure(p["n"], p["m"], p["P_colptr"].astype(int), p["P_rowval"].astype(int),
                          p["A_colptr"].astype(int), p["A_rowval"].astype(int), p["cones"])  # fmt: skip
        out.append(Problem(p["name"], st, p["P_vals"], p["c"], p["A_vals"], p["b"], p["status"],
                           p["iterations"], p["objective"], p.get("x"), p.get("z"), p.get("s")))  # fmt: skip
    return out


def planted(family: str, seed: int) -> Problem:
    """min ½xᵀPx + cᵀx s.t. Ax + s = b with a chosen solution: LP at a vertex (n active rows),
    QP/SOCP with P ≻ 0 and fewer active rows; NonNeg rows active (s = 0 < z) or inactive
    (z = 0 < s); SOC(3) with s at the apex and z interior, other SOCs with s interior and z = 0.
    The same family always has the same structure (dense patterns)."""
    rng = np.random.default_rng(seed)
    lp, socp = family == "lp", family == "socp"
    n = 6 if lp else 8
    cones = {"lp": [("zero", 2), ("nonneg", 12)], "qp": [("zero", 2), ("nonneg", 10)],
             "socp": [("zero", 1), ("nonneg", 4), ("soc", 3), ("soc", 6), ("soc", 4)]}[family]  # fmt: skip
    active = 4 if not socp else 2
    m = sum(d for _, d in cones)
    if lp:
        Pd = np.zeros((n, n))
    elif socp:
        Pd = np.eye(n)
    else:
        G = rng.standard_normal((n, n))
        Pd = G.T @ G / n + 0.5 * np.eye(n)
    iu = np.triu_indices(n) if not lp else (np.array([], int), np.array([], int))
    if socp:
        iu = (np.arange(n), np.arange(n))
    # CSC order of the upper triangle: by column, then row.
    order = np.lexsort((iu[0], iu[1]))
    rows, cols = iu[0][order], iu[1][order]
    P_indptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n))])
    A = rng.standard_normal((m, n))
    x = rng.standard_normal(n)
    s, z = np.zeros(m), np.zeros(m)
    o = 0
    for kind, d in cones:
        if kind == "zero":
            z[o : o + d] = rng.standard_normal(d)
        elif kind == "nonneg":
            v = rng.uniform(0.5, 2.0, d)
            z[o : o + active], s[o + active : o + d] = v[:active], v[active:]
        else:
            tail = rng.standard_normal(d - 1)
            target = z if d == 3 else s
            target[o] = np.linalg.norm(tail) + rng.uniform(0.5, 2.0)
            target[o + 1 : o + d] = tail
        o += d
    b = A @ x + s
    c = -Pd @ x - A.T @ z
    st = bc.Structure(n, m, P_indptr, rows, np.arange(0, m * n + 1, m), np.tile(np.arange(m), n), cones)
    return Problem(f"{family}_planted_{seed}", st, Pd[rows, cols], c, A.T.ravel(), b,
                   x=x, z=z, s=s)  # fmt: skip


def clarabel_solve(p: Problem, tol: float | None = None):
    """(x, z, s, status) of a fixture solved by the clarabel package directly, at its default
    settings or with every tolerance at ``tol`` (presolve off, so every row is kept)."""
    import clarabel
    import scipy.sparse as sp

    st = p.structure
    P = sp.csc_matrix((p.P, st.P_indices, st.P_indptr), shape=(st.n, st.n))
    A = sp.csc_matrix((p.A, st.A_indices, st.A_indptr), shape=(st.m, st.n))
    make = {"zero": clarabel.ZeroConeT, "nonneg": clarabel.NonnegativeConeT,
            "soc": clarabel.SecondOrderConeT, "psd": clarabel.PSDTriangleConeT,
            "exp": lambda d: clarabel.ExponentialConeT()}  # fmt: skip
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.presolve_enable = False
    if tol is not None:
        settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tol
        settings.max_iter = 500
    cones = [clarabel.PowerConeT(c.alpha) if c.kind == "pow" else make[c.kind](c.dim) for c in st.cones]
    sol = clarabel.DefaultSolver(P, p.c, A, p.b, cones, settings).solve()
    return np.array(sol.x), np.array(sol.z), np.array(sol.s), str(sol.status)
