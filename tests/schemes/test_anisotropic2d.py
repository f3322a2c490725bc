"""Tests of pdelib.schemes.anisotropic2d: the EED tensor, A = grad^T D grad, its exact bound 2/rho(A) against
Gershgorin's estimate and 2/||grad||^2, and the explicit anisotropic scheme (chapter 09)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import diffusivity
from pdelib.operators2d import Gradient2D
from pdelib.schemes.anisotropic2d import (
    AnisotropicOperator,
    AnisotropicScheme2D,
    edge_enhancing_tensor,
    most_anisotropic_pixel,
)
from pdelib.schemes.explicit2d import ExplicitScheme2D

PM = diffusivity("perona-malik", 0.05)
SHAPE = (10, 13)
GRAD = Gradient2D(SHAPE)


def image(seed: int, shape=SHAPE) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


def operator(seed: int, sigma: float = 1.0, contrast: float = 0.05) -> AnisotropicOperator:
    tensor = edge_enhancing_tensor(image(seed), GRAD, diffusivity("perona-malik", contrast), sigma)
    return AnisotropicOperator(tensor, GRAD)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), sigma=st.sampled_from([0.0, 0.7, 2.0]), contrast=st.sampled_from([0.01, 0.1, 1.0]))
def test_tensor_has_eigenvalues_g_across_and_1_along_the_edge(seed, sigma, contrast):
    u = image(seed)
    flux = diffusivity("perona-malik", contrast)
    a, b, c = edge_enhancing_tensor(u, GRAD, flux, sigma)
    from scipy import ndimage
    p = GRAD.apply(ndimage.gaussian_filter(u, sigma, mode="reflect") if sigma else u)
    squares = p[0] ** 2 + p[1] ** 2
    trace, determinant = a + c, a * c - b * b
    g = flux.g(squares)
    np.testing.assert_allclose(trace, 1 + g, atol=1e-12)  # eigenvalues 1 and g
    np.testing.assert_allclose(determinant, g, atol=1e-12)
    # D p = g p: the gradient direction is damped by g
    np.testing.assert_allclose(a * p[0] + b * p[1], g * p[0], atol=1e-12)
    np.testing.assert_allclose(b * p[0] + c * p[1], g * p[1], atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_operator_is_grad_transpose_d_grad_symmetric_and_semidefinite(seed):
    A = operator(seed)
    dense = A.matrix().toarray()
    grad = GRAD.matrix()
    a, b, c = (np.diag(entry.ravel()) for entry in A.tensor)
    expected = grad.T @ np.block([[a, b], [b, c]]) @ grad
    np.testing.assert_allclose(dense, expected, atol=1e-12)
    np.testing.assert_allclose(dense, dense.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(dense)
    assert eigenvalues.min() > -1e-12
    u = image(seed + 1)
    np.testing.assert_allclose(A.apply(u).ravel(), dense @ u.ravel(), atol=1e-12)
    np.testing.assert_allclose(dense.sum(axis=1), 0.0, atol=1e-12)  # constants are not diffused
    # the exact radius, below Gershgorin's estimate and below ||grad||^2 (eigenvalues of D are g <= 1 and 1)
    rho = A.spectral_radius()
    assert rho == pytest.approx(eigenvalues.max(), rel=1e-10)
    assert rho <= A.gershgorin_bound() * (1 + 1e-12)
    assert rho <= GRAD.norm_squared() * (1 + 1e-12)


def test_identity_tensor_gives_the_isotropic_laplacian():
    identity = np.stack([np.ones(SHAPE), np.zeros(SHAPE), np.ones(SHAPE)])
    A = AnisotropicOperator(identity, GRAD)
    np.testing.assert_allclose(A.matrix().toarray(), GRAD.matrix().T @ GRAD.matrix(), atol=1e-12)
    assert A.spectral_radius() == pytest.approx(GRAD.norm_squared(), rel=1e-10)
    u = image(3)
    linear = ExplicitScheme2D(0.2, diffusivity("linear"), GRAD).step(u)
    np.testing.assert_allclose(u - 0.2 * A.apply(u), linear, atol=1e-12)


def test_stencil_reaches_seven_pixels_and_matches_the_matrix():
    A = operator(5)
    weights = A.stencil(4, 6)
    assert weights[0, 0] == 0.0 and weights[2, 2] == 0.0  # the 3 x 3 block without two opposite corners
    row = A.matrix().toarray()[4 * SHAPE[1] + 6].reshape(SHAPE)
    np.testing.assert_allclose(weights, row[3:6, 5:8], atol=1e-15)
    assert weights.sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("renew", [False, True])
def test_explicit_scheme_stable_below_two_over_rho_and_blows_up_above(renew):
    u0 = image(11)
    frozen = AnisotropicScheme2D(0.1, PM, GRAD).operator(u0)
    bound = 2.0 / frozen.spectral_radius()
    if renew:  # nonlinear EED: guaranteed for tau <= 2 / ||grad||^2
        run = AnisotropicScheme2D(2.0 / GRAD.norm_squared(), PM, GRAD, renew=True).evolve(u0, 300)
    else:
        run = AnisotropicScheme2D(bound, PM, GRAD).evolve(u0, 300)
    assert run.blowup is None
    assert np.all(np.diff(run.norms) <= 1e-12 * run.norms[0])
    assert run.final.mean() == pytest.approx(u0.mean(), abs=1e-12)  # mass is conserved
    if not renew:
        above = AnisotropicScheme2D(1.05 * bound, PM, GRAD).evolve(u0, 5000)
        assert above.blowup is not None


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="sigma"):
        edge_enhancing_tensor(image(0), GRAD, PM, sigma=-1.0)
    with pytest.raises(ValueError, match="u"):
        edge_enhancing_tensor(image(0, (4, 4)), GRAD, PM)
    with pytest.raises(ValueError, match="tensor must have shape"):
        AnisotropicOperator(np.zeros((2, *SHAPE)), GRAD)
    bad = np.stack([np.ones(SHAPE), 2 * np.ones(SHAPE), np.ones(SHAPE)])
    with pytest.raises(ValueError, match="semidefinite"):
        AnisotropicOperator(bad, GRAD)
    with pytest.raises(TypeError, match="renew"):
        AnisotropicScheme2D(0.1, PM, GRAD, renew="yes")
    with pytest.raises(ValueError, match="tau"):
        AnisotropicScheme2D(0.0, PM, GRAD)
    with pytest.raises(ValueError, match="i must"):
        operator(0).stencil(SHAPE[0], 0)


def test_most_anisotropic_pixel_is_on_the_strongest_edge():
    u = np.zeros(SHAPE)
    u[:, 7:] = 1.0  # one vertical edge between columns 6 and 7
    tensor = edge_enhancing_tensor(u, GRAD, PM, sigma=0.0)
    i, j = most_anisotropic_pixel(tensor)
    assert (i, j) == (0, 6)  # the first pixel whose forward x-difference crosses the edge
    assert tensor[0, i, j] == pytest.approx(PM.g(np.array(1.0)), rel=1e-12) and tensor[2, i, j] == 1.0
    with pytest.raises(ValueError, match="tensor must have shape"):
        most_anisotropic_pixel(np.zeros((2, 3, 3)))


def test_flux_is_the_tensor_times_the_gradient_and_apply_is_its_divergence():
    A = operator(7)
    u = image(8)
    p = GRAD.apply(u)
    a, b, c = A.tensor
    np.testing.assert_allclose(A.flux(p), np.stack([a * p[0] + b * p[1], b * p[0] + c * p[1]]), atol=1e-15)
    np.testing.assert_allclose(A.apply(u), GRAD.apply_transpose(A.flux(p)), atol=1e-13)
    with pytest.raises(ValueError, match="p must have shape"):
        A.flux(np.zeros((2, 3, 3)))
