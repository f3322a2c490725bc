"""Tests of pdelib.schemes.grids: transfer operators, Galerkin stencils, stencil application and smoothers
(chapter 06; digest §7)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pdelib.schemes.grids import (
    apply_stencil,
    galerkin_stencil,
    prolong,
    restrict,
    smooth,
    stencil_matrix,
)

POISSON_1D = np.array([-1.0, 2.0, -1.0])
POISSON_2D = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


def transfer_matrices(n, dimension):
    """Dense R (coarse x fine) and P (fine x coarse) from restrict/prolong applied to unit vectors."""
    fine, coarse = (2 * n + 1) ** dimension, n**dimension
    R = np.stack([restrict(e.reshape((2 * n + 1,) * dimension)).ravel() for e in np.eye(fine)], axis=1)
    P = np.stack([prolong(e.reshape((n,) * dimension)).ravel() for e in np.eye(coarse)], axis=1)
    return R, P


# -- transfer operators and Galerkin stencils ------------------------------------------------------


def test_restrict_and_prolong_examples():
    np.testing.assert_allclose(restrict(np.array([0.0, 4.0, 0.0, 4.0, 0.0])), [2.0, 2.0])
    np.testing.assert_allclose(prolong(np.array([2.0, 4.0])), [1.0, 2.0, 3.0, 4.0, 2.0])
    np.testing.assert_allclose(restrict(np.ones((3, 3))), [[1.0]])
    np.testing.assert_allclose(prolong(np.ones((1, 1))), [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize("dimension", [1, 2])
def test_transfers_are_exact_for_linear_functions(dimension):
    """Full weighting maps samples of a linear g (bilinear in 2D) to its coarse samples; linear interpolation
    reproduces g except at the two end points, where it assumes the Dirichlet value g = 0 beyond the grid."""
    n = 7
    coarse = 3.0 * np.arange(1, n + 1) / (n + 1) - 1.0
    fine = 3.0 * np.arange(1, 2 * n + 2) / (2 * n + 2) - 1.0
    if dimension == 2:
        coarse, fine = np.outer(coarse, coarse), np.outer(fine, fine)
    inner = (slice(1, -1),) * dimension
    np.testing.assert_allclose(restrict(fine), coarse, atol=1e-14)
    np.testing.assert_allclose(prolong(coarse)[inner], fine[inner], atol=1e-14)
    assert not np.allclose(prolong(coarse), fine)


@settings(max_examples=40)
@given(n=st.integers(1, 20), data=st.data())
def test_prolongation_is_twice_the_adjoint_of_restriction_1d(n, data):
    """Dot-product test: <R r, e> = <r, P e> / 2 for all r, e, i.e. P = 2 R^T."""
    values = st.floats(-1e3, 1e3)
    r = data.draw(arrays(np.float64, 2 * n + 1, elements=values))
    e = data.draw(arrays(np.float64, n, elements=values))
    left, right = np.dot(restrict(r), e), np.dot(r, prolong(e)) / 2
    assert left == pytest.approx(right, rel=1e-12, abs=1e-9)


@settings(max_examples=40)
@given(n=st.integers(1, 8), data=st.data())
def test_prolongation_is_four_times_the_adjoint_of_restriction_2d(n, data):
    """<R r, e> = <r, P e> / 4: P = 4 R^T for the tensor-product transfers."""
    values = st.floats(-1e3, 1e3)
    r = data.draw(arrays(np.float64, (2 * n + 1, 2 * n + 1), elements=values))
    e = data.draw(arrays(np.float64, (n, n), elements=values))
    left, right = np.sum(restrict(r) * e), np.sum(r * prolong(e)) / 4
    assert left == pytest.approx(right, rel=1e-12, abs=1e-8)


@pytest.mark.parametrize("dimension, factor", [(1, 2.0), (2, 4.0)])
def test_transfer_matrices_are_adjoint(dimension, factor):
    R, P = transfer_matrices(5, dimension)
    np.testing.assert_array_equal(P, factor * R.T)


def test_galerkin_of_1d_poisson_is_the_rediscretised_operator():
    """R A_h P = A_{2h}: [-1, 2, -1]/h^2 becomes [-1, 2, -1]/(2h)^2."""
    h = 1.0 / 64
    np.testing.assert_allclose(galerkin_stencil(POISSON_1D / h**2), POISSON_1D / (2 * h) ** 2, rtol=1e-14)


def test_galerkin_of_2d_poisson_is_the_nine_point_stencil():
    """The 5-point Laplacian becomes (1/(4 H^2)) [-1 -2 -1; -2 12 -2; -1 -2 -1] with H = 2h."""
    h = 1.0 / 32
    expected = np.array([[-1.0, -2.0, -1.0], [-2.0, 12.0, -2.0], [-1.0, -2.0, -1.0]]) / (4 * (2 * h) ** 2)
    np.testing.assert_allclose(galerkin_stencil(POISSON_2D / h**2), expected, rtol=1e-14)


@pytest.mark.parametrize("dimension", [1, 2])
def test_galerkin_stencil_is_the_matrix_product_including_the_boundary(dimension):
    """For any (also non-symmetric) stencil, the coarse stencil's matrix equals R A P on a grid with boundaries."""
    rng = np.random.default_rng(dimension)
    stencil = rng.normal(size=(3,) * dimension)
    stencil[(1,) * dimension] = 5.0
    n = 3
    R, P = transfer_matrices(n, dimension)
    np.testing.assert_allclose(
        stencil_matrix(galerkin_stencil(stencil), n), R @ stencil_matrix(stencil, 2 * n + 1) @ P, atol=1e-14
    )


