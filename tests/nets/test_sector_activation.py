"""Tests of pdelib.nets.sector_activation: a trainable activation inside the sector by construction, so the
stable step size of a diffusion block using it is known before, during and after training (chapters 03, 07)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import pdelib
from pdelib.activations import activation
from pdelib.nets.resnet import DiffusionBlock
from pdelib.nets.sector_activation import SectorActivation, SectorFlux

F64 = torch.float64


def dense_grid() -> torch.Tensor:
    """Tiny, moderate and huge |s|, both signs."""
    positive = torch.cat([torch.logspace(-300, 300, 1201, dtype=F64), torch.linspace(1e-3, 20.0, 4000, dtype=F64)])
    return torch.cat([-positive, positive])


def perturbed(module: SectorActivation, seed: int, scale: float) -> SectorActivation:
    """Random weights and bias of the given size (as training might produce), from a private generator."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        module.weights.copy_(scale * torch.randn(module.basis_size, generator=generator, dtype=F64))
        module.bias.fill_(scale * torch.randn((), generator=generator, dtype=F64).item())
    return module


# -- the sector condition holds by construction ---------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    bound=st.floats(0.01, 100.0),
    basis_size=st.integers(1, 16),
    extent=st.floats(0.01, 100.0),
    scale=st.sampled_from([0.0, 1.0, 10.0, 1000.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_sector_condition_for_random_parameters(bound, basis_size, extent, scale, seed):
    phi = perturbed(SectorActivation(bound, basis_size, extent, seed=0), seed, scale)
    assert phi.sector_bound == bound
    s = dense_grid()
    with torch.no_grad():
        values = phi(s)
        g = phi.g(s)
    assert torch.all(torch.isfinite(values))
    ratio = values / s
    assert ratio.min().item() >= 0.0
    assert ratio.max().item() <= bound * (1 + 1e-15)
    assert g.min().item() >= 0.0 and g.max().item() <= bound
    normal = s.abs() * g > 1e-290  # elsewhere s g underflows: Phi = 0, still in the sector
    torch.testing.assert_close(ratio[normal], g[normal], rtol=1e-15, atol=0)
    assert phi(torch.zeros(3, dtype=F64)).abs().max().item() == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_phi_is_odd(seed):
    phi = SectorActivation(seed=seed, init_scale=3.0)
    s = dense_grid()
    with torch.no_grad():
        torch.testing.assert_close(phi(-s), -phi(s), rtol=0, atol=0)


# -- training: gradients, nonmonotone shapes, stability of the block -----------------------------------------------


def test_gradients_flow_to_the_parameters_through_a_block():
    torch.manual_seed(0)
    phi = SectorActivation(sector_bound=2.0, basis_size=6, extent=0.5, seed=1)
    block = DiffusionBlock(channels=3, kernel_size=3, tau=1.0, activation=phi, size=24)
    block.use_stability_bound(phi.sector_bound)
    u = torch.randn(4, 1, 24, dtype=F64)
    target = torch.zeros_like(u)
    loss = ((block(u) - target) ** 2).mean()
    loss.backward()
    for parameter in (phi.weights, phi.bias, block.conv.weight):
        assert parameter.grad is not None
        assert torch.all(torch.isfinite(parameter.grad))
        assert parameter.grad.abs().max().item() > 0
    assert {name for name, _ in block.named_parameters()} >= {"activation.weights", "activation.bias"}


def test_gradients_are_finite_for_huge_and_tiny_inputs():
    phi = SectorActivation(seed=0, init_scale=5.0)
    s = dense_grid().requires_grad_()
    phi(s).sum().backward()
    assert torch.all(torch.isfinite(s.grad))
    assert torch.all(torch.isfinite(phi.weights.grad)) and torch.isfinite(phi.bias.grad)


def test_an_optimiser_step_keeps_the_sector():
    phi = SectorActivation(seed=0)
    optimiser = torch.optim.SGD(phi.parameters(), lr=100.0)
    s = torch.linspace(-3, 3, 301, dtype=F64)
    for _ in range(5):
        optimiser.zero_grad()
        (-(phi(s) / s.where(s != 0, torch.ones_like(s))).sum()).backward()  # pushes g up, as hard as it can
        optimiser.step()
    with torch.no_grad():
        ratio = phi(s[s != 0]) / s[s != 0]
    assert ratio.max().item() <= phi.sector_bound and ratio.min().item() >= 0


def derivative(phi: SectorActivation, s: torch.Tensor) -> torch.Tensor:
    s = s.clone().requires_grad_()
    (gradient,) = torch.autograd.grad(phi(s).sum(), s)
    return gradient


def test_nonmonotone_and_monotone_shapes_are_reachable():
    s = torch.linspace(-3.0, 3.0, 6001, dtype=F64)
    constant = SectorActivation(sector_bound=1.0, init_scale=0.0, seed=0)  # g = L/2: linear diffusion
    assert derivative(constant, s).min().item() == pytest.approx(0.5)
    falling = SectorActivation(sector_bound=1.0, basis_size=4, extent=1.0, init_scale=0.0, seed=0)
    with torch.no_grad():
        falling.weights.copy_(torch.tensor([16.0, 0.0, 0.0, 0.0], dtype=F64))
        falling.bias.fill_(-8.0)  # g ~ 1 near 0, ~ 0 beyond |s| = 1: Perona–Malik-like
    slopes = derivative(falling, s)
    assert slopes.min().item() < -0.1 and slopes.max().item() > 0.9
    assert not falling.to_flux().monotone and constant.to_flux().monotone


@settings(max_examples=50, deadline=None)
@given(
    channels=st.integers(1, 4),
    kernel_size=st.integers(2, 4),
    extra_points=st.integers(0, 12),
    boundary=st.sampled_from(pdelib.BOUNDARIES),
    bound=st.sampled_from([0.5, 1.0, 3.0]),
    scale=st.sampled_from([1.0, 10.0]),
    amplitude=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    seed=st.integers(0, 2**32 - 1),
)
def test_block_at_the_stability_bound_never_increases_the_norm(
    channels, kernel_size, extra_points, boundary, bound, scale, amplitude, seed
):
    size = kernel_size + extra_points
    phi = perturbed(SectorActivation(bound, basis_size=6, extent=1.0, seed=0), seed, scale)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        block = DiffusionBlock(channels, kernel_size, 1.0, phi, size, boundary=boundary)
    with torch.no_grad():
        tau = block.use_stability_bound(phi.sector_bound)
        assert block.tau.item() == tau
        worst = torch.linalg.svd(block.matrix()).Vh[0].reshape(1, 1, size)
        noise = torch.randn(7, 1, size, dtype=F64, generator=torch.Generator().manual_seed(seed))
        u = amplitude * torch.cat([worst, noise])
        norms = [u.flatten(1).norm(dim=1)]
        for _ in range(10):  # ten blocks sharing the weights: a recurrent stack
            u = block(u)
            norms.append(u.flatten(1).norm(dim=1))
    norms = torch.stack(norms)
    assert torch.all(norms[1:] <= norms[:-1] * (1 + 1e-12))


# -- construction: reproducible, validated ------------------------------------------------------------------------


def test_seeded_initialisation_is_reproducible_and_leaves_the_global_stream_alone():
    state = torch.random.get_rng_state()
    a, b = SectorActivation(seed=7), SectorActivation(seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.testing.assert_close(a.weights, b.weights, rtol=0, atol=0)
    assert not torch.equal(a.weights, SectorActivation(seed=8).weights)
    torch.manual_seed(3)
    c = SectorActivation()
    torch.manual_seed(3)
    torch.testing.assert_close(SectorActivation().weights, c.weights, rtol=0, atol=0)
    assert a.bias.item() == 0.0


def test_basis_layout():
    phi = SectorActivation(basis_size=5, extent=2.0)
    torch.testing.assert_close(phi.centres, torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0], dtype=F64))
    assert phi.width == 0.5 and phi.basis_size == 5
    one = SectorActivation(basis_size=1, extent=0.3)
    assert one.centres.tolist() == [0.0] and one.width == 0.3
    assert "sector_bound=1, basis_size=5, extent=2" in repr(phi)
    assert sum(p.numel() for p in phi.parameters()) == 6


def test_float32_parameters():
    phi = SectorActivation(seed=0, dtype=torch.float32)
    s = torch.linspace(-5, 5, 101, dtype=torch.float32)
    assert phi(s).dtype == torch.float32
    assert phi.weights.dtype == torch.float32


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"sector_bound": 0.0}, ValueError, "^sector_bound must be a finite real number > 0"),
        ({"sector_bound": -1.0}, ValueError, "^sector_bound "),
        ({"sector_bound": float("inf")}, ValueError, "^sector_bound "),
        ({"sector_bound": "1"}, TypeError, "^sector_bound "),
        ({"basis_size": 0}, ValueError, "^basis_size must be an integer >= 1"),
        ({"basis_size": 2.5}, TypeError, "^basis_size "),
        ({"extent": 0.0}, ValueError, "^extent must be a finite real number > 0"),
        ({"extent": float("nan")}, ValueError, "^extent "),
        ({"seed": -1}, ValueError, "^seed "),
        ({"seed": 1.5}, TypeError, "^seed "),
        ({"init_scale": -1.0}, ValueError, "^init_scale "),
        ({"dtype": torch.int64}, TypeError, "^dtype "),
        ({"dtype": "float64"}, TypeError, "^dtype "),
    ],
)
def test_bad_constructor_input(arguments, error, match):
    with pytest.raises(error, match=match):
        SectorActivation(**arguments)


