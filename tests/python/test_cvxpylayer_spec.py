# SPDX-License-Identifier: Apache-2.0
"""Every example of the cvxpylayers JAX API spec (shared/spec/cvxpylayers-jax-api.txt), verbatim,
run against our package, with their results checked against cvxpy + Clarabel."""

import doctest

import cvxpy as cp
import numpy as np

CLASS_EXAMPLE = '''
>>> import cvxpy as cp
>>> import jax
>>> import jax.numpy as jnp
>>> from cvxpylayers.jax import CvxpyLayer
>>>
>>> # Define a simple QP
>>> x = cp.Variable(2)
>>> A = cp.Parameter((3, 2))
>>> b = cp.Parameter(3)
>>> problem = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
>>>
>>> # Create the layer
>>> layer = CvxpyLayer(problem, parameters=[A, b], variables=[x])
>>>
>>> # Solve and compute gradients
>>> A_jax = jax.random.normal(jax.random.PRNGKey(0), (3, 2))
>>> b_jax = jax.random.normal(jax.random.PRNGKey(1), (3,))
>>> (solution,) = layer(A_jax, b_jax)
>>>
>>> # Gradient computation
>>> def loss_fn(A, b):
...     (x,) = layer(A, b)
...     return jnp.sum(x)
>>> grads = jax.grad(loss_fn, argnums=[0, 1])(A_jax, b_jax)
'''

CALL_EXAMPLE = '''
>>> # Single problem
>>> (x_opt,) = layer(A_array, b_array)
>>>
>>> # Batched: solve 10 problems in parallel
>>> A_batch = jax.random.normal(key, (10, 3, 2))
>>> b_batch = jax.random.normal(key, (10, 3))
>>> (x_batch,) = layer(A_batch, b_batch)  # x_batch.shape = (10, 2)
'''

USAGE_EXAMPLE = '''
import cvxpy as cp
import jax
import jax.numpy as jnp
from cvxpylayers.jax import CvxpyLayer

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
'''

GRADIENT_EXAMPLE = '''
def loss_fn(A, b):
    (x,) = layer(A, b)
    return jnp.sum(x)

# Gradient with respect to A and b
grad_fn = jax.grad(loss_fn, argnums=[0, 1])
dA, db = grad_fn(A_jax, b_jax)
'''

JIT_EXAMPLE = '''
import jax
import jax.numpy as jnp

# Create layer with Moreau solver
layer = CvxpyLayer(problem, parameters=[A, b], variables=[x], solver="MOREAU")

# JIT the entire solve + gradient computation
@jax.jit
def solve_and_grad(A, b):
    (x,) = layer(A, b)
    return jnp.sum(x)

grad_fn = jax.grad(solve_and_grad, argnums=[0, 1])
dA, db = grad_fn(A_jax, b_jax)
'''

VMAP_EXAMPLE = '''
# Batched solve
batch_size = 10
A_batch = jax.random.normal(key, shape=(batch_size, m, n))

@jax.vmap
def solve_single(A):
    (x,) = layer(A, b_jax)
    return x

x_batch = solve_single(A_batch)  # Shape: (10, n)

# Or use built-in batching
(x_batch,) = layer(A_batch, b_jax)
'''


def run_doctest(source, globs):
    test = doctest.DocTestParser().get_doctest(source, globs, "spec", None, 0)
    runner = doctest.DocTestRunner()
    runner.run(test, clear_globs=False)
    assert runner.failures == 0
    return test.globs


def reference_nnls(A, b):
    x = cp.Variable(A.shape[1])
    cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0]).solve(solver="CLARABEL")
    return x.value


def test_class_and_call_examples():
    g = run_doctest(CLASS_EXAMPLE, {})
    np.testing.assert_allclose(g["solution"], reference_nnls(np.asarray(g["A_jax"], float),
                                                            np.asarray(g["b_jax"], float)), atol=1e-5)  # fmt: skip
    assert len(g["grads"]) == 2 and g["grads"][0].shape == (3, 2)
    g.update(A_array=g["A_jax"], b_array=g["b_jax"], key=g["jax"].random.PRNGKey(2))
    g = run_doctest(CALL_EXAMPLE, g)
    assert g["x_batch"].shape == (10, 2)
    for k in range(10):
        want = reference_nnls(np.asarray(g["A_batch"][k], float), np.asarray(g["b_batch"][k], float))
        np.testing.assert_allclose(g["x_batch"][k], want, atol=1e-5)


def test_usage_gradient_jit_and_vmap_examples():
    g = {}
    exec(USAGE_EXAMPLE, g)
    want = reference_nnls(np.asarray(g["A_jax"], float), np.asarray(g["b_jax"], float))
    np.testing.assert_allclose(g["x_sol"], want, atol=1e-5)
    exec(GRADIENT_EXAMPLE, g)
    eager = (np.asarray(g["dA"]), np.asarray(g["db"]))
    exec(JIT_EXAMPLE, g)
    np.testing.assert_allclose(g["dA"], eager[0], atol=1e-6)
    np.testing.assert_allclose(g["db"], eager[1], atol=1e-6)
    exec(VMAP_EXAMPLE, g)
    assert g["x_batch"].shape == (10, 2)
    looped = g["jax"].vmap(lambda A: g["layer"](A, g["b_jax"])[0])(g["A_batch"])
    np.testing.assert_allclose(g["x_batch"], looped, atol=1e-6)
