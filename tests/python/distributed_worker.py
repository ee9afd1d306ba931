# SPDX-License-Identifier: Apache-2.0
"""One process of the two that test_distributed.py launches: ``python distributed_worker.py PORT
PROCESS_ID``, with XLA_FLAGS giving it two CPU devices. Both processes build the same batch of 8
problems, shard it over the 4 global devices (2 problems each) and solve it with a jitted
shard_map; the loss Σ x·w over the whole batch is reduced across the processes (psum) and
differentiated. Each process then checks what it holds (2 of the 4 shards) against its own
single-device solve of the whole batch, and prints "process I: rows A-B of 8 on 2 of 4 devices ok".
"""

import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

jax.config.update("jax_enable_x64", True)

import batchcone as bc  # noqa: E402
from problems import planted  # noqa: E402

B = 8
port, pid = int(sys.argv[1]), int(sys.argv[2])

# First, before anything starts a JAX backend: batchcone's first native call (a bc.Structure)
# queries jax.devices() in a CUDA build, and initialize refuses to run after that.
# Cross-process collectives on CPU (the psum below) go through gloo, the default of
# jax_cpu_collectives_implementation in jax 0.10; an older jax without that default needs
# jax.config.update("jax_cpu_collectives_implementation", "gloo") before initialize.
jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid,
                           initialization_timeout=60)  # fmt: skip
assert jax.process_count() == 2 and jax.process_index() == pid
assert jax.device_count() == 4 and jax.local_device_count() == 2, (jax.devices(), jax.local_devices())

# The same batch in both processes: fixed seeds, one shared structure.
problems = [planted("qp", seed) for seed in range(B)]
st = problems[0].structure
data = [np.stack([getattr(p, name) for p in problems]) for name in ("P", "c", "A", "b")]
w = np.random.default_rng(1234).standard_normal((B, st.n))

# Reference: this process alone, the whole batch on one of its devices, no sharding.
local = jax.local_devices()[0]
ref_data = [jax.device_put(a, local) for a in data + [w]]
ref = jax.jit(bc.solve, static_argnums=0)(st, *ref_data[:4])
assert np.all(np.asarray(ref.status) == bc.STATUS_NAMES.index("Solved")), ref.status


def ref_loss(P, c, A, b, w):
    return jnp.sum(bc.solve(st, P, c, A, b).x * w)


ref_value, ref_grads = jax.jit(jax.value_and_grad(ref_loss, argnums=(0, 1, 2, 3)))(*ref_data)

# Sharded: every array split along the batch over all 4 devices of both processes; each
# process materializes only its own rows.
mesh = Mesh(np.array(jax.devices()), ("batch",))
spec = PartitionSpec("batch")
sharding = NamedSharding(mesh, spec)
P, c, A, b, W = [jax.make_array_from_callback(a.shape, sharding, lambda idx, a=a: a[idx]) for a in data + [w]]

solve_sharded = jax.jit(jax.shard_map(lambda P, c, A, b: bc.solve(st, P, c, A, b), mesh=mesh,
                                      in_specs=(spec,) * 4, out_specs=spec))  # fmt: skip


def shard_loss(P, c, A, b, w):
    return jax.lax.psum(jnp.sum(bc.solve(st, P, c, A, b).x * w), "batch")


loss_sharded = jax.shard_map(shard_loss, mesh=mesh, in_specs=(spec,) * 5, out_specs=PartitionSpec())
value, grads = jax.jit(jax.value_and_grad(loss_sharded, argnums=(0, 1, 2, 3)))(P, c, A, b, W)

sol = solve_sharded(P, c, A, b)
rows = []
for field in sol._fields:
    out, want = getattr(sol, field), np.asarray(getattr(ref, field))
    # This process holds exactly its 2 of the 4 shards, on its own devices: the checks below
    # cannot pass by one process seeing the whole batch.
    assert not out.is_fully_addressable and len(out.addressable_shards) == 2
    for shard in out.addressable_shards:
        assert shard.device.process_index == pid and shard.data.shape[0] == B // 4
        # A problem gets bit-for-bit the same answer alone or anywhere in any batch.
        np.testing.assert_array_equal(np.asarray(shard.data), want[shard.index], err_msg=field)
        rows += range(*shard.index[0].indices(B))

# The loss is replicated on every device; its sum runs in another order than the reference's.
assert value.is_fully_replicated
np.testing.assert_allclose(np.asarray(value.addressable_data(0)), np.asarray(ref_value), rtol=1e-12)
for name, g, want in zip("PcAb", grads, ref_grads):
    assert len(g.addressable_shards) == 2
    for shard in g.addressable_shards:
        np.testing.assert_allclose(np.asarray(shard.data), np.asarray(want)[shard.index],
                                   rtol=1e-12, atol=1e-14, err_msg=f"d loss / d {name}")  # fmt: skip

rows = sorted(set(rows))
assert rows == list(range(rows[0], rows[0] + B // 2)), rows
jax.distributed.shutdown()
print(f"process {pid}: rows {rows[0]}-{rows[-1]} of {B} on 2 of 4 devices ok", flush=True)
