"""Headless tests of chapter 09's widget (ImageDiffusionApp): FSI on a photograph, tau against the 2D bound, the
status line (BLOW-UP / UNSTABLE exactly when alarming) and the rendering."""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import io  # noqa: E402
import itertools  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from pdelib import diffusivity  # noqa: E402
from pdelib.apps import ImageDiffusionApp  # noqa: E402
from pdelib.images import load_image, noisy_image  # noqa: E402
from pdelib.measures import checkerboard_amplitude_2d  # noqa: E402
from pdelib.operators2d import Gradient2D  # noqa: E402
from pdelib.plots import COLORS  # noqa: E402
from pdelib.schemes.explicit2d import stability_bound_2d  # noqa: E402
from pdelib.schemes.fsi2d import fsi_with_step_2d  # noqa: E402
from tests.apps.app_rendering import assert_same_pixels, full_redraw_pixels, pixels  # noqa: E402
from tests.apps.test_amplification import plain_status, status_room, status_width  # noqa: E402

TOOLBAR_WARNING = r"Passing unrecognized arguments to super\(Toolbar\)"


def build(**options) -> ImageDiffusionApp:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TOOLBAR_WARNING, category=DeprecationWarning)
        return ImageDiffusionApp(**options)


@pytest.fixture(scope="module")
def shared_app():
    return build()


@pytest.fixture
def app(shared_app):
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


@pytest.fixture(scope="module")
def small_app():
    return build(size=32)


def test_the_default_run_is_the_scheme_and_denoises(app):
    clean = load_image("camera", 256)
    noisy = noisy_image(clean, 0.1, 0)
    flux = diffusivity("perona-malik", 0.05)
    tau = 0.9 * stability_bound_2d(flux, Gradient2D((256, 256)))
    run = fsi_with_step_2d(noisy, 10.0, tau, flux, Gradient2D((256, 256)), cycles=2)
    np.testing.assert_array_equal(app.run.final, run.final)
    np.testing.assert_array_equal(app._result.get_array(), run.final)
    np.testing.assert_allclose(app._removed.get_array(), noisy - run.final)
    status = plain_status(app)
    assert "stable" in status and "UNSTABLE" not in status and "BLOW-UP" not in status
    assert app.result_psnr > app.noisy_psnr + 5  # observed: 20.0 -> 28.1 dB
    assert COLORS["vermillion"] not in app.status.value


def test_the_figure_fits_940_pixels(app):
    width, height = app.figure.get_size_inches() * app.figure.dpi
    assert width + app.noisy_pixels.shape[1] <= 940 and pixels(app).shape[1] + app.noisy_pixels.shape[1] <= 940


