# SPDX-License-Identifier: Apache-2.0
"""PyTorch operators on the native solver: ``torch.ops.batchcone.solve`` and its derivatives.

    solve(P_vals, c, A_vals, b, key, settings) -> (x, z, s, status, iterations, objective)
    solve_backward(P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, key, settings)
        -> (gP, gc, gA, gb)
    kkt_solve(P_vals, c, A_vals, b, x, z, s, status, rx, rz, key, settings) -> K⁻¹[rx; rz]

Tensors are float64 (the layer converts), [..., core] with leading batch dimensions that
broadcast against each other; ``key`` is a registered Structure's key and ``settings`` the
encoded Settings (``Settings.attribute``). The CPU kernels read the tensors in place through the
pointer API (src/ffi/c_api.hpp); CUDA tensors go to the CUDA backend on torch's current stream
with a workspace from torch's allocator. ``solve`` is differentiable (register_autograd: one
factorization of K per problem in the backward), has fake kernels for torch.compile and a vmap
rule for torch.func.vmap. Problems not Solved or AlmostSolved get zero gradients.

Reverse mode, from cotangents (x̄, z̄, s̄, ōbj) at the solution, with K = [[P, Aᵀ], [A, −H]]:
    [v_x; v_z] = K⁻¹ [x̄ − Aᵀs̄ + ōbj·(Px + c); z̄],    w_z = v_z + s̄,
    c̄ = −v_x + ōbj·x,   b̄ = w_z,   Ā_ij = −(z_i v_x,j + w_z,i x_j),
    P̄_ij = −(v_x,i x_j + v_x,j x_i) + ōbj·x_i x_j (i < j),   P̄_ii = −v_x,i x_i + ½ōbj·x_i²,
the transpose of the tangent rule in batchcone.solve (ds = db − dA·x − A·dx). The CPU kernel of
solve_backward is the native cpu_vjp (the same formula, s̄ entering as −H s̄); the CUDA kernel
composes kkt_solve with the products above (``backward_via_kkt``).
"""

from __future__ import annotations

import ctypes
import math
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from . import _ffi
from .solve import ALMOST_SOLVED, MAX_BATCH, SOLVED
from .structure import Structure

_structures: dict[int, Structure] = {}
_ERRORS = {1: ValueError, 2: torch.OutOfMemoryError}


def remember(structure: Structure) -> None:
    """Makes `structure` known to the operators by its key (the layer calls this)."""
    _structures[structure.key] = structure


def _structure(key: int) -> Structure:
    try:
        return _structures[key]
    except KeyError:
        raise ValueError(
            f"batchcone: no structure with key {key} was given to batchcone.torch_ops.remember"
        ) from None


def core_sizes(st: Structure) -> tuple[int, int, int, int]:
    return (st.nnz_P, st.n, st.nnz_A, st.m)


# ---- operand layout --------------------------------------------------------------------------


def _data_lead(st: Structure, data, extra=()) -> tuple:
    names = ("P_vals", "c", "A_vals", "b")
    for name, t, core in zip(names, data, core_sizes(st)):
        if t.dtype != torch.float64:
            raise TypeError(f"batchcone: {name} must be float64, got {t.dtype}")
        if t.ndim == 0 or t.shape[-1] != core:
            raise ValueError(f"batchcone: {name} has shape {tuple(t.shape)}, expected last dimension {core}")
    lead = _broadcast([tuple(t.shape[:-1]) for t in data] + [tuple(e) for e in extra])
    if lead is None:
        raise ValueError(
            "batchcone: the batch dimensions of P_vals, c, A_vals, b do not broadcast: "
            + ", ".join(str(tuple(t.shape[:-1])) for t in data)
        )
    if math.prod(lead) > MAX_BATCH:
        raise ValueError(f"batchcone: the batch {tuple(lead)} holds more than {MAX_BATCH} problems")
    return tuple(lead)


def _broadcast(shapes):
    """numpy broadcasting of the shapes, or None when they do not broadcast (a few µs, where
    torch.broadcast_shapes costs tens: this runs on every call)."""
    out = []
    for k in range(1, max(map(len, shapes), default=0) + 1):
        size = 1
        for sh in shapes:
            d = sh[-k] if k <= len(sh) else 1
            if d != 1:
                if size not in (1, d):
                    return None
                size = d
        out.append(size)
    return tuple(reversed(out))


