# SPDX-License-Identifier: Apache-2.0
"""The Maros–Meszaros QP set: batchcone and Clarabel back to back, problem by problem.

    python bench/mm.py run [--small] [--only=NAME,...] [--time-limit=S] # results to bench/results
    python bench/mm.py report                                            # bench/results/mm.md

Each problem (../shared/data/maros_meszaros, ``min ½xᵀPx + qᵀx + r  s.t.  l ≤ Ax ≤ u``) is given
to both solvers in the same conic form, ``Ax + s = b, s ∈ {0}ᵏ × ℝ₊ᵖ``: equality rows (l = u) in
the zero cone, and each finite bound as its own nonnegative row (u − A_i x ≥ 0, A_i x − l ≥ 0).
One thread each, default tolerances, batch 1, every problem of the set (--small: only the 106
with n + m ≤ 20000, original sizes); Clarabel runs under its time_limit (--time-limit, default
60 s; batchcone has no time limit yet). Residuals are recomputed here
from the original data, not taken from either solver:

    primal  max_i max(l_i − A_i x, A_i x − u_i, 0) / (1 + max(‖Ax‖∞, ‖finite l, u‖∞))
    dual    ‖Px + q + Aᵀy‖∞ / (1 + max(‖Px‖∞, ‖q‖∞, ‖Aᵀy‖∞)),  y the multiplier of l ≤ Ax ≤ u
    gap     |xᵀPx + qᵀx + bᵀz| / (1 + min(|primal objective|, |dual objective|))

Times: setup (batchcone: ``Structure.from_matrices``, the native symbolic analysis included,
timed once, cold: a second call with the same pattern would be a registry lookup; Clarabel:
``DefaultSolver(...)`` construction, best of the repeats) and solve, wall clock, best of
``--repeat`` (default 1; every problem runs at least once and small ones until 0.2 s are spent). The summary's shifted
geometric mean (shift 10 ms) is over the problems both solve.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATA = Path(os.environ.get("BATCHCONE_MM_DATA", HERE.parent.parent / "shared" / "data" / "maros_meszaros"))
INF = 1e19  # |bound| ≥ this: no bound (the files hold ±1e20, some as 9.99999999999999e19)
SMALL = 20000  # n + m at most this: the --small set
SHIFT = 0.01  # the shifted geometric mean's shift, seconds


# ---- the problems ------------------------------------------------------------------------------


def names(include_large: bool, data: Path = DATA) -> list[str]:
    out = []
    for path in sorted(data.glob("*.mat")):
        if include_large or sum(_sizes(path)) <= SMALL:
            out.append(path.stem)
    return out


def _sizes(path: Path) -> tuple[int, int]:
    import scipy.io

    d = scipy.io.loadmat(path, variable_names=["n", "m"])
    return int(d["n"].item()), int(d["m"].item())


def load(name: str, data: Path = DATA) -> dict:
    """The problem in its original form, P full symmetric and A with the bound rows."""
    import scipy.io
    import scipy.sparse as sp

    d = scipy.io.loadmat(data / f"{name}.mat")
    P = sp.csc_matrix(d["P"], dtype=np.float64)
    A = sp.csc_matrix(d["A"], dtype=np.float64)
    vec = lambda k: np.asarray(d[k], np.float64).ravel()  # noqa: E731
    r = float(np.asarray(d["r"]).ravel()[0]) if "r" in d else 0.0
    return {"name": name, "P": P, "q": vec("q"), "r": r, "A": A, "l": vec("l"), "u": vec("u")}


def conic(prob: dict):
    """(P, q, G, h, rows, signs, k): ``min ½xᵀPx + qᵀx  s.t.  Gx + s = h``, s in the zero cone
    (first k rows) and the nonnegative cone (the rest); row j of G is signs[j]·A[rows[j]]."""
    import scipy.sparse as sp

    A, l, u = prob["A"].tocsr(), prob["l"], prob["u"]
    eq = np.flatnonzero((l == u) & (np.abs(u) < INF))
    up = np.flatnonzero((l != u) & (u < INF))
    lo = np.flatnonzero((l != u) & (l > -INF))
    rows = np.concatenate([eq, up, lo])
    signs = np.concatenate([np.ones(eq.size + up.size), -np.ones(lo.size)])
    G = sp.diags(signs) @ A[rows]
    h = signs * np.concatenate([u[eq], u[up], l[lo]])
    return prob["P"], prob["q"], sp.csc_matrix(G), h, rows, signs, eq.size


def residuals(prob: dict, x: np.ndarray, z: np.ndarray, rows, signs, h) -> dict:
    """The optimality conditions' residuals in the original data (see the module docstring)."""
    P, q, A, l, u = prob["P"], prob["q"], prob["A"], prob["l"], prob["u"]
    Ax, Px = A @ x, P @ x
    lo_viol = np.where(l > -INF, np.maximum(l - Ax, 0.0), 0.0)
    up_viol = np.where(u < INF, np.maximum(Ax - u, 0.0), 0.0)
    bounds = np.concatenate([l[l > -INF], u[u < INF]])
    scale_p = 1 + max(_inf(Ax), _inf(bounds))
    y = np.zeros(A.shape[0])
    np.add.at(y, rows, signs * z)  # Gᵀz = Aᵀy
    Aty = A.T @ y
    dual = Px + q + Aty
    xPx = float(x @ Px)
    pobj, dobj = 0.5 * xPx + q @ x, -0.5 * xPx - h @ z
    return {
        "primal": max(_inf(lo_viol), _inf(up_viol)) / scale_p,
        "dual": _inf(dual) / (1 + max(_inf(Px), _inf(q), _inf(Aty))),
        "gap": abs(pobj - dobj) / (1 + min(abs(pobj), abs(dobj))),
        "objective": float(pobj + prob["r"]),
    }