# -- from a diffusivity, to a numpy flux --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["perona-malik", "exponential-perona-malik", "weickert", "charbonnier", "linear"])
def test_from_flux_is_close_to_the_diffusivity(name):
    flux = pdelib.diffusivity(name, 0.1)
    state = torch.random.get_rng_state()
    phi = SectorActivation.from_flux(flux)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert phi.sector_bound == flux.bound and phi.extent == pytest.approx(0.3)
    assert phi.weights.grad is None
    s = np.linspace(-0.3, 0.3, 1201)
    with torch.no_grad():
        fitted = phi(torch.as_tensor(s)).numpy()
    assert np.abs(fitted - flux.flux(s)).max() <= 0.03 * 0.1
    if name == "perona-malik":
        assert not phi.to_flux().monotone  # the fit keeps the backward-diffusion range


def test_from_flux_needs_a_flux_in_the_sector():
    with pytest.raises(ValueError, match="not in a sector"):
        SectorActivation.from_flux(activation("softplus"))
    with pytest.raises(TypeError, match="^flux "):
        SectorActivation.from_flux(torch.tanh)
    phi = SectorActivation.from_flux(activation("tanh"), basis_size=6)
    assert phi.sector_bound == 1.0 and phi.extent == 3.0


def test_to_flux_runs_in_the_numpy_scheme_with_the_known_bound():
    phi = perturbed(SectorActivation(sector_bound=2.0, basis_size=6, extent=0.5, seed=0), 11, 3.0)
    flux = phi.to_flux()
    assert isinstance(flux, SectorFlux) and flux.in_sector and flux.bound == 2.0
    s = dense_grid()
    with torch.no_grad():
        expected = phi(s).numpy()
    np.testing.assert_allclose(flux.flux(s.numpy()), expected, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(flux.torch_flux(s).numpy(), expected, rtol=1e-13, atol=1e-300)
    x = np.linspace(-2.0, 2.0, 2001)
    numerical = (flux.flux(x + 1e-6) - flux.flux(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(flux.flux_derivative(x), numerical, atol=1e-6)
    D = pdelib.DerivativeOperator(1, 64)
    assert pdelib.stability_bound(flux, D) == pytest.approx(2.0 / (2.0 * D.norm_squared()))
    u0 = 10.0 * pdelib.checkerboard(64, noise=0.3, seed=1)
    run = pdelib.evolve(u0, pdelib.stability_bound(flux, D), 200, flux, D)
    assert run.blowup is None and run.norm_nonincreasing
