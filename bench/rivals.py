# SPDX-License-Identifier: Apache-2.0
"""Layer benchmark against the rivals, one implementation per process (cvxpylayers installs a
package of the same import name as ours, so the rivals run in their own virtual environment):

    python bench/rivals.py run batchcone      [--quick | --smoke]   # in our environment
    python bench/rivals.py run diffcp         [--quick]   # cvxpylayers + diffcp/SCS (default)
    python bench/rivals.py run moreau         [--quick]   # cvxpylayers + Moreau (CPU)
    python bench/rivals.py run jaxopt         [--quick]   # jaxopt's OSQP (QP families only)
    python bench/rivals.py run torch          [--quick | --smoke]   # our cvxpylayers.torch layer
    python bench/rivals.py run torch-diffcp   [--quick]   # cvxpylayers.torch + diffcp/SCS
    python bench/rivals.py run torch-moreau   [--quick]   # cvxpylayers.torch + Moreau (CPU)
    python bench/rivals.py report                         # merge bench/results/*.json

`--only=PATTERN[,PATTERN...]` (with run) keeps the families whose "name size" contains one of
the patterns, e.g. --only="dense QP n=20,nnls"; its rows are merged into the existing results
file of that implementation, so a partial run updates a full table.

Each row: forward time and forward+backward time (the gradient of Σx with respect to every
parameter) per batch, problems/s, and the worst disagreement of x and of the gradient with
batchcone's (the reference run first). Times are medians of repeats within a budget; all in
float64 on this machine's CPU.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def families(quick):
    """(name, size, (problem, parameters, variables, draw(rng, B)), qp) per family; qp, when not
    None, maps parameter values to (Q, q, G, h, A, b) of min ½xᵀQx + qᵀx s.t. Gx ≤ h, Ax = b for
    QP rivals (x: the layer's output variable)."""
    import cvxpy as cp

    def nnls(n, m):
        x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])

        def qp(A, b):  # ‖Ax − b‖² = xᵀAᵀAx − 2bᵀAx + const
            return 2 * A.T @ A, -2 * A.T @ b, -np.eye(n), np.zeros(n), None, None, _same

        return (prob, [A, b], [x],
                lambda r, B: [r.standard_normal((B, m, n)), r.standard_normal((B, m))]), qp  # fmt: skip

    def dense_qp(n, m):  # OptNet-style: parametric linear term and constraint offsets
        r = np.random.default_rng(7)
        G = r.standard_normal((n, n))
        Q = G @ G.T / n + np.eye(n)
        C = r.standard_normal((m, n))
        x, q, h = cp.Variable(n), cp.Parameter(n), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q) + q @ x), [C @ x <= h])
        return (prob, [q, h], [x],
                lambda r, B: [r.standard_normal((B, n)), 1 + r.random((B, m))]), \
            lambda q, h: (Q, q, C, h, None, None, _same)  # fmt: skip

    def sparse_qp(n, m, density):
        import scipy.sparse as sp

        r = np.random.default_rng(11)
        M = sp.random(n, n, density=density, random_state=11)
        Q = (M @ M.T + sp.eye(n)).tocsc()
        C = sp.random(m, n, density=density, random_state=12).tocsc()
        Qd, Cd = Q.toarray(), C.toarray()
        x, q, h = cp.Variable(n), cp.Parameter(n), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q) + q @ x), [C @ x <= h])
        return (prob, [q, h], [x],
                lambda r, B: [r.standard_normal((B, n)), 1 + r.random((B, m))]), \
            lambda q, h: (Qd, q, Cd, h, None, None, _same)  # fmt: skip

    def mpc(T, nx, nu):  # constrained linear MPC from a parametric initial state; output u
        r = np.random.default_rng(5)
        Ad = np.eye(nx) + 0.1 * r.standard_normal((nx, nx))
        Bd = 0.1 * r.standard_normal((nx, nu))
        x0 = cp.Parameter(nx)
        X, U = cp.Variable((T + 1, nx)), cp.Variable((T, nu))
        cons = [X[0] == x0, cp.abs(U) <= 1, cp.abs(X) <= 5]
        cons += [X[t + 1] == Ad @ X[t] + Bd @ U[t] for t in range(T)]
        prob = cp.Problem(cp.Minimize(cp.sum_squares(X) + 0.1 * cp.sum_squares(U)), cons)

        # The QP in (X₀..X_T, U₀..U_{T−1}), row-major like cvxpy's X and U.
        nX, nU = (T + 1) * nx, T * nu
        Q = np.diag(np.r_[2 * np.ones(nX), 0.2 * np.ones(nU)])
        Aeq = np.zeros((nx + T * nx, nX + nU))
        Aeq[:nx, :nx] = np.eye(nx)
        for t in range(T):
            rows = slice(nx + t * nx, nx + (t + 1) * nx)
            Aeq[rows, (t + 1) * nx:(t + 2) * nx] = np.eye(nx)
            Aeq[rows, t * nx:(t + 1) * nx] = -Ad
            Aeq[rows, nX + t * nu:nX + (t + 1) * nu] = -Bd
        G = np.vstack([np.eye(nX + nU), -np.eye(nX + nU)])
        h = np.r_[5 * np.ones(nX), np.ones(nU), 5 * np.ones(nX), np.ones(nU)]

        def qp(x0v):
            import jax.numpy as jnp

            beq = jnp.concatenate([x0v, jnp.zeros(T * nx)])
            return Q, np.zeros(nX + nU), G, h, Aeq, beq, lambda v: v[nX:].reshape(T, nu)

        # x₀ well inside the state box (|x| ≤ 5 applies to X₀ = x₀ too): every draw feasible.
        return (prob, [x0], [U], lambda r, B: [np.clip(r.standard_normal((B, nx)), -2, 2)]), qp

    def lp(n, m):
        r = np.random.default_rng(3)
        G = r.standard_normal((m, n))
        x, c, h = cp.Variable(n), cp.Parameter(n), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(c @ x), [G @ x <= h, cp.abs(x) <= 1])
        return (prob, [c, h], [x],
                lambda r, B: [r.standard_normal((B, n)), 1 + r.random((B, m))]), None  # fmt: skip

    def robust_ls(n, m):
        x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b) + 0.1 * cp.norm(x)), [cp.norm(x, 1) <= 1])
        return (prob, [A, b], [x],
                lambda r, B: [r.standard_normal((B, m, n)), r.standard_normal((B, m))]), None  # fmt: skip

    def logistic(N, d):  # ℓ2-regularized logistic regression on parametric features: exp cones
        labels = np.where(np.random.default_rng(9).standard_normal(N) > 0, 1.0, -1.0)
        w, X = cp.Variable(d), cp.Parameter((N, d))
        loss = cp.sum(cp.logistic(-cp.multiply(labels, X @ w))) / N
        prob = cp.Problem(cp.Minimize(loss + 0.1 * cp.sum_squares(w)))
        shift = 0.5 * labels[:, None]
        return (prob, [X], [w], lambda r, B: [r.standard_normal((B, N, d)) + shift]), None

    def nearest_correlation(k):  # one PSD cone of side k
        C, X = cp.Parameter((k, k), symmetric=True), cp.Variable((k, k), symmetric=True)
        prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [X >> 0, cp.diag(X) == 1])

        def draw(r, B):
            G = r.standard_normal((B, k, k))
            return [(G + np.swapaxes(G, 1, 2)) / 2]

        return (prob, [C], [X], draw), None

    def _same(v):
        return v

    out = [("nnls", "n=10 m=20", *nnls(10, 20)), ("dense QP", "n=20 m=40", *dense_qp(20, 40)),
           ("LP", "n=20 m=40", *lp(20, 40)),
           ("robust LS (SOCP)", "n=10 m=20", *robust_ls(10, 20)),
           ("MPC QP", "T=30 nx=4 nu=2", *mpc(30, 4, 2)),
           ("logistic (exp)", "N=20 d=5", *logistic(20, 5)),
           ("nearest corr (SDP)", "k=5", *nearest_correlation(5))]  # fmt: skip
    if not quick:
        out.append(("dense QP", "n=100 m=100", *dense_qp(100, 100)))
        out.append(("sparse QP", "n=1000 m=500 1%", *sparse_qp(1000, 500, 0.01)))
    return out


