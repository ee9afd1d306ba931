#!/usr/bin/env python3
"""Generate the reference test fixtures for batchcone.

Run from the repository root:

    python3 tests/gen/make_fixtures.py

This writes one plain-text file per problem family to ``tests/data/``:

    lp.txt          feasible, bounded linear programs
    qp.txt          feasible, bounded convex quadratic programs
    socp.txt        second-order cone programs (cone dims 2, 3, 4 and > 4)
    infeasible.txt  primal infeasible and dual infeasible (unbounded) problems

Every problem is in Clarabel's form

    minimize    1/2 x'Px + c'x
    subject to  Ax + s = b,  s in K,
    K = Zero^a x NonNeg^l x SOC(d1) x SOC(d2) x ...   (in that order),

where an SOC block is (t, x) with t first and ||x|| <= t.  P is stored as its
upper triangle (row <= col), both P and A in CSC with sorted row indices.

Feasible problems are modelled in cvxpy with seeded numpy RNGs and the conic
data are taken from ``prob.get_problem_data(cp.CLARABEL)`` (so the sparsity
pattern is exactly what cvxpy emits).  Infeasible problems are modelled in
cvxpy as well; canonicalisation does not need them to be feasible.

The conic data are then solved directly with the ``clarabel`` Python package
twice (presolve and chordal decomposition off in both):

  1. default settings -> recorded ``status`` and ``iterations`` (used to check
     that batchcone's iteration counts are in the same ballpark);
  2. tight settings (tolerances 1e-10, max_iter 500) -> recorded ``objective``,
     ``x``, ``z``, ``s`` as the reference solution (feasible problems only).

As sanity checks the script asserts that the tight solution satisfies the KKT
conditions, that its objective (plus cvxpy's constant offset) agrees with
cvxpy's own ``prob.solve(solver=cp.CLARABEL)``, and that infeasible problems
get the expected certificate status from both Clarabel and cvxpy.

File format (whitespace-separated tokens; lines starting with '#' are
comments; each array is on one line, prefixed by its element count):

    problem NAME
    n <int>
    m <int>
    P_colptr <count> ...      P_rowval <count> ...      P_vals <count> ...
    A_colptr <count> ...      A_rowval <count> ...      A_vals <count> ...
    c <count> ...
    b <count> ...
    cones <count> kind dim kind dim ...   (kind: z zero, l nonneg, q SOC, s PSD with dim = side k)
    status <Solved|PrimalInfeasible|DualInfeasible>
    iterations <int>
    objective <float>         (nan for infeasible problems)
    x <count> ...             (count 0 for infeasible problems)
    z <count> ...
    s <count> ...
    end

Floats are written with repr(), which round-trips exactly.
"""

import os
import sys

import clarabel
import cvxpy as cp
import numpy as np
import scipy
import scipy.sparse as sp

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA_DIR = os.path.join(REPO_ROOT, "tests", "data")

TIGHT_TOL = 1e-10
OBJ_RTOL = 1e-6      # tight Clarabel objective vs cvxpy's prob.value
KKT_TOL = 1e-7       # residual bound (relative) for the tight reference solution


# ---------------------------------------------------------------------------
# Conic data container and extraction
# ---------------------------------------------------------------------------

class ConicProblem:
    """One fixture: conic data plus the cvxpy problem it came from."""

    def __init__(self, name, P, c, A, b, cones, prob=None, offset=0.0,
                 expect="Solved", note=""):
        n = c.size
        m = b.size
        self.name = name
        self.P = _canonical_csc(sp.triu(P, format="csc")) if P is not None \
            else sp.csc_matrix((n, n))
        self.c = np.asarray(c, dtype=float).ravel()
        self.A = _canonical_csc(A)
        self.b = np.asarray(b, dtype=float).ravel()
        self.cones = [(k, int(d)) for k, d in cones if int(d) > 0]
        self.prob = prob            # cvxpy problem, for the objective check
        self.offset = float(offset)  # cvxpy objective constant
        self.expect = expect        # expected Clarabel status
        self.note = note
        self.status = None
        self.iterations = None
        self.objective = float("nan")
        self.x = self.z = self.s = np.zeros(0)
        self._validate()

    @property
    def n(self):
        return self.c.size

    @property
    def m(self):
        return self.b.size

    def _validate(self):
        n, m = self.n, self.m
        assert self.P.shape == (n, n), self.name
        assert self.A.shape == (m, n), self.name
        assert sum(cone_rows(k, d) for k, d in self.cones) == m, self.name
        # cone order: zero, nonneg, SOCs, then PSD cones
        order = {"z": 0, "l": 1, "q": 2, "s": 3}
        ranks = [order[k] for k, _ in self.cones]
        assert ranks == sorted(ranks), (self.name, self.cones)
        assert all(d >= 2 for k, d in self.cones if k == "q"), self.name
        for M in (self.P, self.A):
            assert M.has_sorted_indices
            for j in range(M.shape[1]):
                rows = M.indices[M.indptr[j]:M.indptr[j + 1]]
                assert np.all(np.diff(rows) > 0), (self.name, "unsorted/dup")
        # P upper triangular
        Pc = self.P.tocoo()
        assert np.all(Pc.row <= Pc.col), (self.name, "P not upper triangular")


