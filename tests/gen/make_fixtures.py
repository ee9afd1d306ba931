#!/usr/bin/env python3
"""Generate the reference test fixtures for batchcone.

Run from the repository root:

    python3 tests/gen/make_fixtures.py

This writes one plain-text file per problem family to ``tests/data/``:

    lp.txt          feasible, bounded linear programs
    qp.txt          feasible, bounded convex quadratic programs
    socp.txt        second-order cone programs (cone dims 2, 3, 4 and > 4)
    infeasible.txt  primal infeasible and dual infeasible (unbounded) problems
    sdp.txt         semidefinite programs
    exp.txt         exponential cone programs (entropy, logistic regression,
                    log-sum-exp, a geometric program, mixed cones)
    pow.txt         power cone programs (explicit PowCone3D constraints)

Every problem is in Clarabel's form

    minimize    1/2 x'Px + c'x
    subject to  Ax + s = b,  s in K,
    K = Zero^a x NonNeg^l x SOC(d1) x ... x PSD(k1) x ... x Exp x ...
        x Pow(alpha1) x ...                                (in that order),

where an SOC block is (t, x) with t first and ||x|| <= t; a PSD block of side
k is the svec of a symmetric matrix (upper triangle, column-major,
off-diagonals scaled by sqrt 2); an exponential cone block (x, y, z) is the
closure of {y > 0, y exp(x/y) <= z} (cvxpy's ExpCone and Clarabel's
ExponentialConeT order); a power cone block (x, y, z) with parameter alpha in
(0, 1) is {x >= 0, y >= 0, x^alpha y^(1-alpha) >= |z|} (Clarabel's PowerConeT,
cvxpy's PowCone3D).  P is stored as its upper triangle (row <= col), both P
and A in CSC with sorted row indices.

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
conditions (s in K and z in the dual cone K*, up to a small distance), that its
objective (plus cvxpy's constant offset) agrees with cvxpy's own
``prob.solve(solver=cp.CLARABEL)``, and that infeasible problems get the
expected certificate status from both Clarabel and cvxpy.  For the geometric
program (canonicalised with ``gp=True``) the conic objective is the log of the
GP objective, so exp(objective + offset) is compared with cvxpy's
``prob.solve(gp=True)`` value.

File format (whitespace-separated tokens; lines starting with '#' are
comments; each array is on one line, prefixed by its element count):

    problem NAME
    n <int>
    m <int>
    P_colptr <count> ...      P_rowval <count> ...      P_vals <count> ...
    A_colptr <count> ...      A_rowval <count> ...      A_vals <count> ...
    c <count> ...
    b <count> ...
    cones <count> kind dim kind dim ...   (count = number of cones; kind: z zero,
                              l nonneg, q SOC, s PSD with dim = side k,
                              e exponential with dim 3, p power with the
                              alpha (repr float) in place of dim: "p 0.3";
                              e and p cones take 3 rows each)
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
                 expect="Solved", note="", gp=False):
        n = c.size
        m = b.size
        self.name = name
        self.P = _canonical_csc(sp.triu(P, format="csc")) if P is not None \
            else sp.csc_matrix((n, n))
        self.c = np.asarray(c, dtype=float).ravel()
        self.A = _canonical_csc(A)
        self.b = np.asarray(b, dtype=float).ravel()
        # (kind, dim) with an int dim, except power cones: ("p", alpha float)
        self.cones = [(k, float(d)) if k == "p" else (k, int(d))
                      for k, d in cones if k == "p" or int(d) > 0]
        self.prob = prob            # cvxpy problem, for the objective check
        self.offset = float(offset)  # cvxpy objective constant
        self.gp = gp                # canonicalised with gp=True (log space)
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
        # cone order: zero, nonneg, SOCs, PSD, exponential, then power cones
        order = {"z": 0, "l": 1, "q": 2, "s": 3, "e": 4, "p": 5}
        ranks = [order[k] for k, _ in self.cones]
        assert ranks == sorted(ranks), (self.name, self.cones)
        assert all(d >= 2 for k, d in self.cones if k == "q"), self.name
        assert all(d == 3 for k, d in self.cones if k == "e"), self.name
        assert all(0.0 < d < 1.0 for k, d in self.cones if k == "p"), self.name
        for M in (self.P, self.A):
            assert M.has_sorted_indices
            for j in range(M.shape[1]):
                rows = M.indices[M.indptr[j]:M.indptr[j + 1]]
                assert np.all(np.diff(rows) > 0), (self.name, "unsorted/dup")
        # P upper triangular
        Pc = self.P.tocoo()
        assert np.all(Pc.row <= Pc.col), (self.name, "P not upper triangular")


def cone_rows(kind, dim):
    """Rows of a cone: a PSD cone of side k takes k(k+1)/2 (svec, upper
    triangle); exponential and power cones take 3 (dim is alpha for "p")."""
    if kind == "s":
        return dim * (dim + 1) // 2
    if kind in ("e", "p"):
        return 3
    return dim


def _canonical_csc(M):
    """CSC (scipy.sparse.csc_matrix), float64, sorted indices, no duplicates.

    Explicit zeros are kept: the pattern is whatever the source produced.
    """
    M = sp.csc_matrix(M, dtype=float)
    M.sum_duplicates()
    M.sort_indices()
    return M


def from_cvxpy(name, prob, expect="Solved", note="", gp=False):
    """Canonicalise a cvxpy problem for Clarabel and wrap its conic data.

    gp=True canonicalises a geometric program (cvxpy's DGP, log space)."""
    data, _chain, _inv = prob.get_problem_data(cp.CLARABEL, gp=gp)
    dims = data["dims"]
    assert not dims.pnd, (name, "unexpected cone type from cvxpy")
    cones = [("z", dims.zero), ("l", dims.nonneg)] + [("q", d) for d in dims.soc]
    cones += [("s", k) for k in dims.psd]
    cones += [("e", 3)] * dims.exp
    cones += [("p", float(a)) for a in dims.p3d]
    offset = data["param_prob"].apply_parameters()[1]
    n = data["c"].size
    P = data["P"] if "P" in data else sp.csc_matrix((n, n))
    return ConicProblem(name, P, data["c"], data["A"], data["b"], cones,
                        prob=prob, offset=offset, expect=expect, note=note,
                        gp=gp)


# ---------------------------------------------------------------------------
# Clarabel solves and checks
# ---------------------------------------------------------------------------

def _clarabel_cones(cones):
    make = {"z": clarabel.ZeroConeT, "l": clarabel.NonnegativeConeT,
            "q": clarabel.SecondOrderConeT, "s": clarabel.PSDTriangleConeT,
            "e": lambda _d: clarabel.ExponentialConeT(),
            "p": clarabel.PowerConeT}
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


def _nearest_of(v, candidates):
    """Distance from v to the nearest of some points known to lie in a cone.

    An upper bound on the distance from v to the cone (0 if v is in it)."""
    with np.errstate(over="ignore"):
        return min(float(np.linalg.norm(v - np.asarray(c, dtype=float)))
                   for c in candidates)


def _exp_dist(v):
    """Upper bound on the distance from v = (x, y, z) to the exponential cone
    closure{y > 0, y exp(x/y) <= z} (0 if v is in it)."""
    x, y, z = (float(a) for a in v)
    cands = [(min(x, 0.0), 0.0, max(z, 0.0))]    # y = 0 face: x <= 0, z >= 0
    if y > 0:
        with np.errstate(over="ignore"):
            f = y * np.exp(x / y)
        if f <= z:
            return 0.0
        if np.isfinite(f):
            cands.append((x, y, f))                      # raise z
        if z > 0:
            cands.append((min(x, y * np.log(z / y)), y, z))  # lower x
    return _nearest_of(v, cands)


def _exp_dual_dist(v):
    """Upper bound on the distance from v = (u, v, w) to the dual exponential
    cone closure{u < 0, -u exp(v/u - 1) <= w} (Clarabel's convention)."""
    u, vv, w = (float(a) for a in v)
    cands = [(0.0, max(vv, 0.0), max(w, 0.0))]   # u = 0 face: v >= 0, w >= 0
    if u < 0:
        with np.errstate(over="ignore"):
            f = -u * np.exp(vv / u - 1.0)
        if f <= w:
            return 0.0
        if np.isfinite(f):
            cands.append((u, vv, f))                     # raise w
        if w > 0:
            # -u exp(v/u - 1) <= w  <=>  v >= u (1 + log(w / -u))
            cands.append((u, max(vv, u * (1.0 + np.log(w / -u))), w))
    return _nearest_of(v, cands)


def _pow_dist(v, alpha):
    """Upper bound on the distance from v = (x, y, z) to the power cone
    {x >= 0, y >= 0, x^alpha y^(1-alpha) >= |z|}."""
    x, y, z = (float(a) for a in v)
    if x >= 0 and y >= 0 and x ** alpha * y ** (1 - alpha) >= abs(z):
        return 0.0
    xp, yp = max(x, 0.0), max(y, 0.0)
    g = xp ** alpha * yp ** (1 - alpha)
    cands = [(xp, yp, np.clip(z, -g, g))]            # shrink |z|
    # grow x and y together by t >= 0 until (xp+t)^a (yp+t)^(1-a) >= |z|
    lo, hi = 0.0, abs(z) + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (xp + mid) ** alpha * (yp + mid) ** (1 - alpha) >= abs(z):
            hi = mid
        else:
            lo = mid
    cands.append((xp + hi, yp + hi, z))
    return _nearest_of(v, cands)


def _pow_dual_dist(v, alpha):
    """Upper bound on the distance from v = (u, v, w) to the dual power cone
    {u, v >= 0, (u/alpha)^alpha (v/(1-alpha))^(1-alpha) >= |w|}: measured by
    mapping a nearby point of the primal cone back (a point (a, b, c) of the
    power cone gives (alpha a, (1-alpha) b, c) in the dual cone)."""
    u, vv, w = (float(a) for a in v)
    scaled = np.array([u / alpha, vv / (1 - alpha), w])
    if _pow_dist(scaled, alpha) == 0.0:
        return 0.0
    xp, yp = max(scaled[0], 0.0), max(scaled[1], 0.0)
    g = xp ** alpha * yp ** (1 - alpha)
    cands = [(alpha * xp, (1 - alpha) * yp, np.clip(w, -g, g))]
    lo, hi = 0.0, abs(w) + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (xp + mid) ** alpha * (yp + mid) ** (1 - alpha) >= abs(w):
            hi = mid
        else:
            lo = mid
    cands.append((alpha * (xp + hi), (1 - alpha) * (yp + hi), w))
    return _nearest_of(v, cands)


def cone_violation(cones, v, dual=False):
    """How far v is outside K (or outside the dual cone K* when dual=True;
    the zero cone's dual is free, the others but exp and pow are self-dual)."""
    viol, i = 0.0, 0
    for k, d in cones:
        blk = v[i:i + cone_rows(k, d)]
        if k == "l":
            viol = max(viol, float(np.max(-blk, initial=0.0)))
        elif k == "q":
            viol = max(viol, _soc_dist(blk))
        elif k == "s":
            viol = max(viol, -float(np.linalg.eigvalsh(svec_to_mat(blk, d)).min()))
        elif k == "e":
            viol = max(viol, _exp_dual_dist(blk) if dual else _exp_dist(blk))
        elif k == "p":
            viol = max(viol, _pow_dual_dist(blk, d) if dual else _pow_dist(blk, d))
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
    sz_viol = max(sz_viol, cone_violation(pr.cones, s),
                  cone_violation(pr.cones, z, dual=True))
    gap = abs(float(s @ z)) / (1.0 + abs(pr.objective))
    for what, val in (("primal res", rp), ("dual res", rd),
                      ("cone", sz_viol), ("gap", gap)):
        assert val <= KKT_TOL * scale, (pr.name, what, val)


def check_against_cvxpy(pr):
    """Compare with cvxpy's own Clarabel solve of the original model."""
    if pr.prob is None:
        return
    pr.prob.solve(solver=cp.CLARABEL, gp=pr.gp)
    st = pr.prob.status
    if pr.expect == "Solved":
        assert st == cp.OPTIMAL, (pr.name, st)
        # cvxpy minimises -f for Maximize(f), so the conic objective is -value
        sign = -1.0 if isinstance(pr.prob.objective, cp.Maximize) else 1.0
        ours = sign * (pr.objective + pr.offset)
        if pr.gp:
            # DGP works with log f: the conic objective is the log of the value
            ours = float(np.exp(ours))
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
        f"cones {len(pr.cones)} " + " ".join(f"{k} {d!r}" for k, d in pr.cones),
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


# ---------------------------------------------------------------------------
# Exponential cone family
# ---------------------------------------------------------------------------

def exp_problems():
    out = []

    # Entropy maximisation over {Ax = b, x >= 0} with a planted interior point.
    rng = np.random.default_rng(701)
    n, p = 20, 5
    A = rng.uniform(0.0, 1.0, (p, n))
    x0 = rng.uniform(0.2, 1.0, n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(x))), [A @ x == A @ x0, x >= 0])
    out.append(from_cvxpy("exp_entropy_max", prob,
                          note="max sum entr(x), Ax = b, x >= 0 (20 exp cones)"))

    # Logistic regression with l2 regularisation (quadratic objective part);
    # each logistic term is log(1 + exp(u)), i.e. two exp cones.
    rng = np.random.default_rng(702)
    npts, d = 15, 4
    X = rng.standard_normal((npts, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(npts))
    w = cp.Variable(d)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.logistic(-cp.multiply(y, X @ w)))
                                  + 0.1 * cp.sum_squares(w)))
    out.append(from_cvxpy("exp_logistic_l2", prob,
                          note="logistic regression, 15 points, 0.1||w||^2"))

    # Larger logistic regression with an intercept and l1 regularisation.
    rng = np.random.default_rng(703)
    npts, d = 20, 8
    X = rng.standard_normal((npts, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(npts))
    w = cp.Variable(d)
    b0 = cp.Variable()
    prob = cp.Problem(cp.Minimize(
        cp.sum(cp.logistic(-cp.multiply(y, X @ w + b0))) + 0.5 * cp.norm1(w)))
    out.append(from_cvxpy("exp_logistic_l1", prob,
                          note="logistic regression, 20 points, intercept, 0.5||w||_1"))

    # Log-sum-exp plus a quadratic.
    rng = np.random.default_rng(704)
    k, n = 15, 8
    A = rng.standard_normal((k, n))
    b = rng.standard_normal(k)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.log_sum_exp(A @ x + b) + cp.sum_squares(x)))
    out.append(from_cvxpy("exp_logsumexp_quad", prob,
                          note="min log_sum_exp(Ax+b) + ||x||^2 (15 exp cones)"))

    # Log-sum-exp with linear equalities and a box (bounded by the box).
    rng = np.random.default_rng(705)
    k, n = 12, 10
    A = rng.standard_normal((k, n))
    b = rng.standard_normal(k)
    F = rng.standard_normal((3, n))
    x0 = rng.uniform(-0.5, 0.5, n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(cp.log_sum_exp(A @ x + b)),
                      [F @ x == F @ x0, x >= -1, x <= 1])
    out.append(from_cvxpy("exp_logsumexp_constrained", prob,
                          note="min log_sum_exp(Ax+b), Fx = g, -1 <= x <= 1"))

    # Geometric program (Boyd et al., GP tutorial): maximise the volume h w d
    # of a box subject to wall and floor area limits and aspect ratio bounds.
    # Canonicalised in log space (gp=True); the posynomial wall constraint
    # becomes a log-sum-exp (exp cones).  The conic objective is -log(h w d)
    # up to the offset, which check_against_cvxpy accounts for.
    h, wd, dp = cp.Variable(pos=True), cp.Variable(pos=True), cp.Variable(pos=True)
    A_wall, A_flr = 100.0, 10.0
    prob = cp.Problem(cp.Maximize(h * wd * dp),
                      [2 * (h * wd + h * dp) <= A_wall, wd * dp <= A_flr,
                       0.5 <= h / wd, h / wd <= 2.0,
                       5.0 <= dp / wd, dp / wd <= 10.0])
    out.append(from_cvxpy("exp_gp_box", prob, gp=True,
                          note="GP box design (log space), max h*w*d"))

    # A GP with a posynomial objective (more exp cones): minimise
    # sum_i c_i prod_j x_j^{a_ij} subject to a posynomial and monomial bounds.
    rng = np.random.default_rng(707)
    nv, nt = 4, 6
    xg = cp.Variable(nv, pos=True)
    coef = rng.uniform(0.5, 2.0, nt)
    expo = rng.integers(-2, 3, (nt, nv)).astype(float)
    expo[:nv] = np.abs(expo[:nv]) + np.eye(nv)       # some terms grow in each x_j
    expo[nv:] = -np.abs(expo[nv:]) - 1.0             # and some blow up at 0
    terms = []
    for i in range(nt):
        term = coef[i]
        for j in range(nv):
            if expo[i, j] != 0:
                term = term * xg[j] ** expo[i, j]
        terms.append(term)
    obj = sum(terms)
    prob = cp.Problem(cp.Minimize(obj),
                      [xg[0] * xg[1] + 0.5 * xg[2] / xg[3] <= 4.0,
                       xg >= 0.1, xg <= 10.0])
    out.append(from_cvxpy("exp_gp_posynomial", prob, gp=True,
                          note="GP, posynomial objective with 6 terms (log space)"))

    # Mixed cones: zero, nonneg, SOC and exp.  Linear cost plus a log barrier
    # inside a ball around a planted point x0, with equalities through x0 and
    # an upper bound (x0 is strictly feasible).
    # (a KL-divergence-on-the-simplex variant with a floor x >= 0.01 ended
    # AlmostSolved at tolerance 1e-10 for most seeds in Clarabel 0.11.1)
    rng = np.random.default_rng(708)
    n = 12
    c = rng.uniform(0.5, 1.5, n)
    x0 = rng.uniform(0.5, 1.2, n)
    F = rng.standard_normal((2, n))
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(c @ x - cp.sum(cp.log(x))),
                      [cp.norm(x - x0, 2) <= 0.25 * np.sqrt(n), F @ x == F @ x0,
                       x <= 1.3])
    out.append(from_cvxpy("exp_mixed_logbarrier_socp", prob,
                          note="c'x - sum log x, ||x-x0|| <= r, Fx = g, x <= 1.3"))

    for pr in out:
        kinds = {k for k, _ in pr.cones}
        assert "e" in kinds, (pr.name, "no exponential cone")
        assert sum(k == "e" for k, _ in pr.cones) <= 40, pr.name
    mixed = {k for k, _ in out[-1].cones}
    assert {"z", "l", "q", "e"} <= mixed, out[-1].cones
    return out


