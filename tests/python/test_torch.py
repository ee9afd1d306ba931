# SPDX-License-Identifier: Apache-2.0
"""cvxpylayers.torch.CvxpyLayer on batchcone: values against cvxpy + Clarabel, gradients by
torch.autograd.gradcheck (central differences) on every cone family, equal to the JAX layer's,
batching and broadcasting, float32, cvxpylayers' errors, the operators (opcheck), torch.compile
without graph breaks, torch.func, and CUDA tensors (skipped without a GPU)."""

import os
import subprocess
import sys

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import batchcone as bc  # noqa: E402
from batchcone import torch_ops  # noqa: E402
from cvxpylayers.jax import CvxpyLayer as JaxLayer  # noqa: E402
from cvxpylayers.torch import CvxpyLayer, SolverError  # noqa: E402

from test_cvxpylayer import FAMILIES as QP_FAMILIES, clarabel_solve  # noqa: E402
from test_cvxpylayer_nonsym import FAMILIES as NONSYM_FAMILIES, box_design  # noqa: E402

rng = np.random.default_rng(11)


def lp():
    # min cᵀx s.t. Gx ≤ h, −1 ≤ x ≤ 1: a vertex solution, x affine in h while its active set
    # holds (and constant in c), the case an LP layer differentiates.
    n, m = 3, 6
    x, c, h = cp.Variable(n), cp.Parameter(n), cp.Parameter(m)
    G = np.random.default_rng(5).standard_normal((m, n))
    prob = cp.Problem(cp.Minimize(c @ x), [G @ x <= h, cp.abs(x) <= 1])
    return prob, [c, h], [x], [rng.standard_normal(n), 0.5 + rng.random(m)]


def psd_projection():
    # argmin ‖X − C‖_F² over X ⪰ 0: the projection V max(Λ, 0) Vᵀ, smooth where C has no zero
    # eigenvalue; eigenvalues ±1, ±2 make X and the dual Z of rank 2 each, strictly complementary.
    k = 4
    C = cp.Parameter((k, k), symmetric=True)
    X = cp.Variable((k, k), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [X >> 0])
    Q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    return prob, [C], [X], [Q @ np.diag([2.0, 1.0, -1.0, -2.0]) @ Q.T]


def geometric_program():
    prob, params, variables = box_design()
    return prob, params, variables, [np.array(100.0), np.array(10.0)]


FAMILIES = QP_FAMILIES + NONSYM_FAMILIES + [lp, psd_projection]


def draw(family, seed=0):
    """family() with its module's rng replaced by a fresh seeded one for the call: the same
    problem whatever ran before, and the JAX tests' own draws left as they were."""
    module = sys.modules[family.__module__]
    saved = module.rng
    module.rng = np.random.default_rng(seed)
    try:
        return family()
    finally:
        module.rng = saved
IDS = [f.__name__ for f in FAMILIES]


def _tensors(values, requires_grad=False, dtype=torch.float64):
    return [torch.tensor(np.asarray(v), dtype=dtype, requires_grad=requires_grad) for v in values]


# ---- values and gradients --------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_values_match_clarabel(family):
    prob, params, variables, values = draw(family)
    layer = CvxpyLayer(prob, params, variables)
    (x,) = layer(*_tensors(values))
    clarabel_solve(prob, params, values)
    atol = 1e-5 if family is psd_projection else 1e-6  # (Clarabel's own accuracy, see test_cvxpylayer)
    np.testing.assert_allclose(x.numpy(), variables[0].value, atol=atol)


def test_psd_projection_closed_form():
    prob, params, variables, (C,) = draw(psd_projection)
    (X,) = CvxpyLayer(prob, params, variables)(torch.tensor(C))
    lam, V = np.linalg.eigh(C)
    np.testing.assert_allclose(X.numpy(), V @ np.diag(np.maximum(lam, 0)) @ V.T, atol=1e-7)


