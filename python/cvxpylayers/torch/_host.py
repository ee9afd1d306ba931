# SPDX-License-Identifier: Apache-2.0
"""The torch layer's eager CPU path: numpy arithmetic, one autograd node per call.

Written in torch, a call is some forty small tensor operations (the parameter layout, the maps,
the gathers of the outputs) and as many autograd nodes, which on a small batch cost several
times the native solve. Here the same arithmetic runs on numpy views of the tensors, the native
solve and vjp read numpy buffers through the pointer API (src/ffi/c_api.hpp), and autograd sees
one Function whose backward is the transpose of the whole call:

    raw = [θ₁, ..., θₖ, 1]   data = M raw (the maps)   (x, z) = solve(data)   out = R (x, z)
    r̄aw = Mᵀ vjp(data; Rᵀ ōut)   θ̄ᵢ = r̄aw[block i] (summed over the batch where θᵢ is
    broadcast; ÷ θᵢ where raw holds log θᵢ, a geometric program's parameter)

Used for plain CPU tensors outside torch.compile and torch.func, without ``return_info``; the
operators' path (cvxpylayer.py) serves the rest. Eager calls raise on failed solves, so every
problem here is Solved or AlmostSolved and nothing is masked.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from batchcone.solve import ALMOST_SOLVED, SOLVED
from batchcone._ffi import NULL_SAFE_ADDRESS
from batchcone.torch_ops import core_sizes, native_call

from .._canon import SparseMap
from .._layer import raise_if_failed
from ..jax._values import _semidefinite

MAX_TERMS = 8  # terms per entry up to which a map is gathers


def _addr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0] if a.size else NULL_SAFE_ADDRESS


def _carve(shapes, dtype=np.float64, fill=None):
    """Arrays of the given shapes laid end to end in one new buffer (zeros when `fill` is 0.0),
    and their addresses: one allocation and one address lookup for a native call's operands."""
    sizes = [math.prod(shape) for shape in shapes]
    buf = np.zeros(sum(sizes), dtype) if fill == 0.0 else np.empty(sum(sizes), dtype)
    base, item = _addr(buf), buf.itemsize
    views, addrs, at = [], [], 0
    for shape, size in zip(shapes, sizes):
        views.append(buf[at : at + size].reshape(shape))
        addrs.append(base + item * at)
        at += size
    return views, addrs


def _tensor(a: np.ndarray, dtype) -> torch.Tensor:
    t = torch.from_numpy(a)
    return t if dtype == torch.float64 else t.to(dtype)


