"""Headless tests of the chapter-04 widget (FSIApp): controls, status line, artists and rendering.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), so the
tests drive the app like a user would and assert on its state, its matplotlib artists and the
pixels of the Agg canvas, as tests/apps/test_diffusion_and_time_step.py does for the apps of chapters 01-03.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import math  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import pdelib  # noqa: E402
from pdelib.apps import DIFFUSIVITY_LABELS  # noqa: E402
from pdelib.apps import FSIApp  # noqa: E402
from pdelib.plots import COLORS, STYLE  # noqa: E402
from tests.apps.app_rendering import assert_same_pixels, full_redraw_pixels, pixels

#: tau = 0.45 as the browser's slider (tau*/500 .. 1.6 tau*, step tau*/500) shows it: the app starts there.
DEFAULTS = {"cycle_length": 10, "tau": 0.45001694272407045, "diffusivity": "linear", "time": 100.0}
OPERATOR = pdelib.DerivativeOperator(1, 256)


def bound_of(name: str) -> float:
    return pdelib.stability_bound(pdelib.diffusivity(name, 0.1), OPERATOR)


@pytest.fixture(scope="module")
def shared_app():
    return FSIApp()


@pytest.fixture
def app(shared_app):
    """The shared app back at its defaults (an update costs tens of ms, so skip it when nothing changed)."""
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


def artist_data(artist) -> tuple:
    """What an artist shows, comparable with ==: line data, rectangle extent, text and place, polygons."""
    if isinstance(artist, Line2D):
        return ("line", np.array(artist.get_xydata(), dtype=float).round(12).tobytes())
    if isinstance(artist, Rectangle):
        return ("rectangle", artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height())
    if isinstance(artist, Text):
        return ("text", artist.get_text(), artist.get_position(), artist.get_color())
    if isinstance(artist, PolyCollection):
        return ("polygons", tuple(np.asarray(path.vertices).round(12).tobytes() for path in artist.get_paths()))
    raise TypeError(type(artist))


def snapshot(app) -> dict:
    """artist name -> what it shows, for the app's named artists (lines, bars, texts, shading)."""
    named = {name: getattr(app, name) for name in ("_tau_marker", "_final_line", "_norm_line", "_tv_line",
                                                   "_cycle_marks", "_plain_norm_line", "_plain_tv_line",
                                                   "_blowup_marker", "_bound_line", "_cycle_shading")}
    named.update({f"_cycle_state_lines[{i}]": line for i, line in enumerate(app._cycle_state_lines)})
    named.update({f"_bars[{name}]": bar for name, bar in app._bars.items()})
    named.update({f"_bar_texts[{name}]": text for name, text in app._bar_texts.items()})
    return {name: artist_data(artist) for name, artist in named.items()}


def of_bound(ratio):
    return lambda app: ratio * app.bound


def slider_max(app):
    return app.controls["tau"].max


def resolve(app, value):
    """Control values given as callables are computed from the app's current state (e.g. a ratio of the bound)."""
    return value(app) if callable(value) else value


def plain_text(app) -> str:
    """The status line without its HTML."""
    return re.sub(r"<[^>]+>", "", app.status.value)


# -- building, DOM classes, bad input ---------------------------------------------------------------