def layer_on(path, *args, **kwargs):
    """A CvxpyLayer whose eager CPU calls take `path`: "host" (numpy, _host.py, the default) or
    "operators" (torch.ops.batchcone through Solve, the path of CUDA tensors)."""
    layer = CvxpyLayer(*args, **kwargs)
    if path == "operators":
        layer._host_plan = None
    return layer


PATHS = ["host", "operators"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", FAMILIES + [geometric_program], ids=IDS + ["geometric_program"])
def test_gradcheck(family, path):
    prob, params, variables, values = draw(family)
    gp = family is geometric_program
    layer = layer_on(path, prob, params, variables, gp=gp)
    args = _tensors(values, requires_grad=True)
    if family is psd_projection:  # C symmetric: differentiate through C = S + Sᵀ
        f = lambda S: layer(S + S.T)  # noqa: E731
        args = [(args[0] / 2).detach().requires_grad_()]
    else:
        f = layer
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_gradients_equal_the_jax_layer(family, path):
    prob, params, variables, values = draw(family)
    w = rng.standard_normal(variables[0].shape)
    torch_layer, jax_layer = layer_on(path, prob, params, variables), JaxLayer(prob, params, variables)
    args = _tensors(values, requires_grad=True)
    (torch_layer(*args)[0] * torch.tensor(w)).sum().backward()
    want = jax.grad(lambda *a: jnp.sum(jax_layer(*a)[0] * w), argnums=tuple(range(len(values))))(
        *(jnp.asarray(v, jnp.float64) for v in values)
    )
    for a, g in zip(args, want):
        np.testing.assert_allclose(a.grad.numpy(), np.asarray(g), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("path", PATHS)
def test_batched_equals_per_problem_and_unbatched_gradients_sum(path):
    prob, params, variables, (A, b) = draw(QP_FAMILIES[0])  # constrained least squares
    B = 5
    As = torch.tensor(np.stack([A + 0.1 * rng.standard_normal(A.shape) for _ in range(B)]), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)  # shared by the batch
    layer = layer_on(path, prob, params, variables)
    (xs,) = layer(As, bt)
    assert xs.shape == (B, 4)
    W = torch.tensor(rng.standard_normal((B, 4)))
    (xs * W).sum().backward()
    grad_b = torch.zeros_like(bt)
    for k in range(B):
        a_k = As[k].detach().clone().requires_grad_()
        b_k = bt.detach().clone().requires_grad_()
        (x_k,) = layer(a_k, b_k)
        torch.testing.assert_close(x_k, xs[k].detach(), rtol=0, atol=1e-12)
        (x_k * W[k]).sum().backward()
        torch.testing.assert_close(As.grad[k], a_k.grad, rtol=1e-9, atol=1e-12)
        grad_b += b_k.grad
    torch.testing.assert_close(bt.grad, grad_b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_float32_in_float32_out_with_float64_accuracy(path):
    prob, params, variables, values = draw(QP_FAMILIES[1])  # nnls
    layer = layer_on(path, prob, params, variables)
    a32, a64 = _tensors(values, True, torch.float32), _tensors(values, True)
    (x32,), (x64,) = layer(*a32), layer(*a64)
    assert x32.dtype == torch.float32
    x32.sum().backward(), x64.sum().backward()
    assert a32[0].grad.dtype == torch.float32
    np.testing.assert_allclose(x32.detach().numpy(), x64.detach().numpy(), rtol=1e-6, atol=1e-7)
    for g32, g64 in zip(a32, a64):
        np.testing.assert_allclose(g32.grad.numpy(), g64.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("path", PATHS)
def test_requires_grad_on_a_subset_and_duals_as_outputs(path):
    n, m = 3, 5
    x, A, b = cp.Variable(n), cp.Parameter((m, n)), cp.Parameter(m)
    cons = [A @ x <= b]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), cons)
    Av, bv = rng.standard_normal((m, n)), rng.uniform(0.1, 1.0, m)
    layer = layer_on(path, prob, [A, b], [x, cons[0].dual_variables[0]])
    At, bt = torch.tensor(Av), torch.tensor(bv, requires_grad=True)
    xt, lam = layer(At, bt)
    clarabel_solve(prob, [A, b], [Av, bv])
    np.testing.assert_allclose(lam.detach().numpy(), cons[0].dual_value, atol=1e-7)
    (xt.sum() + lam.sum()).backward()
    assert At.grad is None and bt.grad is not None
    assert torch.autograd.gradcheck(lambda b_: sum(o.sum() for o in layer(At, b_)), [bt.detach().requires_grad_()])


@pytest.mark.parametrize("family", FAMILIES + [geometric_program], ids=IDS + ["geometric_program"])
def test_the_eager_cpu_path_equals_the_operators(family):
    """A batch of 3 with the first parameter batched and the others broadcast: the numpy path
    (_host.py) and the operators give the same outputs and gradients to rounding."""
    prob, params, variables, values = draw(family)
    gp = family is geometric_program
    perturb = np.random.default_rng(3)
    first = np.stack([values[0] * (1 + 0.01 * perturb.standard_normal(np.shape(values[0]))) for _ in range(3)])
    if family is psd_projection:
        first = 0.5 * (first + np.swapaxes(first, -1, -2))
    results = []
    for path in PATHS:
        layer = layer_on(path, prob, params, variables, gp=gp)
        args = _tensors([first] + list(values[1:]), requires_grad=True)
        outs = layer(*args)
        sum((o * torch.linspace(-1, 1, o.numel()).reshape(o.shape)).sum() for o in outs).backward()
        results.append([o.detach() for o in outs] + [a.grad for a in args])
    for host, ops in zip(*results):
        torch.testing.assert_close(host, ops, rtol=1e-10, atol=1e-12)


def test_changing_outputs_or_parameters_in_place_leaves_the_gradient():
    """The backward reads only what the layer keeps (gp: out = exp(x), θ = exp(log θ))."""
    prob, params, variables, values = draw(geometric_program)
    layer = CvxpyLayer(prob, params, variables, gp=True)
    want = torch.autograd.functional.jacobian(lambda *a: sum(o.sum() for o in layer(*a)), tuple(_tensors(values)))
    args = _tensors(values, requires_grad=True)
    outs = layer(*args)
    loss = sum(o.sum() for o in outs)
    with torch.no_grad():
        for o in outs:
            o.mul_(3.0)
        for a in args:
            a.add_(1.0)
    loss.backward()
    for a, g in zip(args, want):
        torch.testing.assert_close(a.grad, g, rtol=1e-12, atol=0)


def test_return_info_objective_matches_cvxpy_and_is_differentiable():
    prob, params, variables, values = draw(NONSYM_FAMILIES[3])  # power utility: a Maximize
    layer = CvxpyLayer(prob, params, variables)
    args = _tensors(values, requires_grad=True)
    _, info = layer(*args, return_info=True)
    clarabel_solve(prob, params, values)
    np.testing.assert_allclose(float(info["objective"]), prob.value, rtol=1e-8)
    assert int(info["status"]) == 1
    assert torch.autograd.gradcheck(lambda w: layer(w, return_info=True)[1]["objective"], args)


# ---- the operators ---------------------------------------------------------------------------


def _qp_operands(B=3):
    n, m = 4, 6
    G = rng.standard_normal((n, n))
    A = rng.standard_normal((m, n))
    st = bc.Structure.from_matrices(np.ones((n, n)), A, [bc.Zero(1), bc.NonNeg(m - 1)])
    torch_ops.remember(st)
    rows, cols = st.P_coords
    P = (G @ G.T + n * np.eye(n))[rows, cols]
    Ar, Ac = st.A_coords
    data = [torch.tensor(P), torch.tensor(rng.standard_normal((B, n))), torch.tensor(A[Ar, Ac]),
            torch.tensor(rng.uniform(0.5, 1.5, (B, m)))]  # fmt: skip
    return st, data, [float(v) for v in bc.Settings().attribute()]


def test_opcheck_on_the_three_operators():
    st, data, conf = _qp_operands()
    data = [t.requires_grad_() for t in data]
    torch.library.opcheck(torch.ops.batchcone.solve.default, (*data, st.key, conf))
    x, z, s, status, _, _ = torch.ops.batchcone.solve(*(t.detach() for t in data), st.key, conf)
    rx, rz = torch.randn_like(x), torch.randn_like(z)
    detached = [t.detach() for t in data]
    torch.library.opcheck(torch.ops.batchcone.kkt_solve.default, (*detached, x, z, s, status, rx, rz, st.key, conf))
    torch.library.opcheck(torch.ops.batchcone.solve_backward.default,
                          (*detached, x, z, s, status, rx, rz, torch.randn_like(s), st.key, conf))  # fmt: skip


def test_backward_via_kkt_solve_equals_the_native_vjp():
    # The CUDA kernel of solve_backward (kkt_solve and sparse products) against the CPU's cpu_vjp.
    st, data, conf = _qp_operands(B=4)
    x, z, s, status, _, _ = torch.ops.batchcone.solve(*data, st.key, conf)
    gx, gz, gs = torch.randn_like(x), torch.randn_like(z), torch.randn_like(s)
    native = torch.ops.batchcone.solve_backward(*data, x, z, s, status, gx, gz, gs, st.key, conf)
    composed = torch_ops.backward_via_kkt(*data, x, z, s, status, gx, gz, gs, None, st.key, conf)
    for a, b in zip(native, composed):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)


def test_kkt_solve_inverts_the_kkt_system_of_the_solution():
    # K [v_x; v_z] = [r_x; r_z]: P v_x + Aᵀ v_z = r_x on every row, and on inactive inequality rows
    # (z = 0, H = s/z infinite) v_z = 0.
    st, data, conf = _qp_operands(B=2)
    x, z, s, status, _, _ = torch.ops.batchcone.solve(*data, st.key, conf)
    rx, rz = torch.randn_like(x), torch.randn_like(z)
    vx, vz = torch.ops.batchcone.kkt_solve(*data, x, z, s, status, rx, rz, st.key, conf)
    P, _, A, _ = data
    lhs = torch_ops._P_times(st, P, vx) + torch_ops._At_times(st, A, vz)
    torch.testing.assert_close(lhs, rx, rtol=1e-7, atol=1e-7)
    inactive = (z < 1e-9) & (s > 1e-6)
    assert torch.all(vz[inactive].abs() < 1e-6)


# ---- transforms ------------------------------------------------------------------------------


def test_torch_compile_without_graph_breaks():
    prob, params, variables, values = draw(QP_FAMILIES[0])
    layer = CvxpyLayer(prob, params, variables)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(7, 7, dtype=torch.float64)
            self.layer = layer

        def forward(self, A, b):
            return self.layer(A, self.lin(b))[0].square().sum()

    model = Model()
    A, b = _tensors(values)
    eager = model(A, b)
    compiled = torch.compile(model, fullgraph=True)  # fullgraph: any graph break is an error
    torch.testing.assert_close(compiled(A, b), eager, rtol=1e-12, atol=1e-12)
    g_eager = torch.autograd.grad(model(A, b), list(model.lin.parameters()))
    g_comp = torch.autograd.grad(compiled(A, b), list(model.lin.parameters()))
    for a, b_ in zip(g_eager, g_comp):
        torch.testing.assert_close(a, b_, rtol=1e-10, atol=1e-12)


def test_compiled_bad_problem_gets_its_status_and_the_others_are_solved():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[1])  # nnls
    layer = CvxpyLayer(prob, params, variables)
    As = torch.tensor(np.stack([A] * 3))
    As[1, 0, 0] = torch.nan
    f = torch.compile(lambda A_, b_: layer(A_, b_, return_info=True), fullgraph=True)
    (x,), info = f(As, torch.tensor(b))
    assert info["status"].tolist() == [1, bc.solve.__globals__["INVALID_INPUT"], 1]
    assert torch.isnan(x[1]).all() and torch.isfinite(x[[0, 2]]).all()
    with pytest.raises(ValueError, match=r"parameter 0 \(.*\) is NaN at \[1, 0, 0\] \(problem 1"):
        layer(As, torch.tensor(b))


