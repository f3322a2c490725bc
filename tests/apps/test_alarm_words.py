"""Alarm words exactly when alarming, and one short status line, over the control grid of the apps of chapters
02, 03, 05 and 06 (issue 14; chapter 08's model: tests/apps/test_amplification.py; chapter 04: tests/apps/test_fsi.py).

For every app the grid is every slider's minimum, middle and maximum and every option of the other controls
(one control at a time from the defaults, plus the combinations that matter: tau x order x diffusivity, ...).
At each state the condition is computed from the app's runs, independently of its wording, and the status must
contain the alarm word iff the condition holds; it must be one line (no line break) of at most
``MAX_STATUS`` characters (one line of a 960 px notebook column). Small instances keep each app under 30 s.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import itertools  # noqa: E402
import re  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pdelib.plots import COLORS  # noqa: E402
from pdelib.schemes.explicit import GROWTH_LIMIT  # noqa: E402

#: Longest status line in characters.
MAX_STATUS = 100
ALARM_WORDS = ("BLOW-UP", "UNSTABLE", "GROWS", "DIVERGES", "STALLS")


def plain_text(app) -> str:
    return re.sub(r"<[^>]+>", "", app.status.value).replace("&lt;", "<").replace("&nbsp;", " ")


def grid_values(app, name: str) -> list:
    """A slider's minimum, middle and maximum (its current range), or every option of another control."""
    control = app.controls[name]
    if isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        low, high = app.control_limits(name, {n: c.value for n, c in app.controls.items()}) or (control.min,
                                                                                             control.max)
        middle = (low + high) / 2
        return [low, round(middle) if isinstance(control, widgets.IntSlider) else middle, high]
    if isinstance(control, widgets.FloatLogSlider):
        return [control.base**control.min, control.base**((control.min + control.max) / 2),
                control.base**control.max]
    if isinstance(control, widgets.SelectionSlider):
        options = control._options_values
        return [options[0], options[len(options) // 2], options[-1]]
    return list(control._options_values)


def visit(app, combined: tuple[str, ...]):
    """Yield after each state: the product of the grids of the ``combined`` controls, then every other control's
    grid one at a time from the defaults."""
    app.reset()
    options = [name for name in combined if not isinstance(app.controls[name], widgets.FloatSlider)]
    sliders = [name for name in combined if name not in options]
    for values in itertools.product(*(grid_values(app, name) for name in options)):
        app.set(**dict(zip(options, values)))
        for name in sliders:  # a slider's range may follow the options (tau against tau*)
            for value in grid_values(app, name):
                app.set(**{name: value})
                yield
        if not sliders:
            yield
    for name in app.controls:
        if name in combined:
            continue
        app.reset()
        for value in grid_values(app, name):
            app.set(**{name: value})
            yield


def overflowed(norms: np.ndarray) -> bool:
    """The blow-up criterion of pdelib.schemes.explicit: some ||u^k|| non-finite or above 10^6 ||u^0||."""
    return bool(not np.all(np.isfinite(norms)) or norms.max() > GROWTH_LIMIT * norms[0])


def assert_one_short_line(app, context) -> str:
    status = plain_text(app)
    assert "<br" not in app.status.value and "\n" not in status, (context, status)
    assert len(status) <= MAX_STATUS, (context, len(status), status)
    return status


def assert_alarm(app, status: str, expected: dict[str, bool], context) -> None:
    """Each word in ``expected`` appears iff its condition holds; no other alarm word appears; red iff any does."""
    for word, condition in expected.items():
        assert (word in status) == condition, (context, word, status)
    for word in ALARM_WORDS:
        if word not in expected:
            assert word not in status, (context, word, status)
    assert (COLORS["vermillion"] in app.status.value) == any(expected.values()), (context, status)


@pytest.fixture
def unrendered(small_apps, monkeypatch):
    """The small app instances with ``render`` skipped: these grids check numbers and text, not pixels."""
    for app in small_apps.values():
        monkeypatch.setattr(app, "render", lambda: None)
    yield small_apps
    for app in small_apps.values():
        app.reset()


def test_time_step_app(unrendered):
    """Chapter 02: BLOW-UP iff the run overflowed; UNSTABLE iff above tau* the TV or the norm grew without overflow."""
    app = unrendered["TimeStepApp"]
    count = 0
    for _ in visit(app, ("diffusivity", "order", "tau")):
        context = {name: control.value for name, control in app.controls.items()}
        status = assert_one_short_line(app, context)
        norms, tvs = app.run.norms, app.run.total_variations
        blowup = overflowed(norms)
        grew = tvs[-1] > tvs[0] or np.any(np.diff(norms) > 0)
        assert_alarm(app, status, {"BLOW-UP": blowup, "UNSTABLE": not blowup and app.ratio > 1 and grew}, context)
        count += 1
    assert count >= 36


def test_activation_app(unrendered):
    """Chapter 03: BLOW-UP iff the run overflowed; GROWS iff ||u^k|| increased at some step without overflow."""
    app = unrendered["ActivationApp"]
    count = 0
    for _ in visit(app, ("family",)):
        context = {name: control.value for name, control in app.controls.items()}
        status = assert_one_short_line(app, context)
        norms = app.run.norms
        blowup = overflowed(norms)
        assert_alarm(app, status, {"BLOW-UP": blowup, "GROWS": not blowup and bool(np.any(np.diff(norms) > 0))},
                     context)
        count += 1
    assert count >= 20


def test_implicit_app(unrendered):
    """Chapter 05: DIVERGES iff the selected solver is the fixed point and its error grew over the iterations."""
    app = unrendered["ImplicitApp"]
    count = 0
    for _ in visit(app, ("solver", "tau")):
        context = {name: control.value for name, control in app.controls.items()}
        status = assert_one_short_line(app, context)
        history = app.fixed.history
        grows = history[-1] > history[0] or not np.isfinite(history[-1])
        assert_alarm(app, status, {"DIVERGES": app.controls["solver"].value == "fixed-point" and bool(grows)},
                     context)
        count += 1
    assert count >= 9


def smoothest_factor(mg) -> float:
    """The smoothing-only cycle's factor on its slowest mode: the largest |eigenvalue| of the error propagation
    matrix of nu_1 + nu_2 sweeps (columns: one cycle applied to each unit error, f = 0)."""
    size = mg.size
    matrix = np.column_stack([mg.cycle(np.zeros(size), np.eye(size)[:, j]) for j in range(size)])
    return float(np.abs(np.linalg.eigvals(matrix)).max())


def test_multigrid_app(unrendered):
    """Chapter 06: STALLS iff the run misses 1e-10 with smoothing alone whose smoothest mode shrinks by more than
    0.99 per cycle (the largest eigenvalue below 1 of the smoothing-only cycle's error matrix, computed here)."""
    app = unrendered["MultigridApp"]
    count = 0
    for _ in visit(app, ("depth", "smoother")):
        context = {name: control.value for name, control in app.controls.items()}
        status = assert_one_short_line(app, context)
        residuals = app.result.residuals
        stalls = residuals[-1] > app.TARGET and app.mg.depth == 1 and smoothest_factor(app.mg) > 0.99
        assert_alarm(app, status, {"STALLS": bool(stalls)}, context)
        count += 1
    assert count >= 6


def test_fsi_app(unrendered):
    """Chapter 04: BLOW-UP iff the FSI run or the plain run to the same T overflowed; else GROWS iff some ||u^k||
    exceeds ||u^0||; else UNSTABLE iff above tau* the total variation grew. The run stops exactly at T."""
    app = unrendered["FSIApp"]
    count, seen = 0, set()
    for _ in visit(app, ("diffusivity", "cycle_length", "time", "tau")):
        context = {name: control.value for name, control in app.controls.items()}
        status = assert_one_short_line(app, context)
        runs = [run for run in (app.run, app.plain) if run is not None]
        blowup = any(overflowed(run.norms) for run in runs)
        grows = not blowup and any(run.norms.max() > run.norms[0] * (1 + 1e-12) for run in runs)
        unstable = (not blowup and not grows and app.tau_ratio > 1
                    and any(run.total_variations[-1] > run.total_variations[0] for run in runs))
        assert_alarm(app, status, {"BLOW-UP": blowup, "GROWS": grows, "UNSTABLE": unstable}, context)
        seen |= {word for word, holds in (("BLOW-UP", blowup), ("GROWS", grows), ("UNSTABLE", unstable)) if holds}
        if not blowup and app.cycles == app.schedule.cycles:
            assert abs(app.run.time - app.controls["time"].value) <= 1e-12 * app.controls["time"].value, context
        count += 1
    assert count >= 54 and seen == {"BLOW-UP", "GROWS", "UNSTABLE"}, seen
