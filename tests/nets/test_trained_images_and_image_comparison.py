"""Tests of pdelib.nets.trained_images and pdelib.nets.image_comparison: the chapter-09 networks shipped with the
package, their PSNR table against the classical denoisers and their runs outside the training."""

import numpy as np
import pytest
import torch

from pdelib.baselines import Denoised, format_table
from pdelib.nets.denoisers import guaranteed_scale, run_blocks, scale_by_construction
from pdelib.nets.image_comparison import (
    StabilityRow,
    denoising_table,
    format_stability,
    largest_growths,
    stability_table,
)
from pdelib.nets.image_denoisers import ImageDenoiser
from pdelib.nets.resnet import parameter_count
from pdelib.nets.trained_images import (
    CHAPTER09,
    DATA,
    NETWORKS,
    TRAINING,
    WEIGHTS,
    chapter09_data,
    chapter09_networks,
    photograph_psnrs,
    shipped_psnrs,
)
from pdelib.nets.training import evaluate


@pytest.fixture(scope="module")
def data():
    return chapter09_data()


@pytest.fixture(scope="module")
def shipped(data):
    return chapter09_networks(data)


def test_the_weights_ship_with_the_package_and_load_without_pickled_code():
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 100_000
    content = torch.load(WEIGHTS, weights_only=True)  # tensors, lists, tuples and numbers only
    assert content["format"] == 1 and content["recipe"] == {"data": DATA, "training": TRAINING}
    assert set(content["weights"]) == set(NETWORKS) == set(content["results"]) == set(content["histories"])
    for label, history in content["histories"].items():
        assert len(history["train_loss"]) == len(history["validation_loss"]) == TRAINING["epochs"]
        assert history["validation_loss"][-1] < history["validation_loss"][0] / 2, label


def test_shipped_networks_have_equal_parameter_counts_and_run_on_the_test_photograph(data, shipped):
    networks, histories = shipped
    assert [parameter_count(model) for model in networks.values()] == [1230, 1230]
    for model in networks.values():
        assert isinstance(model, ImageDenoiser) and not model.training
        assert all(parameter.dtype == torch.float64 for parameter in model.parameters())
    assert networks["symmetric diffusion net"].shape == data.test_shape == (256, 256)
    assert all(history.epochs == TRAINING["epochs"] for history in histories.values())


def test_loading_the_shipped_weights_reproduces_the_stored_psnr_in_float64(data, shipped):
    networks, _ = shipped
    stored = shipped_psnrs()
    for label, model in networks.items():
        assert evaluate(model, data.test)["psnr"] == pytest.approx(stored[label], abs=1e-9)
    float32, _ = CHAPTER09.load_networks(data)  # as trained: float32 gives the same numbers up to its rounding
    assert photograph_psnrs(float32, data) == pytest.approx(stored, abs=1e-4)
    assert all(parameter.dtype == torch.float32 for parameter in float32["standard 2D ResNet"].parameters())


def test_the_table_has_the_classical_rows_and_the_networks(data, shipped):
    networks, _ = shipped
    rows = denoising_table(data, networks)
    assert [row.method for row in rows][-2:] == list(networks)
    assert rows[0].method == "noisy input" and all(isinstance(row, Denoised) for row in rows)
    assert {row.method: row.psnr for row in rows[-2:]} == pytest.approx(shipped_psnrs(), abs=1e-9)
    assert "6 blocks, 1230 parameters" in format_table(rows)


def test_outside_the_training_the_symmetric_net_never_grows_up_to_its_guaranteed_scale(data, shipped):
    networks, _ = shipped
    rows = stability_table(data, networks, runs=((0.3, 1, 1.5),))
    assert [row.network for row in rows] == list(networks) and all(isinstance(row, StabilityRow) for row in rows)
    assert largest_growths(rows)["symmetric diffusion net"] <= 1 + 1e-12
    text = format_stability(rows)
    assert text.splitlines()[0].startswith("   σ  blocks") and "symmetric diffusion net" in text
    symmetric = networks["symmetric diffusion net"]
    floor = scale_by_construction(symmetric)  # for every image size
    assert 1 < floor <= guaranteed_scale(symmetric.at_shape((24, 24))) * (1 + 1e-12)
    for shape, scale in (((24, 24), guaranteed_scale(symmetric.at_shape((24, 24)))), ((50, 70), floor)):
        images = 3 * np.random.default_rng(1).standard_normal((2, *shape))
        norms, _ = run_blocks(symmetric.at_shape(shape), images, repeat_blocks=2, residual_scale=scale)
        assert np.all(norms[1:] <= norms[:-1] * (1 + 1e-12))


def test_bad_input(data, shipped, tmp_path):
    networks, _ = shipped
    with pytest.raises(TypeError, match="retrain must be True or False"):
        chapter09_networks(data, retrain=1)
    with pytest.raises(TypeError, match="data must be the DenoisingData"):
        chapter09_networks(None)
    with pytest.raises(TypeError, match="data must be the PatchData"):
        denoising_table(None, networks)
    with pytest.raises(TypeError, match="networks must be a non-empty dict"):
        stability_table(data, {})
    with pytest.raises(TypeError, match="runs must hold"):
        stability_table(data, networks, runs=[(0.1, 1)])
    with pytest.raises(ValueError, match="runs: noise"):
        stability_table(data, networks, runs=[(2.0, 1, 1.0)])
    with pytest.raises(TypeError, match="rows must hold StabilityRows"):
        format_stability([1])
    content = torch.load(WEIGHTS, weights_only=True)
    content["recipe"]["training"] = {**TRAINING, "epochs": 1}
    torch.save(content, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="python -m pdelib.nets.trained_images"):
        CHAPTER09.load_networks(data, tmp_path / "other.pt")