def test_torch_func_vmap_of_grad_equals_per_problem_gradients():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[1])
    layer = CvxpyLayer(prob, params, variables)
    B = 4
    bs = torch.tensor(rng.standard_normal((B, b.size)))
    At = torch.tensor(A)
    loss = lambda b_: layer(At, b_)[0].square().sum()  # noqa: E731
    got = torch.func.vmap(torch.func.grad(loss))(bs)
    for k in range(B):
        b_k = bs[k].clone().requires_grad_()
        loss(b_k).backward()
        torch.testing.assert_close(got[k], b_k.grad, rtol=1e-9, atol=1e-12)
    # vmap over the layer itself (one native call for the whole batch)
    torch.testing.assert_close(torch.func.vmap(lambda b_: layer(At, b_)[0])(bs), layer(At, bs)[0])


# ---- errors ----------------------------------------------------------------------------------


def test_errors_use_cvxpylayers_messages():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[1])
    layer = CvxpyLayer(prob, params, variables)
    At, bt = torch.tensor(A), torch.tensor(b)
    with pytest.raises(ValueError, match="A tensor must be provided for each CVXPY parameter; received 1"):
        layer(At)
    with pytest.raises(ValueError, match=r"Invalid parameter shape for parameter 1. Expected: \(6,\), Got: \(5,\)"):
        layer(At, bt[:5])
    with pytest.raises(ValueError, match="Invalid parameter dimensionality for parameter 1"):
        layer(At, bt.reshape(1, 1, 6))
    with pytest.raises(ValueError, match="Inconsistent batch sizes"):
        layer(At.expand(2, 6, 3), bt.expand(3, 6))
    with pytest.raises(AttributeError):
        layer(None, bt)
    with pytest.raises(TypeError, match="complex"):
        layer(At.to(torch.complex128), bt)
    x = cp.Variable()
    p = cp.Parameter()
    with pytest.raises(ValueError, match="Problem must be DPP."):
        CvxpyLayer(cp.Problem(cp.Minimize(p * p * x), [x >= 0]), [p], [x])
    with pytest.raises(ValueError, match="must exactly match problem.parameters"):
        CvxpyLayer(prob, params[:1], variables)
    with pytest.raises(RuntimeError, match="Unknown solver"):
        CvxpyLayer(prob, params, variables, solver="NOT_A_SOLVER")