BUDGET = {"full": 2.0, "quick": 2.0, "smoke": 0.05}


def median_time(fn, budget=2.0, min_reps=2, max_reps=20):
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < budget and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _accuracy(prob, params, variable, values, x, samples=4):
    """Worst constraint violation and relative objective gap against cvxpy + Clarabel (1e-9) of
    the outputs of the first `samples` problems, when the output variable is the problem's only
    one (otherwise NaN): a check of every implementation against the same outside reference."""
    import cvxpy as cp

    if set(v.id for v in prob.variables()) != {variable.id}:
        return float("nan"), float("nan")
    viol = gap = 0.0
    for i in range(min(samples, x.shape[0])):
        for p, v in zip(params, values):
            p.value = np.asarray(v[i], float)
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
        best = prob.value
        variable.value = np.asarray(x[i], float).reshape(variable.shape)
        viol = max(viol, max((float(np.max(c.violation())) for c in prob.constraints), default=0.0))
        gap = max(gap, abs(prob.objective.value - best) / max(1.0, abs(best)))
    return viol, gap


def _first_line(e):
    """The exception's type and the last line of its message (the cause, for callback errors)."""
    lines = [s for s in str(e).strip().splitlines() if s.strip()]
    return f"{type(e).__name__}: {lines[-1] if lines else ''}"[:160]


