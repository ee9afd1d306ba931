# SPDX-License-Identifier: Apache-2.0
"""The PyTorch examples of cvxpylayers' README and docs (quickstart, basic usage, dual variables),
run unchanged against our package: each block is executed as written, then its results are
checked against cvxpy + Clarabel or closed forms."""

import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def run(block: str) -> dict:
    scope: dict = {}
    exec(compile(textwrap.dedent(block), "<docs example>", "exec"), scope)
    return scope


README = """
import cvxpy as cp
import torch
from cvxpylayers.torch import CvxpyLayer

n, m = 2, 3
x = cp.Variable(n)
A = cp.Parameter((m, n))
b = cp.Parameter(m)
constraints = [x >= 0]
objective = cp.Minimize(0.5 * cp.pnorm(A @ x - b, p=1))
problem = cp.Problem(objective, constraints)
assert problem.is_dpp()

cvxpylayer = CvxpyLayer(problem, parameters=[A, b], variables=[x])
A_tch = torch.randn(m, n, requires_grad=True)
b_tch = torch.randn(m, requires_grad=True)

# solve the problem
solution, = cvxpylayer(A_tch, b_tch)

# compute the gradient of the sum of the solution with respect to A, b
solution.sum().backward()
"""

QUICKSTART = """
import cvxpy as cp

# Problem dimensions
n, m = 2, 3

# Decision variable (what we solve for)
x = cp.Variable(n)

# Parameters (inputs that change at runtime)
A = cp.Parameter((m, n))
b = cp.Parameter(m)

# Build the problem
problem = cp.Problem(
    cp.Minimize(cp.sum_squares(A @ x - b)),  # Objective
    [x >= 0]                                   # Constraints
)
assert problem.is_dpp(), "Problem must be DPP-compliant"
import torch
from cvxpylayers.torch import CvxpyLayer

layer = CvxpyLayer(
    problem,
    parameters=[A, b],   # CVXPY parameters (in order)
    variables=[x]        # Variables to return
)
# Create tensors with gradients enabled
A_t = torch.randn(m, n, requires_grad=True)
b_t = torch.randn(m, requires_grad=True)

# Forward: solve the optimization
(solution,) = layer(A_t, b_t)

# Backward: compute gradients
loss = solution.sum()
loss.backward()

print(f"Solution: {solution}")
print(f"dL/dA: {A_t.grad}")
print(f"dL/db: {b_t.grad}")
"""

TRAINING = """
import cvxpy as cp
import torch
from cvxpylayers.torch import CvxpyLayer

# 1. Define problem
n, m = 5, 10
x = cp.Variable(n)
A = cp.Parameter((m, n))
b = cp.Parameter(m)

problem = cp.Problem(
    cp.Minimize(cp.sum_squares(A @ x - b)),
    [x >= 0]
)

# 2. Create layer
layer = CvxpyLayer(problem, parameters=[A, b], variables=[x])

# 3. Training setup
A_true = torch.randn(m, n)
x_true = torch.abs(torch.randn(n))
b_true = A_true @ x_true

A_learn = torch.randn(m, n, requires_grad=True)
optimizer = torch.optim.Adam([A_learn], lr=0.1)

# 4. Training loop
for i in range(100):
    optimizer.zero_grad()
    (x_pred,) = layer(A_learn, b_true)
    loss = torch.sum((x_pred - x_true) ** 2)
    loss.backward()
    optimizer.step()

    if i % 25 == 0:
        print(f"Step {i:3d} | Loss: {loss.item():.4f}")
"""

MODULE = """
import cvxpy as cp
import torch
from cvxpylayers.torch import CvxpyLayer
import torch.nn as nn

class OptimizationNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(10, 6)  # Outputs A (2x3) flattened

        # Create CVXPY problem
        x = cp.Variable(3)
        A = cp.Parameter((2, 3))
        b = cp.Parameter(2)
        problem = cp.Problem(
            cp.Minimize(cp.sum_squares(A @ x - b)),
            [x >= 0]
        )

        self.cvx_layer = CvxpyLayer(problem, parameters=[A, b], variables=[x])

    def forward(self, input_features, b):
        # Neural network predicts A
        A_flat = self.linear(input_features)
        A = A_flat.view(-1, 2, 3)

        # Optimization layer finds optimal x
        (x,) = self.cvx_layer(A, b)
        return x
"""

