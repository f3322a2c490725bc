"""The shared base of the apps (pdelib.apps.base), as the browser sees it: a slider whose range follows another
control receives its new range and its value in one message (issue 14: no frontend race); tau / tau* in a
status line is never rounded onto the other side of 1."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from pdelib.apps import FSIApp, MultigridApp, TimeStepApp  # noqa: E402
from pdelib.apps.base import ratio_text  # noqa: E402

#: (app, its arguments, the control to change, its new value, the slider whose range follows it)
RESCALES = [
    (TimeStepApp, {"size": 64, "steps": 20}, "order", 2, "tau"),
    (TimeStepApp, {"size": 64, "steps": 20}, "diffusivity", "tv", "tau"),
    (FSIApp, {"size": 64, "max_steps": 100}, "diffusivity", "tv", "tau"),
    (MultigridApp, {"size": 63}, "size", 2047, "depth"),
    (MultigridApp, {"size": 2047}, "size", 63, "depth"),
]


@pytest.mark.parametrize("cls, arguments, control, value, follower", RESCALES,
                         ids=[f"{c.__name__}-{name}={v}" for c, _, name, v, _ in RESCALES])
def test_a_rescaled_slider_sends_range_and_value_together(cls, arguments, control, value, follower, monkeypatch):
    app = cls(**arguments)
    slider = app.controls[follower]
    messages = []
    original = slider.send_state

    def recording_send_state(key=None):
        messages.append({key} if isinstance(key, str) else set(key or ()))
        return original(key)

    monkeypatch.setattr(slider, "send_state", recording_send_state)
    before = (slider.min, slider.max, slider.value)
    app.controls[control].value = value  # what a click in the browser does
    assert (slider.min, slider.max, slider.value) != before
    range_messages = [keys for keys in messages if keys & {"min", "max"}]
    assert range_messages, messages
    for keys in range_messages:
        assert "value" in keys, f"{follower}'s range was sent without its value: {messages}"


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
        np.testing.assert_array_equal(picture, pixels(app), err_msg=name)
        assert picture[..., :3].std() > 10, f"{name}: a blank picture"
        assert bundle["text/plain"].startswith(f"{name}: a live figure"), name
        assert "VBox" not in bundle["text/plain"], name