def test_the_noisy_photograph_is_a_static_picture_lined_up_with_the_result(app):
    """Issue 14: the noisy photograph never changes, so it is a picture sent once beside the figure, not part of every
    frame; its image has the rows and the size of the result's, and the notebook's static picture shows both."""
    picture = app.noisy_pixels
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(app.noisy_view.value))), picture)
    assert app.noisy_view.layout.width == f"{picture.shape[1]}px" and picture.shape[0] == pixels(app).shape[0]
    assert not any("noisy" in ax.get_title() for ax in app.figure.axes)
    extent = app.ax_images["result"].get_window_extent()
    top, bottom = round(picture.shape[0] - extent.y1), round(picture.shape[0] - extent.y0)
    middle = picture[:, picture.shape[1] // 2, :3]
    photo_rows = np.flatnonzero(np.any(middle != 255, axis=1) & (np.arange(picture.shape[0]) > top - 5))
    assert abs(photo_rows[0] - top) <= 1 and abs(photo_rows[-1] + 1 - bottom) <= 1, (photo_rows[[0, -1]], top, bottom)
    grey = picture[top + 2:bottom - 2, picture.shape[1] // 2 - 60:picture.shape[1] // 2 + 60, :3]
    assert np.ptp(grey) > 150 and np.all(grey[..., 0] == grey[..., 2])  # the noisy photograph, in grey
    snapshot = app.snapshot_pixels()
    assert np.array_equal(snapshot[:, :picture.shape[1]], picture)
    assert np.array_equal(snapshot[:, picture.shape[1]:], pixels(app))


def test_the_snapshot_scales_the_picture_to_a_sharper_figure(small_app):
    """On a high-dpi screen ipympl asks for the figure at twice the dpi: the snapshot still lines both up."""
    small_app.figure.set_dpi(2 * small_app.figure.dpi)
    try:
        small_app.canvas.draw()
        snapshot, figure = small_app.snapshot_pixels(), pixels(small_app)
        assert snapshot.shape[0] == figure.shape[0] == 2 * small_app.noisy_pixels.shape[0]
        assert np.array_equal(snapshot[:, snapshot.shape[1] - figure.shape[1]:], figure)
        assert np.array_equal(snapshot[::2, :2 * small_app.noisy_pixels.shape[1]:2], small_app.noisy_pixels)
    finally:
        small_app.figure.set_dpi(small_app.figure.dpi / 2)
        small_app.canvas.draw()


def test_past_the_bound_the_checkerboard_takes_over_the_photograph_and_the_blowup_is_marked(app):
    stable = pixels(app)
    app.set(diffusivity="linear", time=50.0, tau_ratio=1.5)
    run = app.run
    assert run.blowup is not None
    status = plain_status(app)
    assert status.startswith(f"BLOW-UP at step {run.blowup.step}") and COLORS["vermillion"] in app.status.value
    assert app.ax_images["result"].get_title().startswith("BLOW-UP")
    assert app._blowup_marker.get_xdata()[0] == run.blowup.step
    shown = np.clip(np.nan_to_num(app._result.get_array().filled(np.nan), nan=0.5), 0.0, 1.0)
    assert checkerboard_amplitude_2d(shown) > 0.3  # clipped grey values alternate pixel by pixel (0.5 at most)
    assert app.checkerboard[1] > 1e3 * app.checkerboard[0]
    assert np.any(np.any(pixels(app) != stable, axis=-1))


def test_the_status_says_blowup_or_unstable_exactly_when_alarming(small_app, monkeypatch):
    """On a 32 x 32 photograph, every diffusivity, ratios across the bound, every stopping time (numbers and
    text: ``render`` skipped, 40 times faster; the pixels are checked by the tests below)."""
    app = small_app
    monkeypatch.setattr(app, "render", lambda: None)
    checked = {"BLOW-UP": 0, "UNSTABLE": 0, "calm": 0}
    for name, ratio, time in itertools.product(app.DIFFUSIVITIES.values(), (0.5, 0.99, 1.01, 1.3, 1.6), app.TIMES):
        app.set(diffusivity=name, tau_ratio=ratio, time=time)
        status, run = plain_status(app), app.run
        rose = bool(run.norms.max() > run.norms[0] * (1 + 1e-9))
        assert ("BLOW-UP" in status) == (run.blowup is not None), (name, ratio, time, status)
        assert ("UNSTABLE" in status) == (rose and run.blowup is None), (name, ratio, time, status)
        alarm = "BLOW-UP" in status or "UNSTABLE" in status
        assert (COLORS["vermillion"] in app.status.value) == alarm == app.alarming
        assert ("stable," in status.replace("UNSTABLE", "")) == (not alarm and ratio <= 1)
        assert ("no guarantee" in status) == (not alarm and ratio > 1)
        assert status_width(app) <= status_room(app), status
        checked["BLOW-UP" if run.blowup else "UNSTABLE" if alarm else "calm"] += 1
    assert all(count > 0 for count in checked.values()), checked
    app.reset()


def test_below_the_bound_linear_fsi_never_raises_the_norm(small_app, monkeypatch):
    """FSI is guaranteed stable for linear diffusion below tau*: never UNSTABLE there."""
    monkeypatch.setattr(small_app, "render", lambda: None)
    for ratio, time in itertools.product((0.25, 0.6, 1.0), small_app.TIMES):
        small_app.set(diffusivity="linear", tau_ratio=ratio, time=time)
        assert not small_app.alarming, plain_status(small_app)
    small_app.reset()


def test_tau_moves_blit_and_leave_the_pixels_of_a_full_redraw(app, count_draws):
    draws = count_draws(app)
    full_redraw_pixels(app)
    for ratio in (0.8, 0.85, 0.95):
        before = len(draws)
        app.controls["tau_ratio"].value = ratio
        if app.ax_norm.get_xlim() == (0.0, 20.0):
            assert len(draws) == before, f"tau_ratio = {ratio} must blit"
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after tau_ratio = {ratio}")


def test_the_slider_range_never_changes(app):
    slider = app.controls["tau_ratio"]
    for name in app.DIFFUSIVITIES.values():
        app.set(diffusivity=name, contrast=0.01)
        assert (slider.min, slider.max) == app.RATIO_RANGE
    assert not {"tv", "weickert"} & set(app.DIFFUSIVITIES.values())


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="image"):
        build(image="lena")
    with pytest.raises(ValueError, match="tau_ratio"):
        build(size=16, tau_ratio=2.0)
    with pytest.raises(ValueError, match="diffusivity_name"):
        build(size=16, diffusivity_name="tv")
    with pytest.raises(ValueError, match="contrast"):
        build(size=16, contrast=0.03)
    with pytest.raises(ValueError, match="size"):
        build(size=8)
    with pytest.raises(ValueError, match="cycles"):
        build(size=16, cycles=0)