DUALS = """
import cvxpy as cp
import torch
from cvxpylayers.torch import CvxpyLayer

n = 2
x = cp.Variable(n)
c = cp.Parameter(n)
b = cp.Parameter()

# Define constraint and store reference
eq_con = cp.sum(x) == b
prob = cp.Problem(cp.Minimize(c @ x), [eq_con, x >= 0])

# Request primal variable AND the constraint's dual
layer = CvxpyLayer(
    prob,
    parameters=[c, b],
    variables=[x, eq_con.dual_variables[0]],
)

c_t = torch.tensor([1.0, 2.0], requires_grad=True)
b_t = torch.tensor(1.0, requires_grad=True)

# Forward pass returns both
x_opt, eq_dual = layer(c_t, b_t)

# Gradients flow through dual variables
loss = eq_dual.sum()
loss.backward()
"""

MULTIPLE_DUALS = """
eq_con = cp.sum(x) == b
ineq_con = x >= 0
prob = cp.Problem(cp.Minimize(c @ x), [eq_con, ineq_con])

layer = CvxpyLayer(
    prob,
    parameters=[c, b],
    variables=[x, eq_con.dual_variables[0], ineq_con.dual_variables[0]],
)

x_opt, eq_dual, ineq_dual = layer(c_t, b_t)
"""

DUAL_ONLY = """
layer = CvxpyLayer(
    prob,
    parameters=[c, b],
    variables=[eq_con.dual_variables[0]],
)

(eq_dual,) = layer(c_t, b_t)
"""


def _clarabel(problem, params, values):
    for p, v in zip(params, values):
        p.value = v.detach().numpy().astype(float)
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)


def test_readme_example():
    s = run(README)
    _clarabel(s["problem"], [s["A"], s["b"]], [s["A_tch"], s["b_tch"]])
    np.testing.assert_allclose(s["solution"].detach().numpy(), s["x"].value, atol=1e-5)
    assert s["A_tch"].grad.shape == (3, 2) and torch.isfinite(s["b_tch"].grad).all()


def test_quickstart_steps(capsys):
    s = run(QUICKSTART)
    assert "Solution:" in capsys.readouterr().out
    _clarabel(s["problem"], [s["A"], s["b"]], [s["A_t"], s["b_t"]])
    np.testing.assert_allclose(s["solution"].detach().numpy(), s["x"].value, atol=1e-6)
    # float32 tensors in (torch's default dtype), float32 gradients out
    assert s["solution"].dtype == torch.float32 and s["A_t"].grad.dtype == torch.float32


def test_quickstart_training_loop_learns(capsys):
    torch.manual_seed(0)
    run(TRAINING)
    losses = [float(line.split("Loss:")[1]) for line in capsys.readouterr().out.splitlines()]
    assert len(losses) == 4 and losses[-1] < losses[0]


def test_module_example_is_a_batched_network():
    s = run(MODULE)
    net = s["OptimizationNet"]()
    x = net(torch.randn(8, 10), torch.randn(2))
    assert x.shape == (8, 3) and (x >= -1e-7).all()
    x.sum().backward()
    assert net.linear.weight.grad is not None and torch.isfinite(net.linear.weight.grad).all()


def test_dual_variable_examples():
    s = run(DUALS)
    # min x₁ + 2x₂ over the simplex scaled by b: x = (b, 0), dual of Σx = b is −1 (cvxpy's sign)
    np.testing.assert_allclose(s["x_opt"].detach().numpy(), [1.0, 0.0], atol=1e-7)
    _clarabel(s["prob"], [s["c"], s["b"]], [s["c_t"], s["b_t"]])
    np.testing.assert_allclose(s["eq_dual"].detach().numpy(), s["eq_con"].dual_value, atol=1e-7)
    exec(compile(MULTIPLE_DUALS, "<docs example>", "exec"), s)
    _clarabel(s["prob"], [s["c"], s["b"]], [s["c_t"], s["b_t"]])
    np.testing.assert_allclose(s["ineq_dual"].detach().numpy(), s["ineq_con"].dual_value, atol=1e-7)
    exec(compile(DUAL_ONLY, "<docs example>", "exec"), s)
    np.testing.assert_allclose(s["eq_dual"].detach().numpy(), s["eq_con"].dual_value, atol=1e-7)


def test_solver_args_at_call_time_with_moreau_nesting():
    s = run(QUICKSTART)
    layer = s["CvxpyLayer"](s["problem"], parameters=[s["A"], s["b"]], variables=[s["x"]],
                            solver_args={"max_iter": 300})  # fmt: skip
    (x1,) = layer(s["A_t"], s["b_t"], solver_args={"max_iter": 500, "ipm_settings": {"tol_gap_abs": 1e-8}})
    torch.testing.assert_close(x1, s["solution"])
    with pytest.raises(ValueError, match="tol_gap_abs"):  # the nested settings are read
        layer(s["A_t"], s["b_t"], solver_args={"ipm_settings": {"tol_gap_abs": -1.0}})