def test_infeasible_and_unbounded_raise_with_their_status():
    x, b = cp.Variable(), cp.Parameter()
    infeasible = CvxpyLayer(cp.Problem(cp.Minimize(x), [x >= b, x <= b - 1]), [b], [x])
    with pytest.raises(SolverError, match="PrimalInfeasible") as e:
        infeasible(torch.tensor(0.0))
    assert e.value.statuses == ["PrimalInfeasible"]
    unbounded = CvxpyLayer(cp.Problem(cp.Minimize(x), [x <= b]), [b], [x])
    with pytest.raises(SolverError, match="DualInfeasible"):
        unbounded(torch.tensor(0.0))


def test_import_without_torch_is_a_clear_import_error():
    code = (
        "import sys, importlib.abc\n"
        "class NoTorch(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(\"No module named 'torch'\")\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import cvxpylayers.torch\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0 and "cvxpylayers.torch needs PyTorch" in out.stderr


# ---- CUDA ------------------------------------------------------------------------------------


def _cuda_ready():
    return torch.cuda.is_available() and hasattr(bc._ffi.library(), "batchcone_solve_cuda_f64")


# Under `make gpu-check` (BATCHCONE_REQUIRE_GPU=1) it runs, and fails, rather than skip.
@pytest.mark.skipif(not _cuda_ready() and not os.environ.get("BATCHCONE_REQUIRE_GPU"),
                    reason="needs a GPU and batchcone built with CUDA")
def test_cuda_tensors_match_the_cpu():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[0])
    layer = CvxpyLayer(prob, params, variables)
    B = 64
    As = np.stack([A + 0.1 * rng.standard_normal(A.shape) for _ in range(B)])
    cpu = [torch.tensor(As, requires_grad=True), torch.tensor(b, requires_grad=True)]
    gpu = [torch.tensor(As, device="cuda", requires_grad=True), torch.tensor(b, device="cuda", requires_grad=True)]
    (x_cpu,), (x_gpu,) = layer(*cpu), layer(*gpu)
    assert x_gpu.device.type == "cuda"
    torch.testing.assert_close(x_gpu.cpu(), x_cpu, rtol=1e-7, atol=1e-8)
    x_cpu.square().sum().backward(), x_gpu.square().sum().backward()
    for a, g in zip(cpu, gpu):
        torch.testing.assert_close(g.grad.cpu(), a.grad, rtol=1e-6, atol=1e-8)