def _jaxopt_forward(qp):
    """Batched forward of jaxopt's OSQP (ADMM in JAX; implicit differentiation) on a QP family."""
    import jax
    from jaxopt import OSQP

    osqp = OSQP(tol=1e-6, maxiter=20000)

    def single(*p):
        Q, q, G, h, A, b, select = qp(*p)
        kw = {"params_obj": (Q, q), "params_ineq": (G, h)}
        if A is not None:
            kw["params_eq"] = (A, b)
        return select(osqp.run(**kw).params.primal)

    return jax.vmap(single)


def run(impl, mode, only=None):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    if impl != "jaxopt":
        from cvxpylayers.jax import CvxpyLayer

    solver = {"batchcone": None, "diffcp": "DIFFCP", "moreau": "MOREAU", "jaxopt": None}[impl]
    quick = mode != "full"
    batches = {"full": [1, 16, 256, 4096], "quick": [1, 16, 256], "smoke": [1, 4]}[mode]
    rows = []
    for name, size, (prob, params, variables, draw), qp in families(quick and not only):
        if impl == "jaxopt" and qp is None:
            continue  # OSQP solves QPs only
        if only and not any(pattern in f"{name} {size}" for pattern in only):
            continue
        try:
            if impl == "jaxopt":
                forward_batch = _jaxopt_forward(qp)
            else:
                layer = CvxpyLayer(prob, parameters=params, variables=variables, solver=solver)
                forward_batch = lambda *p: layer(*p)[0]  # noqa: E731
        except Exception as e:  # a rival that does not take this problem: recorded, not fatal
            rows.append({"family": name, "size": size, "batch": 0, "error": _first_line(e)})
            print(f"{impl:10s} {name:18s} unsupported: {rows[-1]['error']}", flush=True)
            continue
        per_problem = 0.0  # forward seconds per problem at the last batch size
        for B in batches:
            if impl == "diffcp" and B > 256:
                continue  # a Python loop over SCS: minutes per row
            if per_problem * B > 10.0:  # recorded as not run rather than minutes per repeat
                rows.append({"family": name, "size": size, "batch": B,
                             "error": f"skipped: projected {per_problem * B:.0f} s per forward call"})  # fmt: skip
                continue
            values = [jnp.asarray(v) for v in draw(np.random.default_rng(B), B)]

            def loss(*p):
                return jnp.sum(forward_batch(*p))

            forward = forward_batch
            grad = jax.grad(loss, argnums=tuple(range(len(values))))
            if impl != "diffcp":  # diffcp cannot be jitted
                forward, grad = jax.jit(forward), jax.jit(grad)
            try:
                x = np.asarray(forward(*values))
                g = [np.asarray(v) for v in grad(*values)]
            except Exception as e:
                rows.append({"family": name, "size": size, "batch": B, "error": _first_line(e)})
                print(f"{impl:10s} {name:18s} B={B:5d} failed: {rows[-1]['error']}", flush=True)
                continue
            t_f = median_time(lambda: jax.block_until_ready(forward(*values)), BUDGET[mode])
            t_fb = median_time(lambda: jax.block_until_ready(grad(*values)), BUDGET[mode])
            per_problem = t_f / B
            viol, gap = _accuracy(prob, params, variables[0], [np.asarray(v) for v in values], x)
            iters = float("nan")
            if impl == "batchcone":  # per-problem iteration counts (return_info is ours only)
                iters = float(np.mean(np.asarray(layer(*values, return_info=True)[1]["iterations"])))
            rows.append({"family": name, "size": size, "batch": B, "forward_s": t_f,
                         "fwd_bwd_s": t_fb, "x": x.tolist(), "grad": [v.tolist() for v in g],
                         "viol": viol, "gap": gap, "iters": iters})  # fmt: skip
            print(f"{impl:10s} {name:18s} {size:12s} B={B:5d}  fwd {t_f*1e3:9.2f} ms  "
                  f"fwd+bwd {t_fb*1e3:9.2f} ms", flush=True)
    import jax as _j

    _write(impl, mode, only, rows, {"jax": _j.__version__})