def cone_rows(kind, dim):
    """Rows of a cone: a PSD cone of side k takes k(k+1)/2 (svec, upper triangle)."""
    return dim * (dim + 1) // 2 if kind == "s" else dim


def _canonical_csc(M):
    """CSC (scipy.sparse.csc_matrix), float64, sorted indices, no duplicates.

    Explicit zeros are kept: the pattern is whatever the source produced.
    """
    M = sp.csc_matrix(M, dtype=float)
    M.sum_duplicates()
    M.sort_indices()
    return M


def from_cvxpy(name, prob, expect="Solved", note=""):
    """Canonicalise a cvxpy problem for Clarabel and wrap its conic data."""
    data, _chain, _inv = prob.get_problem_data(cp.CLARABEL)
    dims = data["dims"]
    assert dims.exp == 0 and not dims.p3d and not dims.pnd, \
        (name, "unexpected cone type from cvxpy")
    cones = [("z", dims.zero), ("l", dims.nonneg)] + [("q", d) for d in dims.soc]
    cones += [("s", k) for k in dims.psd]
    offset = data["param_prob"].apply_parameters()[1]
    n = data["c"].size
    P = data["P"] if "P" in data else sp.csc_matrix((n, n))
    return ConicProblem(name, P, data["c"], data["A"], data["b"], cones,
                        prob=prob, offset=offset, expect=expect, note=note)


# ---------------------------------------------------------------------------
# Clarabel solves and checks
# ---------------------------------------------------------------------------

def _clarabel_cones(cones):
    make = {"z": clarabel.ZeroConeT, "l": clarabel.NonnegativeConeT,
            "q": clarabel.SecondOrderConeT, "s": clarabel.PSDTriangleConeT}
    return [make[k](d) for k, d in cones]


def _settings(tight):
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.presolve_enable = False
    st.chordal_decomposition_enable = False
    if tight:
        st.tol_gap_abs = TIGHT_TOL
        st.tol_gap_rel = TIGHT_TOL
        st.tol_feas = TIGHT_TOL
        st.tol_infeas_abs = TIGHT_TOL
        st.tol_infeas_rel = TIGHT_TOL
        st.max_iter = 500
    return st


def clarabel_solve(pr, tight):
    solver = clarabel.DefaultSolver(pr.P, pr.c, pr.A, pr.b,
                                    _clarabel_cones(pr.cones), _settings(tight))
    return solver.solve()


def _soc_dist(v):
    """How far v = (t, x) is outside the SOC (0 if inside)."""
    return max(0.0, np.linalg.norm(v[1:]) - v[0])


def svec_to_mat(v, k):
    """Clarabel's svec (upper triangle, column-major, off-diagonals √2) to a matrix."""
    X = np.zeros((k, k))
    t = 0
    for j in range(k):
        for i in range(j + 1):
            X[i, j] = X[j, i] = v[t] if i == j else v[t] / np.sqrt(2)
            t += 1
    return X


def cone_violation(cones, v):
    viol, i = 0.0, 0
    for k, d in cones:
        blk = v[i:i + cone_rows(k, d)]
        if k == "l":
            viol = max(viol, float(np.max(-blk, initial=0.0)))
        elif k == "q":
            viol = max(viol, _soc_dist(blk))
        elif k == "s":
            viol = max(viol, -float(np.linalg.eigvalsh(svec_to_mat(blk, d)).min()))
        i += cone_rows(k, d)
    return viol


