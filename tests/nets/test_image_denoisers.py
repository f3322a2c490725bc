"""Tests of pdelib.nets.image_denoisers: the symmetric 2D block is the explicit 2D scheme, tau stays below its
bound by construction, the image networks never grow the norm, equal parameter counts, and named errors (chapter 09).
Small images and no training beyond one epoch on a few patches: speed lives in benchmarks/."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import diffusivity
from pdelib.images import patch_data
from pdelib.nets.denoisers import (
    guaranteed_scale,
    largest_growth,
    learned_fluxes,
    run_blocks,
)
from pdelib.nets.image_denoisers import (
    ImageDenoiser,
    StableDiffusionBlock2D,
    StandardResidualBlock2D,
    diffusion_resnet_2d,
    reference_shape,
    standard_resnet_2d,
)
from pdelib.nets.resnet import parameter_count
from pdelib.nets.resnet2d import IsotropicFlux
from pdelib.nets.sector_activation import SectorActivation
from pdelib.nets.training import evaluate, train
from pdelib.operators2d import Gradient2D
from pdelib.schemes.explicit2d import ExplicitScheme2D

from .random_blocks import random_activation, randomise

F64 = torch.float64


def gradient_block(diffusivity_, shape, step_fraction):
    """The stable block with K = the two forward-difference filters and the isotropic flux of ``diffusivity_``."""
    block = StableDiffusionBlock2D(2, 2, IsotropicFlux(diffusivity_), shape, step_fraction=step_fraction)
    with torch.no_grad():
        block.conv.weight.copy_(torch.as_tensor(Gradient2D(shape).stencils).reshape(2, 1, 2, 2))
    return block


def dense_gram(block: StableDiffusionBlock2D) -> np.ndarray:
    """(K P)^T K P of the block's own shape as a dense matrix, from its convolutions in float64."""
    unknowns = block.in_channels * block.shape[0] * block.shape[1]
    identity = torch.eye(unknowns, dtype=F64).reshape(unknowns, block.in_channels, *block.shape)
    with torch.no_grad():
        matrix = block.derivative(identity).reshape(unknowns, -1).numpy()
    return matrix @ matrix.T


# -- the block is the scheme ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["perona-malik", "charbonnier", "linear"])
def test_the_stable_block_with_a_fixed_flux_is_the_explicit_2d_scheme(name):
    flux = diffusivity(name, 0.1)
    shape = (13, 17)
    block = gradient_block(flux, shape, 0.95)
    tau = block.tau.item()
    assert tau == pytest.approx(0.95 * 2 / (flux.bound * 8.0), rel=1e-15)  # B = 8 for the gradient, L = sup g
    u0 = np.random.default_rng(7).random(shape)
    run = ExplicitScheme2D(tau, flux, Gradient2D(shape)).evolve(u0, 5)
    u = torch.as_tensor(u0).reshape(1, 1, *shape)
    with torch.no_grad():
        for _ in range(5):
            u = block(u)
    assert np.abs(u.reshape(shape).numpy() - run.final).max() <= 1e-12


def test_the_gradient_bound_is_gershgorins_eight_and_below_it_the_exact_step():
    block = gradient_block(diffusivity("perona-malik", 0.1), (20, 20), 0.5)
    assert block.operator_norm_bound().item() == 8.0
    assert Gradient2D((20, 20)).norm_squared() < 8.0
    assert block.exact_tau_bound() == pytest.approx(2 / Gradient2D((20, 20)).norm_squared(), rel=1e-10)
    assert block.tau.item() < block.exact_tau_bound()
    block.tau.backward()
    assert block.step_logit.grad is not None and block.conv.weight.grad is not None
    with pytest.raises(TypeError, match="computes tau from its weights"):
        block.use_stability_bound(1.0)


# -- tau below its bound by construction ----------------------------------------------------------------------


def randomised_block(seed, channels, kernel_size, shape, scale, step_logit):
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        block = StableDiffusionBlock2D(channels, kernel_size, random_activation(seed, generator), shape)
    return randomise(block, generator, scale, step_logit)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.integers(1, 4),
    kernel_size=st.integers(2, 4),
    rows=st.integers(4, 9),
    columns=st.integers(4, 9),
    scale=st.sampled_from([1e-3, 1.0, 30.0]),
    amplitude=st.sampled_from([1e-3, 1.0, 1e3]),
    step_logit=st.floats(-5.0, 40.0),
)
def test_tau_is_below_the_exact_bound_and_the_norm_never_grows_for_random_parameters(
    seed, channels, kernel_size, rows, columns, scale, amplitude, step_logit
):
    block = randomised_block(seed, channels, kernel_size, (max(rows, kernel_size), max(columns, kernel_size)), scale,
                             step_logit)
    exact = block.exact_tau_bound()
    with torch.no_grad():
        tau = block.tau.item()
        assert tau <= exact * (1 + 1e-12)
        u = amplitude * torch.randn(4, 1, *block.shape, generator=torch.Generator().manual_seed(seed + 1), dtype=F64)
        for residual_scale in (1.0, exact / tau):  # the trained block and the largest scale the theorem covers
            ratio = block(u, residual_scale).flatten(1).norm(dim=1) / u.flatten(1).norm(dim=1)
            assert ratio.max().item() <= 1 + 1e-12