def test_forward_mode_equals_reverse_mode():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[0])
    layer = CvxpyLayer(prob, params, variables)
    At, bt = torch.tensor(A), torch.tensor(b)
    f = lambda b_: layer(At, b_)[0]  # noqa: E731
    J_fwd = torch.func.jacfwd(f)(bt)
    J_rev = torch.func.jacrev(f)(bt)
    torch.testing.assert_close(J_fwd, J_rev, rtol=1e-9, atol=1e-11)
    _, t = torch.func.jvp(f, (bt,), (torch.ones_like(bt),))
    torch.testing.assert_close(t, J_rev.sum(-1), rtol=1e-9, atol=1e-11)


def test_a_deep_copy_outlives_its_original():
    import copy
    import gc

    prob, params, variables, values = draw(lp)  # an LP: P is a constant (empty) map
    layer = CvxpyLayer(prob, params, variables)
    want = layer(*_tensors(values))[0]
    twin = copy.deepcopy(layer)
    del layer
    gc.collect()
    args = _tensors(values, requires_grad=True)
    got = twin(*args)[0]
    got.sum().backward()
    torch.testing.assert_close(got.detach(), want, rtol=0, atol=0)
    assert all(a.grad is not None for a in args)


def test_forward_mode_with_dual_tensors():
    """torch.autograd.forward_ad outside torch.func: the tangent equals the reverse-mode
    Jacobian's product."""
    import torch.autograd.forward_ad as fwAD

    prob, params, variables, (A, b) = draw(QP_FAMILIES[0])
    layer = CvxpyLayer(prob, params, variables)
    At, bt, tangent = torch.tensor(A), torch.tensor(b), torch.linspace(-1, 1, len(b), dtype=torch.float64)
    J = torch.autograd.functional.jacobian(lambda b_: layer(At, b_)[0], bt)
    with fwAD.dual_level():
        (x,) = layer(At, fwAD.make_dual(bt, tangent))
        dx = fwAD.unpack_dual(x).tangent
    torch.testing.assert_close(dx, J @ tangent, rtol=1e-9, atol=1e-11)


def test_a_batch_of_one_and_an_empty_batch():
    prob, params, variables, (A, b) = draw(QP_FAMILIES[1])
    layer = CvxpyLayer(prob, params, variables)
    A1, b1 = torch.tensor(A[None], requires_grad=True), torch.tensor(b[None], requires_grad=True)
    A0, b0 = torch.tensor(A, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x1,), (x0,) = layer(A1, b1), layer(A0, b0)
    assert x1.shape == (1, 3) and x0.shape == (3,)
    x1.sum().backward(), x0.sum().backward()
    torch.testing.assert_close(A1.grad[0], A0.grad, rtol=0, atol=0)
    torch.testing.assert_close(b1.grad[0], b0.grad, rtol=0, atol=0)
    Ae = torch.zeros((0,) + A.shape, dtype=torch.float64, requires_grad=True)
    (xe,) = layer(Ae, torch.zeros((0, b.size), dtype=torch.float64))
    assert xe.shape == (0, 3)
    xe.sum().backward()
    assert Ae.grad.shape == Ae.shape