@pytest.mark.parametrize("dimension, size", [(1, 9), (2, 5)])
def test_apply_stencil_matches_the_dense_matrix(dimension, size):
    rng = np.random.default_rng(3)
    stencil = rng.normal(size=(3,) * dimension)
    stencil[(1,) * dimension] = 4.0
    u = rng.normal(size=(size,) * dimension)
    np.testing.assert_allclose(
        apply_stencil(stencil, u).ravel(), stencil_matrix(stencil, size) @ u.ravel(), rtol=1e-13, atol=1e-13
    )


# -- smoothers ---------------------------------------------------------------------------------


def sequential_gauss_seidel(stencil, u, f, colours):
    """Reference: point-by-point Gauss-Seidel over the sub-lattices in order (plain Python loops)."""
    u = np.pad(u.copy(), 1)
    dimension = stencil.ndim
    size = f.shape[0]
    centre = (1,) * dimension
    for parity in colours:
        for point in np.ndindex(f.shape):
            if any(i % 2 != p for i, p in zip(point, parity)):
                continue
            total = f[point]
            for entry in np.ndindex(stencil.shape):
                if entry != centre:
                    total -= stencil[entry] * u[tuple(i + a for i, a in zip(point, entry))]
            u[tuple(i + 1 for i in point)] = total / stencil[centre]
    return u[(slice(1, size + 1),) * dimension]


@pytest.mark.parametrize(
    "dimension, colours", [(1, [(0,), (1,)]), (2, [(0, 0), (1, 1), (0, 1), (1, 0)])], ids=["1d", "2d"]
)
@pytest.mark.parametrize("size", [1, 4, 7])
def test_red_black_sweep_is_gauss_seidel_in_colour_order(dimension, colours, size):
    rng = np.random.default_rng(size)
    stencil = rng.normal(size=(3,) * dimension)
    stencil[(1,) * dimension] = 6.0
    u, f = rng.normal(size=(2,) + (size,) * dimension)
    expected = sequential_gauss_seidel(stencil, u, f, colours)
    np.testing.assert_allclose(smooth(u, f, stencil, smoother="red-black"), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dimension", [1, 2])
def test_jacobi_sweep_formula(dimension):
    rng = np.random.default_rng(7)
    stencil = POISSON_2D if dimension == 2 else POISSON_1D
    u, f = rng.normal(size=(2,) + (6,) * dimension)
    expected = u + 0.5 * (f - apply_stencil(stencil, u)) / stencil[(1,) * dimension]
    np.testing.assert_allclose(smooth(u, f, stencil, omega=0.5), expected, rtol=1e-14)
    default = {1: 2 / 3, 2: 4 / 5}[dimension]
    expected = u + default * (f - apply_stencil(stencil, u)) / stencil[(1,) * dimension]
    np.testing.assert_allclose(smooth(u, f, stencil), expected, rtol=1e-14)
    np.testing.assert_array_equal(smooth(u, f, stencil, sweeps=0), u)


# -- bad input -----------------------------------------------------------------------------------


def test_bad_grid_functions():
    with pytest.raises(ValueError, match=r"odd number N >= 3"):
        restrict(np.ones(4))
    with pytest.raises(ValueError, match=r"odd number N >= 3"):
        restrict(np.ones(1))
    with pytest.raises(ValueError, match=r"square 2D grid"):
        prolong(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"at least one grid point"):
        prolong(np.ones(0))
    with pytest.raises(ValueError, match=r"stencil must have shape"):
        apply_stencil(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match=r"positive centre"):
        smooth(np.ones(5), np.ones(5), np.array([1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(apply_stencil(np.array([-1.0, 0.0, 1.0]), np.arange(3.0)), [1.0, 2.0, -1.0])
    with pytest.raises(ValueError, match=r"u must be a 2D grid"):
        smooth(np.ones(5), np.ones(5), POISSON_2D)
    with pytest.raises(ValueError, match=r"f must have shape \(5,\)"):
        smooth(np.ones(5), np.ones(4), POISSON_1D)
    with pytest.raises(ValueError, match=r"smoother must be one of"):
        smooth(np.ones(5), np.ones(5), POISSON_1D, smoother="gauss-seidel")
    with pytest.raises(ValueError, match=r"omega must be in \(0, 1\]"):
        smooth(np.ones(5), np.ones(5), POISSON_1D, omega=2.0)
    with pytest.raises(ValueError, match=r"too large"):
        stencil_matrix(POISSON_2D, 127)