def check_kkt(pr):
    """Assert the recorded reference solution is a KKT point."""
    Pfull = pr.P + sp.triu(pr.P, k=1).T
    x, z, s = pr.x, pr.z, pr.s
    scale = 1.0 + max(np.linalg.norm(pr.b, np.inf), np.linalg.norm(pr.c, np.inf))
    rp = np.linalg.norm(pr.A @ x + s - pr.b, np.inf)
    rd = np.linalg.norm(Pfull @ x + pr.c + pr.A.T @ z, np.inf)
    # s in K, z in K* (zero cone: s = 0, z free)
    i, sz_viol = 0, 0.0
    for k, d in pr.cones:
        if k == "z":
            sz_viol = max(sz_viol, np.linalg.norm(s[i:i + d], np.inf))
        i += cone_rows(k, d)
    sz_viol = max(sz_viol, cone_violation(pr.cones, s), cone_violation(pr.cones, z))
    gap = abs(float(s @ z)) / (1.0 + abs(pr.objective))
    for what, val in (("primal res", rp), ("dual res", rd),
                      ("cone", sz_viol), ("gap", gap)):
        assert val <= KKT_TOL * scale, (pr.name, what, val)


def check_against_cvxpy(pr):
    """Compare with cvxpy's own Clarabel solve of the original model."""
    if pr.prob is None:
        return
    pr.prob.solve(solver=cp.CLARABEL)
    st = pr.prob.status
    if pr.expect == "Solved":
        assert st == cp.OPTIMAL, (pr.name, st)
        # cvxpy minimises -f for Maximize(f), so the conic objective is -value
        sign = -1.0 if isinstance(pr.prob.objective, cp.Maximize) else 1.0
        ours = sign * (pr.objective + pr.offset)
        ref = pr.prob.value
        assert abs(ours - ref) <= OBJ_RTOL * max(1.0, abs(ref)), \
            (pr.name, ours, ref)
    elif pr.expect == "PrimalInfeasible":
        assert st in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE), (pr.name, st)
    elif pr.expect == "DualInfeasible":
        assert st in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE), (pr.name, st)


def solve_and_check(pr):
    dflt = clarabel_solve(pr, tight=False)
    pr.status = str(dflt.status)
    pr.iterations = int(dflt.iterations)
    assert pr.status == pr.expect, (pr.name, pr.status, pr.expect)
    if pr.expect == "Solved":
        tight = clarabel_solve(pr, tight=True)
        assert str(tight.status) == "Solved", (pr.name, str(tight.status))
        pr.objective = float(tight.obj_val)
        pr.x = np.array(tight.x)
        pr.z = np.array(tight.z)
        pr.s = np.array(tight.s)
        check_kkt(pr)
    check_against_cvxpy(pr)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _fmt_floats(v):
    return " ".join(repr(float(a)) for a in v)


def _fmt_ints(v):
    return " ".join(str(int(a)) for a in v)


def _array_line(key, v, ints=False):
    body = _fmt_ints(v) if ints else _fmt_floats(v)
    return f"{key} {len(v)} {body}".rstrip()


def format_problem(pr):
    lines = []
    if pr.note:
        lines.append(f"# {pr.name}: {pr.note}")
    lines += [
        f"problem {pr.name}",
        f"n {pr.n}",
        f"m {pr.m}",
        _array_line("P_colptr", pr.P.indptr, ints=True),
        _array_line("P_rowval", pr.P.indices, ints=True),
        _array_line("P_vals", pr.P.data),
        _array_line("A_colptr", pr.A.indptr, ints=True),
        _array_line("A_rowval", pr.A.indices, ints=True),
        _array_line("A_vals", pr.A.data),
        _array_line("c", pr.c),
        _array_line("b", pr.b),
        f"cones {len(pr.cones)} " + " ".join(f"{k} {d}" for k, d in pr.cones),
        f"status {pr.status}",
        f"iterations {pr.iterations}",
        f"objective {pr.objective!r}",
        _array_line("x", pr.x),
        _array_line("z", pr.z),
        _array_line("s", pr.s),
        "end",
    ]
    return "\n".join(lines) + "\n"


def write_family(fname, title, problems):
    path = os.path.join(DATA_DIR, fname)
    header = (
        f"# {title}\n"
        "# Generated by tests/gen/make_fixtures.py -- do not edit by hand.\n"
        f"# cvxpy {cp.__version__}, clarabel {clarabel.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}\n"
        "# Form: min 1/2 x'Px + c'x  s.t. Ax + s = b, s in K "
        "(P upper triangle, CSC).\n"
        "# status/iterations: Clarabel default settings (presolve off); "
        f"objective/x/z/s: Clarabel with tolerances {TIGHT_TOL:g}.\n"
    )
    with open(path, "w") as f:
        f.write(header)
        for pr in problems:
            f.write("\n")
            f.write(format_problem(pr))
    return path


# ---------------------------------------------------------------------------
# LP family
# ---------------------------------------------------------------------------

