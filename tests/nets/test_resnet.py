"""Tests of pdelib.nets.resnet: the explicit scheme is a ResNet block, and that block is Euclidean-stable (chapter 02)."""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import pdelib
from pdelib.nets.resnet import (
    Activation,
    DiffusionBlock,
    DiffusionNetwork,
    StandardResidualBlock,
    parameter_comparison,
    parameter_count,
    scheme_deviation,
)

F64 = torch.float64
GRIDS = [(5, 1.0), (12, 0.5), (31, 2.0)]  # (N, h)


def signals(size: int) -> np.ndarray:
    """A batch of test signals of shape (4, size): noisy step, checkerboard, uniform noise, smooth edge."""
    rng = np.random.default_rng(size)
    return np.stack(
        [
            pdelib.noisy_step(size, height=2.0, noise=0.1, seed=1),
            pdelib.checkerboard(size, amplitude=1.0, noise=0.01, seed=2),
            rng.uniform(-3.0, 3.0, size),
            pdelib.smooth_step(size, width=size / 8, height=5.0),
        ]
    )


def seeded_block(seed: int, *args, **kwargs) -> DiffusionBlock:
    """A randomly initialised block, without disturbing the global torch random stream."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return DiffusionBlock(*args, **kwargs)


# -- the block of the explicit scheme ---------------------------------------------------------


@pytest.mark.parametrize("size, spacing", GRIDS)
@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("name", pdelib.DIFFUSIVITIES)
def test_block_equals_explicit_step(name, order, boundary, size, spacing):
    g = pdelib.diffusivity(name)
    D = pdelib.DerivativeOperator(order, size, spacing, boundary)
    tau = 0.9 * pdelib.stability_bound(g, D)
    scheme = pdelib.ExplicitScheme(tau, g, D)
    block = DiffusionBlock.from_scheme(g, D, tau)
    u = signals(size)
    expected = np.stack([scheme.step(row) for row in u])
    with torch.no_grad():
        result = block(torch.from_numpy(u)[:, None, :])[:, 0].numpy()
    assert np.max(np.abs(result - expected)) <= 1e-12


@pytest.mark.parametrize("size, spacing", GRIDS)
@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_scheme_block_has_the_operator_matrix_and_bound(order, boundary, size, spacing):
    g = pdelib.diffusivity("perona-malik", contrast=0.5)
    D = pdelib.DerivativeOperator(order, size, spacing, boundary)
    block = DiffusionBlock.from_scheme(g, D, tau=0.1)
    np.testing.assert_allclose(block.matrix().numpy(), D.matrix(), rtol=0, atol=1e-12 * spacing**-order)
    assert block.operator_norm_squared() == pytest.approx(D.norm_squared(), rel=1e-12)
    assert block.stability_bound(g.bound) == pytest.approx(pdelib.stability_bound(g, D), rel=1e-12)


@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", ["linear", "perona-malik", "weickert"])
def test_network_equals_evolve(name, order, boundary):
    g = pdelib.diffusivity(name)
    D = pdelib.DerivativeOperator(order, 24, boundary=boundary)
    tau = pdelib.stability_bound(g, D)
    network = DiffusionNetwork.from_scheme(g, D, tau, steps=50)
    u0 = signals(24)
    evolutions = [pdelib.evolve(row, tau, 50, g, D) for row in u0]
    with torch.no_grad():
        result, norms = network(torch.from_numpy(u0)[:, None, :], return_norms=True)
    expected = np.stack([evolution.final for evolution in evolutions])
    assert np.max(np.abs(result[:, 0].numpy() - expected)) <= 1e-12
    assert norms.shape == (51, 4)
    np.testing.assert_allclose(norms.numpy(), np.stack([e.norms for e in evolutions], axis=1), rtol=1e-12)
    assert torch.all(norms[1:] <= norms[:-1] * (1 + 1e-12))


def test_float32_block_is_close_to_the_scheme():
    g, D = pdelib.diffusivity("charbonnier"), pdelib.DerivativeOperator(2, 16)
    block = DiffusionBlock.from_scheme(g, D, 0.1, dtype=torch.float32)
    u = signals(16)
    expected = np.stack([pdelib.explicit_step(row, 0.1, g, D) for row in u])
    with torch.no_grad():
        result = block(torch.from_numpy(u).float()[:, None, :])[:, 0].numpy()
    np.testing.assert_allclose(result, expected, atol=1e-5)


def test_constants_pass_unchanged():
    g, D = pdelib.diffusivity("weickert"), pdelib.DerivativeOperator(3, 10, boundary="periodic")
    block = DiffusionBlock.from_scheme(g, D, tau=0.01)
    u = torch.full((2, 1, 10), 7.0, dtype=F64)
    assert torch.equal(block(u), u)


# -- the block's layers: padding, shared weight, adjoint ----------------------------------------


@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
@pytest.mark.parametrize("kernel_size, size", [(2, 2), (4, 6), (5, 5), (5, 11)])
def test_divergence_is_the_adjoint_of_derivative(kernel_size, size, boundary):
    block = seeded_block(3, 3, kernel_size, 0.1, torch.tanh, size, boundary=boundary, in_channels=2)
    generator = torch.Generator().manual_seed(4)
    u = torch.randn(5, 2, size, dtype=F64, generator=generator)
    v = torch.randn(5, 3, block.output_size, dtype=F64, generator=generator)
    with torch.no_grad():
        left = (block.derivative(u) * v).sum()
        right = (u * block.divergence(v)).sum()
    assert left.item() == pytest.approx(right.item(), rel=1e-12, abs=1e-12)
    matrix = block.matrix()
    assert matrix.shape == (3 * block.output_size, 2 * size)
    torch.testing.assert_close(block.derivative(u).detach().flatten(1), u.flatten(1) @ matrix.T)


def test_weight_is_shared_and_trained_once():
    block = seeded_block(0, 3, 3, 0.1, torch.tanh, 10, in_channels=2)
    assert block.conv.weight is block.conv_transpose.weight
    assert [name for name, _ in block.named_parameters()] == ["conv.weight"]
    before = block.conv.weight.detach().clone()
    u = torch.randn(4, 2, 10, dtype=F64, generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.SGD(block.parameters(), lr=0.1)
    block(u).square().sum().backward()
    optimizer.step()
    assert not torch.equal(block.conv.weight, before)
    assert block.conv_transpose.weight is block.conv.weight
    v = torch.randn(1, 3, block.output_size, dtype=F64)
    with torch.no_grad():
        torch.testing.assert_close(block.conv_transpose(v), F.conv_transpose1d(v, block.conv.weight))


def test_gradient_counts_both_uses_of_the_weight():
    block = seeded_block(2, 2, 3, 0.2, pdelib.diffusivity("perona-malik"), 7, in_channels=2)
    u = torch.randn(3, 2, 7, dtype=F64, generator=torch.Generator().manual_seed(5))
    block(u).square().sum().backward()
    weight, step = block.conv.weight, 1e-6
    numerical = torch.zeros_like(weight)
    with torch.no_grad():  # perturbing the shared Parameter perturbs K and K^T together
        for index in np.ndindex(*weight.shape):
            original = weight[index].item()
            weight[index] = original + step
            plus = block(u).square().sum()
            weight[index] = original - step
            minus = block(u).square().sum()
            weight[index] = original
            numerical[index] = (plus - minus) / (2 * step)
    torch.testing.assert_close(weight.grad, numerical, rtol=1e-6, atol=1e-8)


def test_repr_shows_the_block():
    block = seeded_block(0, 4, 3, 0.125, pdelib.diffusivity("perona-malik"), 16, boundary="periodic", in_channels=2)
    text = repr(block)
    for part in ["in_channels=2", "channels=4", "kernel_size=3", "tau=0.125", "boundary='periodic'", "parameters=24"]:
        assert part in text
    assert "Activation(diffusivity('perona-malik', contrast=1), L=1.0)" in text
    assert "Activation(tanh)" in repr(Activation(torch.tanh))
    network = DiffusionNetwork.from_scheme(pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, 8), 0.5, 50)
    assert "depth=50, parameters=100" in repr(network)


# -- parameter counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("channels, kernel_size, standard, symmetric", [(32, 3, 6208, 3072), (32, 9, 18496, 9216)])
def test_parameter_comparison(channels, kernel_size, standard, symmetric):
    counts = parameter_comparison(channels, kernel_size)
    assert counts["standard"] == standard
    assert counts["symmetric"] == symmetric
    assert counts["symmetric"] < counts["standard"] / 2
    assert counts["ratio"] == symmetric / standard


@settings(max_examples=20, deadline=None)
@given(channels=st.integers(1, 8), half=st.integers(1, 4))
def test_parameter_comparison_matches_the_formula(channels, half):
    kernel_size = 2 * half + 1
    counts = parameter_comparison(channels, kernel_size)
    assert counts["standard"] == 2 * (channels**2 * kernel_size + channels)
    assert counts["symmetric"] == channels**2 * kernel_size


def test_builders_leave_the_random_stream_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    parameter_comparison(8, 3)
    DiffusionNetwork.from_scheme(pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, 8), 0.5, 3)
    assert torch.equal(torch.rand(3), expected)


def test_parameter_count_counts_shared_and_trainable_values_once():
    block = seeded_block(0, 3, 4, 0.1, torch.tanh, 8, in_channels=2)
    assert parameter_count(block) == 3 * 2 * 4
    assert parameter_count(StandardResidualBlock(3, 5)) == 2 * (9 * 5 + 3)
    network = DiffusionNetwork.from_scheme(pdelib.diffusivity("linear"), pdelib.DerivativeOperator(2, 8), 0.1, 5)
    assert parameter_count(network) == 5 * 3
    block.conv.weight.requires_grad_(False)
    assert parameter_count(block) == 0


def test_standard_block_keeps_the_shape():
    block = StandardResidualBlock(4, 3)
    assert block(torch.randn(2, 4, 11, dtype=F64)).shape == (2, 4, 11)


# -- the Euclidean stability theorem ---------------------------------------------------------------


def three_perona_malik(s: torch.Tensor) -> torch.Tensor:
    """3 Phi_PM(s): a nonmonotone flux in the sector with L = 3."""
    return 3.0 * pdelib.diffusivity("perona-malik").torch_flux(s)


#: Activations Phi with their sector bound L: 0 <= Phi(s)/s <= L. SiLU and GELU have Lipschitz
#: constants 1.1 and 1.13, but their ratios Phi(s)/s = sigmoid(s) and Phi_N(s) lie in [0, 1].
ACTIVATIONS = {
    "relu": (torch.relu, 1.0),
    "tanh": (torch.tanh, 1.0),
    "silu": (F.silu, 1.0),
    "gelu": (F.gelu, 1.0),
    "perona-malik": (pdelib.diffusivity("perona-malik"), 1.0),
    "exponential-perona-malik": (pdelib.diffusivity("exponential-perona-malik", contrast=0.3), 1.0),
    "weickert": (pdelib.diffusivity("weickert", contrast=2.0), 1.0),
    "tv": (pdelib.diffusivity("tv", contrast=0.1), 10.0),
    "3 perona-malik": (three_perona_malik, 3.0),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_lies_in_its_sector(name):
    flux, bound = ACTIVATIONS[name]
    magnitudes = torch.cat([torch.logspace(-8, 8, 2001, dtype=F64), torch.linspace(0.01, 10, 2000, dtype=F64)])
    s = torch.cat([magnitudes, -magnitudes])
    ratio = Activation(flux)(s) / s
    assert ratio.min() >= 0.0
    assert ratio.max() <= bound * (1 + 1e-12)
    assert ratio.max() >= 0.9 * bound  # L is the sector's upper end, not a loose bound


@settings(max_examples=50, deadline=None)
@given(
    channels=st.integers(1, 4),
    kernel_size=st.integers(2, 5),
    in_channels=st.integers(1, 2),
    extra_points=st.integers(0, 8),
    boundary=st.sampled_from(pdelib.BOUNDARIES),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    amplitude=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    seed=st.integers(0, 2**32 - 1),
)
def test_block_at_the_bound_never_increases_the_norm(
    channels, kernel_size, in_channels, extra_points, boundary, activation, amplitude, seed
):
    flux, bound = ACTIVATIONS[activation]
    size = kernel_size + extra_points
    block = seeded_block(seed, channels, kernel_size, 1.0, flux, size, boundary=boundary, in_channels=in_channels)
    with torch.no_grad():
        block.tau.fill_(block.stability_bound(bound))
        worst = torch.linalg.svd(block.matrix()).Vh[0].reshape(1, in_channels, size)
        noise = torch.randn(7, in_channels, size, dtype=F64, generator=torch.Generator().manual_seed(seed))
        u = amplitude * torch.cat([worst, noise])
        before = u.flatten(1).norm(dim=1)
        after = block(u).flatten(1).norm(dim=1)
    assert torch.all(after <= before * (1 + 1e-12))


@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
def test_stability_bound_is_sharp(boundary):
    block = seeded_block(1, 3, 3, 1.0, nn.Identity(), 12, boundary=boundary, in_channels=2)
    bound = block.stability_bound(1.0)
    worst = torch.linalg.svd(block.matrix()).Vh[0].reshape(1, 2, 12)
    with torch.no_grad():
        block.tau.fill_(bound)  # eigenvalue 1 - tau ||K P||^2 = -1: the norm is kept
        assert block(worst).norm().item() == pytest.approx(1.0, rel=1e-12)
        block.tau.fill_(1.05 * bound)  # eigenvalue 1 - 2.1 = -1.1: the norm grows
        assert block(worst).norm().item() == pytest.approx(1.1, rel=1e-12)


def test_zero_weight_is_stable_for_every_tau():
    block = seeded_block(0, 2, 3, 1.0, torch.tanh, 6)
    with torch.no_grad():
        block.conv.weight.zero_()
    assert block.stability_bound(1.0) == float("inf")


def test_import_pdelib_does_not_import_torch():
    code = "import pdelib, sys; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- validation ------------------------------------------------------------------------------------

BLOCK_ARGS = {"channels": 2, "kernel_size": 3, "tau": 0.1, "activation": torch.tanh, "size": 8}


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"channels": 0}, ValueError, "channels must be an integer >= 1"),
        ({"channels": 1.5}, TypeError, "channels"),
        ({"kernel_size": 1}, ValueError, "kernel_size must be an integer >= 2"),
        ({"tau": 0.0}, ValueError, "tau must be a finite real number > 0"),
        ({"tau": -0.1}, ValueError, "tau"),
        ({"tau": float("inf")}, ValueError, "tau"),
        ({"tau": float("nan")}, ValueError, "tau"),
        ({"tau": "0.1"}, TypeError, "tau"),
        ({"size": 2}, ValueError, "size must be at least kernel_size = 3"),
        ({"boundary": "dirichlet"}, ValueError, "boundary must be one of 'reflecting', 'periodic'"),
        ({"in_channels": 0}, ValueError, "in_channels must be an integer >= 1"),
        ({"activation": 3}, TypeError, "activation must be"),
        ({"dtype": torch.int64}, TypeError, "dtype must be a real floating torch dtype"),
        ({"dtype": "float64"}, TypeError, "dtype"),
    ],
)
def test_block_rejects_bad_arguments(change, error, match):
    with pytest.raises(error, match=match):
        DiffusionBlock(**{**BLOCK_ARGS, **change})


@pytest.mark.parametrize(
    "u, error, match",
    [
        (np.zeros((1, 1, 8)), TypeError, "u must be a torch tensor"),
        (torch.zeros(1, 1, 8), TypeError, "u must have dtype torch.float64"),
        (torch.zeros(8, dtype=F64), ValueError, r"u must have shape \(batch, 1, 8\)"),
        (torch.zeros(2, 8, dtype=F64), ValueError, r"u must have shape \(batch, 1, 8\)"),
        (torch.zeros(2, 2, 8, dtype=F64), ValueError, r"u must have shape \(batch, 1, 8\)"),
        (torch.zeros(2, 1, 9, dtype=F64), ValueError, r"u must have shape \(batch, 1, 8\)"),
    ],
)
def test_block_rejects_bad_inputs(u, error, match):
    block = seeded_block(0, **BLOCK_ARGS)
    with pytest.raises(error, match=match):
        block(u)


def test_block_methods_reject_bad_arguments():
    block = seeded_block(0, **BLOCK_ARGS)
    with pytest.raises(ValueError, match=r"v must have shape \(batch, 2, 8\)"):
        block.divergence(torch.zeros(1, 1, 8, dtype=F64))
    with pytest.raises(ValueError, match="sector_bound must be a finite real number > 0"):
        block.stability_bound(0.0)
    with pytest.raises(TypeError, match="sector_bound"):
        block.stability_bound("1")


def test_from_scheme_rejects_bad_arguments():
    g, D = pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, 8)
    with pytest.raises(TypeError, match="diffusivity must be a pdelib Diffusivity or activation"):
        DiffusionBlock.from_scheme("linear", D, 0.1)
    with pytest.raises(TypeError, match="operator must be a pdelib DerivativeOperator"):
        DiffusionBlock.from_scheme(g, 1, 0.1)
    with pytest.raises(ValueError, match="tau"):
        DiffusionBlock.from_scheme(g, D, -1.0)
    with pytest.raises(TypeError, match="dtype"):
        DiffusionBlock.from_scheme(g, D, 0.1, dtype=np.float64)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        DiffusionNetwork.from_scheme(g, D, 0.1, steps=0)


def test_network_rejects_bad_blocks():
    block = seeded_block(0, **BLOCK_ARGS)
    with pytest.raises(ValueError, match="blocks must hold at least one"):
        DiffusionNetwork([])
    with pytest.raises(TypeError, match="blocks must hold DiffusionBlocks, got str at index 1"):
        DiffusionNetwork([block, "block"])
    with pytest.raises(ValueError, match="blocks must all have the same in_channels and size"):
        DiffusionNetwork([block, seeded_block(0, **{**BLOCK_ARGS, "size": 9})])


def test_other_functions_reject_bad_arguments():
    with pytest.raises(TypeError, match="flux must be a pdelib Flux or a callable"):
        Activation(3)
    with pytest.raises(ValueError, match="channels"):
        StandardResidualBlock(0, 3)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        StandardResidualBlock(4, 4)
    with pytest.raises(TypeError, match="activation must be a torch module"):
        StandardResidualBlock(4, 3, activation=torch.relu)
    with pytest.raises(TypeError, match="dtype"):
        StandardResidualBlock(4, 3, dtype=torch.int32)
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        parameter_count([torch.zeros(3)])
    with pytest.raises(ValueError, match="channels"):
        parameter_comparison(0, 3)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        parameter_comparison(32, 4)


def test_use_stability_bound_sets_tau_and_keeps_the_norm():
    torch.manual_seed(3)
    block = DiffusionBlock(channels=3, kernel_size=3, tau=1.0, activation=torch.tanh, size=16)
    tau = block.use_stability_bound(1.0)
    assert tau == pytest.approx(2.0 / block.operator_norm_squared(), rel=1e-12)
    assert block.tau.item() == tau
    u = 10.0 * torch.randn(64, 1, 16, dtype=torch.float64)
    with torch.no_grad():
        assert torch.all(block(u).flatten(1).norm(dim=1) <= u.flatten(1).norm(dim=1) * (1 + 1e-12))


def test_use_stability_bound_rejects_a_zero_weight():
    block = DiffusionBlock(channels=1, kernel_size=2, tau=1.0, activation=torch.tanh, size=8)
    with torch.no_grad():
        block.conv.weight.zero_()
    with pytest.raises(ValueError, match="zero"):
        block.use_stability_bound(1.0)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("boundary", ["reflecting", "periodic"])
def test_scheme_deviation_is_rounding_only(order, boundary):
    g = pdelib.diffusivity("perona-malik", 0.1)
    D = pdelib.DerivativeOperator(order, 64, boundary=boundary)
    u0 = pdelib.noisy_step(64)
    assert scheme_deviation(g, D, pdelib.stability_bound(g, D), u0, steps=20) <= 1e-12


def test_scheme_deviation_refuses_a_blow_up():
    g = pdelib.diffusivity("linear")
    D = pdelib.DerivativeOperator(1, 64)
    with pytest.raises(ValueError, match="blew up"):
        scheme_deviation(g, D, 2.0, pdelib.checkerboard(64), steps=100)
