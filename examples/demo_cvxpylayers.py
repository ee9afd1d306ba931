# SPDX-License-Identifier: Apache-2.0
"""The cvxpylayers JAX API spec's usage examples, run on batchcone, with their results printed
next to cvxpy + Clarabel's."""

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
from cvxpylayers.jax import CvxpyLayer

# ---- the spec's usage example, verbatim ----------------------------------------------------------
# Define problem
n, m = 2, 3
x = cp.Variable(n)
A = cp.Parameter((m, n))
b = cp.Parameter(m)
problem = cp.Problem(
    cp.Minimize(cp.sum_squares(A @ x - b)),
    [x >= 0]
)

# Create layer
layer = CvxpyLayer(problem, parameters=[A, b], variables=[x])

# Solve
key = jax.random.PRNGKey(0)
key, k1, k2 = jax.random.split(key, 3)
A_jax = jax.random.normal(k1, shape=(m, n))
b_jax = jax.random.normal(k2, shape=(m,))

(x_sol,) = layer(A_jax, b_jax)

def loss_fn(A, b):
    (x,) = layer(A, b)
    return jnp.sum(x)

# Gradient with respect to A and b
grad_fn = jax.grad(loss_fn, argnums=[0, 1])
dA, db = grad_fn(A_jax, b_jax)

# Create layer with Moreau solver
layer = CvxpyLayer(problem, parameters=[A, b], variables=[x], solver="MOREAU")

# JIT the entire solve + gradient computation
@jax.jit
def solve_and_grad(A, b):
    (x,) = layer(A, b)
    return jnp.sum(x)

grad_fn = jax.grad(solve_and_grad, argnums=[0, 1])
dA_jit, db_jit = grad_fn(A_jax, b_jax)

# Batched solve
batch_size = 10
A_batch = jax.random.normal(key, shape=(batch_size, m, n))

@jax.vmap
def solve_single(A):
    (x,) = layer(A, b_jax)
    return x

x_batch = solve_single(A_batch)  # Shape: (10, n)

# Or use built-in batching
(x_batch2,) = layer(A_batch, b_jax)

# ---- results -------------------------------------------------------------------------------------
A.value, b.value = np.asarray(A_jax, float), np.asarray(b_jax, float)
problem.solve(solver="CLARABEL")
print("x (layer)          ", np.asarray(x_sol))
print("x (cvxpy+Clarabel) ", x.value)
print("dA (eager)\n", np.asarray(dA), "\ndA (jit)\n", np.asarray(dA_jit))
print("db (eager)", np.asarray(db), " db (jit)", np.asarray(db_jit))
print("batched solve shape", x_batch.shape, "vmap == built-in batching:",
      bool(jnp.allclose(x_batch, x_batch2, atol=1e-6)))

# ---- beyond the spec: an exponential-cone layer ---------------------------------------------------
# softmax(θ) = argmax θᵀy + Σ entr(y) over the simplex: an entropy layer, its Jacobian in one call.
theta, y = cp.Parameter(4), cp.Variable(4)
softmax = CvxpyLayer(cp.Problem(cp.Maximize(theta @ y + cp.sum(cp.entr(y))), [cp.sum(y) == 1]),
                     parameters=[theta], variables=[y], solver_args={"eps": 1e-12})
theta_val = jnp.array([0.5, -1.0, 2.0, 0.0])
J = jax.jacfwd(lambda t: softmax(t)[0])(theta_val)
p = jax.nn.softmax(theta_val)
print("softmax layer      ", np.asarray(softmax(theta_val)[0]))
print("jax.nn.softmax     ", np.asarray(p))
print("max |J − (diag p − ppᵀ)| =", float(jnp.max(jnp.abs(J - (jnp.diag(p) - jnp.outer(p, p))))))
