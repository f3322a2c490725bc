"""Tests of pdelib.operators2d: the image gradient, its adjoint and its exact norm (chapter 09)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import DerivativeOperator
from pdelib.measures import checkerboard_amplitude_2d, total_variation_2d
from pdelib.operators2d import Gradient2D, check_gradient

shapes = st.tuples(st.integers(2, 9), st.integers(2, 9))


def test_forward_differences_with_a_zero_last_column_and_row():
    u = np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 7.0]])
    p = Gradient2D(u.shape).apply(u)
    np.testing.assert_array_equal(p[0], [[1.0, 2.0, 0.0], [0.0, 5.0, 0.0]])
    np.testing.assert_array_equal(p[1], [[2.0, 1.0, 4.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(Gradient2D(u.shape, spacing=0.5).apply(u), 2 * p)


@settings(max_examples=60)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), spacing=st.sampled_from([0.5, 1.0, 3.0]))
def test_the_transpose_is_the_adjoint(shape, seed, spacing):
    """<grad u, p> = <u, grad^T p> for every image u and every field p (also its unread last column/row)."""
    rng = np.random.default_rng(seed)
    grad = Gradient2D(shape, spacing)
    u, p = rng.standard_normal(shape), rng.standard_normal((2, *shape))
    left, right = np.vdot(grad.apply(u), p), np.vdot(u, grad.apply_transpose(p))
    assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (8, 8), (7, 4)])
def test_matrix_and_transpose_agree_with_the_kronecker_sum_of_the_1d_operators(shape):
    """grad^T grad = I (x) D1^T D1 + D1^T D1 (x) I with the 1D forward difference of chapter 01."""
    grad = Gradient2D(shape)
    a = grad.matrix()
    rows, columns = (DerivativeOperator(1, n).matrix() for n in shape)
    kronecker_sum = np.kron(np.eye(shape[0]), columns.T @ columns) + np.kron(rows.T @ rows, np.eye(shape[1]))
    np.testing.assert_allclose(a.T @ a, kronecker_sum, atol=1e-14)
    p = np.random.default_rng(1).standard_normal((2, *shape))
    np.testing.assert_allclose(grad.apply_transpose(p).ravel(), a.T @ p.ravel(), atol=1e-13)


@pytest.mark.parametrize("shape, spacing", [((2, 2), 1.0), ((3, 5), 1.0), ((8, 8), 0.5), ((16, 9), 2.0), ((64, 31), 1.0)])
def test_exact_norm_equals_the_dense_matrix_and_a_power_iteration(shape, spacing):
    grad = Gradient2D(shape, spacing)
    a = grad.matrix()
    largest = np.linalg.eigvalsh(a.T @ a)[-1]
    assert grad.norm_squared() == pytest.approx(largest, rel=1e-12)
    u = np.random.default_rng(0).standard_normal(shape)
    for _ in range(3000):  # power iteration with the operator itself, no matrix
        u = grad.apply_transpose(grad.apply(u / np.linalg.norm(u)))
    rayleigh = np.linalg.norm(u)
    assert rayleigh <= grad.norm_squared() * (1 + 1e-12)
    assert rayleigh == pytest.approx(grad.norm_squared(), rel=1e-3)


def test_norm_tends_to_eight_from_below():
    norms = [Gradient2D((n, n)).norm_squared() for n in (2, 4, 16, 256, 4096)]
    assert norms == sorted(norms) and all(norm < 8.0 for norm in norms)
    assert norms[0] == pytest.approx(4.0)  # 2 x 2: 4 (sin^2(pi/4) + sin^2(pi/4))
    assert 8.0 - norms[3] < 1e-3 and 8.0 - norms[4] < 2e-6
    assert Gradient2D((256, 256)).norm_squared_bound() == 8.0
    assert Gradient2D((5, 5), spacing=0.5).norm_squared() == pytest.approx(4 * Gradient2D((5, 5)).norm_squared())


def test_stencils_on_the_mirrored_padding_are_the_gradient():
    u = np.random.default_rng(3).standard_normal((5, 7))
    grad = Gradient2D(u.shape, spacing=0.25)
    rows, columns = grad.padding_indices()
    padded = u[np.ix_(rows, columns)]
    for channel, stencil in enumerate(grad.stencils):
        correlated = sum(stencil[a, b] * padded[a:a + 5, b:b + 7] for a in range(2) for b in range(2))
        np.testing.assert_allclose(correlated, grad.apply(u)[channel], atol=1e-14)


def test_magnitude_and_total_variation():
    u = np.add.outer(np.arange(4.0), 2 * np.arange(5.0))  # u_x = 2, u_y = 1 inside
    grad = Gradient2D(u.shape)
    magnitude = grad.magnitude(u)
    assert magnitude[0, 0] == pytest.approx(math.sqrt(5.0)) and magnitude[-1, -1] == 0.0
    assert total_variation_2d(u) == pytest.approx(magnitude.sum())
    assert total_variation_2d(np.ones((3, 3))) == 0.0


@pytest.mark.parametrize("shape, error, words", [
    ((1, 5), ValueError, "shape[0]"), ((5, 5000), ValueError, "shape[1]"), (5, TypeError, "shape"),
    ("ab", TypeError, "shape"), ((2.0, 3), TypeError, "shape[0]"), ((2, 3, 4), TypeError, "shape"),
])
def test_bad_shapes_are_named(shape, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        Gradient2D(shape)


def test_bad_spacing_and_arrays_are_named():
    for spacing in (0.0, -1.0, math.nan, 1e300, 1e-30, 1e30):
        with pytest.raises(ValueError, match="spacing"):
            Gradient2D((3, 3), spacing)
    grad = Gradient2D((3, 4))
    with pytest.raises(ValueError, match="u must have shape"):
        grad.apply(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="rank 2"):
        grad.apply(np.zeros(12))
    with pytest.raises(ValueError, match="finite"):
        grad.apply(np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match="p must have shape"):
        grad.apply_transpose(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="p must be"):
        grad.apply_transpose("p")
    with pytest.raises(ValueError, match="shape must have at most 4096 pixels"):
        Gradient2D((100, 100)).matrix()
    with pytest.raises(TypeError, match="gradient"):
        check_gradient(DerivativeOperator(1, 4))


def test_checkerboard_amplitude_sees_a_modulated_checkerboard_but_not_smooth_content():
    board = np.where(np.add.outer(np.arange(64), np.arange(48)) % 2 == 0, 1.0, -1.0)
    smooth = np.add.outer(np.linspace(0, 1, 64), np.linspace(0, 1, 48))
    assert checkerboard_amplitude_2d(0.3 * board) == pytest.approx(0.3)
    assert checkerboard_amplitude_2d(smooth) < 1e-2
    assert checkerboard_amplitude_2d(smooth + 0.05 * board) == pytest.approx(0.05, abs=1e-2)
    slow = np.outer(np.sin(np.arange(64) / 5), np.ones(48))  # changes sign: the global projection cancels
    assert abs(np.mean(slow * board)) < 0.05 < checkerboard_amplitude_2d(slow * board)
    noise = np.random.default_rng(0).normal(0, 0.1, (256, 256))
    assert checkerboard_amplitude_2d(noise) == pytest.approx(0.1 / 8, rel=0.1)
    assert checkerboard_amplitude_2d(board[:5, :3]) == 1.0
    with pytest.raises(ValueError, match="block"):
        checkerboard_amplitude_2d(board, block=0)
    with pytest.raises(ValueError, match="u must be"):
        checkerboard_amplitude_2d(np.zeros(5))