def run_torch(impl, mode, only=None):
    """The PyTorch layers: ours (impl "torch", in our environment) or cvxpylayers' torch layer
    with its default solver (diffcp/SCS) or MOREAU (in the rivals' environment). The same
    families, batches and columns as run(); forward under torch.no_grad, forward+backward the
    gradient of Σx with respect to every parameter (torch.autograd.grad)."""
    import torch

    from cvxpylayers.torch import CvxpyLayer

    torch.set_default_dtype(torch.float64)
    solver = {"torch": None, "torch-diffcp": None, "torch-moreau": "MOREAU"}[impl]
    batches = {"full": [1, 16, 256, 4096], "quick": [1, 16, 256], "smoke": [1, 4]}[mode]
    rows = []
    for name, size, (prob, params, variables, draw), _ in families(mode != "full" and not only):
        if only and not any(pattern in f"{name} {size}" for pattern in only):
            continue
        try:
            layer = CvxpyLayer(prob, parameters=params, variables=variables, solver=solver)
        except Exception as e:
            rows.append({"family": name, "size": size, "batch": 0, "error": _first_line(e)})
            print(f"{impl:12s} {name:18s} unsupported: {rows[-1]['error']}", flush=True)
            continue
        per_problem = 0.0
        for B in batches:
            if impl == "torch-diffcp" and B > 256:
                continue  # a Python loop over SCS: minutes per row
            if per_problem * B > 10.0:
                rows.append({"family": name, "size": size, "batch": B,
                             "error": f"skipped: projected {per_problem * B:.0f} s per forward call"})  # fmt: skip
                continue
            values = [torch.tensor(v) for v in draw(np.random.default_rng(B), B)]
            leaves = [v.clone().requires_grad_() for v in values]

            def forward():
                with torch.no_grad():
                    return layer(*values)[0]

            def grad():
                return torch.autograd.grad(layer(*leaves)[0].sum(), leaves)

            try:
                x = forward().numpy()
                g = [v.numpy() for v in grad()]
            except Exception as e:
                rows.append({"family": name, "size": size, "batch": B, "error": _first_line(e)})
                print(f"{impl:12s} {name:18s} B={B:5d} failed: {rows[-1]['error']}", flush=True)
                continue
            t_f = median_time(forward, BUDGET[mode])
            t_fb = median_time(grad, BUDGET[mode])
            per_problem = t_f / B
            viol, gap = _accuracy(prob, params, variables[0], [v.numpy() for v in values], x)
            rows.append({"family": name, "size": size, "batch": B, "forward_s": t_f,
                         "fwd_bwd_s": t_fb, "x": x.tolist(), "grad": [v.tolist() for v in g],
                         "viol": viol, "gap": gap, "iters": float("nan")})  # fmt: skip
            print(f"{impl:12s} {name:18s} {size:12s} B={B:5d}  fwd {t_f*1e3:9.2f} ms  "
                  f"fwd+bwd {t_fb*1e3:9.2f} ms", flush=True)
    _write(impl, mode, only, rows, {"torch": torch.__version__})