def _shared(t: Tensor) -> bool:
    return all(d == 1 for d in t.shape[:-1])


def _operand(t: Tensor, lead: tuple, core: int) -> tuple[Tensor, int]:
    """(contiguous tensor, stride): one block shared by the batch (stride 0), else dense rows
    over `lead` (a view when the tensor already is, else one copy)."""
    if _shared(t):
        return t.reshape(core).contiguous(), 0
    return t.expand(lead + (core,)).contiguous(), core


def _ptr(t: Tensor | None):
    if t is None:
        return None
    return t.data_ptr() or _ffi.NULL_SAFE_ADDRESS


def _check(rc: int, message: str) -> None:
    if rc != 0:
        raise _ERRORS.get(rc, RuntimeError)(message)


def _data_args(st, data, lead):
    """The pointer API's (pointer, stride) pairs of the data over `lead`, and the tensors kept
    alive meanwhile."""
    ops = [_operand(t, lead, core) for t, core in zip(data, core_sizes(st))]
    args = []
    for t, stride in ops:
        args += [_ptr(t), stride]
    return args, ops


def _dense(t: Tensor, lead: tuple, core: int) -> Tensor:
    return t.expand(lead + (core,)).contiguous()


def _settings_array(settings: list[float]) -> np.ndarray:
    """The encoded settings as the pointer API takes them (float64; cached, read-only)."""
    return _settings_of(tuple(settings))


@lru_cache(maxsize=64)
def _settings_of(settings: tuple) -> np.ndarray:
    array = np.ascontiguousarray(settings, np.float64)
    array.setflags(write=False)
    return array


_lib = None


def _native():
    global _lib
    if _lib is None:
        _lib = _ffi.library()
    return _lib


# ---- batchcone::solve ------------------------------------------------------------------------


def _empty_solution(st, lead, device):
    f64 = dict(dtype=torch.float64, device=device)
    i32 = dict(dtype=torch.int32, device=device)
    return (torch.empty(lead + (st.n,), **f64), torch.empty(lead + (st.m,), **f64),
            torch.empty(lead + (st.m,), **f64), torch.empty(lead, **i32),
            torch.empty(lead, **i32), torch.empty(lead, **f64))  # fmt: skip


def _run(name, key, settings, batch, device, args) -> None:
    """batchcone_<name>_f64 (host tensors) or batchcone_<name>_cuda_f64 (device tensors: on
    torch's current stream, with a workspace from torch's allocator) on the pointer arguments
    `args` after the key, settings and batch."""
    conf = _settings_array(settings)
    if device.type == "cpu":
        _check(*_ffi.call_pointer_api(_native(), f"batchcone_{name}_f64", key, conf, batch, args))
        return
    lib = _cuda_library()
    with torch.cuda.device(device):
        workspace = _cuda_workspace(lib, key, batch, device)
        tail = [_ptr(workspace), workspace.numel(), torch.cuda.current_stream().cuda_stream]
        _check(*_ffi.call_pointer_api(lib, f"batchcone_{name}_cuda_f64", key, conf, batch, args + tail))


_CPU = torch.device("cpu")


def native_call(name, key, settings, batch, args) -> None:
    """batchcone_<name>_f64 on host pointer arguments (after the key, settings and batch)."""
    _run(name, key, settings, batch, _CPU, args)


def _solve_kernel(P_vals: Tensor, c: Tensor, A_vals: Tensor, b: Tensor, key: int,
                  settings: list[float]) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:  # fmt: skip
    st = _structure(key)
    lead = _data_lead(st, (P_vals, c, A_vals, b))
    out = _empty_solution(st, lead, c.device)
    batch = math.prod(lead)
    if batch > 0:
        args, _keep = _data_args(st, (P_vals, c, A_vals, b), lead)
        _run("solve", key, settings, batch, c.device, args + [_ptr(t) for t in out])
    return out