def _inf(v) -> float:
    return float(np.max(np.abs(v))) if np.size(v) else 0.0


# ---- the solvers -------------------------------------------------------------------------------


def _timed(fn, repeat: int):
    """(best wall time, last result) of fn() over `repeat` runs, or more while under 0.2 s
    (repeat 0: exactly once)."""
    best, spent, count, out = math.inf, 0.0, 0, None
    while count < max(repeat, 1) or (repeat > 0 and spent < 0.2 and count < 20):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best, spent, count = min(best, dt), spent + dt, count + 1
    return best, out


def cones_of(k: int, m: int) -> list:
    """batchcone's cones of the conic form: k zero rows, then m − k nonnegative ones."""
    import batchcone as bc

    return ([bc.Zero(k)] if k else []) + ([bc.NonNeg(m - k)] if m > k else [])


def clarabel_cones(k: int, m: int) -> list:
    import clarabel

    return ([clarabel.ZeroConeT(k)] if k else []) + ([clarabel.NonnegativeConeT(m - k)] if m > k else [])


def run_batchcone(P, q, G, h, k, repeat, settings=None, slacks=False):
    """(info, x, z), or (info, x, z, s) with slacks: the problem through Structure.from_matrices
    and the native solve, one thread unless `settings` say otherwise."""
    import batchcone as bc
    import scipy.sparse as sp

    cones = cones_of(k, G.shape[0])
    # Once: the native registry keeps a structure's analysis by content, so a second
    # from_matrices of the same pattern is a lookup (Clarabel's construction has no such cache).
    setup, st = _timed(lambda: bc.Structure.from_matrices(P, G, cones), 0)
    P_vals, G_vals = native_values(P, G)
    settings = settings or bc.Settings(num_threads=1)
    solve_time, (x, z, s, status, iters) = _timed(
        lambda: native_solve("batchcone_solve_f64", st, settings, P_vals, q, G_vals, h), repeat)
    info = {"status": bc.STATUS_NAMES[status[0]], "iterations": int(iters[0]), "setup": setup, "solve": solve_time}
    return (info, x[0], z[0], s[0]) if slacks else (info, x[0], z[0])


def native_values(P, G):
    """The value arrays the native solve takes: triu(P) and G, each in sorted CSC order."""
    import scipy.sparse as sp

    Pu = sp.triu(P, format="csc")
    Pu.sort_indices()
    Gc = sp.csc_matrix(G, copy=True)
    Gc.sort_indices()
    return Pu.data, Gc.data


def native_solve(entry: str, st, settings, P_vals, c, A_vals, b):
    """(x, z, s, status, iterations), [B, ...] each, of a batch through the pointer API's
    `entry` (batchcone_solve_f64, or batchcone_emulated_solve_f64: the CUDA backend's device steps
    on the host); no JAX in the timing. Inputs [B, len] or [len] (one problem, B = 1)."""
    from batchcone import _ffi

    inputs = [np.atleast_2d(np.asarray(a, np.float64)) for a in (P_vals, c, A_vals, b)]
    B = max(a.shape[0] for a in inputs)
    arrays = [np.ascontiguousarray(np.broadcast_to(a, (B, a.shape[-1]))) for a in inputs]
    x, z, s = np.empty((B, st.n)), np.empty((B, st.m)), np.empty((B, st.m))
    status, iters, obj = np.zeros(B, np.int32), np.zeros(B, np.int32), np.zeros(B)
    ptr = lambda a: a.ctypes.data if a.size else _ffi.NULL_SAFE_ADDRESS  # noqa: E731
    args = [v for a in arrays for v in (ptr(a), a.shape[-1])] + [ptr(a) for a in (x, z, s, status, iters, obj)]
    rc, message = _ffi.call_pointer_api(_ffi.library(), entry, st.key, settings.attribute(), B, args)
    if rc != 0:
        raise RuntimeError(message)
    return x, z, s, status, iters


