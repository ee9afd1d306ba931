# SPDX-License-Identifier: Apache-2.0
"""Bad input never crashes or lies (issue 21): each test here failed on the code before it.

References are cvxpy with Clarabel, central differences of cvxpy's solution, and solves of the
same problems without the bad ones."""

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import batchcone as bc
from cvxpylayers.jax import CvxpyLayer
from problems import planted

SOLVED, INVALID_INPUT = bc.STATUS_NAMES.index("Solved"), bc.STATUS_NAMES.index("InvalidInput")


@pytest.fixture(scope="module")
def qp():
    return planted("qp", 0)


# ---- 1. array lengths of a Structure -------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 100, 10_000_000])
def test_short_indptr_is_rejected(n):
    zeros = np.zeros(2, np.int32)
    with pytest.raises(ValueError, match=rf"P_indptr has length 2, expected n \+ 1 = {n + 1}"):
        bc.Structure(n, 1, zeros, [], zeros, [], [bc.Zero(1)])


def test_long_indptr_and_indices_of_the_wrong_length_are_rejected():
    with pytest.raises(ValueError, match=r"A_indptr has length 4, expected n \+ 1 = 3"):
        bc.Structure(2, 1, [0, 0, 0], [], [0, 1, 1, 1], [0], [bc.Zero(1)])
    with pytest.raises(ValueError, match=r"A_indptr\[n\] = 1 but A_indices has 2 entries"):
        bc.Structure(2, 1, [0, 0, 0], [], [0, 1, 1], [0, 0], [bc.Zero(1)])


def test_random_structure_arrays_never_crash():
    # Arbitrary arrays, sizes and cones: a Structure or a ValueError/TypeError of ours (a crash
    # ends the test run; a foreign exception, an IndexError say, fails here).
    rng = np.random.default_rng(21)
    for _ in range(400):
        n, m = int(rng.integers(0, 5)), int(rng.integers(0, 5))

        def arr(size_hint):
            return rng.integers(-1, 4, int(max(0, size_hint + rng.integers(-1, 2))))

        cones = [(str(rng.choice(["zero", "nonneg", "soc", "exp", "psd", "bogus"])),
                  int(rng.integers(0, 4))) for _ in range(int(rng.integers(0, 3)))]  # fmt: skip
        try:
            bc.Structure(n, m, arr(n + 1), arr(2), arr(n + 1), arr(3), cones)
        except (ValueError, TypeError) as e:
            assert str(e).startswith("batchcone: "), e


def test_from_matrices_takes_scipys_upper_triangle_and_leaves_the_input_alone():
    # The pattern of triu(P) and of A as scipy computes them, from every input form (full or
    # triangular P, CSC with unsorted rows, CSR, dense, explicit zeros kept), and the caller's
    # matrices unmodified.
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    for trial in range(40):
        n, m = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        B = sp.random(n, n, density=0.4, random_state=trial, format="csc")
        P = {0: B + B.T, 1: sp.triu(B + B.T), 2: sp.tril(B + B.T)}[trial % 3].tocsc()
        A = sp.random(m, n, density=0.5, random_state=100 + trial, format="csc")
        if trial % 4 == 1 and A.nnz:
            A.data[0] = 0.0  # an explicit zero stays in the pattern
        if trial % 4 == 2:  # unsorted rows in every column
            A = sp.csc_matrix((A.data[::-1], A.indices[::-1], A.nnz - A.indptr[::-1]), A.shape)
        P_in, A_in = [(P, A), (P.tocsr(), A.tocsr()), (P.toarray(), A.toarray()), (P, A)][trial % 4]
        before = [(x.indptr.copy(), x.indices.copy()) for x in (P_in, A_in) if sp.issparse(x)]
        st = bc.Structure.from_matrices(P_in, A_in, [bc.NonNeg(m)])
        Pu, Ac = sp.triu(sp.csc_matrix(P_in), format="csc"), sp.csc_matrix(A_in, copy=True)
        Pu.sort_indices(), Ac.sort_indices()
        np.testing.assert_array_equal(st.P_indptr, Pu.indptr)
        np.testing.assert_array_equal(st.P_indices, Pu.indices)
        np.testing.assert_array_equal(st.A_indptr, Ac.indptr)
        np.testing.assert_array_equal(st.A_indices, Ac.indices)
        after = [(x.indptr, x.indices) for x in (P_in, A_in) if sp.issparse(x)]
        for (p0, i0), (p1, i1) in zip(before, after):
            np.testing.assert_array_equal(p0, p1), np.testing.assert_array_equal(i0, i1)


# ---- 2. Maximize -----------------------------------------------------------------------------------


def test_maximize_reports_cvxpys_value():
    y, p = cp.Variable(), cp.Parameter()
    layer = CvxpyLayer(cp.Problem(cp.Maximize(y), [y <= p]), [p], [y])
    assert float(layer(jnp.array(2.0), return_info=True)[1]["objective"]) == pytest.approx(2.0)

    x, q = cp.Variable(3), cp.Parameter(3)
    prob = cp.Problem(cp.Maximize(q @ x - cp.sum_squares(x)), [cp.sum(x) == 1, x >= -1])
    q0 = np.array([1.0, -0.5, 2.0])
    q.value = q0
    prob.solve(solver="CLARABEL")
    info = CvxpyLayer(prob, [q], [x])(jnp.array(q0), return_info=True)[1]
    assert float(info["objective"]) == pytest.approx(prob.value, abs=1e-7)


