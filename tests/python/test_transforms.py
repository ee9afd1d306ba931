# SPDX-License-Identifier: Apache-2.0
"""jit, vmap (any in_axes, nested: one native call), grad compositions, shard_map over four fake
CPU devices, and concurrent calls from threads."""

import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import batchcone as bc
from problems import planted

B = 6


@pytest.fixture(scope="module")
def batch():
    ps = [planted("qp", seed) for seed in range(B)]
    stack = lambda name: jnp.stack([jnp.asarray(getattr(p, name)) for p in ps])  # noqa: E731
    return ps[0].structure, stack("P"), stack("c"), stack("A"), stack("b")


def test_batch_equals_loop_and_jit_equals_eager(batch):
    st, P, c, A, b = batch
    batched = bc.solve(st, P, c, A, b)
    jitted = jax.jit(bc.solve, static_argnums=0)(st, P, c, A, b)
    for k in range(B):
        single = bc.solve(st, P[k], c[k], A[k], b[k])
        np.testing.assert_array_equal(batched.x[k], single.x)
        np.testing.assert_array_equal(jitted.x[k], single.x)


def test_vmap_in_axes_mix_is_one_native_call(batch):
    st, P, c, A, b = batch
    f = jax.vmap(lambda c, b: bc.solve(st, P[0], c, A[0], b).x, in_axes=(0, None))
    out = f(c, b[0])
    for k in range(B):
        np.testing.assert_array_equal(out[k], bc.solve(st, P[0], c[k], A[0], b[0]).x)
    hlo = jax.jit(f).lower(c, b[0]).as_text()
    assert hlo.count("batchcone_solve") == 1


def test_nested_vmap(batch):
    st, P, c, A, b = batch
    c2 = c.reshape(2, 3, -1)
    f = jax.vmap(jax.vmap(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x))
    np.testing.assert_array_equal(f(c2).reshape(B, -1), jax.vmap(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x)(c))


def test_grad_compositions_agree(batch):
    st, P, c, A, b = batch

    def loss(c_k, b_k, k):
        return jnp.sum(bc.solve(st, P[k], c_k, A[k], b_k).x ** 2)

    per_problem = jnp.stack([jax.grad(loss)(c[k], b[k], k) for k in range(B)])
    batched_loss = lambda c: jnp.sum(bc.solve(st, P, c, A, b).x ** 2)  # noqa: E731
    vmap_grad = jax.vmap(jax.grad(lambda c, P, A, b: jnp.sum(bc.solve(st, P, c, A, b).x ** 2)))
    np.testing.assert_allclose(jax.grad(batched_loss)(c), per_problem, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(vmap_grad(c, P, A, b), per_problem, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jax.jit(vmap_grad)(c, P, A, b), per_problem, rtol=1e-10, atol=1e-12)
    grad_vmap = jax.grad(lambda c: jnp.sum(jax.vmap(lambda c, P, A, b: bc.solve(st, P, c, A, b).x)(c, P, A, b) ** 2))
    np.testing.assert_allclose(grad_vmap(c), per_problem, rtol=1e-10, atol=1e-12)


def test_forward_mode_jacobians_match_reverse(batch):
    st, P, c, A, b = batch
    f = lambda b: bc.solve(st, P[0], c[0], A[0], b).x  # noqa: E731
    np.testing.assert_allclose(jax.jacfwd(f)(b[0]), jax.jacrev(f)(b[0]), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("threads", [1, 8])
def test_batched_jacobians_factor_once_and_match_one_tangent_at_a_time(batch, threads):
    # jacfwd / jacrev of a batch: the KKT calls get B problems × (B·m) vectors, K factored once per
    # problem for all of them when the problems give every thread one (1 thread; with 8 threads
    # and B = 6, one factorization per vector). Either way each column is the jvp along its basis
    # vector, taken alone.
    st, P, c, A, b = batch
    settings = bc.Settings(num_threads=threads)
    f = lambda b: bc.solve(st, P, c, A, b, settings).x  # noqa: E731
    basis = jnp.eye(b.size).reshape(b.size, *b.shape)
    columns = jnp.stack([jax.jvp(f, (b,), (e,))[1] for e in basis], -1).reshape(*c.shape, *b.shape)
    np.testing.assert_allclose(jax.jacfwd(f)(b), columns, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jax.jacrev(f)(b), columns, rtol=1e-9, atol=1e-11)


def test_shard_map_over_four_devices_has_no_all_gather(batch):
    st, P, c, A, b = batch
    devices = jax.devices()
    assert len(devices) >= 4
    mesh = jax.sharding.Mesh(np.array(devices[:4]), ("batch",))
    spec = jax.sharding.PartitionSpec("batch")
    shard_map = getattr(jax, "shard_map", None)
    if shard_map is None:  # jax < 0.6.1
        from jax.experimental.shard_map import shard_map
    cs = jnp.concatenate([c, c[:2]])  # 8 problems, 2 per device
    f = jax.jit(shard_map(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x, mesh=mesh,
                          in_specs=(spec,), out_specs=spec))  # fmt: skip
    out = f(cs)
    np.testing.assert_array_equal(out, jax.vmap(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x)(cs))
    assert "all-gather" not in f.lower(cs).compile().as_text()


def test_pmap_over_four_devices(batch):
    st, P, c, A, b = batch
    cs = jnp.concatenate([c, c[:2]]).reshape(4, 2, -1)
    out = jax.pmap(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x)(cs)
    want = jax.vmap(lambda c: bc.solve(st, P[0], c, A[0], b[0]).x)(cs.reshape(8, -1))
    np.testing.assert_array_equal(out.reshape(8, -1), want)


def test_concurrent_jitted_calls_from_threads(batch):
    st, P, c, A, b = batch
    f = jax.jit(lambda c: bc.solve(st, P, c, A, b).x)
    want = f(c)
    results, errors = [None] * 8, []

    def work(i):
        try:
            results[i] = f(c * (1.0 + 0.0 * i))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    for r in results:
        np.testing.assert_array_equal(r, want)
