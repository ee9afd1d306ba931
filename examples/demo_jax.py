# SPDX-License-Identifier: Apache-2.0
"""A batch of portfolio QPs from JAX: one native call for the whole batch, then gradients of the
allocations with respect to the expected returns, in reverse and forward mode.

    minimize ½ γ xᵀΣx − μₖᵀx   subject to  1ᵀx = 1,  x ≥ 0      (k = 1..B)
"""

import jax
import jax.numpy as jnp
import numpy as np

import batchcone as bc

jax.config.update("jax_enable_x64", True)

n, B, gamma = 4, 1024, 2.0
rng = np.random.default_rng(0)
G = rng.standard_normal((n, n))
Sigma = G @ G.T / n + 0.05 * np.eye(n)
iu = np.triu_indices(n)
order = np.lexsort((iu[0], iu[1]))  # CSC order of the upper triangle
rows, cols = iu[0][order], iu[1][order]
structure = bc.Structure(
    n, 1 + n,
    np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n))]), rows,
    np.arange(0, 2 * n + 1, 2), np.ravel([[0, 1 + j] for j in range(n)]),
    [bc.Zero(1), bc.NonNeg(n)],
)  # fmt: skip
P = gamma * Sigma[rows, cols]  # shared by the batch (no leading dimension)
A = np.ravel([[1.0, -1.0] for _ in range(n)])  # row 0: 1ᵀx = 1; rows 1..n: −x ≤ 0
b = np.concatenate([[1.0], np.zeros(n)])
mu = jnp.asarray(0.1 + 0.05 * rng.standard_normal((B, n)))

sol = jax.jit(lambda mu: bc.solve(structure, P, -mu, A, b))(mu)
print(f"{B} portfolio QPs: statuses {np.bincount(np.asarray(sol.status), minlength=3)[1]} Solved, "
      f"mean iterations {float(jnp.mean(sol.iterations)):.1f}")
print("first allocation:", np.round(np.asarray(sol.x[0]), 4))

def first_weight(mu):  # weight on asset 0, summed over the batch
    return jnp.sum(bc.solve(structure, P, -mu, A, b).x[:, 0])

grad = jax.jit(jax.grad(first_weight))(mu)
print("d x₀ / d μ (problem 0, reverse mode):", np.round(np.asarray(grad[0]), 4))
tangent = jnp.zeros_like(mu).at[:, 0].set(1.0)
_, dx0 = jax.jvp(first_weight, (mu,), (tangent,))
print(f"forward mode, Σₖ d x₀ / d μ₀: {float(dx0):.4f} (reverse mode: {float(grad[:, 0].sum()):.4f})")
