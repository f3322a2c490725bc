"""Headless tests of the chapter-07 widget (StabilityApp): trained networks outside their training."""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import itertools  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from pdelib.apps import StabilityApp  # noqa: E402
from pdelib.nets.denoisers import diffusion_resnet, norm_trajectory, run_blocks, standard_resnet  # noqa: E402
from pdelib.denoising import make_denoising_data  # noqa: E402
from pdelib.plots import COLORS  # noqa: E402
from pdelib.nets.training import train  # noqa: E402
from tests.apps.app_rendering import assert_moves_blit

DEFAULTS = {"repeat": 1, "scale": 1.0, "inputs": "test"}


@pytest.fixture(scope="module")
def trained():
    data = make_denoising_data(signals=60, size=64, seed=1)
    models = {"(a) standard": standard_resnet(channels=8, blocks=2, seed=1),
              "(b) symmetric": diffusion_resnet(64, channels=8, blocks=2, seed=1)}
    for model in models.values():
        train(model, data, epochs=3, seed=1)
    return models, data


@pytest.fixture(scope="module")
def shared_app(trained):
    models, data = trained
    return StabilityApp(models, data)


@pytest.fixture
def app(shared_app):
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


def test_defaults_and_the_trajectories_of_the_test_signals(app, trained):
    models, data = trained
    assert app.defaults == DEFAULTS
    for label, model in models.items():
        assert np.array_equal(app.trajectories[label], norm_trajectory(model, data.test.noisy[:4]))
        assert app.trajectories[label].shape == (len(model.blocks) + 1, 4)


@pytest.mark.parametrize("repeat, scale, inputs", [(1, 1.0, "test"), (10, 1.0, "amplitude"), (5, 1.0, "noise")])
def test_the_symmetric_network_never_grows_at_its_trained_step(app, repeat, scale, inputs):
    app.set(repeat=repeat, scale=scale, inputs=inputs)
    assert app.growth("(b) symmetric") <= 1.0 + 1e-6  # float32 rounding
    assert "(b) symmetric: never grows" in app.status.value


def test_the_standard_network_grows_outside_its_training(app):
    app.set(repeat=10, scale=4.0)
    assert app.growth("(a) standard") > 1.0
    assert "(a) standard: GROWS" in app.status.value
    assert COLORS["vermillion"] in app.status.value  # alarm colour
    line = app._norm_lines["(a) standard"]
    assert line.get_xdata()[-1] == 10 * 2  # repeat x blocks
    assert np.all(line.get_ydata() <= app.NORM_LIMITS[1])  # clipped at the top edge, never off the axis


def test_output_line_shows_the_first_signal_of_this_configuration(app, trained):
    models, _ = trained
    app.set(repeat=3, scale=2.0, inputs="amplitude")
    _, outputs = run_blocks(models["(b) symmetric"], app.inputs["amplitude"], 3, 2.0)
    assert np.allclose(app._output_lines["(b) symmetric"].get_ydata(), outputs[0] / 10.0)
    assert np.allclose(app._clean_line.get_ydata(), app.clean["amplitude"][0] / 10.0)


def test_updates_blit_and_match_a_full_redraw(app, count_draws):
    """Moves within the fitted norm axis blit; a move whose curves leave it widens the axis (a full redraw)."""
    draws = count_draws(app)
    assert_moves_blit(app, draws, [("inputs", "noise"), ("scale", 0.8), ("inputs", "amplitude")])
    before, limits = len(draws), app.ax_norm.get_ylim()
    app.set(repeat=4)
    assert len(draws) == before + 1 and app.ax_norm.get_ylim() != limits


def test_reset_returns_the_defaults(app):
    app.set(repeat=7, scale=3.0, inputs="noise")
    app.reset()
    assert {name: c.value for name, c in app.controls.items()} == DEFAULTS


def test_bad_arguments(trained):
    models, data = trained
    with pytest.raises(TypeError, match="models must be a non-empty dict"):
        StabilityApp({}, data)
    with pytest.raises(TypeError, match=r"models\['x'\] must be a Denoiser"):
        StabilityApp({"x": torch.nn.Linear(2, 2)}, data)
    with pytest.raises(ValueError, match="signals must be at most"):
        StabilityApp(models, data, signals=1000)


@pytest.mark.parametrize("values, error, message", [
    ({"repeat": 0}, ValueError, "repeat"),
    ({"repeat": 11}, ValueError, "repeat"),
    ({"scale": float("nan")}, ValueError, "scale"),
    ({"scale": 5.0}, ValueError, "scale"),
    ({"scale": "2"}, TypeError, "scale"),
    ({"inputs": "photos"}, ValueError, "inputs must be one of"),
    ({"repeat": 3, "inputs": "photos"}, ValueError, "inputs"),
    ({"depth": 2}, ValueError, "not a control"),
])
def test_a_failed_set_names_the_control_and_changes_nothing(app, values, error, message):
    before = {name: control.value for name, control in app.controls.items()}
    status, pixels = app.status.value, np.asarray(app.canvas.buffer_rgba()).copy()
    with pytest.raises(error, match=message):
        app.set(**values)
    assert {name: control.value for name, control in app.controls.items()} == before
    assert app.status.value == status
    assert np.array_equal(np.asarray(app.canvas.buffer_rgba()), pixels)


def test_bad_data_and_signals(trained):
    models, data = trained
    with pytest.raises(TypeError, match="data must be a DenoisingData"):
        StabilityApp(models, data.test)
    for signals, error in ((0, ValueError), (2.5, TypeError), (float("nan"), TypeError)):
        with pytest.raises(error, match="signals"):
            StabilityApp(models, data, signals=signals)


def test_grows_exactly_when_a_block_raises_a_norm_and_the_axis_shows_the_curves(app):
    """Issue 14: over every control's min, middle and max (and every input), GROWS iff some block raised some
    signal's norm by more than the float32 tolerance (computed here from the trajectories), the status is one line
    of at most 100 characters, and the norm axis holds every drawn point (fitted to the data, not 1e-3 .. 1e8)."""
    import re

    for repeat, scale, inputs in itertools.product((1, 5, 10), (0.5, 2.2, 4.0), StabilityApp.INPUTS.values()):
        app.set(repeat=repeat, scale=scale, inputs=inputs)
        status = re.sub(r"<[^>]+>", "", app.status.value)
        assert "\n" not in status and "<br" not in app.status.value and len(status) <= 100, status
        grows = {}
        for label, norms in app.trajectories.items():
            with np.errstate(all="ignore"):
                ratios = norms[1:] / norms[:-1]
            grows[label] = bool(np.any(~np.isfinite(ratios) | (ratios > 1 + StabilityApp.GROWTH_TOLERANCE)))
            assert (f"{label}: GROWS" in status) == grows[label], (repeat, scale, inputs, status)
        assert (COLORS["vermillion"] in app.status.value) == any(grows.values())
        low, high = app.ax_norm.get_ylim()
        for line in app._norm_lines.values():
            y = np.asarray(line.get_ydata(), dtype=float)
            assert np.all((low <= y) & (y <= high)), (repeat, scale, inputs)
    app.reset()
    assert app.ax_norm.get_ylim()[1] <= 10, "at the defaults every ratio is at most 1: no empty decades above"
