"""The shared base of the apps (pdelib.apps.base), as the browser sees it: a slider whose range follows another
control receives its new range and its value in one message (issue 14: no frontend race)."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from pdelib.apps import FSIApp, MultigridApp, TimeStepApp  # noqa: E402

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