def lp_problems():
    out = []

    # Random inequality LP inside a box (bounded by the box, x = 0 feasible).
    rng = np.random.default_rng(101)
    n, k = 10, 20
    G = rng.standard_normal((k, n))
    h = rng.uniform(0.5, 2.0, k)
    c = rng.standard_normal(n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(c @ x), [G @ x <= h, x >= -1, x <= 1])
    out.append(from_cvxpy("lp_box_ineq", prob, note="random Gx<=h plus box"))

    # Random LP with equalities and inequalities, feasible point x0 in the box.
    rng = np.random.default_rng(102)
    n, p, k = 20, 5, 40
    F = rng.standard_normal((p, n))
    G = rng.standard_normal((k, n))
    x0 = rng.uniform(-0.5, 0.5, n)
    g = F @ x0
    h = G @ x0 + rng.uniform(0.1, 1.0, k)
    c = rng.standard_normal(n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(c @ x),
                      [F @ x == g, G @ x <= h, cp.abs(x) <= 2])
    out.append(from_cvxpy("lp_eq_ineq", prob,
                          note="random Fx=g, Gx<=h, |x|<=2"))

    # Standard form LP built from a strictly complementary primal-dual pair
    # (unique primal and dual solution).
    rng = np.random.default_rng(103)
    m, n = 15, 40
    A = rng.standard_normal((m, n))
    basis = rng.choice(n, m, replace=False)
    xs = np.zeros(n)
    xs[basis] = rng.uniform(0.5, 2.0, m)
    zs = rng.uniform(0.5, 2.0, n)
    zs[basis] = 0.0
    y = rng.standard_normal(m)
    c = A.T @ y + zs
    b = A @ xs
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(c @ x), [A @ x == b, x >= 0])
    out.append(from_cvxpy("lp_standard_form", prob,
                          note="min c'x, Ax=b, x>=0 from a known primal-dual pair"))

    # Transportation problem: supplies (<=), demands (==).
    rng = np.random.default_rng(104)
    ns, nd = 4, 6
    demand = rng.uniform(5, 15, nd)
    supply = rng.uniform(0.3, 0.5, ns) * demand.sum()
    cost = rng.uniform(1, 10, (ns, nd))
    X = cp.Variable((ns, nd))
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(cost, X))),
                      [cp.sum(X, axis=1) <= supply,
                       cp.sum(X, axis=0) == demand, X >= 0])
    out.append(from_cvxpy("lp_transportation", prob,
                          note="4 suppliers x 6 customers transportation"))

    # Diet problem: nutrient lower and upper limits, food amounts capped.
    rng = np.random.default_rng(105)
    nfood, nnut = 15, 8
    N = rng.uniform(0, 1, (nnut, nfood))
    cost = rng.uniform(1, 3, nfood)
    x0 = rng.uniform(0.5, 1.5, nfood)
    lo = 0.8 * (N @ x0)
    hi = 1.5 * (N @ x0)
    x = cp.Variable(nfood)
    prob = cp.Problem(cp.Minimize(cost @ x),
                      [N @ x >= lo, N @ x <= hi, x >= 0, x <= 3])
    out.append(from_cvxpy("lp_diet", prob, note="diet LP with nutrient bounds"))

    # Chebyshev center of a random polyhedron.
    rng = np.random.default_rng(106)
    n, k = 6, 30
    G = rng.standard_normal((k, n))
    h = rng.uniform(1, 2, k)
    xc = cp.Variable(n)
    r = cp.Variable()
    prob = cp.Problem(cp.Maximize(r),
                      [G @ xc + r * np.linalg.norm(G, axis=1) <= h, r >= 0])
    out.append(from_cvxpy("lp_chebyshev_center", prob,
                          note="Chebyshev center of {x : Gx <= h}"))

    # l1 regression (cvxpy introduces epigraph variables).
    rng = np.random.default_rng(107)
    m, n = 40, 10
    A = rng.standard_normal((m, n))
    b = A @ rng.standard_normal(n) + 0.3 * rng.laplace(size=m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.norm1(A @ x - b)))
    out.append(from_cvxpy("lp_l1_regression", prob, note="min ||Ax-b||_1"))

    # Chebyshev (l_inf) fit with box; cvxpy adds epigraph variables for
    # both the norm and the abs, giving n = 2*nx + 1, m = 2*mr + 3*nx.
    rng = np.random.default_rng(108)
    m, n = 30, 15
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.norm_inf(A @ x - b)), [cp.abs(x) <= 0.5])
    out.append(from_cvxpy("lp_linf_fit_box", prob,
                          note="min ||Ax-b||_inf with |x|<=0.5"))
    return out


# ---------------------------------------------------------------------------
# QP family
# ---------------------------------------------------------------------------

