"""Tests of pdelib.nets.trained: the chapter-07 networks shipped with the package, and of guaranteed_scale."""

import numpy as np
import pytest
import torch

from pdelib.denoising import make_denoising_data
from pdelib.nets.denoisers import StableDiffusionBlock, guaranteed_scale, run_blocks
from pdelib.nets.resnet import parameter_count
from pdelib.nets.trained import (
    NETWORKS,
    TRAINING,
    WEIGHTS,
    chapter_data,
    chapter_networks,
    in_float64,
    load_networks,
    save_networks,
    untrained_networks,
)
from pdelib.nets.training import evaluate, train


@pytest.fixture(scope="module")
def data():
    return chapter_data()


@pytest.fixture(scope="module")
def shipped(data):
    return load_networks(data)


def test_the_weights_ship_with_the_package_and_load_without_pickled_code():
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 200_000
    content = torch.load(WEIGHTS, weights_only=True)  # tensors, lists and numbers only
    assert set(content["weights"]) == set(NETWORKS)


def test_shipped_networks_have_the_chapter_architectures_and_histories(shipped):
    networks, histories = shipped
    assert {label: parameter_count(model) for label, model in networks.items()} == {
        "(a) standard": 6385, "(b) symmetric": 3225, "(b) symmetric, 8 blocks": 6337}
    for history in histories.values():
        assert history.epochs == TRAINING["epochs"]
        assert history.validation_loss[-1] < history.validation_loss[0] / 2


def test_shipped_weights_come_from_the_recipe(data, shipped):
    """One epoch of the recipe from the seeded initial weights reproduces the shipped history's first epoch
    (float32: up to the CPU's rounding), so the file is what `python -m pdelib.nets.trained` writes."""
    _, histories = shipped
    torch.set_num_threads(1)
    for label, model in untrained_networks(data).items():
        first = train(model, data, epochs=1, seed=TRAINING["seed"], device="cpu")
        assert first.train_loss[0] == pytest.approx(histories[label].train_loss[0], rel=1e-4)
        assert first.validation_loss[0] == pytest.approx(histories[label].validation_loss[0], rel=1e-4)


def test_chapter_networks_are_float64_copies_of_the_shipped_weights(data, shipped):
    networks, _ = shipped
    doubled, _ = chapter_networks(data)
    for label, model in doubled.items():
        assert all(p.dtype == torch.float64 for p in model.parameters())
        assert not model.training
        single, double = evaluate(networks[label], data.test), evaluate(model, data.test)
        assert double["psnr"] == pytest.approx(single["psnr"], abs=1e-4)
    assert all(p.dtype == torch.float32 for p in networks["(a) standard"].parameters())  # the original untouched


def test_float64_evaluation_does_not_depend_on_the_thread_count(data):
    doubled, _ = chapter_networks(data)
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        results.append([evaluate(model, data.test)["psnr"] for model in doubled.values()])
    torch.set_num_threads(1)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_save_and_load_round_trip(tmp_path, data, shipped):
    networks, histories = shipped
    path = tmp_path / "weights.pt"
    save_networks(networks, histories, path)
    again, again_histories = load_networks(data, path)
    x = torch.as_tensor(data.test.noisy[:3], dtype=torch.float32)[:, None, :]
    for label, model in networks.items():
        with torch.no_grad():
            assert torch.equal(model(x), again[label](x))
        assert again_histories[label].validation_loss == histories[label].validation_loss


def test_bad_input(tmp_path, data, shipped):
    networks, histories = shipped
    with pytest.raises(TypeError, match="retrain must be True or False"):
        chapter_networks(data, retrain="no")
    with pytest.raises(TypeError, match="data must be the DenoisingData"):
        chapter_networks(None)
    with pytest.raises(ValueError, match="data must be the chapter's task"):
        chapter_networks(make_denoising_data(signals=40, size=128, noise=0.1, seed=1))
    with pytest.raises(ValueError, match="networks and histories must have the labels"):
        save_networks({"x": networks["(a) standard"]}, histories, tmp_path / "w.pt")
    content = torch.load(WEIGHTS, weights_only=True)
    content["recipe"]["training"] = {"epochs": 1, "seed": 0}
    torch.save(content, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="another recipe"):
        load_networks(data, tmp_path / "other.pt")


def test_in_float64_copies(shipped):
    networks, _ = shipped
    copies = in_float64(networks)
    assert copies["(a) standard"] is not networks["(a) standard"]


# -- guaranteed_scale -----------------------------------------------------------------------------


def test_guaranteed_scale_is_the_smallest_ratio_of_exact_bound_to_step(data):
    doubled, _ = chapter_networks(data)
    model = doubled["(b) symmetric"]
    with torch.no_grad():
        ratios = [block.exact_tau_bound() / float(block.tau) for block in model.blocks]
        fractions = [float(torch.sigmoid(block.step_logit)) for block in model.blocks]
    scale = guaranteed_scale(model)
    assert scale == pytest.approx(min(ratios), rel=1e-12)
    assert scale >= min(1 / f for f in fractions) * (1 - 1e-12)  # tau is that fraction of a bound >= ||KP||^2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_at_the_guaranteed_scale_no_block_increases_the_norm(data, seed):
    doubled, _ = chapter_networks(data)
    model = doubled["(b) symmetric"]
    rng = np.random.default_rng(seed)
    signals = 5.0 * rng.standard_normal((8, data.size))  # inputs the network never saw
    norms, _ = run_blocks(model, signals, repeat_blocks=3, residual_scale=guaranteed_scale(model))
    assert np.all(norms[1:] <= norms[:-1] * (1 + 1e-12))


def test_guaranteed_scale_needs_a_symmetric_network(shipped):
    networks, _ = shipped
    with pytest.raises(ValueError, match="symmetric"):
        guaranteed_scale(networks["(a) standard"])
    assert isinstance(networks["(b) symmetric"].blocks[0], StableDiffusionBlock)
