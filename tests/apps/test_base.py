"""The shared base of the apps (pdelib.apps.base), as the browser sees it: a slider whose range follows another
control receives its new range and then its value in one message, a value the browser's slider shows unchanged
(issue 14: no frontend race, no echo); tau / tau* in a status line is never rounded onto the other side of 1."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from ipywidgets import FloatSlider  # noqa: E402

from pdelib.apps import FSIApp, MultigridApp, TimeStepApp  # noqa: E402
from pdelib.apps.base import DIFFUSIVITY_LABELS, browser_value, ratio_text  # noqa: E402

#: (app, its arguments, the control to change, its new value, the slider whose range follows it)
RESCALES = [
    (TimeStepApp, {"size": 64, "steps": 20}, "order", 2, "tau"),
    (TimeStepApp, {"size": 64, "steps": 20, "order": 2, "tau": 0.1}, "order", 1, "tau"),
    (TimeStepApp, {"size": 64, "steps": 20}, "diffusivity", "tv", "tau"),
    (FSIApp, {"size": 64, "max_steps": 100}, "diffusivity", "tv", "tau"),
]
RANGE = ("min", "max", "step")


def browser_slider(state: dict, messages: list) -> list[float]:
    """What ipywidgets 8 in the browser does with ``messages`` (state updates, keys in order) to a FloatSlider
    whose model holds ``state``: Backbone stores a message's values, then fires one change event per changed
    key in the message's order; a range key redraws the noUiSlider from the model's range, step and value, the
    value key moves its handle within the range it has. Returns the values the browser sends back (echoes)."""
    model, drawn, echoes = dict(state), dict(state), []
    for message in messages:
        changed = [key for key, value in message.items() if model[key] != value]
        model.update(message)
        for key in changed:
            if key in RANGE:
                drawn.update({name: model[name] for name in RANGE})
            low, high = drawn["min"], drawn["max"]
            shown = browser_value(min(max(model["value"], low), high), low, high, drawn["step"])
            if shown != model["value"]:
                echoes.append(shown)
                model["value"] = shown
    return echoes


@pytest.mark.parametrize("cls, arguments, control, value, follower", RESCALES,
                         ids=[f"{c.__name__}-{name}={v}" for c, _, name, v, _ in RESCALES])
def test_a_rescaled_slider_takes_its_new_value_without_an_echo(cls, arguments, control, value, follower,
                                                               monkeypatch):
    """Issue 14: clicking n = 2 rescales the tau slider. Its range, step and value reach the browser in one message,
    range first and value last, and the value is one the browser's slider shows unchanged: nothing comes back
    (before: the value applied with the old range and step came back as 1.6 tau* or 0.1130 for 0.1125)."""
    app = cls(**arguments)
    slider = app.controls[follower]
    messages = []
    original = slider.send_state

    def recording_send_state(key=None):
        keys = [key] if isinstance(key, str) else list(key or slider.keys)
        messages.append({name: getattr(slider, name) for name in keys})
        return original(key)

    monkeypatch.setattr(slider, "send_state", recording_send_state)
    before = {name: getattr(slider, name) for name in (*RANGE, "value")}
    ratio = slider.value / app.bound
    app.controls[control].value = value  # what a click in the browser does
    assert slider.value / app.bound == pytest.approx(ratio, abs=1 / 1000)  # tau / tau* kept, to half a step
    assert slider.max != before["max"] and messages
    assert list(messages[0]) == ["min", "max", "step", "value"], messages
    assert browser_slider(before, messages) == []
    if control == "order":  # value first: moved within the old range and step, it would come back changed
        assert browser_slider(before, [dict(reversed(messages[0].items()))]) != []


@pytest.mark.parametrize("cls", [TimeStepApp, FSIApp])
def test_tau_slider_values_set_by_the_app_are_shown_unchanged(cls):
    """The default tau and every tau the app rescales are fixed points of the browser's slider (no echo)."""
    app = cls(size=64)
    slider = app.controls["tau"]
    shown = lambda: browser_value(slider.value, slider.min, slider.max, slider.step)  # noqa: E731
    assert slider.value == shown() and app.defaults["tau"] == slider.value
    for name in DIFFUSIVITY_LABELS.values():
        app.set(diffusivity=name)
        assert slider.value == shown(), name
    app.reset()
    assert slider.value == shown()


