# SPDX-License-Identifier: Apache-2.0
"""CvxpyLayer for PyTorch (the API of cvxpylayers.torch), solved by batchcone.

Construction canonicalizes the DPP problem once (cvxpylayers/_canon.py, shared with the JAX
layer). A call maps the parameters to the problem data with gathers in torch (float64), solves
the whole batch in one native operator (torch.ops.batchcone.solve, batchcone/torch_ops.py) and
gathers the requested variables; autograd differentiates the maps and the operator's backward
(one KKT factorization per problem). CPU and CUDA tensors, float32 and float64 (outputs in the
parameters' dtype, computed in float64), eager, torch.compile and torch.func. Eager calls on
CPU tensors take the same steps in numpy as one autograd node instead (_host.py): torch's
per-operation costs are most of a small batch's time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

import batchcone as bc
from batchcone import torch_ops
from batchcone.torch_ops import take
from batchcone.solve import ALMOST_SOLVED, SOLVED

from .._layer import NATIVE_SOLVERS, LayerCore, SolverError, complex_error, constant_value, raise_if_failed, reject_none
from ..jax._values import _semidefinite, check_eagerly
from ._host import HostLinear, HostPlan, HostSolve, host_call

__all__ = ["CvxpyLayer", "SolverError"]


@lru_cache(maxsize=64)
def _encode(settings: bc.Settings, traced: bool) -> tuple[float, ...]:
    return tuple(float(v) for v in settings.attribute(traced))


@torch.compiler.assume_constant_result
def _encoded(settings: bc.Settings, traced: bool) -> list[float]:
    """The operator's settings argument; a constant of the graph under torch.compile (the
    settings are fixed per call site)."""
    return list(_encode(settings, traced))


class _Map:
    """A SparseMap (cvxpylayers/_canon.py) composed with the parameter layout (_RawLayout), so
    that it reads the parameters' values directly: out = Σ_l coef[l] · raw[..., idx[l]], or an
    index_add when an entry sums more than MAX_TERMS terms (``linear``: the same on numpy
    arrays). A map that reads no parameter is a constant shared by the batch (the operator then
    reads it once, stride 0)."""

    def __init__(self, sm, p_len, layout):
        self.size = sm.size
        self.value = constant_value(sm, p_len)  # numpy, for the eager CPU path (_host.py)
        self.constant = None if self.value is None else torch.as_tensor(self.value, dtype=torch.float64)
        rows, cols, coef = layout.compose(sm)
        # unused gather slots read raw's constant 1, times 0
        self.linear = HostLinear(rows, cols, coef, sm.size, pad=layout.size)
        self.gathers = None if self.linear.terms is None else [
            (torch.as_tensor(idx), None if c is None else torch.as_tensor(c)) for idx, c in self.linear.terms]  # fmt: skip
        self.rows, self.cols = torch.as_tensor(rows), torch.as_tensor(cols)
        self.coef = torch.as_tensor(coef, dtype=torch.float64)

    def __call__(self, raw):
        device = raw.device
        if self.constant is not None:
            return self.constant.to(device)
        if self.gathers is None:
            out = torch.zeros(raw.shape[:-1] + (self.size,), dtype=raw.dtype, device=device)
            return out.index_add(-1, self.rows.to(device), self.coef.to(device) * raw[..., self.cols.to(device)])
        if not self.gathers:
            return torch.zeros(raw.shape[:-1] + (self.size,), dtype=raw.dtype, device=device)
        out = None
        for idx, coef in self.gathers:
            term = take(raw, idx.to(device))
            if coef is not None:
                term = term * coef.to(device)
            out = term if out is None else out + term
        return out


class _RawLayout:
    """The values the maps read, raw = [θ₁ (row-major), θ₂, ..., 1]: every parameter cvxpy kept,
    flattened as torch lays it out (log θ for a geometric program's positive parameters), and
    the constant 1 last. cvxpy's parameter vector p (column-major blocks at cvxpy's offsets,
    symmetric parameters as ½(θ + θᵀ) on their upper triangle) is a linear function of raw,
    composed into the maps once at construction."""

    def __init__(self, parameters, blocks, p_len):
        self.used = []  # (parameter index, size, ndim, log)
        terms = [[] for _ in range(p_len)]  # p column -> [(raw index, weight)]
        at = 0
        for i, (param, blk) in enumerate(zip(parameters, blocks)):
            if blk.offset < 0:
                continue
            size = int(np.prod(param.shape, dtype=int))
            # raw (row-major) index of each column-major position
            c_of_f = at + np.arange(size).reshape(param.shape).ravel(order="F")
            for k, g in enumerate(blk.gather):
                if blk.mirror is None:
                    terms[blk.offset + k].append((int(c_of_f[g]), 1.0))
                else:
                    terms[blk.offset + k] += [(int(c_of_f[g]), 0.5), (int(c_of_f[blk.mirror[k]]), 0.5)]
            self.used.append((i, size, len(param.shape), blk.log))
            at += size
        self.size = at  # raw[..., size] is the constant 1
        terms[p_len - 1].append((at, 1.0))
        self.terms = terms

    def compose(self, sm):
        """The SparseMap's (rows, cols, coef) with its columns rewritten onto raw."""
        rows, cols, coef = [], [], []
        for r, col, w in zip(sm.rows, sm.cols, sm.coef):
            for src, weight in self.terms[col]:
                rows.append(r), cols.append(src), coef.append(w * weight)
        return (np.asarray(rows, np.int64), np.asarray(cols, np.int64), np.asarray(coef, float))

    def values(self, arrays, batch):
        """raw [*batch, size + 1] from the parameters' tensors (float64)."""
        device = arrays[0].device if arrays else torch.device("cpu")
        parts = []
        for i, size, ndim, log in self.used:
            a = torch.log(arrays[i]) if log else arrays[i]
            lead = tuple(a.shape[: a.ndim - ndim])  # (B,) if this parameter is batched, else ()
            parts.append(a.reshape(lead + (size,)).expand(batch + (size,)))
        parts.append(torch.ones(batch + (1,), dtype=torch.float64, device=device))
        return torch.cat(parts, -1)