solve = torch.library.custom_op("batchcone::solve", _solve_kernel, mutates_args=(), device_types=("cpu", "cuda"))


@solve.register_fake
def _solve_fake(P_vals, c, A_vals, b, key, settings):
    st = _structure(key)
    return _empty_solution(st, _data_lead(st, (P_vals, c, A_vals, b)), c.device)


def _cuda_library():
    lib = _native()
    if not hasattr(lib, "batchcone_solve_cuda_f64"):
        raise RuntimeError(
            "batchcone: the native library was built without CUDA; reinstall with "
            "-C cmake.define.BATCHCONE_ENABLE_CUDA=ON to solve CUDA tensors"
        )
    return lib


def _cuda_workspace(lib, key, batch, device) -> Tensor:
    err = ctypes.create_string_buffer(1024)
    bytes_ = lib.batchcone_cuda_workspace_bytes(key, batch, err, len(err))
    if bytes_ < 0:
        raise ValueError(err.value.decode())
    return torch.empty(max(int(bytes_), 8), dtype=torch.uint8, device=device)


# ---- batchcone::kkt_solve --------------------------------------------------------------------


def _kkt_args(st, data, solution, rx, rz):
    """The data over the solution's batch and the dense solution and right-hand sides."""
    x, z, s, status = solution
    lead = _data_lead(st, data, (x.shape[:-1], rx.shape[:-1]))
    args, keep = _data_args(st, data, lead)
    dense = [_dense(x, lead, st.n), _dense(z, lead, st.m), _dense(s, lead, st.m),
             status.expand(lead).contiguous(), _dense(rx, lead, st.n), _dense(rz, lead, st.m)]  # fmt: skip
    return lead, args, keep + dense, [_ptr(t) for t in dense]


def _kkt_solve_kernel(P_vals: Tensor, c: Tensor, A_vals: Tensor, b: Tensor, x: Tensor, z: Tensor,
                      s: Tensor, status: Tensor, rx: Tensor, rz: Tensor, key: int,
                      settings: list[float]) -> tuple[Tensor, Tensor]:  # fmt: skip
    st = _structure(key)
    lead, args, _keep, sol = _kkt_args(st, (P_vals, c, A_vals, b), (x, z, s, status), rx, rz)
    ox = torch.empty(lead + (st.n,), dtype=torch.float64, device=c.device)
    oz = torch.empty(lead + (st.m,), dtype=torch.float64, device=c.device)
    batch = math.prod(lead)
    if batch > 0:
        _run("kkt_solve", key, settings, batch, c.device, args + sol + [_ptr(ox), _ptr(oz)])
    return ox, oz


kkt_solve = torch.library.custom_op("batchcone::kkt_solve", _kkt_solve_kernel, mutates_args=(),
                                    device_types=("cpu", "cuda"))  # fmt: skip


@kkt_solve.register_fake
def _kkt_solve_fake(P_vals, c, A_vals, b, x, z, s, status, rx, rz, key, settings):
    st = _structure(key)
    lead = _data_lead(st, (P_vals, c, A_vals, b), (x.shape[:-1], rx.shape[:-1]))
    return (torch.empty(lead + (st.n,), dtype=torch.float64, device=c.device),
            torch.empty(lead + (st.m,), dtype=torch.float64, device=c.device))  # fmt: skip


# ---- calls without the dispatcher -------------------------------------------------------------


def plain(t) -> bool:
    """A tensor of eager code: neither a tracing subclass (fake, functional) nor a torch.func
    wrapper."""
    return type(t) in (Tensor, torch.nn.Parameter) and not torch._C._functorch.is_functorch_wrapped_tensor(t)


def in_dual_level() -> bool:
    """Inside torch.autograd.forward_ad.dual_level(): tangents may ride on plain tensors."""
    return torch.autograd.forward_ad._current_level >= 0


def _eager(op, *args):
    """op(*args), calling its kernel directly when every tensor is plain and nothing traces:
    torch's dispatch of a Python custom operator costs about as much as a small batch's solve.
    (Autograd is not lost: the callers are Solve and the derivative rules, which run with
    gradients off or differentiate themselves.)"""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if torch.compiler.is_compiling() or not all(plain(t) for t in tensors):
        return op(*args)
    cpu, cuda = _KERNELS[op._qualname]
    return (cpu if tensors[0].device.type == "cpu" else cuda)(*args)


