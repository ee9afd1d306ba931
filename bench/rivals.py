# SPDX-License-Identifier: Apache-2.0
"""Layer benchmark against the rivals, one implementation per process (cvxpylayers installs a
package of the same import name as ours, so the rivals run in their own virtual environment):

    python bench/rivals.py run batchcone      [--quick | --smoke]   # in our environment
    python bench/rivals.py run diffcp         [--quick]   # cvxpylayers + diffcp/SCS (default)
    python bench/rivals.py run moreau         [--quick]   # cvxpylayers + Moreau (CPU)
    python bench/rivals.py report                         # merge bench/results/*.json

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
    import cvxpy as cp

    def nnls(n, m):
        x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
        return prob, [A, b], [x], lambda r, B: [r.standard_normal((B, m, n)), r.standard_normal((B, m))]

    def dense_qp(n, m):  # OptNet-style: parametric linear term and constraint offsets
        r = np.random.default_rng(7)
        G = r.standard_normal((n, n))
        Q = G @ G.T / n + np.eye(n)
        C = r.standard_normal((m, n))
        x, q, h = cp.Variable(n), cp.Parameter(n), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Q) + q @ x), [C @ x <= h])
        return prob, [q, h], [x], lambda r, B: [r.standard_normal((B, n)), 1 + r.random((B, m))]

    def robust_ls(n, m):
        x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
        prob = cp.Problem(cp.Minimize(cp.norm(A @ x - b) + 0.1 * cp.norm(x)), [cp.norm(x, 1) <= 1])
        return prob, [A, b], [x], lambda r, B: [r.standard_normal((B, m, n)), r.standard_normal((B, m))]

    out = [("nnls", "n=10 m=20", nnls(10, 20)), ("dense QP", "n=20 m=40", dense_qp(20, 40)),
           ("robust LS (SOCP)", "n=10 m=20", robust_ls(10, 20))]  # fmt: skip
    if not quick:
        out.append(("dense QP", "n=100 m=100", dense_qp(100, 100)))
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


def run(impl, mode):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    from cvxpylayers.jax import CvxpyLayer

    solver = {"batchcone": None, "diffcp": "DIFFCP", "moreau": "MOREAU"}[impl]
    quick = mode != "full"
    batches = {"full": [1, 16, 256, 4096], "quick": [1, 16, 256], "smoke": [1, 4]}[mode]
    rows = []
    for name, size, (prob, params, variables, draw) in families(quick):
        layer = CvxpyLayer(prob, parameters=params, variables=variables, solver=solver)
        for B in batches:
            if impl == "diffcp" and B > 256:
                continue  # a Python loop over SCS: minutes per row
            values = [jnp.asarray(v) for v in draw(np.random.default_rng(B), B)]

            def forward(*p):
                return layer(*p)[0]

            def loss(*p):
                return jnp.sum(layer(*p)[0])

            grad = jax.grad(loss, argnums=tuple(range(len(values))))
            if impl != "diffcp":  # diffcp cannot be jitted
                forward, grad = jax.jit(forward), jax.jit(grad)
            x = np.asarray(forward(*values))
            g = [np.asarray(v) for v in grad(*values)]
            t_f = median_time(lambda: jax.block_until_ready(forward(*values)), BUDGET[mode])
            t_fb = median_time(lambda: jax.block_until_ready(grad(*values)), BUDGET[mode])
            rows.append({"family": name, "size": size, "batch": B, "forward_s": t_f,
                         "fwd_bwd_s": t_fb, "x": x.tolist(), "grad": [v.tolist() for v in g]})  # fmt: skip
            print(f"{impl:10s} {name:18s} {size:12s} B={B:5d}  fwd {t_f*1e3:9.2f} ms  "
                  f"fwd+bwd {t_fb*1e3:9.2f} ms", flush=True)
    import jax as _j
    meta = {"impl": impl, "python": platform.python_version(), "jax": _j.__version__,
            "machine": platform.node(), "cpus": os.cpu_count()}  # fmt: skip
    try:
        import importlib.metadata as md

        meta["versions"] = {p: md.version(p) for p in ("cvxpy", "cvxpylayers", "diffcp", "moreau")
                            if _installed(md, p)}  # fmt: skip
    except Exception:
        pass
    out = RESULTS if mode != "smoke" else RESULTS / "smoke"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"rivals_{impl}.json").write_text(json.dumps({"meta": meta, "rows": rows}))


def _installed(md, name):
    try:
        md.version(name)
        return True
    except Exception:
        return False


def report():
    runs = {}
    for f in sorted(RESULTS.glob("rivals_*.json")):
        d = json.loads(f.read_text())
        runs[d["meta"]["impl"]] = d
    ref = {(r["family"], r["size"], r["batch"]): r for r in runs["batchcone"]["rows"]}
    lines = ["| family | size | batch | impl | fwd ms | fwd+bwd ms | problems/s (fwd) | "
             "ratio fwd vs batchcone | ratio fwd+bwd | max |Δx| | max rel Δgrad |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for impl in ["batchcone", "moreau", "diffcp"]:
        if impl not in runs:
            continue
        for r in runs[impl]["rows"]:
            k = (r["family"], r["size"], r["batch"])
            base = ref.get(k)
            dx = dg = float("nan")
            if base is not None:
                dx = float(np.max(np.abs(np.array(r["x"]) - np.array(base["x"]))))
                dg = max(float(np.max(np.abs(np.array(a) - np.array(b))) / max(1.0, np.max(np.abs(b))))
                         for a, b in zip(r["grad"], base["grad"]))  # fmt: skip
            rf = r["forward_s"] / base["forward_s"] if base else float("nan")
            rfb = r["fwd_bwd_s"] / base["fwd_bwd_s"] if base else float("nan")
            lines.append(f"| {r['family']} | {r['size']} | {r['batch']} | {impl} | "
                         f"{r['forward_s']*1e3:.2f} | {r['fwd_bwd_s']*1e3:.2f} | "
                         f"{r['batch']/r['forward_s']:.0f} | {rf:.2f}× | {rfb:.2f}× | {dx:.1e} | {dg:.1e} |")  # fmt: skip
    meta = "; ".join(f"{k}: jax {v['meta']['jax']}, " +
                     ", ".join(f"{p} {ver}" for p, ver in v["meta"].get("versions", {}).items())
                     for k, v in runs.items())  # fmt: skip
    machine = runs["batchcone"]["meta"]
    text = (f"# Layer benchmark vs rivals ({machine['machine']}, {machine['cpus']} CPUs, float64)\n\n"
            "Ratios are the rival's time over batchcone's in the same run (>1: batchcone faster). "
            "Δ columns compare with batchcone's x and gradient.\n\n" + "\n".join(lines) +
            f"\n\nVersions: {meta}\n")  # fmt: skip
    (RESULTS / "rivals.md").write_text(text)
    print(text)
    _plot(runs)


def _plot(runs):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fams = sorted({(r["family"], r["size"]) for r in runs["batchcone"]["rows"]})
    fig, axes = plt.subplots(1, len(fams), figsize=(4.5 * len(fams), 3.6))
    for ax, (fam, size) in zip(np.atleast_1d(axes), fams):
        for impl, d in runs.items():
            rs = [r for r in d["rows"] if r["family"] == fam and r["size"] == size]
            if rs:
                ax.loglog([r["batch"] for r in rs], [r["batch"] / r["fwd_bwd_s"] for r in rs],
                          "o-", label=impl)  # fmt: skip
        ax.set_title(f"{fam} {size}")
        ax.set_xlabel("batch")
        ax.set_ylabel("problems/s (fwd+bwd)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "rivals.png", dpi=110)


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], "quick" if "--quick" in sys.argv else "smoke" if "--smoke" in sys.argv else "full")
    else:
        report()
