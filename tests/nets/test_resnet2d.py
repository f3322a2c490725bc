"""Tests of pdelib.nets.resnet2d: the 2D diffusion block Conv2d -> flux -> transposed Conv2d + skip equals the
explicit 2D scheme, its adjoint and its stability bound (chapter 09)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import DIFFUSIVITIES, activation, diffusivity
from pdelib.nets.resnet import parameter_count
from pdelib.nets.resnet2d import DiffusionBlock2D, DiffusionNetwork2D, IsotropicFlux, scheme_deviation_2d
from pdelib.operators2d import Gradient2D
from pdelib.schemes.explicit2d import isotropic_flux, stability_bound_2d

PM = diffusivity("perona-malik", 0.1)


@pytest.mark.parametrize("name", DIFFUSIVITIES)
@pytest.mark.parametrize("shape, steps", [((9, 13), 1), ((16, 16), 5)])
def test_the_network_is_the_scheme_in_float64(name, shape, steps):
    flux = diffusivity(name, 0.1)
    gradient = Gradient2D(shape)
    u0 = np.random.default_rng(7).random(shape)
    assert scheme_deviation_2d(flux, gradient, 0.95 * stability_bound_2d(flux, gradient), u0, steps) <= 1e-12


def test_the_block_holds_the_gradient_filters_and_one_shared_weight():
    gradient = Gradient2D((6, 5), spacing=0.5)
    block = DiffusionBlock2D.from_scheme(PM, gradient, 0.05)
    assert block.conv_transpose.weight is block.conv.weight and parameter_count(block) == 8
    u = torch.as_tensor(np.random.default_rng(1).random((1, 1, 6, 5)))
    with torch.no_grad():
        np.testing.assert_allclose(block.derivative(u)[0].numpy(), gradient.apply(u[0, 0].numpy()), atol=1e-14)
    p = np.random.default_rng(2).standard_normal((2, 6, 5))
    with torch.no_grad():
        flux = IsotropicFlux(PM)(torch.as_tensor(p)[None])[0].numpy()
    np.testing.assert_allclose(flux, isotropic_flux(PM, p), rtol=1e-14)
    assert "parameters=8" in repr(block)


@settings(max_examples=20)
@given(kernel=st.integers(2, 5), channels=st.integers(1, 4), seed=st.integers(0, 1000))
def test_divergence_is_the_adjoint_of_the_derivative(kernel, channels, seed):
    torch.manual_seed(seed)
    block = DiffusionBlock2D(channels, kernel, 0.1, torch.tanh, (7, 9))
    u = torch.randn(2, 1, 7, 9, dtype=torch.float64)
    v = torch.randn(2, channels, 7, 9, dtype=torch.float64)
    with torch.no_grad():
        left, right = float((block.derivative(u) * v).sum()), float((u * block.divergence(v)).sum())
    assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


def test_operator_norm_is_the_exact_gradient_norm_and_the_dense_one():
    gradient = Gradient2D((12, 10))
    block = DiffusionBlock2D.from_scheme(PM, gradient, 0.1)
    assert block.operator_norm_squared() == pytest.approx(gradient.norm_squared(), rel=1e-10)
    assert block.stability_bound(1.0) == pytest.approx(stability_bound_2d(PM, gradient), rel=1e-10)
    torch.manual_seed(3)
    random_block = DiffusionBlock2D(3, 3, 0.1, torch.tanh, (6, 5))
    identity = torch.eye(30, dtype=torch.float64).reshape(30, 1, 6, 5)
    with torch.no_grad():
        matrix = random_block.derivative(identity).reshape(30, -1).T.numpy()
    assert random_block.operator_norm_squared() == pytest.approx(np.linalg.eigvalsh(matrix.T @ matrix)[-1], rel=1e-10)


def test_random_blocks_below_their_bound_never_increase_the_norm():
    """The theorem for any weight: tanh lies in the sector [0, 1], tau <= 2 / ||K P||^2."""
    torch.manual_seed(4)
    for _ in range(3):
        block = DiffusionBlock2D(4, 3, 1.0, torch.tanh, (10, 10))
        block.tau.fill_(0.999 * block.stability_bound(1.0))
        u = torch.randn(8, 1, 10, 10, dtype=torch.float64) * 3
        with torch.no_grad():
            for _ in range(20):
                new = block(u)
                assert torch.all(new.flatten(1).norm(dim=1) <= u.flatten(1).norm(dim=1) * (1 + 1e-12))
                u = new


def test_network_stacks_blocks_of_the_same_images():
    gradient = Gradient2D((5, 6))
    network = DiffusionNetwork2D.from_scheme(PM, gradient, 0.2, 3)
    assert len(network.blocks) == 3 and "depth=3, parameters=24" in repr(network)
    with pytest.raises(ValueError, match="blocks must all act on the same images"):
        DiffusionNetwork2D([network.blocks[0], DiffusionBlock2D.from_scheme(PM, Gradient2D((5, 5)), 0.2)])
    with pytest.raises(TypeError, match="blocks must hold"):
        DiffusionNetwork2D([torch.nn.Identity()])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="shape must be at least kernel_size"):
        DiffusionBlock2D(2, 4, 0.1, torch.tanh, (3, 8))
    with pytest.raises(ValueError, match="kernel_size"):
        DiffusionBlock2D(2, 1, 0.1, torch.tanh, (8, 8))
    with pytest.raises(ValueError, match="tau"):
        DiffusionBlock2D(2, 2, 0.0, torch.tanh, (8, 8))
    with pytest.raises(TypeError, match="activation"):
        DiffusionBlock2D(2, 2, 0.1, "tanh", (8, 8))
    with pytest.raises(TypeError, match="diffusivity"):
        DiffusionBlock2D.from_scheme(activation("tanh"), Gradient2D((4, 4)), 0.1)
    block = DiffusionBlock2D.from_scheme(PM, Gradient2D((4, 4)), 0.1)
    with pytest.raises(ValueError, match="u must have shape"):
        block(torch.zeros(1, 1, 4, 5, dtype=torch.float64))
    with pytest.raises(TypeError, match="dtype"):
        block(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="blew up"):
        scheme_deviation_2d(diffusivity("linear"), Gradient2D((4, 4)), 10.0, np.random.default_rng(0).random((4, 4)),
                            40)
