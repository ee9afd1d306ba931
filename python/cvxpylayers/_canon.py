# SPDX-License-Identifier: Apache-2.0
"""Canonicalization of a DPP cvxpy problem for the layer, done once at construction.

cvxpy (through the BATCHCONE conic interface) produces parameter tensors that map the parameter
vector p = [θ; 1] (each parameter flattened column-major at its column offset) affinely to the
problem data. Here they become fixed sparse maps onto batchcone's patterns:
    P_vals = M_P p (triu of the symmetric P),  c = M_c p,  A_vals = M_A p,  b = M_b p,
applied in JAX so the whole map is traced, jittable and differentiable. Requested outputs
(primal variables, constraint duals) are gathers from (x, z) with signs, found by probing
cvxpy's own inversion with x = 1..n, z = 1..m, so every convention of cvxpy is respected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from cvxpy.reductions.cvx_attr2constr import CvxAttr2Constr, lower_value
from cvxpy.reductions.solvers.conic_solvers.conic_solver import ConicSolver

import batchcone as bc
from batchcone.cvxpy_interface import register, structure_from_data


MAX_GATHERS = 4


@dataclass(frozen=True)
class SparseMap:
    """out[..., rows[k]] += coef[k] · p[..., cols[k]], out of length `size`."""

    rows: np.ndarray
    cols: np.ndarray
    coef: np.ndarray
    size: int

    @cached_property
    def gathers(self):
        """The map as L gathers, (idx, coef) of shape (L, size): out[..., i] = Σ_l coef[l, i] ·
        p[..., idx[l, i]], where idx −1 (with coef 0) stands for p's constant last entry; None
        when an entry sums more than MAX_GATHERS terms. XLA's CPU scatter-add costs ~9× a gather
        of the same size, and cvxpy's maps put one term in each entry (exactly the scatter's
        value then; with more, jit may fuse a product into its sum, one rounding fewer)."""
        return self.as_gathers(MAX_GATHERS)

    def as_gathers(self, max_terms: int):
        """``gathers`` for entries of at most `max_terms` terms (else None)."""
        counts = np.bincount(self.rows, minlength=self.size)
        L = int(counts.max(initial=0))
        if L > max_terms:
            return None
        order = np.argsort(self.rows, kind="stable")
        rows = self.rows[order]
        slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        idx, coef = np.full((L, self.size), -1, np.int64), np.zeros((L, self.size))
        idx[slot, rows], coef[slot, rows] = self.cols[order], self.coef[order]
        return idx, coef


@dataclass(frozen=True)
class ParamBlock:
    """Where one user parameter lands in p: p[offset + k] = θ_F[gather[k]] (θ flattened
    column-major), or log θ for a geometric program's positive parameter. A symmetric, PSD or
    NSD parameter, which cvxpy reduces to its upper triangle, has `mirror` (the transposed
    entries): p[offset + k] = ½(θ_F[gather[k]] + θ_F[mirror[k]]), the symmetric part, as cvxpy
    uses (a skew part changes nothing and the gradient is symmetric)."""

    shape: tuple
    offset: int
    gather: np.ndarray
    log: bool
    mirror: np.ndarray | None = None


@dataclass(frozen=True)
class Output:
    """A requested output: coef · (x or z)[index], index shaped like the variable. coef is ±1,
    or ±1/√2 for the off-diagonal entries of PSD duals rebuilt from svec."""

    source: str  # "x" or "z"
    index: np.ndarray
    coef: np.ndarray
    exp: bool  # geometric program: primal outputs are exp of the solution


@dataclass(frozen=True)
class Canonical:
    structure: bc.Structure | None  # native backend
    A_pattern: tuple  # (indptr, indices, (m, n)) of A in CSC, for the diffcp backend
    cone_dict: dict  # diffcp/SCS cone sizes, for the diffcp backend
    p_len: int
    blocks: tuple
    P: SparseMap
    c: SparseMap
    d: SparseMap  # objective constant
    A: SparseMap
    b: SparseMap
    outputs: tuple


def _coo(tensor):
    t = sp.coo_matrix(tensor)
    return t.row.astype(np.int64), t.col.astype(np.int64), t.data.astype(float)


# Raw solutions in each interface's format, for probing chain.invert with x = f(1..n),
# z = f(1..m): f = identity and f = square tell an output entry's index and its coefficient.
def _native_probe(x, z):
    return {"x": x, "z": z, "s": np.zeros(z.size), "status": "Solved", "obj_val": 0.0,
            "iterations": 0}  # fmt: skip


def _diffcp_probe(x, z):
    info = {"status_val": 1, "solve_time": 0.0, "setup_time": 0.0, "iter": 0, "pobj": 0.0}
    return {"x": x, "y": z, "s": np.zeros(z.size), "solve_method": "SCS", "info": info}


def canonicalize(problem, parameters, variables, gp, verbose, canon_backend, solver_args,
                 backend="native") -> Canonical:  # fmt: skip
    """backend "native": batchcone's interface (quadratic objective; Zero, NonNeg, SOC, PSD, exp,
    3-D pow);
    "diffcp": cvxpy's DIFFCP interface (linear objective; diffcp's cones)."""
    native = backend == "native"
    solver = register() if native else "DIFFCP"
    dual_owner = {dv.id: con for con in problem.constraints for dv in con.dual_variables}
    log_params, log_vars = {}, {}
    prob = problem
    if gp:
        dgp2dcp = cp.reductions.Dgp2Dcp(problem)
        prob, _ = dgp2dcp.apply(problem)
        log_params = dict(dgp2dcp.canon_methods._parameters)  # user param -> log-space param
        log_vars = {v.id: lv for v, lv in dgp2dcp.canon_methods._variables.items()}
    if not native:
        try:
            import diffcp  # noqa: F401
        except ImportError as e:
            raise ImportError(
                "the diffcp reference backend needs diffcp (pip install diffcp)"
            ) from e
    try:
        data, chain, inverse_data = prob.get_problem_data(
            solver=solver, gp=False, verbose=verbose, canon_backend=canon_backend,
            solver_opts=dict(solver_args or {}),
        )  # fmt: skip
    except cp.error.SolverError as e:
        raise ValueError(
            "batchcone: this problem needs cones other than Zero, NonNeg, SOC, PSD, exponential "
            f"and 3-D power cones, which are not supported ({e})"
        ) from e
    pp = data[cp.settings.PARAM_PROB]
    dims = data[ConicSolver.DIMS]
    n = pp.x.size
    m = data[cp.settings.A].shape[0]
    cone_dict = {"z": int(dims.zero), "l": int(dims.nonneg), "q": [int(d) for d in dims.soc],
                 "s": [int(d) for d in dims.psd], "ep": int(dims.exp),
                 "p": [float(a) for a in dims.p3d]}  # fmt: skip
    p_len = pp.total_param_size + 1
    structure, A_csc, maps = _data_maps(pp, dims, native, n, m)
    blocks = tuple(_param_block(p, pp, chain, log_params) for p in parameters)
    make = _native_probe if native else _diffcp_probe
    ix, iz = np.arange(1.0, n + 1.0), np.arange(1.0, m + 1.0)
    probes = (chain.invert(make(ix, iz), inverse_data),
              chain.invert(make(ix**2, iz**2), inverse_data))  # fmt: skip
    outputs = tuple(_output(log_vars.get(v.id, v), dual_owner, probes, gp) for v in variables)
    A_pattern = (A_csc.indptr, A_csc.indices, (m, n))
    P_map, c_map, d_map, A_map, b_map = maps
    return Canonical(structure, A_pattern, cone_dict, p_len, blocks, P_map, c_map, d_map, A_map,
                     b_map, outputs)  # fmt: skip


def _slots(rows, cols, csc):
    """Position of each entry (rows[t], cols[t]) in the value array of `csc` (sorted CSC)."""
    lookup = {}
    for col in range(csc.shape[1]):
        for k in range(csc.indptr[col], csc.indptr[col + 1]):
            lookup[(int(csc.indices[k]), col)] = k
    return np.array([lookup[(int(r), int(c))] for r, c in zip(rows, cols)], np.int64)


def _data_maps(pp, dims, native, n, m):
    """The patterns of triu(P) and A (every structurally nonzero tensor entry, so they do not
    depend on parameter values) and the SparseMaps p ↦ P_vals, c, d, A_vals, b."""
    A_rows, A_cols, A_coef = _coo(pp.A)  # rows index vec([A | b]) column-major, m × (n+1)
    i, j = A_rows % m, A_rows // m
    in_A = j < n
    A_pattern = sp.csc_matrix((np.ones(in_A.sum()), (i[in_A], j[in_A])), shape=(m, n))
    P_pattern = sp.csc_matrix((n, n))
    if pp.P is not None:  # full symmetric P, column-major: keep the upper triangle
        P_rows, P_cols, P_coef = _coo(pp.P)
        pi, pj = P_rows % n, P_rows // n
        upper = pi <= pj
        P_pattern = sp.csc_matrix((np.ones(upper.sum()), (pi[upper], pj[upper])), shape=(n, n))
    if native:
        structure, P_csc, A_csc = structure_from_data(P_pattern, A_pattern, dims)
    else:
        structure, P_csc, A_csc = None, sp.triu(P_pattern, format="csc"), sp.csc_matrix(A_pattern)
        P_csc.sort_indices(), A_csc.sort_indices()
    # Solver form Ax + s = b: A = −(A part of the tensor), b = its last column.
    A_map = SparseMap(_slots(i[in_A], j[in_A], A_csc), A_cols[in_A], -A_coef[in_A], A_csc.nnz)
    b_map = SparseMap(i[~in_A], A_cols[~in_A], A_coef[~in_A], m)
    if pp.P is not None:
        P_map = SparseMap(_slots(pi[upper], pj[upper], P_csc), P_cols[upper], P_coef[upper],
                          P_csc.nnz)  # fmt: skip
    else:
        P_map = SparseMap(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), P_csc.nnz)
    q_rows, q_cols, q_coef = _coo(pp.q)  # [c; d]
    c_map = SparseMap(q_rows[q_rows < n], q_cols[q_rows < n], q_coef[q_rows < n], n)
    last = q_rows == n
    d_map = SparseMap(np.zeros(last.sum(), np.int64), q_cols[last], q_coef[last], 1)
    return structure, A_csc, (P_map, c_map, d_map, A_map, b_map)


def _param_block(param, pp, chain, log_params) -> ParamBlock:
    target, log = param, False
    if param in log_params:
        target, log = log_params[param], True
    size = int(np.prod(param.shape, dtype=int))
    if target.id in pp.param_id_to_col:
        return ParamBlock(tuple(param.shape), int(pp.param_id_to_col[target.id]),
                          np.arange(size), log)  # fmt: skip
    for red in chain.reductions:  # a parameter with attributes, lowered (e.g. symmetric → triu)
        if isinstance(red, CvxAttr2Constr) and target in red._parameters:
            reduced = red._parameters[target]
            probe = np.arange(size, dtype=float).reshape(param.shape, order="F")
            gather = np.asarray(lower_value(target, probe)).ravel(order="F").astype(np.int64)
            mirror = None
            if len(param.shape) == 2 and any(target.attributes.get(a) for a in ("symmetric", "PSD", "NSD")):
                mirror = np.asarray(lower_value(target, probe.T)).ravel(order="F").astype(np.int64)
            return ParamBlock(tuple(param.shape), int(pp.param_id_to_col[reduced.id]), gather, log,
                              mirror)  # fmt: skip
    # A parameter cvxpy dropped (it does not affect the problem data): it gets no slot.
    return ParamBlock(tuple(param.shape), -1, np.zeros(0, np.int64), log)


def _probe_value(var, dual_owner, sol):
    """The value cvxpy's inversion gives `var` for one probe solution (None if eliminated)."""
    if var.id not in dual_owner:
        return sol.primal_vars.get(var.id)
    # Let the constraint split its dual vector among its dual variables (SOC: t and X parts),
    # then read back the requested one; the constraint's dual values are restored.
    con = dual_owner[var.id]
    raw = sol.dual_vars.get(con.id)
    if raw is None:
        return None
    saved = [dv.value for dv in con.dual_variables]
    con.save_dual_value(raw)
    value = var.value
    for dv, old in zip(con.dual_variables, saved):
        dv.value = old
    return value


def _output(var, dual_owner, probes, gp) -> Output:
    """With probes f(i) = i and f(i) = i², an entry c·f(i+1) gives i+1 = v₂/v₁ and c = v₁/(i+1)."""
    dual = var.id in dual_owner
    source, exp = ("z", False) if dual else ("x", gp)
    shape = tuple(var.shape)
    v1, v2 = (_probe_value(var, dual_owner, sol) for sol in probes)
    if v1 is None:  # cvxpy eliminated it: its value is 0
        return Output(source, np.zeros(shape, np.int64), np.zeros(shape), exp)
    v1 = np.asarray(v1, float).reshape(shape)
    v2 = np.asarray(v2, float).reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(v1 != 0, v2 / v1, 0.0)
    index = np.rint(pos).astype(np.int64) - 1
    coef = np.where(index >= 0, v1 / np.maximum(index + 1, 1), 0.0)
    if not np.allclose(pos, np.rint(pos)) or (index < -1).any():
        raise NotImplementedError(f"batchcone: cannot express {var} as entries of the solution")
    return Output(source, np.maximum(index, 0), coef, exp)