def qp_problems():
    out = []

    # Lasso.
    rng = np.random.default_rng(201)
    m, n = 30, 20
    A = rng.standard_normal((m, n))
    xt = np.where(rng.uniform(size=n) < 0.3, rng.standard_normal(n), 0.0)
    b = A @ xt + 0.1 * rng.standard_normal(m)
    lam = 0.5
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b)
                                  + lam * cp.norm1(x)))
    out.append(from_cvxpy("qp_lasso", prob,
                          note="1/2||Ax-b||^2 + 0.5||x||_1"))

    # Box-constrained least squares.
    rng = np.random.default_rng(202)
    m, n = 25, 15
    A = rng.standard_normal((m, n))
    b = 3 * rng.standard_normal(m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)),
                      [x >= -0.5, x <= 0.5])
    out.append(from_cvxpy("qp_box_ls", prob,
                          note="||Ax-b||^2 with -0.5<=x<=0.5"))

    # Nonnegative least squares.
    rng = np.random.default_rng(203)
    m, n = 30, 12
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
    out.append(from_cvxpy("qp_nnls", prob, note="||Ax-b||^2 with x>=0"))

    # Markowitz portfolio, factor covariance passed as a dense quad_form.
    rng = np.random.default_rng(204)
    n, f = 25, 4
    F = rng.standard_normal((n, f)) * 0.3
    Sigma = F @ F.T + np.diag(rng.uniform(0.01, 0.1, n))
    mu = rng.uniform(0.0, 0.3, n)
    gamma = 2.0
    w = cp.Variable(n)
    prob = cp.Problem(cp.Maximize(mu @ w - gamma * cp.quad_form(w, Sigma)),
                      [cp.sum(w) == 1, w >= 0])
    out.append(from_cvxpy("qp_portfolio", prob,
                          note="max mu'w - 2 w'Sigma w, sum w = 1, w >= 0"))

    # Random strictly convex QP with equalities and inequalities.
    rng = np.random.default_rng(205)
    n, p, k = 20, 4, 30
    M = rng.standard_normal((n, n))
    Q = M.T @ M / n + 0.1 * np.eye(n)
    q = rng.standard_normal(n)
    F = rng.standard_normal((p, n))
    G = rng.standard_normal((k, n))
    x0 = rng.standard_normal(n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q) + q @ x),
                      [F @ x == F @ x0, G @ x <= G @ x0 + rng.uniform(0, 1, k)])
    out.append(from_cvxpy("qp_eq_ineq", prob,
                          note="random strictly convex QP, Fx=g, Gx<=h"))

    # Dense PSD P (full rank) with a simplex-like constraint set.
    rng = np.random.default_rng(206)
    n = 30
    M = rng.standard_normal((n + 5, n))
    Q = M.T @ M
    q = 5 * rng.standard_normal(n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.quad_form(x, Q) + q @ x),
                      [cp.sum(x) <= 1, x >= -0.2])
    out.append(from_cvxpy("qp_dense_psd", prob,
                          note="dense quad_form objective, sum x <= 1, x >= -0.2"))

    # Huber regression (QP after cvxpy's canonicalisation).
    rng = np.random.default_rng(207)
    m, n = 18, 6
    A = rng.standard_normal((m, n))
    b = A @ rng.standard_normal(n) + 0.2 * rng.standard_normal(m)
    b[rng.choice(m, 3, replace=False)] += 10 * rng.standard_normal(3)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.huber(A @ x - b, 1.0))))
    out.append(from_cvxpy("qp_huber", prob,
                          note="Huber regression with outliers"))

    # Soft-margin SVM: P is singular (only the w block is quadratic).
    rng = np.random.default_rng(208)
    npts, d = 40, 5
    X = rng.standard_normal((npts, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(npts))
    wv = cp.Variable(d)
    b0 = cp.Variable()
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(wv)
                                  + cp.sum(cp.pos(1 - cp.multiply(y, X @ wv + b0)))))
    out.append(from_cvxpy("qp_svm", prob, note="soft-margin SVM, C = 1"))
    return out


# ---------------------------------------------------------------------------
# SOCP family
# ---------------------------------------------------------------------------