def _write(impl, mode, only, rows, versions):
    meta = {"impl": impl, "python": platform.python_version(), "machine": platform.node(),
            "cpus": os.cpu_count(), **versions}  # fmt: skip
    try:
        import importlib.metadata as md

        meta["versions"] = {p: md.version(p) for p in ("jax", "cvxpy", "cvxpylayers", "diffcp", "moreau", "jaxopt", "torch")
                            if _installed(md, p)}  # fmt: skip
    except Exception:
        pass
    out = RESULTS if mode != "smoke" else RESULTS / "smoke"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"rivals_{impl}.json"
    if only and path.exists():  # keep the other families' rows of the last run
        done = {(r["family"], r["size"]) for r in rows}
        old = json.loads(path.read_text())["rows"]
        rows = [r for r in old if (r["family"], r["size"]) not in done] + rows
    path.write_text(json.dumps({"meta": meta, "rows": rows}))


def _installed(md, name):
    try:
        md.version(name)
        return True
    except Exception:
        return False


IMPLS = ["batchcone", "moreau", "jaxopt", "diffcp"]
TORCH_IMPLS = ["torch", "torch-moreau", "torch-diffcp"]  # compared with our torch layer
COLORS = {"batchcone": "tab:blue", "moreau": "tab:orange", "jaxopt": "tab:green", "diffcp": "tab:red",
          "torch": "tab:purple", "torch-moreau": "tab:brown", "torch-diffcp": "tab:pink"}  # fmt: skip


def _num(v, fmt):
    return "—" if v is None or v != v else format(v, fmt)


def _compare(r, base):
    """Max |Δx| and max relative Δgrad of row r against batchcone's row (NaN without one)."""
    if base is None or "x" not in base:
        return float("nan"), float("nan")
    dx = float(np.max(np.abs(np.array(r["x"]) - np.array(base["x"]))))
    dg = max(float(np.max(np.abs(np.array(a) - np.array(b))) / max(1.0, np.max(np.abs(b))))
             for a, b in zip(r["grad"], base["grad"]))  # fmt: skip
    return dx, dg