class HostLinear:
    """out[b, rows[k]] += coef[k] · src[b, cols[k]] on numpy arrays [B, ·]: as L gathers
    (numpy's take, out[b, i] = Σ_l coef[l, i] · src[b, idx[l, i]]) when no entry sums more than
    MAX_TERMS terms, else one bincount over the flattened batch. (No torch operation: torch's
    CPU kernels leave OpenMP threads spinning that the native solver's threads then compete
    with on a small machine.) Unused gather slots read column `pad` (finite) times 0."""

    def __init__(self, rows, cols, coef, size, pad):
        self.size, self.coo = size, (rows, cols, coef)
        gathers = SparseMap(rows, cols, coef, size).as_gathers(MAX_TERMS)
        self.terms = None  # [(idx, coef or None for all ones)] per gather
        if gathers is not None:
            idx, c = gathers
            idx = np.where(idx < 0, pad, idx)
            unit = idx.shape[0] == 1 and bool(np.all(c == 1.0))
            self.terms = [(idx[l], None if unit else c[l]) for l in range(idx.shape[0])]

    def apply(self, src: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        B = src.shape[0]
        if out is None:
            out = np.empty((B, self.size))
        if self.terms is None:
            rows, cols, coef = self.coo
            flat = (np.arange(B)[:, None] * self.size + rows).ravel()
            sums = np.bincount(flat, (src[:, cols] * coef).ravel(), minlength=B * self.size)
            out[...] = sums.reshape(B, self.size)
        elif not self.terms:
            out[...] = 0.0
        for l, (idx, coef) in enumerate(self.terms or ()):
            term = src.take(idx, axis=1, out=out if l == 0 else None)
            if coef is not None:
                term *= coef
            if l > 0:
                out += term
        return out


class HostPlan:
    """The layer's layout, maps and outputs as numpy arrays, and the call on them."""

    def __init__(self, layer):
        st = layer._canon.structure
        self.key, self.n, self.m = st.key, st.n, st.m
        self.cores = core_sizes(st)
        layout = layer._layout
        self.width = layout.size + 1  # raw's last entry is the constant 1
        self.blocks, at = [], 0  # (parameter index, start in raw, size, ndim, log)
        for i, size, ndim, log in layout.used:
            self.blocks.append((i, at, size, ndim, log))
            at += size
        # Without log, semidefinite or unused parameters, raw is finite iff every value is, which
        # is then all the eager check has to test (one pass over raw).
        self.finite_suffices = not layer.gp and len(self.blocks) == len(layer.parameters) and not any(
            _semidefinite(p) for p in layer.parameters)  # fmt: skip
        self.maps = [layer._maps[name] for name in ("P", "c", "A", "b")]
        self._transpose_of_maps()
        self.outputs = []  # (from x, index, shape, coef or None, exp, index without repeats)
        for out in layer._canon.outputs:
            idx, c = out.index.ravel(), out.coef.ravel().astype(np.float64)
            self.outputs.append((out.source == "x", idx, tuple(out.index.shape),
                                 None if np.all(c == 1.0) else c, out.exp, len(np.unique(idx)) == len(idx)))  # fmt: skip

    def _transpose_of_maps(self):
        """Mᵀ over the maps that read parameters, from their data concatenated to raw:
        r̄aw[cols[k]] += coef[k] · d̄ata[rows[k]] (the constant column left out)."""
        rows, cols, coef, at = [], [], [], 0
        for mp in self.maps:
            if mp.value is not None:
                continue
            r, c, w = mp.linear.coo
            keep = c != self.width - 1
            rows.append(r[keep] + at), cols.append(c[keep]), coef.append(w[keep])
            at += mp.size
        if not rows:
            self.transpose = None
            return
        self.transpose = HostLinear(np.concatenate(cols), np.concatenate(rows), np.concatenate(coef), self.width, pad=0)

    # ---- forward ------------------------------------------------------------------------------

    def raw(self, arrays, B):
        raw = np.empty((B, self.width))
        for i, at, size, ndim, log in self.blocks:
            a = np.log(arrays[i]) if log else arrays[i]
            raw[:, at : at + size] = a.reshape(a.shape[: a.ndim - ndim] + (size,))
        raw[:, -1] = 1.0
        return raw

    def solve(self, raw, settings):
        """(data, solution, pointers) for raw [B, width]: data are [B, core] or, for maps that
        read no parameter, one [core] block shared by the batch (stride 0); pointers are the
        native calls' arguments for the data and the solution."""
        B = raw.shape[0]
        blocks = zip(*_carve([(B, mp.size) for mp in self.maps if mp.value is None]))
        data, args = [], []
        for mp, core in zip(self.maps, self.cores):
            if mp.value is not None:  # (its address is taken per call: a copied layer has its own)
                data.append(mp.value)
                args += [_addr(mp.value), 0]
            else:
                block, at = next(blocks)
                data.append(mp.linear.apply(raw, block))
                args += [at, core]
        n, m = self.n, self.m
        (x, z, s, objective), sol_at = _carve([(B, n), (B, m), (B, m), (B,)])
        (status, iterations), int_at = _carve([(B,), (B,)], np.int32)
        if B > 0:
            native_call("solve", self.key, settings, B, args + sol_at[:3] + int_at + sol_at[3:])
        return data, (x, z, s, status), args + sol_at[:3] + int_at[:1]

    def outputs_of(self, x, z, batch):
        """The requested variables, each [*batch, *shape] (float64)."""
        values = []
        for from_x, index, shape, coef, exp, _ in self.outputs:
            v = (x if from_x else z).take(index, axis=1)
            if coef is not None:
                v *= coef
            if exp:
                np.exp(v, out=v)
            values.append(v.reshape(batch + shape))
        return values

    # ---- backward -----------------------------------------------------------------------------

    def backward(self, shapes, raw, data, solution, pointers, cotangents, settings, needs):
        """θ̄ for the parameters in `needs` (None elsewhere) from the outputs' cotangents (None:
        zero), all float64 numpy. Reads only arrays of its own (the solution, raw, the data),
        never the parameters' or the outputs' memory, which the caller may have changed since."""
        x, z, s, status = solution
        B, n, m = x.shape[0], self.n, self.m
        shared = [d.ndim == 1 for d in data]
        (gx, gz, gs, *grads), at = _carve(
            [(B, n), (B, m), (B, m)] + [(core,) if sh else (B, core) for sh, core in zip(shared, self.cores)],
            fill=0.0,
        )  # fmt: skip
        for (from_x, index, _, coef, exp, unique), g in zip(self.outputs, cotangents):
            if g is None:
                continue
            w = g.reshape(B, len(index))
            if coef is not None:
                w = w * coef
            if exp:  # out = exp(coef · x[index])
                w = w * np.exp(x.take(index, axis=1) * (1.0 if coef is None else coef))
            dst = gx if from_x else gz
            if unique:
                dst[:, index] += w
            else:
                np.add.at(dst, (slice(None), index), w)
        if B > 0:
            native_call("vjp", self.key, settings, B, pointers + at)
        read = [g for g, d in zip(grads, data) if d.ndim == 2]
        g_raw = np.zeros((B, self.width))
        if self.transpose is not None:
            g_raw = self.transpose.apply(np.concatenate(read, axis=1) if len(read) > 1 else read[0])
        out = [None] * len(shapes)
        for i, at, size, ndim, log in self.blocks:
            if not needs[i]:
                continue
            g = g_raw[:, at : at + size]
            if log:  # raw holds log θ: ∂/∂θ = ∂/∂log θ ÷ θ
                g = g * np.exp(-raw[:, at : at + size])
            if len(shapes[i]) == ndim:  # broadcast over the batch: the sum of the problems' gradients
                g = g.sum(0)
            out[i] = np.ascontiguousarray(g.reshape(shapes[i]))
        return out


def host_call(plan, settings, batch, dtype, check, params):
    """The layer's outputs (tensors of `dtype`) and what the backward needs; `check` raises
    for bad parameter values (numpy, the user's dtype), and a failed solve raises SolverError."""
    arrays = [p.detach().numpy() for p in params]
    if not plan.finite_suffices:
        check(arrays)
    arrays = [a.astype(np.float64, copy=False) for a in arrays]
    raw = plan.raw(arrays, batch[0] if batch else 1)
    if plan.finite_suffices and not np.isfinite(raw).all():
        check(arrays)  # raises, naming the parameter and entry
    data, solution, pointers = plan.solve(raw, settings)
    status = solution[3]
    raise_if_failed(status, (status == SOLVED) | (status == ALMOST_SOLVED))
    values = plan.outputs_of(solution[0], solution[1], batch)
    outputs = tuple(_tensor(v, dtype) for v in values)
    return outputs, ([a.shape for a in arrays], raw, data, solution, pointers)


class HostSolve(torch.autograd.Function):
    """host_call as one autograd node (old-style forward: no per-call signature binding, which
    setup_context costs; torch.func, which needs setup_context, never takes this path)."""

    @staticmethod
    def forward(ctx, plan, settings, batch, dtype, check, *params):
        outputs, ctx.saved = host_call(plan, settings, batch, dtype, check, params)
        ctx.plan, ctx.settings = plan, settings
        ctx.dtypes = [p.dtype for p in params]
        ctx.set_materialize_grads(False)
        return outputs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *cotangents):
        g = [None if c is None else c.detach().to(torch.float64).numpy() for c in cotangents]
        needs = ctx.needs_input_grad[5:]
        grads = ctx.plan.backward(*ctx.saved, g, ctx.settings, needs)
        return (None,) * 5 + tuple(None if gr is None else _tensor(gr, dt)
                                   for gr, dt in zip(grads, ctx.dtypes))  # fmt: skip