# ---------------------------------------------------------------------------
# Power cone family
# ---------------------------------------------------------------------------

def pow_problems():
    """Power cones come from explicit cp.PowCone3D(x, y, z, alpha) constraints
    (x^alpha y^(1-alpha) >= |z|); cvxpy's pnorm/geo_mean would use SOCs."""
    out = []

    # l3-norm regression: ||r||_3 <= t  <=>  |r_i| <= s_i^(1/3) t^(2/3),
    # sum s = t.
    rng = np.random.default_rng(801)
    m, n = 15, 6
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    x = cp.Variable(n)
    t = cp.Variable()
    sv = cp.Variable(m)
    prob = cp.Problem(cp.Minimize(t),
                      [cp.constraints.PowCone3D(sv, t * np.ones(m), A @ x - b, 1.0 / 3.0),
                       cp.sum(sv) == t])
    out.append(from_cvxpy("pow_pnorm3_regression", prob,
                          note="min ||Ax-b||_3 via 15 power cones (alpha 1/3)"))

    # l_1.5-norm projection onto {Fx = g, x >= 0}: alpha = 2/3.
    rng = np.random.default_rng(802)
    n = 10
    x0 = rng.standard_normal(n)
    F = rng.uniform(0.0, 1.0, (3, n))
    g = F @ rng.uniform(0.1, 1.0, n)
    x = cp.Variable(n)
    t = cp.Variable()
    sv = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(t),
                      [cp.constraints.PowCone3D(sv, t * np.ones(n), x - x0, 2.0 / 3.0),
                       cp.sum(sv) == t, F @ x == g, x >= 0])
    out.append(from_cvxpy("pow_pnorm1p5_projection", prob,
                          note="min ||x-x0||_1.5, Fx = g, x >= 0 (alpha 2/3)"))

    # Geometric means with several alphas: maximise a sum of weighted
    # geometric means of pairs, and one nested 3-way mean
    # u <= x0^0.4 x1^0.6, v <= u^0.5 x2^0.5 (so v <= x0^0.2 x1^0.3 x2^0.5),
    # under a budget.
    rng = np.random.default_rng(803)
    n = 6
    price = rng.uniform(0.5, 2.0, n)
    pairs = [(0, 1, 0.3), (1, 2, 0.5), (2, 3, 0.7), (3, 4, 0.25), (4, 5, 0.6),
             (5, 0, 0.5)]
    x = cp.Variable(n)
    tt = cp.Variable(len(pairs))
    u = cp.Variable()
    v = cp.Variable()
    cons = [cp.constraints.PowCone3D(x[i], x[j], tt[k], a)
            for k, (i, j, a) in enumerate(pairs)]
    cons += [cp.constraints.PowCone3D(x[0], x[1], u, 0.4),
             cp.constraints.PowCone3D(u, x[2], v, 0.5),
             price @ x <= 10.0]
    wts = rng.uniform(0.5, 1.5, len(pairs))
    prob = cp.Problem(cp.Maximize(wts @ tt + 2.0 * v), cons)
    out.append(from_cvxpy("pow_geomean_mix", prob,
                          note="max weighted geometric means, alphas 0.25..0.7"))

    # Power-utility portfolio: maximise E[W^gamma] / gamma over scenarios,
    # W_s = R_s'w, gamma = 0.5 (u_s <= W_s^0.5 1^0.5), long only, fully
    # invested, at most 40% per asset.
    rng = np.random.default_rng(804)
    ns, na = 12, 6
    R = 1.0 + rng.normal(0.05, 0.15, (ns, na))
    R = np.maximum(R, 0.3)
    pi = rng.dirichlet(np.ones(ns))
    gamma = 0.5
    w = cp.Variable(na)
    us = cp.Variable(ns)
    prob = cp.Problem(cp.Maximize(pi @ us / gamma),
                      [cp.constraints.PowCone3D(R @ w, np.ones(ns), us, gamma),
                       cp.sum(w) == 1, w >= 0, w <= 0.4])
    out.append(from_cvxpy("pow_portfolio_utility", prob,
                          note="power utility W^0.5/0.5, 12 scenarios, 6 assets"))

    # Mixed cones: zero, nonneg, SOC and pow.  Residual norm plus
    # sum |x_i|^1.5 (|x_i| <= s_i^(2/3) 1^(1/3)) and sum |x_i|^3 on a few
    # (alpha 1/3), with an equality and a lower bound.
    rng = np.random.default_rng(805)
    m, n = 14, 8
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    F = rng.standard_normal((2, n))
    x = cp.Variable(n)
    s15 = cp.Variable(n)
    s3 = cp.Variable(3)
    prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b, 2) + 0.5 * cp.sum(s15)
                                  + 0.2 * cp.sum(s3)),
                      [cp.constraints.PowCone3D(s15, np.ones(n), x, 2.0 / 3.0),
                       cp.constraints.PowCone3D(s3, np.ones(3), x[:3], 1.0 / 3.0),
                       F @ x == 0.3 * np.ones(2), x[3:] >= -0.5])
    out.append(from_cvxpy("pow_mixed_socp", prob,
                          note="||Ax-b||_2 + sum|x|^1.5 + sum|x_0:3|^3, Fx = g, bounds"))

    for pr in out:
        assert "p" in {k for k, _ in pr.cones}, (pr.name, "no power cone")
    mixed = {k for k, _ in out[-1].cones}
    assert {"z", "l", "q", "p"} <= mixed, out[-1].cones
    return out


FAMILIES = [
    ("lp.txt", "Feasible bounded LPs", lp_problems),
    ("qp.txt", "Feasible bounded convex QPs", qp_problems),
    ("socp.txt", "Second-order cone programs", socp_problems),
    ("infeasible.txt", "Primal and dual infeasible problems", infeasible_problems),
    ("sdp.txt", "Semidefinite programs", sdp_problems),
    ("exp.txt", "Exponential cone programs", exp_problems),
    ("pow.txt", "Power cone programs", pow_problems),
]


def _cone_summary(cones):
    """Compact cone list for the summary table: runs of equal cones as kDxN."""
    parts = []
    for k, d in cones:
        tag = f"{k}{d}"
        if parts and parts[-1][0] == tag:
            parts[-1][1] += 1
        else:
            parts.append([tag, 1])
    return " ".join(t if c == 1 else f"{t}x{c}" for t, c in parts)


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
        cones = _cone_summary(pr.cones)
        print(f"{fname:<15} {pr.name:<24} {pr.n:>4} {pr.m:>4}  "
              f"{pr.status:<17} {pr.iterations:>5}  {cones}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