def socp_problems():
    out = []

    # Plain norm minimisation: one SOC of dimension m + 1.
    rng = np.random.default_rng(301)
    m, n = 30, 10
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b, 2)))
    out.append(from_cvxpy("socp_norm_min", prob, note="min ||Ax-b||_2"))

    # Regularised (robust) least squares: two SOCs.
    rng = np.random.default_rng(302)
    m, n = 20, 9
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b, 2) + 0.5 * cp.norm(x, 2)))
    out.append(from_cvxpy("socp_robust_ls", prob,
                          note="min ||Ax-b||_2 + 0.5||x||_2 (SOC dims 21, 10)"))

    # Small cones of dims 2, 3 and 4 via explicit cp.SOC constraints.
    rng = np.random.default_rng(303)
    n = 6
    x = cp.Variable(n)
    t = cp.Variable(3)
    c = rng.uniform(0.5, 1.5, 3)
    cons = [cp.SOC(t[0], x[0:1] - 1.0),          # dim 2: |x0 - 1| <= t0
            cp.SOC(t[1], x[1:3] - np.array([0.5, -1.0])),   # dim 3
            cp.SOC(t[2], x[3:6] - np.array([1.0, 2.0, -0.5])),  # dim 4
            cp.sum(x) == 1.0, x[0] >= 0.2]
    prob = cp.Problem(cp.Minimize(c @ t + 0.1 * cp.sum(x)), cons)
    out.append(from_cvxpy("socp_small_cones", prob,
                          note="SOC dims 2, 3, 4 with an equality and a bound"))

    # Generic SOCP  min f'x  s.t. ||A_i x + b_i|| <= c_i'x + d_i  with cone
    # dims 5, 10, 30 (and 2, 4), made strictly feasible via x0 and bounded by
    # building f from a strictly dual-feasible point.
    rng = np.random.default_rng(304)
    n = 12
    dims = [2, 4, 5, 10, 30]
    x0 = rng.standard_normal(n)
    f = np.zeros(n)
    x = cp.Variable(n)
    cons = []
    for d in dims:
        Ai = rng.standard_normal((d - 1, n))
        bi = rng.standard_normal(d - 1)
        ci = rng.standard_normal(n)
        di = np.linalg.norm(Ai @ x0 + bi) - ci @ x0 + 0.5
        ui = rng.standard_normal(d - 1)
        vi = np.linalg.norm(ui) + rng.uniform(0.5, 1.0)
        f += vi * ci + Ai.T @ ui
        cons.append(cp.SOC(ci @ x + di, Ai @ x + bi))
    Fe = rng.standard_normal((2, n))
    cons.append(Fe @ x == Fe @ x0)
    cons.append(x[:4] >= x0[:4] - 1.0)
    prob = cp.Problem(cp.Minimize(f @ x), cons)
    out.append(from_cvxpy("socp_generic_mixed", prob,
                          note="random SOCP, cone dims 2,4,5,10,30 + eq + nonneg"))

    # QP objective plus a ball constraint and an equality.
    rng = np.random.default_rng(305)
    n = 15
    M = rng.standard_normal((n, n))
    Q = M.T @ M / n + 0.05 * np.eye(n)
    q = 3 * rng.standard_normal(n)
    Fe = rng.standard_normal((2, n))
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q) + q @ x),
                      [cp.norm(x, 2) <= 1.0, Fe @ x == 0.1 * np.ones(2)])
    out.append(from_cvxpy("socp_qp_ball", prob,
                          note="QP objective, ||x|| <= 1 (SOC dim 16), Fx = g"))

    # Portfolio with a risk (SOC) constraint.
    rng = np.random.default_rng(306)
    n, k = 20, 3
    Fm = rng.standard_normal((n, k)) * 0.3
    D = np.sqrt(rng.uniform(0.01, 0.05, n))
    Lt = np.vstack([Fm.T, np.diag(D)])         # Sigma = Lt' Lt
    mu = rng.uniform(0.0, 0.2, n)
    w = cp.Variable(n)
    prob = cp.Problem(cp.Maximize(mu @ w),
                      [cp.norm(Lt @ w, 2) <= 0.15, cp.sum(w) == 1, w >= 0])
    out.append(from_cvxpy("socp_portfolio_risk", prob,
                          note="max return s.t. risk SOC (dim 24), simplex"))

    # Fermat-Weber facility location in 2D: many SOCs of dimension 3.
    rng = np.random.default_rng(307)
    pts = rng.uniform(-5, 5, (12, 2))
    wts = rng.uniform(0.5, 2.0, 12)
    z = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(sum(wts[i] * cp.norm(z - pts[i], 2)
                                      for i in range(12))),
                      [z[0] >= 1.0])
    out.append(from_cvxpy("socp_facility_location", prob,
                          note="weighted Fermat-Weber, 12 SOCs of dim 3"))

    # Sum of norms (group lasso style): SOC dims 5 and 25 and a quadratic fit.
    rng = np.random.default_rng(308)
    m, ngrp, gsz = 30, 6, 4
    n = ngrp * gsz
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    reg = sum(cp.norm(x[g * gsz:(g + 1) * gsz], 2) for g in range(ngrp))
    # (the ball constraint is active at the solution; several other choices of
    # the weights end AlmostSolved at tolerance 1e-10 in Clarabel 0.11.1)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b) + 1.0 * reg),
                      [cp.norm(x, 2) <= 1.0])
    out.append(from_cvxpy("socp_group_lasso", prob,
                          note="1/2||Ax-b||^2 + sum_g ||x_g||, ||x|| <= 1 (active)"))

    seen = {d for pr in out for k, d in pr.cones if k == "q"}
    for need in (2, 3, 4, 5, 10, 30):
        assert need in seen, f"SOC dim {need} missing from socp family"
    return out