def clarabel_tight(P, q, G, h, k, time_limit=120.0):
    """Clarabel's status and x at tol_gap_abs = tol_gap_rel = tol_feas = 1e-12 (one thread)."""
    import clarabel
    import scipy.sparse as sp

    settings = clarabel.DefaultSettings()
    settings.verbose, settings.time_limit, settings.max_iter = False, time_limit, 500
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-12
    if hasattr(settings, "max_threads"):
        settings.max_threads = 1
    sol = clarabel.DefaultSolver(sp.triu(P, format="csc"), q, G, h, clarabel_cones(k, G.shape[0]), settings).solve()
    return str(sol.status), np.asarray(sol.x)


def run_clarabel(P, q, G, h, k, time_limit, repeat):
    import clarabel
    import scipy.sparse as sp

    cones = clarabel_cones(k, G.shape[0])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.time_limit = time_limit
    if hasattr(settings, "max_threads"):
        settings.max_threads = 1
    Pu = sp.triu(P, format="csc")
    setup, solver = _timed(lambda: clarabel.DefaultSolver(Pu, q, G, h, cones, settings), repeat)
    solve_time, sol = _timed(solver.solve, repeat)
    status = str(sol.status)
    return {"status": status, "iterations": int(sol.iterations), "setup": setup, "solve": solve_time}, \
        np.asarray(sol.x), np.asarray(sol.z)  # fmt: skip


def run_problem(name: str, time_limit: float, repeat: int, data: Path = DATA) -> dict:
    prob = load(name, data)
    P, q, G, h, rows, signs, k = conic(prob)
    out = {"name": name, "r": prob["r"], "n": int(G.shape[1]), "m": int(G.shape[0]), "nnz": int(P.nnz + G.nnz)}
    runs = (("batchcone", lambda: run_batchcone(P, q, G, h, k, repeat)),
            ("clarabel", lambda: run_clarabel(P, q, G, h, k, time_limit, repeat)))
    for solver, run in runs:
        try:
            info, x, z = run()
            if np.all(np.isfinite(x)) and np.all(np.isfinite(z)):
                info.update(residuals(prob, x, z, rows, signs, h))
        except Exception as e:  # noqa: BLE001 — a crash is a result of its own
            info = {"status": f"error: {e}"[:120], "iterations": 0, "setup": math.nan, "solve": math.nan}
        out[solver] = info
    if solved(out["batchcone"]) and solved(out["clarabel"]) and objective_gap(out) > 1e-6:
        # Which answer is right: Clarabel at 1e-12 as the referee of every disagreement.
        status, x = clarabel_tight(P, q, G, h, k, time_limit)
        out["tight"] = {"status": status, "objective": float(0.5 * x @ (P @ x) + q @ x + prob["r"])}
    return out


# ---- the summary ------------------------------------------------------------------------------


def solved(info: dict) -> bool:
    return info["status"] == "Solved"


def shifted_geomean(times) -> float:
    times = np.asarray(times, np.float64)
    return float(np.exp(np.mean(np.log(times + SHIFT))) - SHIFT) if times.size else math.nan


def summary(rows: list[dict]) -> dict:
    both = [r for r in rows if solved(r["batchcone"]) and solved(r["clarabel"])]
    total = lambda r, s: r[s]["setup"] + r[s]["solve"]  # noqa: E731
    gm = {
        key: shifted_geomean([f(r, "batchcone") for r in both]) / shifted_geomean([f(r, "clarabel") for r in both])
        for key, f in (("setup+solve", total), ("solve", lambda r, s: r[s]["solve"]),
                       ("setup", lambda r, s: r[s]["setup"]))
    }  # fmt: skip
    disagree = [_refereed(r) for r in both if objective_gap(r) > 1e-6]
    return {
        "problems": len(rows),
        "solved": {s: sum(solved(r[s]) for r in rows) for s in ("batchcone", "clarabel")},
        "both": len(both),
        "geomean_ratio": gm,
        "objective_disagreements": disagree,
        "only_clarabel": [r["name"] for r in rows if solved(r["clarabel"]) and not solved(r["batchcone"])],
        "only_batchcone": [r["name"] for r in rows if solved(r["batchcone"]) and not solved(r["clarabel"])],
    }


def objective_gap(r: dict, solver: str = "batchcone", reference: str = "clarabel") -> float:
    """Relative difference of ½xᵀPx + qᵀx (the constant r left out: it would hide, or with
    cancellation exaggerate, the solvers' difference)."""
    a, b = r[solver]["objective"] - r["r"], r[reference]["objective"] - r["r"]
    return abs(a - b) / (1 + min(abs(a), abs(b)))


