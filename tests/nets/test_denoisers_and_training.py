"""Tests of pdelib.nets.denoisers and pdelib.nets.training: the two denoisers, stability by construction, and a
deterministic training loop (chapter 07). Tiny data and few steps: speed lives in benchmarks/."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib.denoising import make_denoising_data
from pdelib.nets.denoisers import (
    Denoiser,
    StableDiffusionBlock,
    denoise,
    diffusion_resnet,
    learned_fluxes,
    norm_trajectory,
    standard_resnet,
)
from pdelib.nets.resnet import parameter_count
from pdelib.nets.sector_activation import SectorActivation
from pdelib.nets.training import (
    TrainingHistory,
    evaluate,
    noisy_baseline,
    resolve_device,
    train,
)

from .random_blocks import random_activation, randomise

F64 = torch.float64


@pytest.fixture(scope="module")
def tiny_data():
    return make_denoising_data(signals=24, size=32, noise=0.1, seed=0)


# -- stability by construction --------------------------------------------------------------------------------


def randomised_block(seed: int, channels: int, in_channels: int, kernel_size: int, size: int, scale: float,
                     boundary: str, step_logit: float) -> StableDiffusionBlock:
    """A block whose weight, activation parameters and step logit are random (as training might leave them)."""
    generator = torch.Generator().manual_seed(seed)
    block = StableDiffusionBlock(channels, kernel_size, random_activation(seed, generator), size, boundary, in_channels)
    return randomise(block, generator, scale, step_logit)


@settings(max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.integers(1, 6),
    in_channels=st.integers(1, 4),
    kernel_size=st.integers(2, 5),
    size=st.integers(5, 24),
    scale=st.sampled_from([1e-3, 1.0, 30.0]),
    amplitude=st.sampled_from([1e-3, 1.0, 1e3]),
    boundary=st.sampled_from(["reflecting", "periodic"]),
    step_logit=st.floats(-5.0, 40.0),
)
def test_every_block_is_norm_nonincreasing_for_random_parameters(
    seed, channels, in_channels, kernel_size, size, scale, amplitude, boundary, step_logit
):
    block = randomised_block(seed, channels, in_channels, kernel_size, size, scale, boundary, step_logit)
    generator = torch.Generator().manual_seed(seed + 1)
    h = amplitude * torch.randn(8, in_channels, size, generator=generator, dtype=F64)
    with torch.no_grad():
        out = block(h)
        assert block.tau.item() <= block.exact_tau_bound() * (1 + 1e-12)
    ratio = out.flatten(1).norm(dim=1) / h.flatten(1).norm(dim=1)
    assert ratio.max().item() <= 1 + 1e-12


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), kernel_size=st.integers(2, 5), size=st.integers(5, 20),
       boundary=st.sampled_from(["reflecting", "periodic"]))
def test_operator_norm_bound_is_an_upper_bound(seed, kernel_size, size, boundary):
    block = randomised_block(seed, 3, 2, kernel_size, size, 1.0, boundary, 0.0)
    with torch.no_grad():
        bound = block.operator_norm_bound().item()
    assert block.operator_norm_squared() <= bound * (1 + 1e-12)


def test_tau_is_differentiable_and_the_bound_is_exact_for_the_derivative_stencil():
    block = StableDiffusionBlock(1, 2, SectorActivation(seed=0), size=64)
    with torch.no_grad():
        block.conv.weight.copy_(torch.tensor([[[-1.0, 1.0]]], dtype=F64))
    assert block.padding_multiplicity == 1
    assert block.operator_norm_bound().item() == pytest.approx(4.0)  # sup |1 - e^{i omega}|^2, vs ||D||^2 < 4
    assert block.tau.item() == pytest.approx(0.5 * 0.5)  # sigmoid(0) * 2 / (1 * 4)
    block.tau.backward()
    assert block.step_logit.grad is not None and block.conv.weight.grad is not None
    with pytest.raises(TypeError, match="computes tau from its weights"):
        block.use_stability_bound(1.0)


def test_diffusion_network_norms_never_grow_out_of_distribution_standard_can():
    data = make_denoising_data(signals=10, size=32, noise=0.3, seed=4)
    symmetric = diffusion_resnet(32, channels=4, blocks=3, seed=1, dtype=F64)
    standard = standard_resnet(channels=4, blocks=3, seed=1, dtype=F64)
    x = 50 * data.test.noisy  # larger amplitude and noise than any training
    norms = norm_trajectory(symmetric, x, repeat_blocks=4)
    assert norms.shape == (13, len(data.test))
    assert np.all(np.diff(norms, axis=0) <= 1e-12 * norms[:-1])
    # a larger step than trained: the guarantee is gone for the standard blocks, which grow here
    grown = norm_trajectory(standard, x, repeat_blocks=4, residual_scale=3.0)
    assert grown[-1].max() > grown[0].max()


# -- builders and parameter counts ----------------------------------------------------------------------------


def test_builders_count_parameters_and_halve_them():
    standard = standard_resnet(channels=8, blocks=4, kernel_size=3)
    symmetric = diffusion_resnet(64, channels=8, blocks=4, kernel_size=3, basis_size=8)
    frame = 2 * 8 * 3 + 8 + 1  # lift 1 -> C and read-out C -> 1, with biases
    assert parameter_count(standard) == 4 * 2 * (8 * 8 * 3 + 8) + frame
    assert parameter_count(symmetric) == 4 * (8 * 8 * 3 + 8 + 2) + frame
    matched = diffusion_resnet(64, channels=8, blocks=8)
    assert abs(parameter_count(matched) - parameter_count(standard)) < 0.05 * parameter_count(standard)
    assert "symmetric diffusion ResNet" in repr(symmetric) and "standard ResNet" in repr(standard)


def test_builders_are_seeded_and_leave_the_global_stream_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = diffusion_resnet(16, channels=2, blocks=1, seed=5)
    assert torch.equal(torch.rand(1), before)
    second = diffusion_resnet(16, channels=2, blocks=1, seed=5)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: standard_resnet(channels=0), ValueError, "channels must be an integer >= 1"),
        (lambda: standard_resnet(kernel_size=4), ValueError, "kernel_size must be odd"),
        (lambda: diffusion_resnet(32, blocks=0), ValueError, "blocks must be an integer >= 1"),
        (lambda: diffusion_resnet(2, kernel_size=3), ValueError, "size must be an integer >= 3"),
        (lambda: diffusion_resnet(32, seed=-1), ValueError, "seed must be an integer >= 0"),
        (lambda: StableDiffusionBlock(2, 3, torch.nn.ReLU(), 8), TypeError, "sector_bound"),
        (lambda: StableDiffusionBlock(2, 3, SectorActivation(), 8, step_fraction=1.0), ValueError,
         r"step_fraction must lie in \(0, 1\)"),
        (lambda: Denoiser([], 2, 3, F64), ValueError, "at least one residual block"),
        (lambda: Denoiser([torch.nn.ReLU()], 2, 3, F64), TypeError, "blocks must hold"),
    ],
)
def test_bad_builder_arguments_are_named(build, error, match):
    with pytest.raises(error, match=match):
        build()


# -- training -------------------------------------------------------------------------------------------------


def test_training_lowers_the_loss_and_beats_nothing_silly(tiny_data):
    model = standard_resnet(channels=4, blocks=2)
    history = train(model, tiny_data, epochs=6, batch_size=8, learning_rate=1e-2, device="cpu")
    assert isinstance(history, TrainingHistory) and history.epochs == 6 and history.device == "cpu"
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.validation_loss[-1] < history.validation_loss[0]
    assert "6 epochs on cpu" in repr(history)
    result = evaluate(model, tiny_data.test)
    assert result["psnr"] == pytest.approx(10 * np.log10(1 / result["mse"]))
    assert noisy_baseline(tiny_data.test)["psnr"] == pytest.approx(20.0, abs=1.0)


def test_symmetric_training_lowers_the_loss_and_stays_stable(tiny_data):
    model = diffusion_resnet(32, channels=4, blocks=2)
    history = train(model, tiny_data, epochs=4, batch_size=8, learning_rate=1e-2, device="cpu")
    assert history.train_loss[-1] < history.train_loss[0]
    norms = norm_trajectory(model, 10 * tiny_data.test.noisy, repeat_blocks=3)
    assert np.all(np.diff(norms, axis=0) <= 1e-6 * norms[:-1])  # float32 rounding only
    fluxes = learned_fluxes(model)
    assert len(fluxes) == 2 and all(isinstance(flux.monotone, bool) for flux in fluxes)
    s = np.linspace(-3, 3, 61)
    assert fluxes[0].flux(s).shape == s.shape
    assert denoise(model, tiny_data.test.noisy[0]).shape == (32,)
    with pytest.raises(ValueError, match="must be a symmetric diffusion ResNet"):
        learned_fluxes(standard_resnet(channels=2, blocks=1))


def rounded_losses(seed: int, data) -> list[str]:
    model = diffusion_resnet(32, channels=3, blocks=2, seed=seed)
    history = train(model, data, epochs=3, batch_size=8, seed=seed, device="cpu")
    return [f"{loss:.4g}" for loss in history.train_loss + history.validation_loss]


def test_same_seed_gives_the_same_printed_losses(tiny_data):
    assert rounded_losses(0, tiny_data) == rounded_losses(0, tiny_data)
    assert rounded_losses(0, tiny_data) != rounded_losses(1, tiny_data)


def test_progress_callback_and_display(tiny_data, capsys):
    calls = []
    train(standard_resnet(channels=2, blocks=1), tiny_data, epochs=2, device="cpu",
          progress=lambda *values: calls.append(values))
    assert [call[:2] for call in calls] == [(1, 2), (2, 2)]
    train(standard_resnet(channels=2, blocks=1), tiny_data, epochs=1, device="cpu", progress=True)
    printed = capsys.readouterr().out  # outside a notebook: one terminal line rewritten, then blanked
    assert "\repoch 1/1: train loss" in printed and printed.endswith("\r")


def test_devices():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None).type in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device 'cuda' is not available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda'"):
        resolve_device("tpu")
    with pytest.raises(TypeError, match="device must be"):
        resolve_device(0.5)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate must be a finite real number > 0"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"progress": "yes"}, TypeError, "progress must be True, False or a callable"),
    ],
)
def test_bad_training_arguments_are_named(tiny_data, arguments, error, match):
    with pytest.raises(error, match=match):
        train(standard_resnet(channels=2, blocks=1), tiny_data, device="cpu", **arguments)


def test_bad_training_inputs_are_named(tiny_data):
    with pytest.raises(TypeError, match="data must be a DenoisingData"):
        train(standard_resnet(channels=2, blocks=1), tiny_data.train)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train("resnet", tiny_data)
    with pytest.raises(TypeError, match="x must be a numpy array"):
        norm_trajectory(standard_resnet(channels=2, blocks=1), [1.0, 2.0])
    with pytest.raises(ValueError, match="repeat_blocks must be an integer >= 1"):
        norm_trajectory(standard_resnet(channels=2, blocks=1), np.zeros(8), repeat_blocks=0)


def test_denoise_with_the_trained_configuration_equals_the_forward_pass():
    from pdelib.nets.denoisers import denoise, diffusion_resnet, standard_resnet

    x = np.random.default_rng(0).standard_normal((3, 16))
    for model in (standard_resnet(channels=4, blocks=2), diffusion_resnet(16, channels=4, blocks=2)):
        with torch.no_grad():
            expected = model(torch.as_tensor(x, dtype=torch.float32)[:, None, :])[:, 0, :].double().numpy()
        assert np.array_equal(denoise(model, x), expected)
        repeated = denoise(model, x, repeat_blocks=3, residual_scale=2.0)
        assert repeated.shape == x.shape and not np.array_equal(repeated, expected)


def test_inference_reuses_tau_until_the_parameters_change():
    from pdelib.nets.denoisers import diffusion_resnet

    model = diffusion_resnet(16, channels=4, blocks=1, dtype=torch.float64)
    block = model.blocks[0]
    h = torch.randn(2, 4, 16, dtype=torch.float64)
    with torch.no_grad():
        first = block(h)
        assert torch.equal(block(h), first)
        block.conv.weight.mul_(1.5)  # an in-place change (as an optimizer step makes) must be seen
        changed = block(h)
    expected = h - block.tau * block.divergence(block.activation(block.derivative(h)))
    assert torch.allclose(changed, expected, rtol=0, atol=1e-14) and not torch.equal(changed, first)


def test_largest_growth_is_the_largest_ratio_per_block():
    from pdelib.nets.denoisers import largest_growth

    norms = np.array([[1.0, 2.0], [0.5, 3.0], [0.25, 2.5]])
    assert largest_growth(norms) == pytest.approx(1.5)
    assert largest_growth(np.array([[1.0], [np.inf]])) == np.inf
    with pytest.raises(ValueError, match=r"norms must have shape \(blocks \+ 1, signals\)"):
        largest_growth(np.ones(3))