_HEADER = ["| family | size | batch | impl | fwd ms | fwd+bwd ms | problems/s (fwd) | "
           "ratio fwd vs {ref} | ratio fwd+bwd | iters | viol | obj gap | max |Δx| | "
           "max rel Δgrad |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip


def _rows_of(runs, impls, ref_of):
    """Table lines of the implementations' rows: times as ratios over the row of ref_of(impl)
    (same family, size and batch), Δx and Δgrad against batchcone's (JAX) row."""
    index = {impl: {(r["family"], r["size"], r["batch"]): r for r in d["rows"]} for impl, d in runs.items()}
    lines = []
    for impl in [i for i in impls if i in runs]:
        for r in runs[impl]["rows"]:
            if "error" in r:
                lines.append(f"| {r['family']} | {r['size']} | {r['batch'] or '—'} | {impl} | "
                             f"not run: {r['error'].replace('|', '/')} | | | | | | | | | |")  # fmt: skip
                continue
            where = (r["family"], r["size"], r["batch"])
            base = index.get(ref_of(impl), {}).get(where)
            dx, dg = _compare(r, index["batchcone"].get(where))
            ok = base is not None and "forward_s" in base
            rf = r["forward_s"] / base["forward_s"] if ok else float("nan")
            rfb = r["fwd_bwd_s"] / base["fwd_bwd_s"] if ok else float("nan")
            lines.append(f"| {r['family']} | {r['size']} | {r['batch']} | {impl} | "
                         f"{r['forward_s']*1e3:.2f} | {r['fwd_bwd_s']*1e3:.2f} | "
                         f"{r['batch']/r['forward_s']:.0f} | {rf:.2f}× | {rfb:.2f}× | "
                         f"{_num(r.get('iters'), '.1f')} | {_num(r.get('viol'), '.0e')} | "
                         f"{_num(r.get('gap'), '.0e')} | {dx:.1e} | {dg:.1e} |")  # fmt: skip
    return lines


def report():
    runs = {}
    for f in sorted(RESULTS.glob("rivals_*.json")):
        d = json.loads(f.read_text())
        runs[d["meta"]["impl"]] = d
    lines = [h.format(ref="batchcone") for h in _HEADER] + _rows_of(runs, IMPLS, lambda i: "batchcone")
    if any(i in runs for i in TORCH_IMPLS):
        lines += ["", "## PyTorch layers", "",
                  "Our torch layer's ratios are over our JAX layer's times (batchcone rows above); the "
                  "rivals' (cvxpylayers.torch with MOREAU and with its default diffcp/SCS) over our torch "
                  "layer's.", ""]  # fmt: skip
        lines += [h.format(ref="ours") for h in _HEADER]
        lines += _rows_of(runs, TORCH_IMPLS, lambda i: "batchcone" if i == "torch" else "torch")
    meta = "; ".join(f"{k}: " +
                     ", ".join(f"{p} {ver}" for p, ver in v["meta"].get("versions", {}).items())
                     for k, v in runs.items())  # fmt: skip
    machine = runs["batchcone"]["meta"]
    text = (f"# Layer benchmark vs rivals ({machine['machine']}, {machine['cpus']} CPUs, float64)\n\n"
            "Ratios are the rival's time over batchcone's in the same run (>1: batchcone faster). "
            "Δ columns compare with batchcone's x and gradient. Forward+backward is the gradient "
            "of Σx with respect to every parameter. iters: batchcone's mean interior-point "
            "iterations, or active-set steps where the CPU's active-set method solves small QPs "
            "(qp_method='auto'). viol and obj gap check the outputs of the first 4 problems of the batch "
            "against cvxpy + Clarabel at 1e-9 (worst constraint violation, relative objective "
            "gap; — where the output is not the problem's only variable).\n\n" + "\n".join(lines) +
            f"\n\nVersions: {meta}\n")  # fmt: skip
    (RESULTS / "rivals.md").write_text(text)
    print(text)
    _plot(runs)


def _timed_rows(d, fam, size):
    return [r for r in d["rows"] if r["family"] == fam and r["size"] == size and "forward_s" in r]


def _plot(runs):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fams = sorted({(r["family"], r["size"]) for r in runs["batchcone"]["rows"]})
    cols = 4
    nrows = (len(fams) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.5 * cols, 3.6 * nrows), squeeze=False)
    for ax, (fam, size) in zip(axes.ravel(), fams):
        for impl in [i for i in IMPLS if i in runs]:
            rs = _timed_rows(runs[impl], fam, size)
            if rs:
                ax.loglog([r["batch"] for r in rs], [r["batch"] / r["fwd_bwd_s"] for r in rs],
                          "o-", label=impl, color=COLORS[impl])  # fmt: skip
        ax.set_title(f"{fam} {size}", fontsize=9)
        ax.set_xlabel("batch")
        ax.set_ylabel("problems/s (fwd+bwd)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(fams):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(RESULTS / "rivals.png", dpi=100)
    _plot_split(runs, fams, plt)


def _plot_split(runs, fams, plt):
    """Forward and backward time per problem at the largest batch ≤ 256 each implementation ran,
    as two bars per row on a log axis (backward = (fwd+bwd) − fwd)."""
    impls = [i for i in IMPLS if i in runs]
    items = []
    for fam, size in fams:
        for impl in impls:
            common = [r for r in _timed_rows(runs[impl], fam, size) if r["batch"] <= 256]
            if common:
                r = max(common, key=lambda r: r["batch"])
                fwd = r["forward_s"] / r["batch"] * 1e3
                bwd = max(r["fwd_bwd_s"] - r["forward_s"], 1e-9) / r["batch"] * 1e3
                items.append((f"{fam} {size} B={r['batch']} · {impl}", impl, fwd, bwd))
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(items) + 1.2))
    floor = 0.5 * min(min(f, b) for _, _, f, b in items)
    for y, (_, impl, fwd, bwd) in enumerate(items):
        ax.barh(y - 0.2, fwd - floor, left=floor, height=0.38, color=COLORS[impl])
        ax.barh(y + 0.2, bwd - floor, left=floor, height=0.38, color=COLORS[impl], alpha=0.45)
    ax.set_yticks(range(len(items)), [label for label, *_ in items], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ms per problem: forward (solid), backward = (fwd+bwd) − fwd (light)")
    ax.invert_yaxis()
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(RESULTS / "rivals_split.png", dpi=100)


if __name__ == "__main__":
    if sys.argv[1] == "run":
        only = [a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--only=")]
        mode = "quick" if "--quick" in sys.argv else "smoke" if "--smoke" in sys.argv else "full"
        (run_torch if sys.argv[2].startswith("torch") else run)(sys.argv[2], mode, only[0] if only else None)
    else:
        report()