# ---------------------------------------------------------------------------
# Infeasible family
# ---------------------------------------------------------------------------

def infeasible_problems():
    out = []
    PI, DI = "PrimalInfeasible", "DualInfeasible"

    # x >= 1 and x <= 0.
    x = cp.Variable(3)
    prob = cp.Problem(cp.Minimize(cp.sum(x)), [x >= 1, x <= 0])
    out.append(from_cvxpy("inf_lp_box", prob, expect=PI,
                          note="x >= 1 and x <= 0"))

    # Random LP with a hidden Farkas certificate y >= 0, G'y = 0, h'y < 0.
    rng = np.random.default_rng(401)
    n, k = 8, 15
    G1 = rng.standard_normal((k, n))
    h1 = rng.uniform(0.5, 1.5, k)
    y = rng.uniform(0.5, 1.5, k)
    G = np.vstack([G1, -(y @ G1)])
    h = np.concatenate([h1, [-(y @ h1) - 1.0]])
    Fe = rng.standard_normal((2, n))
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(rng.standard_normal(n) @ x),
                      [Fe @ x == Fe @ rng.standard_normal(n), G @ x <= h])
    out.append(from_cvxpy("inf_lp_random", prob, expect=PI,
                          note="random LP with Farkas-infeasible row combination"))

    # Inconsistent equalities (zero cone) plus nonnegativity.
    rng = np.random.default_rng(402)
    n = 10
    F = rng.standard_normal((3, n))
    F = np.vstack([F, F[0] + F[1]])
    g = rng.standard_normal(4)
    g[3] = g[0] + g[1] + 1.0
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.sum(x)), [F @ x == g, x >= 0])
    out.append(from_cvxpy("inf_lp_equality", prob, expect=PI,
                          note="inconsistent equality rows"))

    # SOC ball ||x|| <= 1 with x0 >= 2 (SOC dim 6).
    x = cp.Variable(5)
    prob = cp.Problem(cp.Minimize(cp.sum(x)), [cp.norm(x, 2) <= 1, x[0] >= 2])
    out.append(from_cvxpy("inf_socp_ball", prob, expect=PI,
                          note="||x|| <= 1 and x0 >= 2"))

    # ||Ax - b|| <= half the least squares residual.
    rng = np.random.default_rng(403)
    m, n = 20, 6
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    res = np.linalg.norm(A @ np.linalg.lstsq(A, b, rcond=None)[0] - b)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.sum(x)),
                      [cp.norm(A @ x - b, 2) <= 0.5 * res, x >= -10])
    out.append(from_cvxpy("inf_socp_residual", prob, expect=PI,
                          note="||Ax-b|| <= 0.5 * min residual"))

    # Unbounded LP: min -x1 - x2, x >= 0, x1 - x2 <= 1.
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(-x[0] - x[1]), [x >= 0, x[0] - x[1] <= 1])
    out.append(from_cvxpy("inf_dual_lp_simple", prob, expect=DI,
                          note="unbounded LP"))

    # Random unbounded LP: feasible polyhedron with recession direction d,
    # objective decreasing along d.
    rng = np.random.default_rng(404)
    n, k = 10, 25
    d = rng.standard_normal(n)
    G = rng.standard_normal((k, n))
    G[G @ d > 0] *= -1.0                         # now G d <= 0
    x0 = rng.standard_normal(n)
    h = G @ x0 + rng.uniform(0.1, 1.0, k)
    c = rng.standard_normal(n)
    c -= (c @ d + 1.0) / (d @ d) * d             # c'd = -1
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(c @ x), [G @ x <= h])
    out.append(from_cvxpy("inf_dual_lp_random", prob, expect=DI,
                          note="random LP unbounded along a recession direction"))

    # QP with PSD (singular) P unbounded along a null direction of P.
    rng = np.random.default_rng(405)
    n, r, k = 12, 8, 10
    M = rng.standard_normal((r, n))
    Q = M.T @ M
    d = np.linalg.svd(M)[2][-1]                  # M d = 0
    G = rng.standard_normal((k, n))
    G[G @ d > 0] *= -1.0
    h = rng.uniform(0.5, 1.0, k)                 # x = 0 feasible
    c = rng.standard_normal(n)
    c -= (c @ d + 1.0) / (d @ d) * d
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q, assume_PSD=True) + c @ x),
                      [G @ x <= h])
    out.append(from_cvxpy("inf_dual_qp", prob, expect=DI,
                          note="PSD QP unbounded along a null direction of P"))

    # Unbounded SOCP: min -t s.t. ||x|| <= t, x free.
    x = cp.Variable(4)
    t = cp.Variable()
    prob = cp.Problem(cp.Minimize(-t + x[0]), [cp.norm(x, 2) <= t, x[1] == 1])
    out.append(from_cvxpy("inf_dual_socp", prob, expect=DI,
                          note="min -t + x0 s.t. ||x|| <= t (unbounded)"))
    return out


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def sdp_problems():
    """Small semidefinite programs: max-cut relaxation, nearest correlation matrix, trace
    minimization under linear equalities, and a least-squares fit with a PSD constraint."""
    out = []
    rng = np.random.default_rng(600)
    for k in (4, 6):
        W = np.abs(rng.standard_normal((k, k)))
        W = np.triu(W, 1) + np.triu(W, 1).T
        Lap = np.diag(W.sum(1)) - W
        X = cp.Variable((k, k), symmetric=True)
        prob = cp.Problem(cp.Maximize(cp.trace(Lap @ X) / 4), [X >> 0, cp.diag(X) == 1])
        out.append(from_cvxpy(f"sdp_maxcut_{k}", prob, note=f"max-cut SDP relaxation, {k} nodes"))
    for k in (4, 5):
        G = rng.standard_normal((k, k))
        C = (G + G.T) / 4 + np.eye(k)
        X = cp.Variable((k, k), symmetric=True)
        prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [X >> 0, cp.diag(X) == 1])
        out.append(from_cvxpy(f"sdp_nearest_corr_{k}", prob, note="nearest correlation matrix"))
    k = 5
    C = rng.standard_normal((k, k))
    C = C @ C.T / k + 0.1 * np.eye(k)
    As = [rng.standard_normal((k, k)) for _ in range(3)]
    As = [(M + M.T) / 2 for M in As]
    X0 = np.eye(k)
    X = cp.Variable((k, k), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)),
                      [X >> 0] + [cp.trace(Ai @ X) == np.trace(Ai @ X0) for Ai in As])
    out.append(from_cvxpy("sdp_trace_min", prob, note="trace minimization with 3 equalities"))
    Y = rng.standard_normal((6, 3))
    X = cp.Variable((3, 3), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(Y @ X - Y) + cp.trace(X)), [X >> 0, X << 2 * np.eye(3)])
    out.append(from_cvxpy("sdp_psd_fit", prob, note="least squares with 0 ⪯ X ⪯ 2I"))
    return out