def test_maximize_in_a_geometric_program():
    x, a = cp.Variable(pos=True), cp.Parameter(pos=True)
    prob = cp.Problem(cp.Maximize(x * x), [x <= a])
    a.value = 3.0
    prob.solve(gp=True, solver="CLARABEL")
    info = CvxpyLayer(prob, [a], [x], gp=True)(jnp.array(3.0), return_info=True)[1]
    assert float(info["objective"]) == pytest.approx(prob.value, rel=1e-6)


# ---- 3. batches past int -----------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [2**31 + 5, 2**32 + 5])
def test_batches_past_int_are_rejected(batch):
    lp = planted("lp", 0)  # nnz_P = 0: a P_vals of this batch takes no memory
    P = jnp.zeros((batch, 0))
    with pytest.raises(ValueError, match=rf"holds {batch} problems, more than 2147483647"):
        bc.solve(lp.structure, P, lp.c, lp.A, lp.b)


# ---- 4. symmetric matrix parameters --------------------------------------------------------------------


@pytest.fixture(scope="module")
def quad_form_problem():
    n = 3
    x, P, q = cp.Variable(n), cp.Parameter((n, n), PSD=True), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, P) + q @ x), [x >= -1, cp.sum(x) == 1])
    P0 = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]])
    q0 = np.array([1.0, -1.0, 0.5])
    return prob, x, P, q, CvxpyLayer(prob, [P, q], [x]), P0, q0


def test_quad_form_reads_the_symmetric_part(quad_form_problem):
    _, _, _, _, layer, P0, q0 = quad_form_problem
    skew = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.3], [0.0, -0.3, 0.0]])
    x0 = layer(jnp.array(P0), jnp.array(q0))[0]
    x1 = layer(jnp.array(P0 + 0.4 * skew), jnp.array(q0))[0]
    np.testing.assert_allclose(x1, x0, atol=1e-9)


def test_quad_form_gradient_is_symmetric_and_matches_cvxpy(quad_form_problem):
    prob, x, P, q, layer, P0, q0 = quad_form_problem
    w = np.array([1.0, 2.0, 3.0])
    g = np.asarray(jax.grad(lambda M: layer(M, jnp.array(q0))[0] @ w)(jnp.array(P0)))
    np.testing.assert_allclose(g, g.T, atol=1e-12)

    def f(M):
        P.value, q.value = M, q0
        prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
        return x.value @ w

    h = 1e-5
    for i, j in [(1, 2), (0, 1), (1, 1)]:
        E = np.zeros((3, 3))
        E[i, j] = E[j, i] = h
        fd = (f(P0 + E) - f(P0 - E)) / (2 * h)
        # a symmetric perturbation of (i, j) and (j, i) moves both entries (the diagonal: one)
        assert g[i, j] + (g[j, i] if i != j else 0.0) == pytest.approx(fd, abs=1e-5)


def test_indefinite_psd_parameter(quad_form_problem):
    _, _, _, _, layer, P0, q0 = quad_form_problem
    with pytest.raises(ValueError, match=r"parameter 0 \(.*\) must be positive semidefinite"):
        layer(jnp.array(-P0), jnp.array(q0))
    out, info = jax.jit(lambda M: layer(M, jnp.array(q0), return_info=True))(
        jnp.stack([P0, -P0])
    )
    assert list(np.asarray(info["status"])) == [SOLVED, INVALID_INPUT]
    np.testing.assert_allclose(out[0][0], layer(jnp.array(P0), jnp.array(q0))[0], atol=1e-9)
    assert np.isnan(np.asarray(out[0][1])).all()


# ---- 5. empty batches -------------------------------------------------------------------------------


def test_empty_batch_eager_jit_and_grad():
    y, p = cp.Variable(2), cp.Parameter(2)
    layer = CvxpyLayer(cp.Problem(cp.Minimize(cp.sum_squares(y - p))), [p], [y])
    empty = jnp.zeros((0, 2))
    assert layer(empty)[0].shape == (0, 2)
    assert jax.jit(layer)(empty)[0].shape == (0, 2)
    assert jax.grad(lambda v: layer(v)[0].sum())(empty).shape == (0, 2)


# ---- 6. complex input ---------------------------------------------------------------------------------


def test_complex_input_is_rejected(qp):
    with pytest.raises(TypeError, match="c is complex"):
        bc.solve(qp.structure, qp.P, qp.c.astype(complex), qp.A, qp.b)
    y, p = cp.Variable(), cp.Parameter()
    layer = CvxpyLayer(cp.Problem(cp.Minimize(cp.square(y - p))), [p], [y])
    with pytest.raises(TypeError, match=r"parameter 0 \(.*\) is complex"):
        layer(jnp.array(1.0 + 2.0j))