def test_building_the_app_emits_no_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FSIApp()
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def test_dom_classes_for_the_browser_tests(app):
    assert "pdelib-app" in app.widget._dom_classes
    assert "pdelib-status" in app.status._dom_classes

    def descendants(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from descendants(child)

    inside = list(descendants(app.widget))
    assert any(w is app.status for w in inside)
    assert any(w is app.canvas for w in inside)
    assert sum("pdelib-reset" in w._dom_classes for w in inside) == 1
    assert set(app.controls) == {"cycle_length", "tau", "diffusivity", "time"}
    for name, control in app.controls.items():
        assert f"pdelib-{name}" in control._dom_classes
        assert any(w is control for w in inside), name


def test_defaults(app):
    assert app.defaults == DEFAULTS
    assert {name: control.value for name, control in app.controls.items()} == DEFAULTS
    assert set(app.controls["diffusivity"].options.values()) == set(pdelib.DIFFUSIVITIES)
    assert app.controls["diffusivity"].options == DIFFUSIVITY_LABELS
    assert (app.controls["cycle_length"].min, app.controls["cycle_length"].max) == (1, 60)


@pytest.mark.parametrize("options, message", [
    ({"cycle_length": 0}, "cycle_length"),
    ({"cycle_length": 61}, "cycle_length"),
    ({"tau": 0.0}, "tau"),
    ({"time": 0.0}, "time"),
    ({"time": 150.0}, "time"),
    ({"max_steps": 1}, "max_steps"),
])
def test_bad_input_gets_a_clear_error(options, message):
    with pytest.raises(ValueError, match=message):
        FSIApp(**options)


# -- every control changes the status line and the artists -----------------------------------------

# (control, new value, artists whose data must change)
CHANGES = [
    ("cycle_length", 20, ["_final_line", "_norm_line", "_tv_line", "_cycle_marks", "_cycle_shading", "_bars[fsi]",
                          "_bar_texts[fsi]"]),  # the plain scheme's ceil(T / tau) does not depend on n
    ("cycle_length", 1, ["_final_line", "_norm_line", "_tv_line", "_cycle_marks", "_bars[fsi]"]),
    ("tau", 0.3, ["_tau_marker", "_final_line", "_norm_line", "_tv_line", "_bars[fsi]", "_bars[plain]"]),
    ("tau", of_bound(1.2), ["_tau_marker", "_final_line", "_norm_line", "_plain_norm_line", "_plain_tv_line",
                            "_blowup_marker"]),
    ("diffusivity", "charbonnier", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "perona-malik", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "exponential-perona-malik", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "weickert", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "tv", ["_final_line", "_norm_line", "_tv_line", "_tau_marker", "_bound_line", "_bars[fsi]",
                           "_bars[plain]"]),
    ("time", 10.0, ["_final_line", "_norm_line", "_tv_line", "_cycle_marks", "_bars[fsi]", "_bars[plain]"]),
    ("time", 1000.0, ["_final_line", "_norm_line", "_tv_line", "_cycle_marks", "_bars[fsi]", "_bars[plain]"]),
]


def test_every_control_and_diffusivity_is_exercised():
    assert {name for name, _, _ in CHANGES} == set(DEFAULTS)
    tried = {value for name, value, _ in CHANGES if name == "diffusivity"} | {DEFAULTS["diffusivity"]}
    assert tried == set(pdelib.DIFFUSIVITIES)


@pytest.mark.parametrize("name, value, artists", CHANGES,
                         ids=[f"{n}={v if not callable(v) else 'above'}" for n, v, _ in CHANGES])
def test_control_changes_status_and_artists(app, name, value, artists):
    before_status, before = app.status.value, snapshot(app)
    value = resolve(app, value)
    app.controls[name].value = value
    assert app.controls[name].value == value
    assert app.status.value != before_status, f"status unchanged after {name} = {value!r}"
    after = snapshot(app)
    for artist in artists:
        assert after[artist] != before[artist], f"{artist} unchanged after {name} = {value!r}"
    # the gauge follows the controls
    assert app._tau_marker.get_xdata()[0] == app.controls["tau"].value
    np.testing.assert_array_equal(app._bound_line.get_xdata(), [app.bound, app.bound])


def test_status_names_the_settings_and_the_costs(app):
    app.set(diffusivity="perona-malik", cycle_length=12, tau=0.4, time=200.0)
    n, tau, time = 12, 0.4, 200.0
    cycle = tau * (n * n + n) / 3
    assert app.cycle_time == pytest.approx(cycle, rel=1e-15)
    schedule = pdelib.fsi_schedule(time, tau, n)
    assert app.schedule == schedule
    full, m = math.ceil(time / cycle) - 1, schedule.last_cycle_length
    plain = math.ceil(time / tau)
    assert (schedule.full_cycles, app.cycles, app.plain_steps_needed) == (full, full + 1, plain)
    assert 1 <= m <= n and schedule.last_tau <= tau
    status = plain_text(app)
    assert status.startswith(f"τ = {0.4 / bound_of('perona-malik'):.2f} τ*, n = 12, T = 200: "
                             f"steps FSI {full * n + m}, plain {plain}")
    # the run stops exactly at T: the last cycle is shortened
    assert app.run.time == pytest.approx(time, rel=1e-12)
    assert app.run.explicit_steps == full * n + m
    assert app.ax_signal.get_title().endswith("T = 200")
    assert app._bar_texts["fsi"].get_text() == f"{full * n + m:,} = {full} × {n} + {m}"
    assert app._bar_texts["plain"].get_text() == f"{plain:,}"
    assert app._bars["fsi"].get_width() == full * n + m - 1  # bars start at 1 on the log axis
    assert app._bars["plain"].get_width() == plain - 1


@pytest.mark.parametrize("cycle_length, tau, time", [(60, 0.45, 100.0), (60, 0.52, 100.0), (10, 0.45, 100.0),
                                                     (24, 0.5, 100.0), (7, 0.3, 1.0), (1, 0.45, 10.0)])
def test_the_run_stops_exactly_at_the_chosen_time(app, cycle_length, tau, time):
    """Issue 14: at n = 60 whole cycles passed T = 100 (the title said T = 549 or 634)."""
    app.set(cycle_length=cycle_length, tau=tau, time=time)
    run = app.run
    assert run.time == pytest.approx(time, rel=1e-12)
    assert app.ax_signal.get_title().endswith(f"T = {time:g}")
    assert app.schedule.last_tau <= tau and app.schedule.last_cycle_length <= cycle_length
    if app.plain is not None:  # above tau*: the plain scheme to the same time, steps of T / K <= tau
        steps = app.plain.norms.size - 1
        assert steps == app.plain_steps_needed and app.plain.tau * steps == pytest.approx(time, rel=1e-12)
        assert app.plain.tau <= tau


# -- below the bound: stable and cheaper ------------------------------------------------------------


@pytest.mark.parametrize("name", pdelib.DIFFUSIVITIES)
def test_below_the_bound_fsi_is_stable_and_takes_fewer_steps(app, name):
    app.set(diffusivity=name, tau=0.9 * bound_of(name))
    assert app.tau_ratio == pytest.approx(0.9, abs=1e-9)
    run = app.run
    assert run.blowup is None
    assert app.plain is None
    assert np.all(np.isfinite(run.norms))
    assert app.schedule.explicit_steps * 3 < app.plain_steps_needed
    status = plain_text(app)
    assert "stable: ‖uᵏ‖ ≤ ‖u⁰‖" in status
    assert "BLOW-UP" not in status
    assert COLORS["vermillion"] not in app.status.value
    assert "BLOW-UP" not in app.ax_signal.get_title()
    assert np.asarray(app._blowup_marker.get_xdata()).size == 0
    assert np.asarray(app._plain_norm_line.get_xdata()).size == 0
    np.testing.assert_array_equal(app._final_line.get_ydata(), run.final)
    np.testing.assert_array_equal(app._norm_line.get_ydata(), run.norms)
    assert run.norm_bounded
    assert status.endswith("guaranteed" if name == "linear" else "observed")
    if app.cycles < app.schedule.cycles:  # regularised TV: L = 1/lambda makes tau* ten times smaller
        assert f"first {app.cycles} cycles" in app.ax_norm.get_title()


def test_cycle_ends_and_shading_mark_the_cycles(app):
    n = app.controls["cycle_length"].value
    run, schedule = app.run, app.schedule
    ends = [*range(0, schedule.full_cycles * n + 1, n), schedule.explicit_steps]
    xs, ys = app._cycle_marks.get_data()
    np.testing.assert_array_equal(xs, ends)
    np.testing.assert_array_equal(run.cycle_ends, ends)
    np.testing.assert_array_equal(ys, run.cycle_norms)
    spans = [(path.vertices[:, 0].min(), path.vertices[:, 0].max()) for path in app._cycle_shading.get_paths()]
    assert spans == [(ends[c], ends[c + 1]) for c in range(1, app.cycles, 2)]
    assert app.ax_norm.get_title() == (f"M = {app.cycles} cycles: {schedule.full_cycles} × {n} + "
                                       f"{schedule.last_cycle_length} steps")
    assert app.ax_norm.get_yscale() == "log"
    assert len(app.run.states) == 2 + app.INTERMEDIATE_STATES  # u0, three cycle ends, the final state
    for line, state in zip(app._cycle_state_lines, app.run.states[1:-1]):
        np.testing.assert_array_equal(line.get_ydata(), state)


def test_cycle_length_one_is_no_cheaper(app):
    app.controls["cycle_length"].value = 1
    assert app.schedule.explicit_steps >= app.plain_steps_needed
    assert f"steps FSI {app.schedule.explicit_steps:,}, plain {app.plain_steps_needed:,}" in plain_text(app)


def test_one_short_cycle_when_t_is_below_a_cycle(app):
    app.set(cycle_length=60, tau=0.45)
    schedule = app.schedule
    assert schedule.full_cycles == 0 and schedule.last_cycle_length < 60
    assert app.ax_norm.get_title() == f"M = 1 cycle of {schedule.last_cycle_length} steps"
    assert app._bar_texts["fsi"].get_text() == f"{schedule.last_cycle_length}: one cycle"


def test_a_long_run_is_shortened_and_reported(app):
    app.set(cycle_length=1, time=1000.0)
    tau = app.controls["tau"].value  # 0.9 tau*, as the browser's slider shows it
    assert app.schedule.cycles == math.ceil(1000.0 / (tau * 2 / 3) * (1 - 1e-12))
    assert app.run.explicit_steps == app.max_steps == app.cycles < app.schedule.cycles
    assert app.run.time == pytest.approx(app.max_steps * tau * 2 / 3)
    assert app.ax_norm.get_title() == f"first {app.max_steps} cycles of n = 1 (of {app.schedule.cycles} for T)"
    assert f"steps FSI {app.schedule.explicit_steps:,}" in plain_text(app)
    assert app._cycle_shading.get_paths() == []  # hundreds of one-step cycles: no bands, no dots
    assert np.asarray(app._cycle_marks.get_xdata()).size == 0


# -- above the bound: blow-up marked, FSI against the plain scheme at the same time -------------------


def test_tau_at_slider_max_blows_up_and_is_marked(app):
    app.controls["tau"].value = app.controls["tau"].max
    assert app.tau_ratio == pytest.approx(1.6)
    run, plain = app.run, app.plain
    assert run.blowup is not None and plain.blowup is not None
    status = plain_text(app)
    assert status.endswith(f"BLOW-UP: FSI step {run.blowup.step}, plain step {plain.blowup.step}")
    assert COLORS["vermillion"] in app.status.value and "bold" in app.status.value
    xs, ys = app._blowup_marker.get_data()
    assert list(xs) == [run.blowup.step, plain.blowup.step]
    assert ys[0] == pytest.approx(run.blowup.norm)
    assert app._blowup_marker.get_visible()
    # the state is shown rescaled, the scale in a red title
    final = run.final
    scale = np.abs(final[np.isfinite(final)]).max()
    np.testing.assert_allclose(app._final_line.get_ydata(), final / scale)
    assert np.nanmax(np.abs(app._final_line.get_ydata())) == pytest.approx(1.0)
    assert app.ax_signal.get_title().startswith(f"BLOW-UP at step {run.blowup.step}")
    assert app.ax_signal.title.get_color() == COLORS["vermillion"]
    assert app.ax_signal.get_ylim() == (-1.15, 1.15)
    assert app.ax_norm.get_ylim()[1] >= 1e10
    np.testing.assert_array_equal(app._plain_norm_line.get_ydata(), plain.norms)
    assert status.startswith("τ = 1.60 τ*, n = 10, T = 100:")


@pytest.mark.parametrize("cycle_length, ratio, time", [(20, 1.04, 1000.0), (60, 1.04, 1000.0), (30, 1.2, 1000.0)])
def test_long_cycles_above_the_bound_blow_up_in_fewer_steps_than_the_plain_scheme(app, cycle_length, ratio, time):
    app.set(cycle_length=cycle_length, tau=ratio * app.bound, time=time)
    run, plain = app.run, app.plain
    assert run.blowup is not None and plain.blowup is not None
    assert run.blowup.step < plain.blowup.step


def test_at_1_04_tau_star_and_t_100_fsi_stays_bounded_where_the_plain_scheme_grows(app):
    """The same time T = 100 in 55 (n = 10) or 33 (n = 20) FSI steps: too few for the unstable mode to grow much;
    the plain scheme takes 193 steps of nearly the same tau."""
    for n in (10, 20):
        app.set(cycle_length=n, tau=1.04 * app.bound)
        run, plain = app.run, app.plain
        assert run.blowup is None and plain.blowup is None
        assert run.norms.max() / run.norms[0] < 1.1
        assert plain.norms.max() / plain.norms[0] > 1000
        assert "‖u‖ GROWS" in plain_text(app)


def test_cycle_length_one_above_the_bound_is_reported_honestly(app):
    """n = 1 is the plain scheme with step 2 tau / 3: it outlasts the plain scheme with step tau."""
    app.set(cycle_length=1, tau=app.controls["tau"].max)
    run, plain = app.run, app.plain
    assert plain.blowup is not None
    assert run.blowup is not None and run.blowup.step > plain.blowup.step
    assert plain_text(app).endswith(f"BLOW-UP: FSI step {run.blowup.step}, plain step {plain.blowup.step}")
    assert sorted(app._blowup_marker.get_xdata()) == sorted([run.blowup.step, plain.blowup.step])
    assert app.run.explicit_steps <= app.max_steps // 2  # above tau*: half of the budget for each run
    app.set(tau=1.2 * app.bound)
    assert app.run.blowup is None and app.plain.blowup is not None
    assert plain_text(app).endswith(f"BLOW-UP: plain step {app.plain.blowup.step}")
    assert COLORS["vermillion"] in app.status.value


def test_bounded_flux_above_the_bound_oscillates_without_blowup(app):
    app.set(diffusivity="perona-malik", cycle_length=60, tau=1.6 * bound_of("perona-malik"), time=1000.0)
    run, plain = app.run, app.plain
    assert run.blowup is None and plain.blowup is None
    tvs = run.total_variations
    assert tvs[-1] > 5 * tvs[0]
    status = plain_text(app)
    assert app.alarm_word in ("GROWS", "UNSTABLE") and app.alarm_word in status
    assert COLORS["vermillion"] in app.status.value  # flagged, although nothing overflows
    assert np.asarray(app._blowup_marker.get_xdata()).size == 0
    np.testing.assert_array_equal(app._final_line.get_ydata(), run.final)


# -- the bound and the tau slider -------------------------------------------------------------------


@pytest.mark.parametrize("name", pdelib.DIFFUSIVITIES)
def test_the_bound_is_drawn_where_stability_bound_says(app, name):
    app.controls["diffusivity"].value = name
    bound = bound_of(name)
    assert app.bound == bound
    np.testing.assert_array_equal(app._bound_line.get_xdata(), [bound, bound])
    assert app._bound_text.get_position()[0] == bound
    assert app._bound_text.get_text() == f"τ* = 2/(L‖D‖²) = {bound:.4f}"
    assert app._stable_band.get_x() == 0 and app._stable_band.get_width() == bound
    assert app._unstable_band.get_x() == bound
    assert app.ax_gauge.get_xlim() == pytest.approx((0, 1.65 * bound))
    slider = app.controls["tau"]
    assert slider.max == pytest.approx(1.6 * bound)
    assert slider.min == slider.step == pytest.approx(bound / 500)
    # tau / tau* stays 0.9 through every change of the bound
    assert app.tau_ratio == pytest.approx(0.9, abs=slider.step / bound)


def test_tau_over_bound_is_kept_when_the_bound_changes(app):
    app.controls["tau"].value = 1.3 * app.bound
    app.controls["diffusivity"].value = "tv"
    assert app.tau_ratio == pytest.approx(1.3, abs=1e-9)
    assert app.controls["tau"].max == pytest.approx(1.6 * bound_of("tv"))
    app.controls["diffusivity"].value = "charbonnier"
    assert app.tau_ratio == pytest.approx(1.3, abs=1e-9)


def test_set_applies_tau_after_the_bound_and_updates_once(app, monkeypatch):
    calls = []
    original = app.recompute
    monkeypatch.setattr(app, "recompute", lambda: (calls.append(1), original())[1])
    app.set(diffusivity="tv", tau=0.04, cycle_length=30)
    assert len(calls) == 1
    assert app.controls["tau"].value == 0.04
    assert app.run.tau == 0.04
    assert plain_text(app).startswith(f"τ = {0.04 / bound_of('tv'):.2f} τ*, n = 30")
    app.set(diffusivity="linear", tau=0.7)  # far above the tv slider range (0.08): not clamped
    assert len(calls) == 2
    assert app.controls["tau"].value == 0.7
    assert app.run.tau == 0.7


def test_reset_returns_every_control_to_its_default(app):
    app.set(diffusivity="tv", cycle_length=3, time=1000.0)
    app.controls["tau"].value = app.controls["tau"].max
    assert {n: c.value for n, c in app.controls.items()} != DEFAULTS
    app.reset()
    assert {n: c.value for n, c in app.controls.items()} == DEFAULTS
    assert app.controls["tau"].max == pytest.approx(1.6 * app.bound)
    fresh = FSIApp()
    assert app.status.value == fresh.status.value
    assert snapshot(app) == snapshot(fresh)
    assert app._axis_limits() == fresh._axis_limits()
    assert_same_pixels(full_redraw_pixels(app), full_redraw_pixels(fresh), "reset vs fresh app")


def test_reset_button_resets(app):
    app.set(cycle_length=25, time=10.0)
    buttons = [w for w in app.widget.children[0].children if "pdelib-reset" in w._dom_classes]
    assert len(buttons) == 1
    buttons[0].click()
    assert {n: c.value for n, c in app.controls.items()} == DEFAULTS


# -- rendering: blitting gives the pixels of a full redraw -------------------------------------------

SEQUENCES = {
    "stable": [("cycle_length", 11), ("tau", 0.40), ("cycle_length", 30), ("time", 50.0), ("tau", 0.2),
               ("time", 1000.0), ("cycle_length", 5)],
    "blowup-and-back": [("tau", slider_max), ("cycle_length", 12), ("tau", of_bound(1.2)), ("cycle_length", 1),
                        ("tau", of_bound(0.5)), ("tau", of_bound(0.6))],
    "diffusivities": [("diffusivity", "perona-malik"), ("tau", of_bound(1.4)), ("cycle_length", 40),
                      ("diffusivity", "charbonnier"), ("diffusivity", "tv"), ("tau", of_bound(0.5)),
                      ("time", 20.0), ("diffusivity", "weickert"), ("diffusivity", "linear"), ("tau", of_bound(0.8))],
}
# Each sequence is checked once at its end (blits accumulate on one cached background); the
# "diffusivities" sequence also after every step (each full-redraw reference re-caches the background).
CASES = [pytest.param(name, steps, every_step, id=f"{name}-{'every-step' if every_step else 'at-end'}")
         for name, steps in SEQUENCES.items()
         for every_step in ((False, True) if name == "diffusivities" else (False,))]


@pytest.mark.parametrize("name, steps, every_step", CASES)
def test_blitted_pixels_equal_a_full_redraw(app, count_draws, name, steps, every_step):
    full_redraw_pixels(app)
    draws = count_draws(app)
    paths = []
    for control, value in steps:
        before = len(draws)
        app.controls[control].value = resolve(app, value)
        paths.append("draw" if len(draws) > before else "blit")
        if every_step:
            context = f"after {control} = {app.controls[control].value!r} ({paths[-1]})"
            assert_same_pixels(pixels(app), full_redraw_pixels(app), context)
    assert "blit" in paths and "draw" in paths, paths  # both rendering paths are exercised
    if not every_step:
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {name} ({paths})")


@pytest.mark.parametrize("control, value",
                         [("cycle_length", 11), ("tau", 0.40), ("cycle_length", 8), ("tau", 0.35)])
def test_small_stable_changes_blit(app, count_draws, control, value):
    draws = count_draws(app)
    limits = app._axis_limits()
    before = pixels(app)
    app.controls[control].value = value
    assert app._axis_limits() == limits
    assert draws == [], f"{control} = {value} inside the stable regime must take the blit path"
    after = pixels(app)
    assert not np.array_equal(after, before), "the blit must show the new state"
    assert_same_pixels(after, full_redraw_pixels(app), "after the blit")


@pytest.mark.parametrize("control, value", [("diffusivity", "tv"), ("tau", slider_max), ("time", 1000.0)])
def test_limit_change_draws_in_full(app, count_draws, control, value):
    draws = count_draws(app)
    limits = app._axis_limits()
    app.controls[control].value = resolve(app, value)
    assert app._axis_limits() != limits
    assert len(draws) >= 1
    assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {control}")


# -- quiet and styled ------------------------------------------------------------------------------


def test_updates_print_nothing(app, capsys):
    capsys.readouterr()
    FSIApp()
    app.controls["cycle_length"].value = 30
    app.controls["tau"].value = app.controls["tau"].max  # blow-up
    app.controls["cycle_length"].value = 1  # both blow up
    app.controls["diffusivity"].value = "perona-malik"  # oscillations, no overflow
    app.controls["time"].value = 1000.0  # shortened run
    app.reset()
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


def test_titles_use_the_course_style(app):
    app.controls["tau"].value = app.controls["tau"].max  # the titles are set again on every update
    for ax in app.figure.axes:
        if ax.get_title():
            assert ax.title.get_fontsize() == STYLE["axes.titlesize"], ax.get_title()
    assert app.figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)