@pytest.mark.parametrize("kernel_size", [2, 3, 4, 5])
def test_the_bound_is_gershgorin_on_the_gram_matrix_of_any_larger_image(kernel_size):
    """B(K) from the reference image equals max_i sum_j |G_ij| of the dense Gram matrix of larger images too,
    and it is above lambda_max(G) = ||K P||^2: tau does not depend on the image size."""
    block = randomised_block(3 + kernel_size, 3, kernel_size, (2 * kernel_size + 7, 2 * kernel_size + 4), 1.0, 0.0)
    assert reference_shape(block.shape, kernel_size) == (2 * kernel_size, 2 * kernel_size)
    for shape in [block.shape, (2 * kernel_size + 1, 3 * kernel_size), (kernel_size, kernel_size + 2)]:
        resized = block.at_shape(shape)
        gram = dense_gram(resized)
        with torch.no_grad():
            bound = resized.operator_norm_bound().item()
        assert bound >= np.linalg.eigvalsh(gram)[-1] * (1 - 1e-12)
        if min(shape) >= 2 * kernel_size:
            assert bound == pytest.approx(np.abs(gram).sum(axis=1).max(), rel=1e-12)
            assert resized.tau.item() == pytest.approx(block.tau.item(), rel=1e-14)


# -- networks --------------------------------------------------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(hidden=st.integers(1, 12), kernel_size=st.sampled_from([3, 5, 7]), blocks=st.integers(1, 4))
def test_equal_parameter_counts_with_twice_the_filters_and_one_basis_function_fewer(hidden, kernel_size, blocks):
    standard = standard_resnet_2d(channels=hidden, blocks=blocks, kernel_size=kernel_size)
    symmetric = diffusion_resnet_2d((16, 16), channels=2 * hidden, blocks=blocks, kernel_size=kernel_size,
                                    basis_size=max(hidden - 1, 1))
    assert parameter_count(standard) == blocks * (2 * hidden * kernel_size**2 + hidden + 1)
    if hidden > 1:
        assert parameter_count(symmetric) == parameter_count(standard)
    else:  # m = C' - 1 = 0 basis functions is impossible: one more, one parameter over per block
        assert parameter_count(symmetric) == parameter_count(standard) + blocks


def test_default_builders_have_equal_counts_and_say_what_they_are():
    standard, symmetric = standard_resnet_2d(), diffusion_resnet_2d((32, 32))
    assert parameter_count(standard) == parameter_count(symmetric) == 6 * (2 * 8 * 9 + 9)
    assert "standard ResNet: depth=6" in repr(standard) and "symmetric diffusion ResNet: depth=6" in repr(symmetric)
    assert symmetric.shape == (32, 32) and standard.shape is None and symmetric.symmetric and not standard.symmetric


def test_a_network_moved_to_another_size_is_the_same_network():
    model = diffusion_resnet_2d((16, 16), channels=4, blocks=2, basis_size=3, seed=2, dtype=F64)
    big = model.at_shape((40, 24))
    assert big.shape == (40, 24) and model.shape == (16, 16)
    with torch.no_grad():
        assert [b.tau.item() for b in big.blocks] == pytest.approx([b.tau.item() for b in model.blocks], rel=1e-14)
        u = torch.rand(1, 1, 16, 16, dtype=F64)
        assert torch.equal(model.at_shape((16, 16))(u), model(u))
    standard = standard_resnet_2d(channels=2, blocks=1, dtype=F64)
    assert standard.at_shape((9, 9)) is not standard
    assert all(torch.equal(a, b) for a, b in zip(standard.parameters(), standard.at_shape((9, 9)).parameters()))


def test_symmetric_networks_never_grow_the_norm_up_to_the_guaranteed_scale_standard_ones_may():
    symmetric = diffusion_resnet_2d((20, 20), channels=4, blocks=3, basis_size=3, seed=1, dtype=F64)
    standard = standard_resnet_2d(channels=2, blocks=3, seed=1, dtype=F64)
    images = 5 * np.random.default_rng(0).standard_normal((3, 20, 20))  # far from any training data
    scale = guaranteed_scale(symmetric)
    assert scale >= 2.0 * (1 - 1e-12)  # tau starts at half of 2 / (L B) and B >= ||K P||^2
    norms, outputs = run_blocks(symmetric, images, repeat_blocks=4, residual_scale=scale)
    assert norms.shape == (13, 3) and outputs.shape == images.shape
    assert largest_growth(norms) <= 1 + 1e-12
    grown, _ = run_blocks(standard, images, repeat_blocks=4, residual_scale=3.0)
    assert largest_growth(grown) > 1.0  # observed here, nothing prevents it
    assert len(learned_fluxes(symmetric)) == 3
    with pytest.raises(ValueError, match="symmetric"):
        guaranteed_scale(standard)


