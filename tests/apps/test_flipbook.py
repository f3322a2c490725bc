"""Headless tests of the flipbooks (pdelib.apps.flipbook): one frame per value, each frame the app's own figure
and status line at that value, chapter 02's blow-up exactly past tau*, and a player that loads nothing."""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from base64 import b64decode  # noqa: E402

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import pdelib.apps  # noqa: E402
from pdelib.apps import ActivationApp, AmplificationApp, DiffusionApp, FSIApp, TimeStepApp  # noqa: E402
from pdelib.apps.flipbook import (FLIPBOOK_CONTROLS, flipbook, flipbook_spec, palette_png,  # noqa: E402
                                  render_flipbook, start_index, status_text)

pytestmark = pytest.mark.filterwarnings(r"ignore:Passing unrecognized arguments to super\(Toolbar\)")


@pytest.fixture(scope="module")
def time_step_book():
    app = TimeStepApp()
    return app, flipbook(app)


def player_data(page: str) -> dict:
    return json.loads(re.search(r'class="pdelib-flipbook-data">(.*?)</script>', page, re.S).group(1))


def test_chapter_02_has_one_frame_per_tau_from_half_to_one_and_a_half_bounds(time_step_book):
    app, book = time_step_book
    control, values, labels, settings = flipbook_spec(app)
    assert control == "tau" and len(book.frames) == len(values) == len(labels) == 21 and settings == {}
    assert [frame.value for frame in book.frames] == values
    assert values[0] / app.bound == pytest.approx(0.5, abs=1e-3) and values[-1] / app.bound == pytest.approx(1.5, abs=1e-3)


def test_chapter_02_frames_past_the_bound_and_only_those_blow_up(time_step_book):
    app, book = time_step_book
    for frame in book.frames:
        assert ("BLOW-UP" in frame.status) == (frame.value > app.bound), (frame.label, frame.status)
    assert sum(frame.value > app.bound for frame in book.frames) == 10
    assert "BLOW-UP at step 199" in book.frames[11].status and book.frames[11].label == "τ = 0.5250 = 1.05 τ*"


def test_each_frame_is_what_a_fresh_app_shows_at_that_value(time_step_book):
    _, book = time_step_book
    fresh = TimeStepApp()
    for frame in book.frames[::5]:
        fresh.set(tau=frame.value)
        assert frame.status == status_text(fresh) and frame.status_html == fresh.status.value
        assert frame.png == palette_png(fresh.snapshot_png())


def test_rendering_restores_the_controls_and_opens_at_the_current_value(time_step_book):
    app, book = time_step_book
    assert app.controls["tau"].value == app.defaults["tau"]
    assert book.frames[book.start].value == pytest.approx(0.9 * app.bound, abs=app.bound / 500)
    assert start_index(["a", "b"], "b") == 1 and start_index([1.0, 2.0, 3.0], 2.4) == 1 and start_index(["a"], 5) == 0


def test_the_player_is_self_contained_and_accessible(time_step_book):
    _, book = time_step_book
    page = book.to_html(alt="The time-step widget.")
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!data:)|https?://|url\(", page), "the player must load nothing"
    data = player_data(page)
    assert len(data["images"]) == len(data["statuses"]) == len(data["alts"]) == len(book.frames)
    assert all(image.startswith("data:image/png;base64,") for image in data["images"])
    assert 'aria-live="polite"' in page and 'type="range"' in page
    img = re.search(r"<img [^>]*>", page).group(0)
    assert 'alt="The time-step widget. Shown at τ = ' in img
    assert data["alts"][-1].startswith("The time-step widget. Shown at τ = 0.7500 = 1.50 τ*: n = 1") and "BLOW-UP" in data["alts"][-1]


def test_frames_are_palette_pngs_at_the_apps_size(time_step_book):
    app, book = time_step_book
    width, height = app.figure.canvas.get_width_height()
    for frame in book.frames[:2]:
        with Image.open(io.BytesIO(frame.png)) as image:
            assert image.mode == "P" and image.size == (width, height)
    assert book.size < 60_000 * len(book.frames)
    first = player_data(book.to_html())["images"][0]
    assert b64decode(first.partition(",")[2]) == book.frames[0].png


def test_every_chapter_app_declares_a_flipbook():
    apps = {name for name in pdelib.apps.__all__ if name.endswith("App") and name != "App"}
    assert set(FLIPBOOK_CONTROLS) == apps


@pytest.mark.parametrize("cls", [DiffusionApp, ActivationApp, FSIApp, AmplificationApp])
def test_declared_values_are_valid_settings_of_the_app(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = cls()
    control, values, labels, settings = flipbook_spec(app)
    assert len(values) >= 5 and (labels is None or len(labels) == len(values))
    for value in values:
        assert app.check_settings({control: value}) == {control: value}


def test_the_multigrid_flipbook_runs_to_the_deepest_distinct_depth():
    from pdelib.apps import MultigridApp
    from pdelib.schemes.multigrid import max_depth

    app = MultigridApp.__new__(MultigridApp)  # the spec reads the size control only: no solve needed
    app.controls = {"size": SimpleNamespace(value=255)}
    assert flipbook_spec(app) == ("depth", list(range(1, max_depth(255) + 1)), None, {}) and max_depth(255) == 8


def test_a_short_flipbook_of_the_activation_families():
    app = ActivationApp()
    book = render_flipbook(app, "family", ["custom", "relu", "anti-diffusion"])
    assert [frame.label for frame in book.frames] == [app.controls["family"]._options_labels[i] for i in
                                                       [list(app.controls["family"]._options_values).index(v)
                                                        for v in ("custom", "relu", "anti-diffusion")]]
    assert "outside the sector" in book.frames[2].status and "in the sector" in book.frames[1].status


def test_settings_apply_before_the_frames_and_are_restored_after():
    app = DiffusionApp()
    book = render_flipbook(app, "time", [10.0, 40.0], settings={"diffusivity": "linear"})
    assert all(frame.status.startswith("linear") for frame in book.frames), [f.status for f in book.frames]
    assert book.setup == "linear (heat equation)" and "(with linear (heat equation))" in book.to_html()
    assert app.controls["diffusivity"].value == app.defaults["diffusivity"] == "perona-malik"
    with pytest.raises(ValueError, match="settings must not hold the flipbook's control 'time'"):
        render_flipbook(app, "time", [1.0], settings={"time": 2.0})
    with pytest.raises(ValueError, match="diffusivity"):
        render_flipbook(app, "time", [1.0], settings={"diffusivity": "nonsense"})
    assert app.controls["diffusivity"].value == "perona-malik"


def test_bad_input_names_the_parameter():
    app = DiffusionApp()
    with pytest.raises(ValueError, match="control must be one of"):
        render_flipbook(app, "tau", [1.0])
    with pytest.raises(ValueError, match="values must hold"):
        render_flipbook(app, "time", [])
    with pytest.raises(ValueError, match="labels must hold one label per value"):
        render_flipbook(app, "time", [1.0, 2.0], ["one"])
    with pytest.raises(ValueError, match="time"):
        render_flipbook(app, "time", [1.0, 1e9])
    assert app.controls["time"].value == app.defaults["time"]
    with pytest.raises(ValueError, match="colors"):
        palette_png(app.snapshot_png(), 1)
