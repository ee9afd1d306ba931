# SPDX-License-Identifier: Apache-2.0
"""GPU benchmark rows for `make gpu-check`: problems/s, forward and forward+backward (the gradient of
Σx with respect to c and b), of dense QPs (n=20, m=40 and n=100, m=200: min ½xᵀPx + cᵀx s.t. Gx ≤ h)
at batches 1e3, 1e4, 1e5 through batchcone.solve under jax.jit, on each platform JAX sees (cuda,
then the CPU backend in the same run for the ratio). Rows whose projected time passes the budget are
reported as skipped. Needs only jax, numpy and batchcone (no cvxpy).

    python bench/gpu_rows.py [--budget SECONDS]
"""

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import batchcone as bc

jax.config.update("jax_enable_x64", True)


def dense_qp(n, m, batch, rng):
    """A structure with dense triu(P) and dense A = G, NonNeg(m); per-problem P, c, G, h."""
    rows, cols = np.triu_indices(n)
    order = np.lexsort((rows, cols))  # CSC order of the upper triangle
    rows, cols = rows[order], cols[order]
    P_indptr = np.searchsorted(cols, np.arange(n + 1))
    A_indptr = np.arange(n + 1) * m
    A_indices = np.tile(np.arange(m), n)
    st = bc.Structure(n, m, P_indptr, rows, A_indptr, A_indices, [bc.NonNeg(m)])
    L = rng.standard_normal((n, n)) / np.sqrt(n)
    P = L @ L.T + np.eye(n)
    G = rng.standard_normal((m, n))
    P_vals = np.broadcast_to(P[rows, cols], (batch, len(rows)))
    A_vals = np.broadcast_to(G.T.reshape(-1), (batch, n * m))  # column-major values of G
    c = rng.standard_normal((batch, n))
    h = 1.0 + rng.random((batch, m))
    return st, P_vals[0], A_vals[0], c, h  # P and G shared by the batch (stride 0)


def timed(fn, *args, reps=3):
    jax.block_until_ready(fn(*args))  # compile and warm up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - t)
    return best


def main():
    budget = float(sys.argv[sys.argv.index("--budget") + 1]) if "--budget" in sys.argv else 60.0
    platforms = [jax.devices()[0].platform]  # the default backend (cuda under JAX_PLATFORMS=cuda,cpu)
    if platforms[0] != "cpu":
        platforms.append("cpu")  # the CPU backend in the same run
    print("| platform | QP | batch | fwd problems/s | fwd+bwd problems/s | solved |")
    print("|---|---|---|---|---|---|")
    for platform in platforms:
        device = jax.devices(platform)[0]
        for n, m in ((20, 40), (100, 200)):
            per_problem = 0.0
            for batch in (1000, 10000, 100000):
                if per_problem * batch * 8 > budget:  # ~8 calls per row
                    print(f"| {platform} | n={n} m={m} | {batch} | skipped: projected "
                          f"{per_problem * batch:.1f} s per call | | |")
                    continue
                st, P, A, c, h = dense_qp(n, m, batch, np.random.default_rng(0))
                P, A, c, h = (jax.device_put(jnp.asarray(v), device) for v in (P, A, c, h))
                fwd = jax.jit(lambda c, h: bc.solve(st, P, c, A, h))
                grad = jax.jit(jax.grad(lambda c, h: jnp.sum(bc.solve(st, P, c, A, h).x),
                                        argnums=(0, 1)))
                t_f = timed(fwd, c, h)
                t_g = timed(grad, c, h)
                per_problem = t_f / batch
                status = np.asarray(fwd(c, h).status)
                solved = int(np.sum(status == 1))
                print(f"| {platform} | n={n} m={m} | {batch} | {batch / t_f:,.0f} | "
                      f"{batch / t_g:,.0f} | {solved}/{batch} |", flush=True)


if __name__ == "__main__":
    main()
