# SPDX-License-Identifier: Apache-2.0
"""Bad input gives clear errors naming the fault."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import batchcone as bc
from problems import planted


@pytest.fixture(scope="module")
def qp():
    return planted("qp", 0)


def test_wrong_core_size(qp):
    with pytest.raises(ValueError, match=r"c has shape \(7,\), expected last dimension 8"):
        bc.solve(qp.structure, qp.P, qp.c[:7], qp.A, qp.b)


def test_batch_dimensions_that_do_not_broadcast(qp):
    with pytest.raises(ValueError):
        bc.solve(qp.structure, qp.P, np.stack([qp.c] * 2), qp.A, np.stack([qp.b] * 3))


def test_nan_value_names_the_entry(qp):
    c = np.array(qp.c)
    c[3] = np.nan
    with pytest.raises(Exception, match=r"c\[3\] of problem 0 is NaN"):
        jax.block_until_ready(bc.solve(qp.structure, qp.P, c, qp.A, qp.b).x)


def test_invalid_structure_is_rejected():
    with pytest.raises(ValueError, match="P must be upper triangular"):
        bc.Structure(2, 1, [0, 2, 2], [0, 1], [0, 1, 1], [0], [bc.NonNeg(1)])
    with pytest.raises(ValueError, match="cone dimensions sum to 2 rows but m = 1"):
        bc.Structure(1, 1, [0, 1], [0], [0, 1], [0], [bc.NonNeg(2)])
    with pytest.raises(ValueError, match="unknown kind 'genpow'"):
        bc.Structure(1, 1, [0, 1], [0], [0, 1], [0], [("genpow", 1)])
    with pytest.raises(ValueError, match=r"cones\[0\] \(Exp\) has dimension 1, expected 3"):
        bc.Structure(1, 1, [0, 1], [0], [0, 1], [0], [("exp", 1)])
    with pytest.raises(ValueError, match=r"cones\[0\] \(Pow\) has alpha 1.5.*expected 0 < alpha < 1"):
        bc.Structure(1, 3, [0, 1], [0], [0, 1], [0], [bc.Pow(1.5)])


def test_structure_from_another_process_key(qp):
    # A compiled program carries only the key: a key no Structure of this process registered
    # (a program from another process) is an error naming it.
    from types import SimpleNamespace

    from batchcone.solve import _solve_call

    stranger = SimpleNamespace(key=qp.structure.key ^ 0x5A5A5A5A, n=qp.structure.n, m=qp.structure.m)
    data = [jnp.asarray(v) for v in (qp.P, qp.c, qp.A, qp.b)]
    with pytest.raises(Exception, match="is not registered in this process"):
        jax.block_until_ready(_solve_call(stranger, bc.Settings(), False, *data)[0])


def test_jitted_function_survives_clear_structures(qp):
    # clear_structures() drops the analyses only: a program compiled before it, and a new trace,
    # both run afterwards (the structure is analysed again on its next use).
    f = jax.jit(lambda c: bc.solve(qp.structure, qp.P, c, qp.A, qp.b).x).lower(qp.c).compile()
    bc.clear_structures()
    np.testing.assert_allclose(f(qp.c), qp.x, atol=1e-7)
    bc.clear_structures()
    np.testing.assert_allclose(bc.solve(qp.structure, qp.P, qp.c, qp.A, qp.b).x, qp.x, atol=1e-7)


def test_clear_structures_during_concurrent_solves(qp):
    import threading

    f = jax.jit(lambda c: bc.solve(qp.structure, qp.P, c, qp.A, qp.b).x)
    expected = np.asarray(f(qp.c))
    failures, stop = [], threading.Event()

    def solver():
        for _ in range(60):
            try:
                np.testing.assert_array_equal(np.asarray(f(qp.c)), expected)
            except Exception as e:  # noqa: BLE001 - every failure is the test's finding
                failures.append(repr(e))

    def clearer():
        while not stop.is_set():
            bc.clear_structures()

    threads = [threading.Thread(target=solver) for _ in range(4)]
    cl = threading.Thread(target=clearer)
    cl.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    cl.join()
    assert failures == []


def test_integer_inputs_are_promoted_and_bad_types_rejected(qp):
    with pytest.raises(TypeError, match="batchcone.Structure"):
        bc.solve("not a structure", qp.P, qp.c, qp.A, qp.b)
    sol = bc.solve(qp.structure, jnp.asarray(qp.P), jnp.asarray(qp.c), jnp.asarray(qp.A), jnp.asarray(qp.b))
    assert sol.x.dtype == jnp.float64