class CvxpyLayer(LayerCore, torch.nn.Module):
    """A differentiable convex optimization layer: parameters in, optimal variables out.

    ``CvxpyLayer(problem, parameters, variables, solver=None, gp=False, verbose=False,
    canon_backend=None, solver_args=None)``; ``layer(*params, solver_args=None)`` returns a
    tuple of tensors, one per variable. Solved by batchcone's native solver, which answers to
    ``solver=None``, ``"MOREAU"`` and ``"BATCHCONE"``. ``forward`` also takes
    ``return_info=True`` for the per-problem statuses, which is how failures are seen under
    torch.compile and torch.func (failed problems give NaN outputs there instead of raising).
    """

    def __init__(self, problem, parameters, variables, solver=None, gp=False, verbose=False,
                 canon_backend=None, solver_args=None):  # fmt: skip
        torch.nn.Module.__init__(self)
        LayerCore.__init__(self, problem, parameters, variables, solver, gp, verbose,
                           canon_backend, solver_args, solvers=NATIVE_SOLVERS)  # fmt: skip
        cn = self._canon
        torch_ops.remember(cn.structure)
        self._layout = _RawLayout(self.parameters, cn.blocks, cn.p_len)
        self._maps = {name: _Map(getattr(cn, name), cn.p_len, self._layout)
                      for name in ("P", "c", "A", "b", "d")}  # fmt: skip
        self._outputs = [(out.source, torch.as_tensor(out.index.ravel()), tuple(out.index.shape),
                          torch.as_tensor(out.coef.ravel(), dtype=torch.float64), out.exp)
                         for out in cn.outputs]  # fmt: skip
        self._host_plan = HostPlan(self)

    def forward(self, *params, solver_args=None, warm_start=False, return_info=False):
        """Solves for the given parameter values; returns a tuple, one tensor per variable.

        A leading batch dimension per parameter is optional; unbatched parameters are broadcast
        (and their gradients summed). ``warm_start`` is accepted for compatibility and ignored.
        With ``return_info=True`` the result is ``(outputs, info)`` with per-problem ``status``
        (int32, see ``batchcone.STATUS_NAMES``), ``iterations`` and ``objective``.
        """
        del warm_start
        settings = self._call_settings(solver_args)
        batch, arrays, dtype = self._validate(params)
        batched = [a.ndim > len(param.shape) for a, param in zip(arrays, self.parameters)]
        traced = torch.compiler.is_compiling() or any(_is_transformed(a) for a in arrays)
        if not (traced or return_info) and self._on_host(arrays):
            return self._host_call(settings, batch, arrays, batched, dtype)
        if traced:
            arrays = _invalidate(self.parameters, arrays)
        else:
            check_eagerly(self.parameters, [a.detach().cpu().numpy() for a in arrays], batched, self.gp)
        raw = self._layout.values([a.to(torch.float64) for a in arrays], batch)
        data = [self._maps[name](raw) for name in ("P", "c", "A", "b")]
        key = self._canon.structure.key
        x, z, _, status, iterations, objective = torch_ops.differentiable_solve(
            *data, key, _encoded(settings, traced)
        )
        ok = (status == SOLVED) | (status == ALMOST_SOLVED)
        if not traced:
            raise_if_failed(status.cpu().numpy(), ok.cpu().numpy())
        outputs = tuple(self._recover(out, x, z, ok).to(dtype) for out in self._outputs)
        if not return_info:
            return outputs
        # The solver minimizes; cvxpy's value is −that for Maximize, and exp of it for a
        # geometric program (solved in log-log space).
        value = self._objective_sign * (objective + self._maps["d"](raw)[..., 0])
        if self.gp:
            value = torch.exp(value)
        return outputs, {"status": status, "iterations": iterations, "objective": value.to(dtype)}

    def _on_host(self, arrays) -> bool:
        """Plain CPU tensors and no forward-mode dual level: the eager path of _host.py (which
        has no jvp)."""
        return (self._host_plan is not None and not torch_ops.in_dual_level()
                and all(a.device.type == "cpu" and torch_ops.plain(a) for a in arrays))  # fmt: skip

    def _host_call(self, settings, batch, arrays, batched, dtype):
        def check(values):
            check_eagerly(self.parameters, values, batched, self.gp)

        enc = _encode(settings, False)
        if torch.is_grad_enabled() and any(a.requires_grad for a in arrays):
            return HostSolve.apply(self._host_plan, enc, batch, dtype, check, *arrays)
        return host_call(self._host_plan, enc, batch, dtype, check, arrays)[0]

    def _validate(self, params):
        reject_none(params)
        arrays = [v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v)) for v in params]
        for i, (a, param) in enumerate(zip(arrays, self.parameters)):
            if a.is_complex():
                raise complex_error(i, param, a.dtype)
        devices = {a.device for a in arrays}
        if len(devices) > 1:
            raise ValueError(f"batchcone: the parameters are on different devices: {sorted(map(str, devices))}")
        batch = self._check_shapes(arrays)
        dtype = torch.get_default_dtype()
        if arrays:
            dtype = arrays[0].dtype
            for a in arrays[1:]:
                dtype = torch.promote_types(dtype, a.dtype)
            if not dtype.is_floating_point:
                dtype = torch.get_default_dtype()
        return batch, arrays, dtype

    @staticmethod
    def _recover(out, x, z, ok):
        source, index, shape, coef, exp = out
        src = x if source == "x" else z
        value = take(src, index.to(src.device)) * coef.to(src.device)
        value = value.reshape(value.shape[:-1] + shape)
        if exp:
            value = torch.exp(value)
        mask = ok.reshape(ok.shape + (1,) * len(shape))
        return torch.where(mask, value, torch.nan)


def _is_transformed(t) -> bool:
    """A tensor of a torch.func transform (vmap, grad), whose values cannot be read."""
    return torch._C._functorch.is_functorch_wrapped_tensor(t)


def _invalidate(parameters, arrays):
    """Traced: a PSD=True (NSD=True) parameter whose symmetric part is not semidefinite becomes
    NaN, so that its problem gets status InvalidInput (non-finite values need nothing)."""
    out = []
    for param, a in zip(parameters, arrays):
        sign = _semidefinite(param)
        if sign and a.numel():
            sym = 0.5 * (a + a.transpose(-1, -2)).detach().to(torch.float64) * sign
            lam = torch.linalg.eigvalsh(sym)
            # (the eager check's tolerance: cvxpy's 1e-8, at least 100 ulps of the dtype)
            rel = max(1e-8, 100 * torch.finfo(a.dtype).eps)
            tol = rel * torch.clamp(lam.abs().amax(-1), min=1.0)
            a = torch.where((lam[..., 0] < -tol)[..., None, None], torch.nan, a)
        out.append(a)
    return out