# ---- batchcone::solve_backward ---------------------------------------------------------------


def _sum_to(g: Tensor, shape) -> Tensor:
    """g summed over the dimensions broadcasting added or expanded to reach it from `shape`."""
    shape = tuple(shape)
    if g.ndim < len(shape):  # (a one-block gradient of a [1, ..., core] operand)
        g = g.reshape((1,) * (len(shape) - g.ndim) + tuple(g.shape))
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(tuple(range(extra)))
    dims = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape)) if b == 1 and a != 1)
    return g.sum(dims, keepdim=True) if dims else g


def _zeros_or(t: Tensor | None, like: Tensor) -> Tensor:
    return torch.zeros_like(like) if t is None else t


def _solve_backward_cpu(P_vals: Tensor, c: Tensor, A_vals: Tensor, b: Tensor, x: Tensor, z: Tensor,
                   s: Tensor, status: Tensor, gx: Tensor, gz: Tensor, gs: Tensor, key: int,
                   settings: list[float]) -> tuple[Tensor, Tensor, Tensor, Tensor]:  # fmt: skip
    st = _structure(key)
    data = (P_vals, c, A_vals, b)
    lead = _data_lead(st, data, (x.shape[:-1], gx.shape[:-1], gz.shape[:-1], gs.shape[:-1]))
    batch = math.prod(lead)
    args, ops = _data_args(st, data, lead)
    # A shared operand's gradient is one block (summed by the kernel), a dense one [lead, core].
    grads = [torch.zeros(((core,) if stride == 0 else lead + (core,)), dtype=torch.float64)
             for (_, stride), core in zip(ops, core_sizes(st))]  # fmt: skip
    if batch > 0:
        sol = [_dense(x, lead, st.n), _dense(z, lead, st.m), _dense(s, lead, st.m),
               status.expand(lead).contiguous()]  # fmt: skip
        cot = [_dense(gx, lead, st.n), _dense(gz, lead, st.m), _dense(gs, lead, st.m)]
        _run("vjp", key, settings, batch, c.device, args + [_ptr(t) for t in sol + cot + grads])
    return tuple(_sum_to(g, t.shape).reshape(t.shape) for g, t in zip(grads, data))


solve_backward = torch.library.custom_op("batchcone::solve_backward", _solve_backward_cpu, mutates_args=(),
                                        device_types="cpu")  # fmt: skip


@solve_backward.register_kernel("cuda")
def _solve_backward_cuda(P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, key, settings):
    return backward_via_kkt(P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, None, key, settings)


@solve_backward.register_fake
def _solve_backward_fake(P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, key, settings):
    return tuple(torch.empty_like(t) for t in (P_vals, c, A_vals, b))


def take(src: Tensor, index: Tensor) -> Tensor:
    """src[..., index] (index a 1-D tensor) as torch.gather, whose forward and backward are
    several times faster on the CPU than advanced indexing's (its backward is a scatter_add, not
    an accumulating index_put)."""
    return torch.gather(src, -1, index.expand(src.shape[:-1] + index.shape))


_COORDS: dict = {}


def _coords(st: Structure, which: str, device) -> tuple[Tensor, Tensor]:
    """(rows, cols) of the P ("P") or A ("A") pattern as index tensors on `device`: views of
    cached writable int64 arrays on the CPU (tensors are made per call: under tracing they must
    be the trace's own constants)."""
    at = (st.key, which)
    if at not in _COORDS:
        coords = st.P_coords if which == "P" else st.A_coords
        _COORDS[at] = tuple(np.array(a, dtype=np.int64) for a in coords)
    return tuple(torch.as_tensor(a, device=device) for a in _COORDS[at])