def test_browser_value_rounds_as_nouislider():
    """Values read from Chromium (ipywidgets 8.1.9, noUiSlider 15.4): tau = 0.45 on the chapter-02 slider."""
    bound = 0.5000188252489672  # tau* of n = 1, N = 256
    assert browser_value(0.45, 0.0, 1.6 * bound, bound / 500) == 0.4500169427240705
    assert browser_value(0.9, 0.05, 2.0, 0.01) == 0.9000000000000001  # chapter 08's default tau / tau*
    assert browser_value(0.5, 0.0, 1.0, 0.25) == 0.5 and browser_value(0.375, 0.0, 1.0, 0.25) == 0.5  # halves up
    assert browser_value(7.0, 1.0, 11.0, 1.0) == 7.0 and browser_value(12.0, 1.0, 11.0, 1.0) == 11.0


def test_multigrid_size_leaves_the_depth_slider_alone():
    """Chapter 06: N no longer rescales the depth slider (1 .. 11 always); nothing is sent to it."""
    app = MultigridApp(size=63)
    sent = []
    app.controls["depth"].send_state = lambda key=None: sent.append(key)
    app.controls["size"].value = 2047
    assert sent == [] and app.mg.depth == 11


@pytest.mark.parametrize(("ratio", "text"), [(0.9, "0.90"), (1.0, "1.00"), (1.002, "1.002"), (0.9995, "0.9995"),
                                             (1.00004, "1.00004"), (1.6, "1.60"), (0.0, "0.00")])
def test_ratio_text_shows_on_which_side_of_one_tau_lies(ratio, text):
    """Issue 14: at 1.002 tau* the status said "= 1.00 tau*: UNSTABLE"."""
    assert ratio_text(ratio) == text


def test_time_step_status_just_above_the_bound_says_how_far():
    app = TimeStepApp(size=32, steps=20)
    app.set(tau=1.002 * app.bound)
    status = re.sub(r"<[^>]+>", "", app.status.value)
    assert "= 1.002 τ*: above τ*" in status, status


def test_every_float_slider_starts_on_a_value_the_browser_shows_unchanged(small_apps):
    """Issue 14: a default off the slider's grid comes back from the browser as soon as the widget is shown
    (a second update during Run All)."""
    checked = 0
    for name, app in small_apps.items():
        for control_name, control in app.controls.items():
            if isinstance(control, FloatSlider):
                shown = browser_value(app.defaults[control_name], control.min, control.max, control.step)
                assert app.defaults[control_name] == shown, (name, control_name)
                checked += 1
    assert checked >= 7  # tau (02, 04, 08), time (01), the control values c_i (03)


def texts_outside_the_figure(app) -> list[str]:
    """Where the drawn artists (titles, labels, tick labels, texts in the axes) leave the figure, in pixels."""
    app._background = None
    app.render()
    box = app.figure.get_tightbbox(app.canvas.get_renderer())
    width, height = app.figure.get_size_inches()
    sides = {"left": -box.x0, "right": box.x1 - width, "bottom": -box.y0, "top": box.y1 - height}
    return [f"{side} by {inches * app.figure.dpi:.0f} px" for side, inches in sides.items()
            if inches * app.figure.dpi > 1]


@pytest.mark.parametrize("settings", [{}, {"depth": 2, "cycle": "W"}, {"depth": 1}])
def test_multigrid_texts_stay_inside_its_920_px_figure(settings):
    """Issue 14: 'transposed conv P = 2Rᵀ' was cut to '2F' (a 1000 px figure in a 968 px column)."""
    app = MultigridApp(size=63, **settings)
    assert app.figure.bbox.width <= 920
    assert texts_outside_the_figure(app) == []


def test_every_app_figure_fits_a_960_px_column(small_apps):
    for name, app in small_apps.items():
        assert app.figure.bbox.width <= 920, name
        assert texts_outside_the_figure(app) == [], name


def test_an_app_output_carries_its_picture_beside_the_live_view(small_apps):
    """Readers without a kernel (GitHub, nbviewer, JupyterLab before Run All) get the figure, not a VBox line
    (issue 14): the output bundle holds the widget view, the rendered pixels as PNG, and a sentence."""
    import io

    import numpy as np
    from IPython.core.formatters import DisplayFormatter
    from PIL import Image

    from tests.apps.app_rendering import pixels

    for name, app in small_apps.items():
        bundle, _ = DisplayFormatter().format(app)
        assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.widget.model_id, name
        picture = np.asarray(Image.open(io.BytesIO(bundle["image/png"])))
        np.testing.assert_array_equal(picture, app.snapshot_pixels(), err_msg=name)
        figure = pixels(app)  # the figure as rendered, on the right (chapter 09: its static picture on the left)
        np.testing.assert_array_equal(picture[:, picture.shape[1] - figure.shape[1]:], figure, err_msg=name)
        assert picture[..., :3].std() > 10, f"{name}: a blank picture"
        assert bundle["text/plain"].startswith(f"{name}: a live figure"), name
        assert "VBox" not in bundle["text/plain"], name