def _refereed(r: dict) -> str:
    """A disagreement with its distance of each solver from Clarabel at 1e-12."""
    if "tight" not in r:
        return r["name"]
    t = r["tight"]
    return (f"{r['name']} (from Clarabel at 1e-12, {t['status']}: batchcone "
            f"{objective_gap(r, 'batchcone', 'tight'):.1e}, Clarabel {objective_gap(r, 'clarabel', 'tight'):.1e})")


def _summary_lines(s: dict, label: str) -> list[str]:
    g = s["geomean_ratio"]
    return [
        f"- {label}: {s['problems']} problems. Solved: batchcone {s['solved']['batchcone']}, "
        f"Clarabel {s['solved']['clarabel']} (both: {s['both']}).",
        f"  Only Clarabel solves: {', '.join(s['only_clarabel']) or 'none'}. "
        f"Only batchcone solves: {', '.join(s['only_batchcone']) or 'none'}.",
        f"  Objective disagreements (relative > 1e-6, both Solved): {', '.join(s['objective_disagreements']) or 'none'}.",
        f"  Shifted geometric mean (shift 10 ms) over the {s['both']} both solve, batchcone / Clarabel: "
        f"setup + solve {g['setup+solve']:.3f}x, solve {g['solve']:.3f}x, setup {g['setup']:.3f}x.",
    ]


def report(rows: list[dict], meta: dict) -> str:
    paths = [DATA / f"{r['name']}.mat" for r in rows]
    small = [r for r, p in zip(rows, paths) if p.exists() and sum(_sizes(p)) <= SMALL]
    lines = [
        "# Maros–Meszaros: batchcone vs Clarabel",
        "",
        f"{meta.get('clarabel', '')}; one thread each, default tolerances, batch 1; "
        f"Clarabel's time_limit {meta.get('time_limit')} s (batchcone has none yet). `python bench/mm.py` "
        "(docstring) gives the conic form and how the residuals are recomputed.",
        "",
    ]
    lines += _summary_lines(summary(rows), "Every problem run")
    if 0 < len(small) < len(rows):
        lines += _summary_lines(summary(small), f"Those with n + m ≤ {SMALL}")
    lines += [
        "",
        "| problem | n | m | batchcone status | it | Clarabel status | it | rel. obj. diff | "
        "primal res (ours / Cl.) | dual res | gap | setup ms (ours / Cl.) | solve ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    fmt = lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1e}"  # noqa: E731
    ms = lambda v: "—" if math.isnan(v) else f"{1e3 * v:.2f}"  # noqa: E731
    for r in rows:
        a, b = r["batchcone"], r["clarabel"]
        diff = objective_gap(r) if "objective" in a and "objective" in b else None
        pair = lambda key, f: f"{f(a.get(key, math.nan))} / {f(b.get(key, math.nan))}"  # noqa: E731
        lines.append(
            f"| {r['name']} | {r['n']} | {r['m']} | {a['status']} | {a['iterations']} | {b['status']} | "
            f"{b['iterations']} | {fmt(diff)} | {pair('primal', fmt)} | {pair('dual', fmt)} | "
            f"{pair('gap', fmt)} | {pair('setup', ms)} | {pair('solve', ms)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    opts = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1") for a in argv[1:] if a.startswith("--"))
    if argv[:1] == ["report"]:
        data = json.loads((RESULTS / "mm.json").read_text())
        (RESULTS / "mm.md").write_text(report(data["rows"], data["meta"]))
        print(json.dumps(summary(data["rows"]), indent=1))
        return
    if argv[:1] != ["run"]:
        sys.exit(__doc__)
    import clarabel

    time_limit = float(opts.get("time-limit", 60))
    todo = opts["only"].split(",") if "only" in opts else names("small" not in opts)
    rows = []
    for name in todo:
        t = time.perf_counter()
        rows.append(run_problem(name, time_limit, int(opts.get("repeat", 1))))
        a, b = rows[-1]["batchcone"], rows[-1]["clarabel"]
        print(f"{name:10s} {a['status']:14s} {a['iterations']:3d}  {b['status']:14s} {b['iterations']:3d}"
              f"  {time.perf_counter() - t:6.1f}s", flush=True)
    meta = {"clarabel": f"Clarabel {clarabel.__version__}", "time_limit": time_limit,
            "set": "n + m ≤ 20000" if "small" in opts else "all"}
    if "only" not in opts:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "mm.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
        (RESULTS / "mm.md").write_text(report(rows, meta))
    print(json.dumps(summary(rows), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