def _P_times(st: Structure, P_vals: Tensor, x: Tensor) -> Tensor:
    """P x from the values of triu(P), [..., n]."""
    rows, cols = _coords(st, "P", x.device)
    off = (rows != cols).to(x.dtype)
    y = torch.zeros(torch.broadcast_shapes(P_vals.shape[:-1], x.shape[:-1]) + (st.n,),
                    dtype=x.dtype, device=x.device)  # fmt: skip
    y = y.index_add(-1, rows, P_vals * take(x, cols))
    return y.index_add(-1, cols, P_vals * off * take(x, rows))


def _A_times(st, A_vals, x):
    rows, cols = _coords(st, "A", x.device)
    y = torch.zeros(torch.broadcast_shapes(A_vals.shape[:-1], x.shape[:-1]) + (st.m,),
                    dtype=x.dtype, device=x.device)  # fmt: skip
    return y.index_add(-1, rows, A_vals * take(x, cols))


def _At_times(st, A_vals, z):
    rows, cols = _coords(st, "A", z.device)
    y = torch.zeros(torch.broadcast_shapes(A_vals.shape[:-1], z.shape[:-1]) + (st.n,),
                    dtype=z.dtype, device=z.device)  # fmt: skip
    return y.index_add(-1, cols, A_vals * take(z, rows))


def backward_via_kkt(P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, gobj, key, settings):
    """The reverse-mode formula of the module docstring from kkt_solve and sparse products (the
    CUDA kernel of solve_backward; on the CPU a cross-check of the native cpu_vjp). gobj (the
    objective's cotangent) may be None."""
    st = _structure(key)
    ok = (status == SOLVED) | (status == ALMOST_SOLVED)
    okf = ok.to(x.dtype)[..., None]
    x_d, z_d = torch.where(ok[..., None], x, 0), torch.where(ok[..., None], z, 0)
    A_d = torch.where(ok[..., None], A_vals, 0) if A_vals.ndim > 1 else A_vals
    u_x = gx - _At_times(st, A_d, gs * okf)
    if gobj is not None:
        u_x = u_x + gobj[..., None] * okf * _objective_gradient(st, P_vals, c, x_d, ok)
    v_x, v_z = _eager(kkt_solve, P_vals, c, A_vals, b, x, z, s, status, u_x * okf, gz * okf, key, settings)
    w_z = (v_z + gs) * okf
    g_c = -v_x
    if gobj is not None:
        g_c = g_c + gobj[..., None] * x_d
    A_rows, A_cols = _coords(st, "A", x.device)
    g_A = -(take(z_d, A_rows) * take(v_x, A_cols) + take(w_z, A_rows) * take(x_d, A_cols))
    rows, cols = _coords(st, "P", x.device)
    diag = (rows == cols).to(x.dtype)
    g_P = -(take(v_x, rows) * take(x_d, cols) + take(v_x, cols) * take(x_d, rows)) * (1 - 0.5 * diag)
    if gobj is not None:
        g_P = g_P + gobj[..., None] * take(x_d, rows) * take(x_d, cols) * (1 - 0.5 * diag)
    grads = (g_P, g_c * okf, g_A, w_z)
    return tuple(_sum_to(g, t.shape).reshape(t.shape) for g, t in zip(grads, (P_vals, c, A_vals, b)))


def _objective_gradient(st, P_vals, c, x_d, ok):
    """P x + c for the problems differentiated (zero elsewhere: their data may hold NaN)."""
    P_d = torch.where(ok[..., None], P_vals, 0) if P_vals.ndim > 1 else P_vals
    c_d = torch.where(ok[..., None], c, 0) if c.ndim > 1 else c
    return _P_times(st, P_d, x_d) + c_d


# ---- autograd and vmap of batchcone::solve ---------------------------------------------------


def _setup_context(ctx, inputs, output):
    P_vals, c, A_vals, b, key, settings = inputs
    x, z, s, status, _, _ = output
    ctx.save_for_backward(P_vals, c, A_vals, b, x, z, s, status)
    ctx.key, ctx.settings = key, settings
    ctx.set_materialize_grads(False)


def _backward(ctx, gx, gz, gs, _gstatus, _giter, gobj):
    P_vals, c, A_vals, b, x, z, s, status = ctx.saved_tensors
    grads = data_gradients((P_vals, c, A_vals, b), (x, z, s, status), (gx, gz, gs, gobj),
                           ctx.key, ctx.settings)  # fmt: skip
    needs = ctx.needs_input_grad
    return tuple(g if needs[i] else None for i, g in enumerate(grads)) + (None, None)


