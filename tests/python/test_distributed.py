# SPDX-License-Identifier: Apache-2.0
"""Scale-out across processes: a batch sharded with shard_map over the devices of two
jax.distributed processes (two CPU devices each, four in all) gets the same solutions and
gradients as one process solving the whole batch. distributed_worker.py is one process."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import batchcone as bc
from problems import planted

# jax.shard_map, with its check_vma argument.
pytestmark = pytest.mark.skipif(not hasattr(jax, "shard_map"), reason="needs jax.shard_map")
HERE = Path(__file__).resolve().parent
TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _child_env() -> dict:
    """This process's environment with two CPU devices per child, and absolute paths to the
    package and native library (a child resolves them from any directory)."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu")
    paths = [str(Path(bc.__file__).resolve().parents[1]), str(HERE)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    if env.get("BATCHCONE_FFI_LIBRARY"):
        env["BATCHCONE_FFI_LIBRARY"] = str(Path(env["BATCHCONE_FFI_LIBRARY"]).resolve())
    return env


def test_two_processes_shard_map_equals_one_process(tmp_path):
    port, env = _free_port(), _child_env()
    procs, logs = [], []
    for i in range(2):
        out, err = tmp_path / f"stdout{i}", tmp_path / f"stderr{i}"
        with open(out, "w") as fo, open(err, "w") as fe:
            cmd = [sys.executable, str(HERE / "distributed_worker.py"), str(port), str(i)]
            procs.append(subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe))
        logs.append((out, err))
    # A process that fails leaves the other blocked in a collective: stop waiting at the first
    # failure (or at the deadline) and kill what still runs.
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and any(p.poll() is None for p in procs):
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.1)
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
    report = [(p.returncode, out.read_text(), err.read_text()) for p, (out, err) in zip(procs, logs)]
    shown = "\n".join(f"--- process {i}: exit {rc}\nstdout:\n{out}\nstderr:\n{err[-4000:]}"
                      for i, (rc, out, err) in enumerate(report))  # fmt: skip
    assert all(rc == 0 for rc, _, _ in report), shown
    # Each process checked its own half of the batch, and the halves are different.
    assert "process 0: rows 0-3 of 8 on 2 of 4 devices ok" in report[0][1], shown
    assert "process 1: rows 4-7 of 8 on 2 of 4 devices ok" in report[1][1], shown


def test_grad_inside_shard_map_with_shared_and_sharded_operands():
    """Differentiating inside shard_map with its default check_vma: the native calls' results
    vary over the batch axis wherever an operand does (here c and b, sharded, while P and A are
    one problem's, replicated), and the gradients equal the unsharded ones, the replicated
    operands' summed over the devices. In this process: conftest.py gives it four CPU devices."""
    ps = [planted("qp", seed) for seed in range(8)]
    st, (P, c, A, b) = ps[0].structure, [jnp.stack([getattr(p, k) for p in ps]) for k in "PcAb"]
    P, A = P[0], A[0]
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:4]), ("batch",))
    batch, shared = jax.sharding.PartitionSpec("batch"), jax.sharding.PartitionSpec()

    def loss(P, c, A, b):
        return jnp.sum(bc.solve(st, P, c, A, b).x ** 2)

    sharded = jax.shard_map(lambda *data: jax.lax.psum(loss(*data), "batch"), mesh=mesh,
                            in_specs=(shared, batch, shared, batch), out_specs=shared)  # fmt: skip
    got = jax.jit(jax.grad(sharded, argnums=(0, 1, 2, 3)))(P, c, A, b)
    want = jax.grad(loss, argnums=(0, 1, 2, 3))(P, c, A, b)
    for name, g, w in zip("PcAb", got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, err_msg=f"d loss / d {name}")