# ---- 7. settings and cone sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"max_iter": 10**12}, ValueError, r"max_iter = 1000000000000 must be in \[0, 2\^31 - 1\]"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
        ({"max_iter": True}, TypeError, "max_iter must be an integer"),
        ({"tol_feas": float("nan")}, ValueError, "tol_feas = nan must be finite"),
        ({"tol_feas": "1e-8"}, TypeError, "tol_feas must be a real number"),
        ({"polish_enable": 1}, TypeError, "polish_enable must be a bool"),
    ],
)
def test_settings_are_validated(qp, kwargs, error, message):
    with pytest.raises(error, match=message):
        bc.solve(qp.structure, qp.P, qp.c, qp.A, qp.b, bc.Settings(**kwargs))


@pytest.mark.parametrize("cone", [("zero", 1.7), ("nonneg", "2"), ("nonneg", True)])
def test_cone_dimensions_must_be_integers(cone):
    with pytest.raises(TypeError, match=r"cones\[0\] .* dimension must be an integer"):
        bc.Structure(1, 2, [0, 1], [0], [0, 1], [0], [cone])


# ---- 8. non-finite values -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nan_layer():
    c, x = cp.Parameter(2), cp.Variable(2)
    A = cp.Parameter((1, 2))
    prob = cp.Problem(cp.Minimize(c @ x + cp.sum_squares(x)), [x >= 0, A @ x <= 1])
    return CvxpyLayer(prob, [c, A], [x])


def test_nan_is_reported_in_the_users_terms(nan_layer):
    rng = np.random.default_rng(8)
    c = rng.standard_normal((100, 2))
    c[37, 1] = np.nan
    A = np.ones((1, 2))
    with pytest.raises(ValueError, match=r"parameter 0 \(.*\) is NaN at \[37, 1\] \(problem 37 of the batch\)"):
        nan_layer(jnp.array(c), jnp.array(A))
    A[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"parameter 1 \(.*\) is infinite at \[0, 0\]$"):
        nan_layer(jnp.array(c[:3]), jnp.array(A))


def test_nan_under_jit_loses_only_its_problem(nan_layer):
    rng = np.random.default_rng(8)
    clean = rng.standard_normal((100, 2))
    c = clean.copy()
    c[37, 1] = np.nan
    A = jnp.ones((1, 2))
    out, info = jax.jit(lambda c: nan_layer(c, A, return_info=True))(jnp.array(c))
    status = np.asarray(info["status"])
    assert status[37] == INVALID_INPUT
    keep = np.arange(100) != 37
    assert (status[keep] == SOLVED).all()
    assert np.isnan(np.asarray(out[0][37])).all()
    reference = nan_layer(jnp.array(clean[keep]), A)[0]
    np.testing.assert_allclose(np.asarray(out[0])[keep], reference, atol=1e-9)

    # Gradients: the shared parameter A gets the gradient of the 99 good problems alone.
    def loss(c, A):
        x = jax.jit(nan_layer)(c, A)[0]
        return jnp.sum(jnp.where(jnp.isnan(x), 0.0, x) * jnp.array([1.0, 2.0]))

    gc, gA = jax.grad(loss, argnums=(0, 1))(jnp.array(c), A)
    rc, rA = jax.grad(loss, argnums=(0, 1))(jnp.array(clean[keep]), A)
    assert np.isfinite(np.asarray(gA)).all()
    np.testing.assert_allclose(gA, rA, atol=1e-8)
    np.testing.assert_allclose(np.asarray(gc)[keep], rc, atol=1e-8)


def test_nan_under_jit_in_bc_solve(qp):
    c = np.stack([qp.c] * 3)
    c[1, 2] = np.nan
    sol = jax.jit(lambda c: bc.solve(qp.structure, qp.P, c, qp.A, qp.b))(jnp.array(c))
    assert list(np.asarray(sol.status)) == [SOLVED, INVALID_INPUT, SOLVED]
    assert np.isnan(np.asarray(sol.x[1])).all()
    np.testing.assert_allclose(sol.x[0], qp.x, atol=1e-7)
    np.testing.assert_allclose(sol.x[2], qp.x, atol=1e-7)


# ---- 10. memory ------------------------------------------------------------------------------------------


def test_a_batch_too_large_for_memory_says_how_to_split_it(qp, monkeypatch):
    monkeypatch.setenv("BATCHCONE_HOST_MEMORY_LIMIT", str(32 << 20))  # 32 MiB
    c = jnp.tile(jnp.asarray(qp.c), (200_000, 1))
    with pytest.raises(Exception, match=r"RESOURCE_EXHAUSTED.*out of memory.*needs .* GiB of host "
                       r"memory, but 32.00 MiB is available; split the batch into pieces of at most "
                       r"\d+ problems"):  # fmt: skip
        jax.block_until_ready(bc.solve(qp.structure, qp.P, c, qp.A, qp.b).x)
    small = bc.solve(qp.structure, qp.P, c[:50], qp.A, qp.b)
    np.testing.assert_allclose(small.x[49], qp.x, atol=1e-7)