def data_gradients(data, solution, cotangents, key, settings):
    """(P̄, c̄, Ā, b̄) from the cotangents (x̄, z̄, s̄, ōbj) of a solution (None: zero), shaped
    like the data: solve_backward, with the objective's terms (Px + c)ᵀdx and ½xᵀdP x + dcᵀx."""
    P_vals, c, A_vals, b = data
    x, z, s, status = solution
    gx, gz, gs, gobj = cotangents
    gx, gz, gs = _zeros_or(gx, x), _zeros_or(gz, z), _zeros_or(gs, s)
    if gobj is not None:
        ok = (status == SOLVED) | (status == ALMOST_SOLVED)
        x_d = torch.where(ok[..., None], x, 0)
        g = torch.where(ok, gobj, 0)[..., None]
        gx = gx + g * _objective_gradient(_structure(key), P_vals, c, x_d, ok)
    grads = list(_eager(solve_backward, P_vals, c, A_vals, b, x, z, s, status, gx, gz, gs, key, settings))
    if gobj is not None:
        rows, cols = _coords(_structure(key), "P", x.device)
        half = 1 - 0.5 * (rows == cols).to(x.dtype)
        grads[0] = grads[0] + _sum_to(g * take(x_d, rows) * take(x_d, cols) * half, P_vals.shape).reshape(P_vals.shape)
        grads[1] = grads[1] + _sum_to(g * x_d, c.shape).reshape(c.shape)
    return grads


def solution_tangents(data, tangents, solution, key, settings):
    """(dx, dz, ds, dobj) from tangents (dP, dc, dA, db) of the data (None: zero):
        [dx; dz] = K⁻¹ [−dP·x − dAᵀz − dc ; db − dA·x],   ds = db − dA·x − A·dx,
        dobj = (Px + c)ᵀdx + ½xᵀdP x + dcᵀx,
    zero for problems not Solved or AlmostSolved."""
    st = _structure(key)
    P_vals, c, A_vals, b = data
    dP, dc, dA, db = tangents
    x, z, s, status = solution
    ok = (status == SOLVED) | (status == ALMOST_SOLVED)
    okf = ok.to(x.dtype)[..., None]
    x_d, z_d = torch.where(ok[..., None], x, 0), torch.where(ok[..., None], z, 0)
    r_x, r_z = torch.zeros_like(x), torch.zeros_like(z)
    if dP is not None:
        r_x = r_x - _P_times(st, dP, x_d)
    if dA is not None:
        r_x = r_x - _At_times(st, dA, z_d)
        r_z = r_z - _A_times(st, dA, x_d)
    if dc is not None:
        r_x = r_x - dc
    if db is not None:
        r_z = r_z + db
    dx, dz = _eager(kkt_solve, P_vals, c, A_vals, b, x, z, s, status, r_x * okf, r_z * okf, key, settings)
    A_d = torch.where(ok[..., None], A_vals, 0) if A_vals.ndim > 1 else A_vals
    ds = (r_z - _A_times(st, A_d, dx)) * okf
    dobj = (_objective_gradient(st, P_vals, c, x_d, ok) * dx).sum(-1)
    if dP is not None:
        dobj = dobj + 0.5 * (x_d * _P_times(st, dP, x_d)).sum(-1)
    if dc is not None:
        dobj = dobj + (dc * x_d).sum(-1)
    return dx, dz, ds, torch.where(ok, dobj, 0)


solve.register_autograd(_backward, setup_context=_setup_context)
_KERNELS = {
    "batchcone::solve": (_solve_kernel, _solve_kernel),
    "batchcone::kkt_solve": (_kkt_solve_kernel, _kkt_solve_kernel),
    "batchcone::solve_backward": (_solve_backward_cpu, _solve_backward_cuda),
}