FAMILIES = [
    ("lp.txt", "Feasible bounded LPs", lp_problems),
    ("qp.txt", "Feasible bounded convex QPs", qp_problems),
    ("socp.txt", "Second-order cone programs", socp_problems),
    ("infeasible.txt", "Primal and dual infeasible problems", infeasible_problems),
    ("sdp.txt", "Semidefinite programs", sdp_problems),
]


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    rows = []
    only = set(sys.argv[1:])  # optional: regenerate just these files, e.g. sdp.txt
    for fname, title, build in FAMILIES:
        if only and fname not in only:
            continue
        problems = build()
        names = [pr.name for pr in problems]
        assert len(names) == len(set(names)), f"duplicate names in {fname}"
        for pr in problems:
            solve_and_check(pr)
        path = write_family(fname, title, problems)
        print(f"wrote {os.path.relpath(path, REPO_ROOT)} ({len(problems)} problems)")
        rows += [(fname, pr) for pr in problems]

    print()
    hdr = f"{'file':<15} {'name':<24} {'n':>4} {'m':>4}  {'status':<17} {'iters':>5}  cones"
    print(hdr)
    print("-" * len(hdr))
    for fname, pr in rows:
        cones = " ".join(f"{k}{d}" for k, d in pr.cones)
        print(f"{fname:<15} {pr.name:<24} {pr.n:>4} {pr.m:>4}  "
              f"{pr.status:<17} {pr.iterations:>5}  {cones}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
