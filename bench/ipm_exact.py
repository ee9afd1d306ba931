# SPDX-License-Identifier: Apache-2.0
"""How exact the interior point is (``qp_method="ipm"``, the method every GPU solve runs), against
Clarabel at 1e-12 tolerances, on the rivals families and on the Maros–Meszaros set:

    python bench/ipm_exact.py run [--draws=N] [--mm=all|small|none] [--only=PATTERN,...]
                                  [--mm-only=NAME,...]

--only keeps the rivals families matching a pattern (and skips Maros–Meszaros), --mm-only the
named Maros–Meszaros problems (and skips the families); either writes no results.

Rivals families (bench/rivals.py, N draws each, default 64): our layer at default settings with
``qp_method="ipm"`` against cvxpy + Clarabel at tol_gap_abs = tol_gap_rel = tol_feas = 1e-12,
draw by draw:

    x       ‖x − x*‖∞ / (1 + ‖x*‖∞) over the draws Clarabel reports optimal (not inaccurate)
    excess  the largest (f(x) − f*) / (1 + |f*|) over all draws: how much worse our objective is
            (negative: lower than Clarabel's), when the output is the problem's only variable
    viol    our worst constraint violation (cvxpy's, in the user's problem)

Maros–Meszaros (bench/mm.py's conic form, one thread): the relative objective difference of our
default-tolerance interior point and Clarabel's 1e-12 solution, over the problems both solve.

Both parts also solve through the emulated launch (``batchcone_emulated_solve_f64``: the CUDA
backend's device steps on the host) and give its largest difference from the CPU's solution.
Results: bench/results/ipm_exact.md and .json.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"
TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def layer_data(layer, values):
    """The canonical (P_vals, c, A_vals, b) of a CvxpyLayer at parameter values [B, ...] each,
    as full float64 numpy arrays."""
    import jax.numpy as jnp

    import cvxpylayers.jax.cvxpylayer as jl

    cn = layer._canon
    batch, arrays = layer._validate([jnp.asarray(v) for v in values])
    p = layer._parameter_vector(arrays, batch, jnp.float64)
    return [np.asarray(jl._apply(sm, p)) for sm in (cn.P, cn.c, cn.A, cn.b)]


def _relative(a, ref) -> float:
    return float(np.max(np.abs(a - ref)) / (1 + np.max(np.abs(ref))))


def family_row(name, size, prob, params, variables, draw, draws) -> dict:
    import cvxpy as cp
    import jax.numpy as jnp

    import batchcone as bc
    import cvxpylayers.jax.cvxpylayer as jl

    values = [np.asarray(v) for v in draw(np.random.default_rng(1), draws)]
    layer = jl.CvxpyLayer(prob, params, variables)
    (x,) = layer(*[jnp.asarray(v) for v in values], solver_args={"qp_method": "ipm"})
    x = np.asarray(x)
    row = {"family": name, "size": size, "draws": draws, "x": 0.0, "excess": -math.inf, "viol": 0.0,
           "inaccurate": 0}  # fmt: skip
    only_variable = set(v.id for v in prob.variables()) == {variables[0].id}
    for i in range(draws):
        for p, v in zip(params, values):
            p.value = v[i]
        prob.solve(solver=cp.CLARABEL, **TIGHT)
        ref, best = variables[0].value, prob.value
        if prob.status == cp.OPTIMAL:
            row["x"] = max(row["x"], _relative(x[i].reshape(ref.shape), ref))
        else:
            row["inaccurate"] += 1
        if only_variable:
            variables[0].value = x[i].reshape(ref.shape)
            row["excess"] = max(row["excess"], (prob.objective.value - best) / (1 + abs(best)))
            row["viol"] = max(row["viol"], max((float(np.max(c.violation())) for c in prob.constraints), default=0.0))
    if not only_variable:
        row["excess"] = row["viol"] = math.nan
    # The emulated launch on the canonical problems, against the CPU's interior point.
    import mm

    data, structure = layer_data(layer, values), layer._canon.structure
    settings = bc.Settings(qp_method="ipm")
    cpu = mm.native_solve("batchcone_solve_f64", structure, settings, *data)
    emu = mm.native_solve("batchcone_emulated_solve_f64", structure, settings, *data)
    row["emulated"] = max(_relative(emu[0], cpu[0]), _relative(emu[1], cpu[1]))
    row["emulated_status"] = bool(np.array_equal(emu[3], cpu[3]))
    return row


def families_part(draws, only) -> list[dict]:
    from rivals import families

    rows = []
    for name, size, (prob, params, variables, draw), _ in families(False):
        if only and not any(pattern in f"{name} {size}" for pattern in only):
            continue
        t = time.perf_counter()
        rows.append(family_row(name, size, prob, params, variables, draw, draws if "sparse" not in name else 8))
        r = rows[-1]
        print(f"{name:18s} {size:16s} x {r['x']:.1e}  excess {r['excess']:.1e}  viol {r['viol']:.1e}  "
              f"emulated {r['emulated']:.1e}  {time.perf_counter() - t:.0f}s", flush=True)
    return rows


def mm_row(name) -> dict:
    import batchcone as bc
    import mm

    prob = mm.load(name)
    P, q, G, h, rows, signs, k = mm.conic(prob)
    out = {"name": name}
    settings = bc.Settings(num_threads=1, qp_method="ipm")
    info, x, z = mm.run_batchcone(P, q, G, h, k, 0, settings=settings)
    out["status"] = info["status"]
    out["objective"] = mm.residuals(prob, x, z, rows, signs, h)["objective"] - prob["r"]
    st = bc.Structure.from_matrices(P, G, mm.cones_of(k, G.shape[0]))  # a registry lookup now
    P_vals, G_vals = mm.native_values(P, G)
    emu = mm.native_solve("batchcone_emulated_solve_f64", st, settings, P_vals, q, G_vals, h)
    out["emulated"] = _relative(emu[0][0], x)
    out["emulated_status"] = bc.STATUS_NAMES[emu[3][0]]
    out["clarabel_status"], xc = mm.clarabel_tight(P, q, G, h, k)
    out["clarabel_objective"] = 0.5 * float(xc @ (P @ xc)) + float(q @ xc)
    a, b = out["objective"], out["clarabel_objective"]
    out["objective_diff"] = abs(a - b) / (1 + min(abs(a), abs(b)))
    return out


def mm_part(which, only) -> list[dict]:
    import mm

    todo = only or mm.names(which == "all")
    rows = []
    for name in todo:
        t = time.perf_counter()
        rows.append(mm_row(name))
        r = rows[-1]
        print(f"{name:10s} {r['status']:13s} {r['clarabel_status']:13s} obj diff {r['objective_diff']:.1e}  "
              f"emulated {r['emulated']:.1e} {r['emulated_status']}  {time.perf_counter() - t:.1f}s", flush=True)
    return rows


def _e(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1e}"


def report(fam: list[dict], mmr: list[dict]) -> str:
    lines = ["# The interior point's exactness against Clarabel at 1e-12", "",
             "`python bench/ipm_exact.py run` (docstring): our layer with `qp_method=\"ipm\"` at default "
             "settings; the emulated launch is the CUDA backend's device steps on the host.", ""]  # fmt: skip
    if fam:
        lines += ["| family | size | draws | x vs Clarabel (optimal draws) | Clarabel inaccurate | "
                  "objective excess | violation | emulated vs CPU | same statuses |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in fam:
            lines.append(f"| {r['family']} | {r['size']} | {r['draws']} | {_e(r['x'])} | {r['inaccurate']} | "
                         f"{_e(r['excess'])} | {_e(r['viol'])} | {_e(r['emulated'])} | {r['emulated_status']} |")
        lines.append("")
    if mmr:
        both = [r for r in mmr if r["status"] == "Solved" and r["clarabel_status"] == "Solved"]
        worst = sorted(both, key=lambda r: -r["objective_diff"])[:8]
        far = [r["name"] for r in both if r["objective_diff"] > 1e-8]
        lines += [f"Maros–Meszaros: {len(mmr)} problems; both Solved (ours at default tolerances, "
                  f"Clarabel at 1e-12): {len(both)}. Relative objective difference above 1e-8: "
                  f"{', '.join(far) or 'none'}. Largest: "
                  + ", ".join(f"{r['name']} {r['objective_diff']:.1e}" for r in worst) + ".",
                  f"Emulated launch: largest ‖Δx‖∞/(1 + ‖x‖∞) from the CPU's {max((r['emulated'] for r in mmr), default=0):.1e}; "
                  f"statuses differ on: {', '.join(r['name'] for r in mmr if r['emulated_status'] != r['status']) or 'none'}.",
                  "", "| problem | ours | Clarabel 1e-12 | rel. objective diff | emulated vs CPU |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for r in mmr:
            lines.append(f"| {r['name']} | {r['status']} | {r['clarabel_status']} | {_e(r['objective_diff'])} | "
                         f"{_e(r['emulated'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    if argv[:1] != ["run"]:
        sys.exit(__doc__)
    opts = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1") for a in argv[1:] if a.startswith("--"))
    only = opts["only"].split(",") if "only" in opts else None
    mm_only = opts["mm-only"].split(",") if "mm-only" in opts else None
    which = opts.get("mm", "all")
    fam = families_part(int(opts.get("draws", 64)), only) if not mm_only else []
    mmr = mm_part(which, mm_only) if which != "none" and not only else []
    if not (only or mm_only):
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "ipm_exact.json").write_text(json.dumps({"families": fam, "mm": mmr}, indent=1))
        (RESULTS / "ipm_exact.md").write_text(report(fam, mmr))


if __name__ == "__main__":
    main(sys.argv[1:])