class Solve(torch.autograd.Function):
    """batchcone::solve as an autograd.Function, for what custom operators' autograd does not
    reach: torch.func transforms (grad, vjp, jacrev, vmap of those: the vmap rule is generated
    from the operators' own) and forward mode (jvp, jacfwd). Dynamo does not trace an
    autograd.Function with a jvp, so under torch.compile the layer calls the operator itself
    (``differentiable_solve``)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(P_vals, c, A_vals, b, key, settings):
        return _eager(solve, P_vals, c, A_vals, b, key, settings)

    @staticmethod
    def setup_context(ctx, inputs, output):
        _setup_context(ctx, inputs, output)
        P_vals, c, A_vals, b, _, _ = inputs
        x, z, s, status, _, _ = output
        ctx.save_for_forward(P_vals, c, A_vals, b, x, z, s, status)
        ctx.mark_non_differentiable(output[3], output[4])

    @staticmethod
    def backward(ctx, gx, gz, gs, _gstatus, _giter, gobj):
        # Once differentiable: under torch.func.grad the cotangents may themselves be tracked,
        # and the derivative operators have no derivatives of their own.
        with torch.no_grad():
            return _backward(ctx, gx, gz, gs, _gstatus, _giter, gobj)

    @staticmethod
    def jvp(ctx, dP, dc, dA, db, _dkey, _dsettings):
        P_vals, c, A_vals, b, x, z, s, status = ctx.saved_tensors
        dx, dz, ds, dobj = solution_tangents((P_vals, c, A_vals, b), (dP, dc, dA, db),
                                             (x, z, s, status), ctx.key, ctx.settings)  # fmt: skip
        return dx, dz, ds, None, None, dobj


def _vmap_inputs(size, in_dims, tensors, expand_all, status_at=None):
    """The tensors with the vmapped dimension first and their batch dimensions right-aligned
    (size-1 padding), so that the operator's broadcasting is vmap's. With `expand_all`, tensors
    that vmap does not map get the dimension too (expanded, a view): for operators whose outputs
    follow their inputs' shapes (gradients), which must not sum over the vmapped dimension."""
    core = [0 if i == status_at else 1 for i in range(len(tensors))]  # status has no core dimension
    leads = [t.ndim - k - (d is not None) for t, d, k in zip(tensors, in_dims, core)]
    depth = max(leads, default=0)
    out = []
    for t, d, lead in zip(tensors, in_dims, leads):
        if d is None:
            if expand_all:
                t = t.expand((size,) + tuple(t.shape))
                d = 0
            else:
                out.append(t)
                continue
        t = t.movedim(d, 0)
        out.append(t.reshape((t.shape[0],) + (1,) * (depth - lead) + tuple(t.shape[1:])))
    return out


def _vmap_rule(op, count, outputs, expand_all=False, status_at=None):
    """A vmap rule for `op`, whose first `count` arguments are tensors that broadcast (the one
    at `status_at` is the per-problem status)."""

    def rule(info, in_dims, *args):
        tensors, rest = args[:count], args[count:]
        if all(d is None for d in in_dims[:count]):
            return op(*args), (None,) * outputs
        batched = _vmap_inputs(info.batch_size, in_dims[:count], tensors, expand_all, status_at)
        return op(*batched, *rest), (0,) * outputs

    return rule


solve.register_vmap(_vmap_rule(solve, 4, 6))
kkt_solve.register_vmap(_vmap_rule(kkt_solve, 10, 2, expand_all=True, status_at=7))
solve_backward.register_vmap(_vmap_rule(solve_backward, 11, 4, expand_all=True, status_at=7))


def differentiable_solve(P_vals, c, A_vals, b, key, settings):
    """batchcone::solve with every derivative torch offers in this context: the operator (its
    register_autograd backward) under torch.compile, else Solve (torch.func, forward mode)."""
    if torch.compiler.is_compiling():
        return solve(P_vals, c, A_vals, b, key, settings)
    data = (P_vals, c, A_vals, b)
    if not (in_dual_level() or torch.is_grad_enabled() and any(t.requires_grad for t in data)) and all(map(plain, data)):
        return _eager(solve, *data, key, settings)  # nothing to differentiate (e.g. no_grad)
    return Solve.apply(P_vals, c, A_vals, b, key, settings)