def test_one_epoch_on_a_few_patches_runs_and_evaluates_on_the_whole_image():
    data = patch_data(images=("camera",), test_image="coins", size=32, patch=16, validation=0.25, seed=3)
    assert data.train.noisy.shape == (3, 16, 16) and data.validation.noisy.shape == (1, 16, 16)
    assert data.test.noisy.shape == (1, 32, 32) and "test image coins 32 x 32" in repr(data)
    for model in (diffusion_resnet_2d((16, 16), channels=2, blocks=1, basis_size=1),
                  standard_resnet_2d(channels=1, blocks=1)):
        history = train(model, data, epochs=1, batch_size=2, device="cpu")
        assert history.epochs == 1 and np.isfinite(history.validation_loss[0])
        assert np.isfinite(evaluate(model.at_shape((32, 32)), data.test)["psnr"])


# -- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: diffusion_resnet_2d((32, 32), channels=0), ValueError, "channels must be an integer >= 1"),
        (lambda: diffusion_resnet_2d((32, 32), blocks=0), ValueError, "blocks must be an integer >= 1"),
        (lambda: diffusion_resnet_2d((32, 32), kernel_size=4), ValueError, "kernel_size must be odd"),
        (lambda: diffusion_resnet_2d((32, 32), kernel_size=17), ValueError, "kernel_size must be an integer"),
        (lambda: diffusion_resnet_2d((0, 32)), ValueError, r"shape\[0\]"),
        (lambda: diffusion_resnet_2d((2, 32)), ValueError, "shape must be at least kernel_size"),
        (lambda: diffusion_resnet_2d(32), TypeError, "shape must be a pair"),
        (lambda: diffusion_resnet_2d((32, 32), basis_size=0), ValueError, "basis_size"),
        (lambda: diffusion_resnet_2d((32, 32), seed="1"), TypeError, "seed"),
        (lambda: diffusion_resnet_2d((32, 32), seed=-1), ValueError, "seed must be an integer >= 0"),
        (lambda: standard_resnet_2d(seed=1.5), TypeError, "seed"),
        (lambda: standard_resnet_2d(channels=-2), ValueError, "channels must be an integer >= 1"),
        (lambda: StandardResidualBlock2D(2, 3, dtype=torch.int32), TypeError, "dtype"),
        (lambda: StableDiffusionBlock2D(2, 3, torch.nn.ReLU(), (8, 8)), TypeError, "sector_bound"),
        (lambda: StableDiffusionBlock2D(2, 3, SectorActivation(), (8, 8), step_fraction=1.0), ValueError,
         r"step_fraction must lie in \(0, 1\)"),
        (lambda: ImageDenoiser([]), ValueError, "at least one residual block"),
        (lambda: ImageDenoiser([torch.nn.ReLU()]), TypeError, "blocks must hold StandardResidualBlock2Ds"),
        (lambda: ImageDenoiser([diffusion_resnet_2d((8, 8), blocks=1).blocks[0],
                                diffusion_resnet_2d((9, 8), blocks=1).blocks[0]]), ValueError, "same shape"),
        (lambda: patch_data(images=("camera", "astronaut")), ValueError, "test_image must be a photograph"),
        (lambda: patch_data(images=("camera", "camera")), ValueError, "images must name different"),
        (lambda: patch_data(images=("nope",)), ValueError, "images must be one of"),
        (lambda: patch_data(images="camera"), TypeError, "images must be a list"),
        (lambda: patch_data(patch=0), ValueError, "patch must be an integer"),
        (lambda: patch_data(images=("camera",), size=16, patch=16), ValueError, "too few"),
        (lambda: patch_data(validation=0.0), ValueError, "validation"),
        (lambda: patch_data(seed="0"), TypeError, "seed"),
    ],
)
def test_bad_arguments_are_named(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_bad_images_are_named():
    model = diffusion_resnet_2d((8, 8), channels=2, blocks=1, basis_size=1, dtype=F64)
    with pytest.raises(ValueError, match=r"x must be images of shape \(8, 8\)"):
        run_blocks(model, np.zeros((9, 8)))
    with pytest.raises(TypeError, match=r"x must be a numpy array of real numbers of shape \(M, N\)"):
        run_blocks(model, np.zeros(8))
    with pytest.raises(TypeError, match="model must be a Denoiser"):
        run_blocks(torch.nn.Identity(), np.zeros((8, 8)))
    with pytest.raises(ValueError, match="repeat_blocks"):
        run_blocks(model, np.zeros((8, 8)), repeat_blocks=0)
    with pytest.raises(TypeError, match="shape must be a pair"):
        model.at_shape("8x8")
