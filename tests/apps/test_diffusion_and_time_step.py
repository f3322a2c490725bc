"""Headless tests of the widget apps (chapters 01-02): controls, status line, artists and rendering.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), so the
tests drive the apps like a user would and assert on their state, their matplotlib artists and
the pixels of the Agg canvas. No browser is needed (the browser tests live elsewhere).
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import math  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pdelib  # noqa: E402
from pdelib.apps import DIFFUSIVITY_LABELS, DiffusionApp, TimeStepApp  # noqa: E402
from pdelib.plots import COLORS, STYLE  # noqa: E402
from tests.apps.app_rendering import assert_same_pixels, full_redraw_pixels, pixels

#: ipympl 0.10 passes the canvas on to DOMWidget.__init__ when it creates its Toolbar, which
#: traitlets 5 reports as a DeprecationWarning. It is raised while an app is *built* (never on an
#: update); test_building_an_app_emits_no_warning checks for it, the other tests ignore only it.
TOOLBAR_WARNING = r"Passing unrecognized arguments to super\(Toolbar\)"

#: tau = 0.45 as the browser's slider (0 .. 1.6 tau*, step tau*/500) shows it: the app starts there (no echo).
TIME_STEP_DEFAULTS = {"tau": 0.4500169427240705, "diffusivity": "linear", "order": 1}
DIFFUSION_DEFAULTS = {"diffusivity": "perona-malik", "contrast": 0.1, "order": 1, "time": 20.0}


def build(cls, **options):
    """Build an app, ignoring only the known ipympl/traitlets construction warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TOOLBAR_WARNING, category=DeprecationWarning)
        return cls(**options)


@pytest.fixture(scope="module")
def shared_time_app():
    return build(TimeStepApp)


@pytest.fixture(scope="module")
def shared_diffusion_app():
    return build(DiffusionApp)


def restored(app):
    """The shared app back at its defaults (an update costs ~0.1 s, so skip it when nothing changed)."""
    if {name: control.value for name, control in app.controls.items()} != app.defaults:
        app.reset()
    return app


@pytest.fixture
def time_app(shared_time_app):
    return restored(shared_time_app)


@pytest.fixture
def diffusion_app(shared_diffusion_app):
    return restored(shared_diffusion_app)


@pytest.fixture
def apps(shared_time_app, shared_diffusion_app):
    """Lookup of the shared apps by name ("time", "diffusion"), each restored when first asked for."""

    class Apps(dict):
        def __getitem__(self, which):
            return restored(super().__getitem__(which))

    return Apps(time=shared_time_app, diffusion=shared_diffusion_app)


def line_data(line) -> np.ndarray:
    return np.array(line.get_xydata(), dtype=float)


def resolve(app, value):
    """Control values given as callables are computed from the app's current state (e.g. a ratio of the bound)."""
    return value(app) if callable(value) else value


def of_bound(ratio):
    return lambda app: ratio * app.bound


def slider_max(app):
    return app.controls["tau"].max


# -- building, DOM classes ------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [TimeStepApp, DiffusionApp])
def test_building_an_app_emits_no_warning(cls):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cls()
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert messages == [], "building the app warns (fails under filterwarnings = error)"


@pytest.mark.parametrize("which", ["time", "diffusion"])
def test_dom_classes_for_the_browser_tests(apps, which):
    app = apps[which]
    assert "pdelib-app" in app.widget._dom_classes
    assert "pdelib-status" in app.status._dom_classes

    def descendants(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from descendants(child)

    inside = list(descendants(app.widget))
    assert any(w is app.status for w in inside)
    assert any(w is app.canvas for w in inside)
    for name, control in app.controls.items():
        assert f"pdelib-{name}" in control._dom_classes
        assert any(w is control for w in inside), name


def test_control_names():
    assert set(TIME_STEP_DEFAULTS) == {"tau", "diffusivity", "order"}
    assert set(DIFFUSION_DEFAULTS) == {"diffusivity", "contrast", "order", "time"}


@pytest.mark.parametrize("which, defaults", [("time", TIME_STEP_DEFAULTS), ("diffusion", DIFFUSION_DEFAULTS)])
def test_defaults(apps, which, defaults):
    app = apps[which]
    assert app.defaults == defaults
    assert {name: control.value for name, control in app.controls.items()} == defaults


# -- every control changes the status line and the artists -----------------------------------------

# (control, new value, artists whose data must change)
# The TimeStepApp status line does not name the diffusivity: linear -> Charbonnier at the default tau
# gives the same rounded numbers, hence the same status (only the artists change). That case is
# listed in STATUS_MAY_STAY; every other change must change the status.
TIME_STEP_CHANGES = [
    ("tau", 0.3, ["_tau_marker", "_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "charbonnier", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "perona-malik", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "exponential-perona-malik", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "weickert", ["_final_line", "_norm_line", "_tv_line"]),
    ("diffusivity", "tv", ["_final_line", "_norm_line", "_tv_line", "_tau_marker", "_bound_line"]),
    ("order", 2, ["_final_line", "_norm_line", "_tv_line", "_tau_marker", "_bound_line"]),
]
DIFFUSION_CHANGES = [
    ("diffusivity", "linear", ["_flux_line", "_u_line"]),
    ("diffusivity", "charbonnier", ["_flux_line", "_u_line"]),
    ("diffusivity", "exponential-perona-malik", ["_flux_line", "_u_line"]),
    ("diffusivity", "weickert", ["_flux_line", "_u_line"]),
    ("diffusivity", "tv", ["_flux_line", "_u_line"]),
    ("contrast", 0.3, ["_flux_line", "_lambda_line", "_u_line"]),
    ("order", 2, ["_u_line"]),
    ("time", 50.0, ["_u_line"]),
]


def test_every_control_and_diffusivity_is_exercised():
    for changes, defaults in ((TIME_STEP_CHANGES, TIME_STEP_DEFAULTS), (DIFFUSION_CHANGES, DIFFUSION_DEFAULTS)):
        assert {name for name, _, _ in changes} == set(defaults)
        tried = {value for name, value, _ in changes if name == "diffusivity"} | {defaults["diffusivity"]}
        assert tried == set(DIFFUSIVITY_LABELS.values())


STATUS_MAY_STAY = {(TimeStepApp, "diffusivity", "charbonnier")}


def check_change(app, name, value, artists):
    before_status = app.status.value
    before = {artist: line_data(getattr(app, artist)) for artist in artists}
    app.controls[name].value = value
    assert app.controls[name].value == value
    if (type(app), name, value) not in STATUS_MAY_STAY:
        assert app.status.value != before_status, f"status unchanged after {name} = {value!r}"
    for artist in artists:
        after = line_data(getattr(app, artist))
        assert not np.array_equal(after, before[artist]), f"{artist} unchanged after {name} = {value!r}"


@pytest.mark.parametrize("name, value, artists", TIME_STEP_CHANGES, ids=[f"{n}={v}" for n, v, _ in TIME_STEP_CHANGES])
def test_time_step_app_control_changes_status_and_artists(time_app, name, value, artists):
    check_change(time_app, name, value, artists)
    app = time_app
    tau, bound = app.controls["tau"].value, app.bound
    assert app._tau_marker.get_xdata()[0] == tau
    np.testing.assert_array_equal(app._bound_line.get_xdata(), [bound, bound])
    assert app.ax_gauge.get_xlim() == pytest.approx((0, 1.65 * bound))
    assert f"τ = {tau:.4f}" in app.status.value
    np.testing.assert_array_equal(app._norm_line.get_ydata(), app.run.norms)
    np.testing.assert_array_equal(app._norm_line.get_xdata(), np.arange(app.run.norms.size))
    np.testing.assert_array_equal(app._tv_line.get_ydata(), app.run.total_variations)
    if app.run.blowup is None:
        np.testing.assert_array_equal(app._final_line.get_ydata(), app.run.final)


@pytest.mark.parametrize("name, value, artists", DIFFUSION_CHANGES, ids=[f"{n}={v}" for n, v, _ in DIFFUSION_CHANGES])
def test_diffusion_app_control_changes_status_and_artists(diffusion_app, name, value, artists):
    check_change(diffusion_app, name, value, artists)
    app = diffusion_app
    values = {n: c.value for n, c in app.controls.items()}
    diff = pdelib.diffusivity(values["diffusivity"], values["contrast"])
    np.testing.assert_allclose(app._flux_line.get_ydata(), diff.flux(app.s))
    np.testing.assert_array_equal(app._u_line.get_ydata(), app.run.final)
    assert diff.title in app.status.value
    assert f"n = {values['order']}" in app.status.value
    shaded = sum(len(path.vertices) for path in app._backward.get_paths())
    assert (shaded == 0) == diff.monotone, "Φ′ < 0 shading must appear exactly for nonmonotone fluxes"


# -- TimeStepApp: below and above the stability bound -----------------------------------------------


def test_default_tau_is_stable(time_app):
    app = time_app
    assert app.signal.size == 256 and app.steps == 500
    assert app.controls["tau"].value == pytest.approx(0.45, abs=1e-4)  # as the browser's slider shows 0.45
    assert app.bound == pytest.approx(0.5, rel=1e-3)
    assert app.ratio < 1
    status = app.status.value
    assert "stable" in status
    assert "BLOW-UP" not in status and "UNSTABLE" not in status
    assert app.run.blowup is None
    norms = app.run.norms
    assert norms.size == 501
    assert np.all(np.diff(norms) <= 1e-12 * norms[:-1])
    assert app.run.norm_nonincreasing
    assert "never increases" in status
    assert COLORS["vermillion"] not in status  # no alarm colour
    assert "BLOW-UP" not in app.ax_signal.get_title()
    assert np.asarray(app._blowup_marker.get_xdata()).size == 0


@pytest.mark.parametrize("order", [1, 2])
def test_linear_blowup_at_slider_max(time_app, order):
    app = time_app
    app.controls["order"].value = order
    slider = app.controls["tau"]
    assert slider.max == pytest.approx(1.6 * app.bound)
    slider.value = slider.max
    assert app.ratio == pytest.approx(1.6)
    run = app.run
    assert run.blowup is not None
    status = app.status.value
    assert "BLOW-UP at step" in status
    assert f"BLOW-UP at step {run.blowup.step}" in status
    assert "stable" not in status
    assert COLORS["vermillion"] in status  # alarm colour
    assert f"BLOW-UP at step {run.blowup.step}" in app.ax_signal.get_title()
    assert app.ax_signal.title.get_color() == COLORS["vermillion"]
    x, y = app._blowup_marker.get_data()
    assert list(x) == [run.blowup.step]
    assert len(y) == 1 and np.isfinite(y[0]) and y[0] > 0
    low, high = app.ax_norm.get_ylim()
    assert low <= y[0] <= high, "the blow-up marker must be inside the norm axes"
    shown = np.asarray(app._final_line.get_ydata(), dtype=float)
    assert np.all(np.isfinite(shown))
    assert np.abs(shown).max() == pytest.approx(1.0)
    np.testing.assert_allclose(shown, run.final / np.abs(run.final).max())
    low, high = app.ax_signal.get_ylim()
    assert low <= -1 and high >= 1


def test_blowup_emits_no_runtime_warning(time_app):
    app = time_app
    app.controls["order"].value = 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.controls["tau"].value = app.controls["tau"].max
        app.set(tau=app.controls["tau"].max * 0.99)
    assert app.run.blowup is not None
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def test_perona_malik_above_bound_oscillates_without_blowup(time_app):
    app = time_app
    app.controls["diffusivity"].value = "perona-malik"
    app.controls["tau"].value = 1.3 * app.bound
    assert app.ratio == pytest.approx(1.3, abs=1e-9)
    run = app.run
    assert run.blowup is None
    assert np.all(np.isfinite(run.norms))
    status = app.status.value
    assert "BLOW-UP" not in status
    assert "UNSTABLE" in status or "TV" in status and "grow" in status
    tvs = run.total_variations
    assert tvs[-1] > tvs.min()
    assert tvs[-1] > tvs[0], "above the bound the Perona–Malik run grows oscillations"
    assert COLORS["vermillion"] in status  # flagged, although nothing overflows
    np.testing.assert_array_equal(app._final_line.get_ydata(), run.final)
    assert "BLOW-UP" not in app.ax_signal.get_title()
    assert np.asarray(app._blowup_marker.get_xdata()).size == 0


def test_order_switch_rescales_the_slider_and_keeps_tau_over_bound(time_app):
    app = time_app
    slider = app.controls["tau"]
    ratio = slider.value / app.bound
    app.controls["order"].value = 2
    expected_bound = pdelib.stability_bound(pdelib.diffusivity("linear"), pdelib.DerivativeOperator(2, 256))
    assert app.bound == expected_bound
    assert app.bound == pytest.approx(0.125, abs=2e-5)
    assert slider.max == pytest.approx(1.6 * app.bound)
    assert abs(slider.value / app.bound - ratio) <= slider.step / app.bound
    assert app.ratio == pytest.approx(slider.value / app.bound)
    assert app._tau_marker.get_xdata()[0] == slider.value
    app.controls["order"].value = 1
    assert slider.max == pytest.approx(1.6 * app.bound)
    assert app.bound == pytest.approx(0.5, rel=1e-3)
    assert abs(slider.value / app.bound - ratio) <= slider.step / app.bound


def test_set_applies_tau_after_the_bound_changes(time_app):
    app = time_app
    app.set(tau=0.15, order=2)
    assert app.controls["order"].value == 2
    assert app.controls["tau"].value == 0.15
    assert app.run.tau == 0.15
    assert "τ = 0.1500" in app.status.value
    # back to n = 1 with a tau far above the n = 2 slider range (0.2): not clamped
    app.set(order=1, tau=0.7)
    assert app.controls["tau"].value == 0.7
    assert app.controls["tau"].max == pytest.approx(1.6 * app.bound)
    assert app.ratio == pytest.approx(0.7 / app.bound)
    assert app.run.tau == 0.7


def test_set_updates_once(time_app, monkeypatch):
    app = time_app
    calls = []
    original = app.recompute
    monkeypatch.setattr(app, "recompute", lambda: (calls.append(1), original())[1])
    app.set(diffusivity="charbonnier", order=2)
    assert len(calls) == 1


def test_time_step_reset_returns_every_control_to_its_default(time_app):
    app = time_app
    app.set(diffusivity="tv", order=2)
    app.controls["tau"].value = app.controls["tau"].max
    assert {n: c.value for n, c in app.controls.items()} != TIME_STEP_DEFAULTS
    app.reset()
    assert {n: c.value for n, c in app.controls.items()} == TIME_STEP_DEFAULTS
    assert app.controls["tau"].max == pytest.approx(1.6 * app.bound)
    fresh = build(TimeStepApp)
    assert app.status.value == fresh.status.value
    for artist in ("_final_line", "_norm_line", "_tv_line", "_tau_marker", "_bound_line", "_blowup_marker"):
        np.testing.assert_array_equal(line_data(getattr(app, artist)), line_data(getattr(fresh, artist)))
    assert app._axis_limits() == fresh._axis_limits()
    assert_same_pixels(full_redraw_pixels(app), full_redraw_pixels(fresh), "reset vs fresh app")


def test_diffusion_reset_returns_every_control_to_its_default(diffusion_app):
    app = diffusion_app
    app.set(diffusivity="tv", contrast=0.01, order=2, time=100.0)
    app.reset()
    assert {n: c.value for n, c in app.controls.items()} == DIFFUSION_DEFAULTS
    fresh = build(DiffusionApp)
    assert app.status.value == fresh.status.value
    for artist in ("_flux_line", "_lambda_line", "_u_line"):
        np.testing.assert_array_equal(line_data(getattr(app, artist)), line_data(getattr(fresh, artist)))
    assert app._axis_limits() == fresh._axis_limits()
    assert_same_pixels(full_redraw_pixels(app), full_redraw_pixels(fresh), "reset vs fresh app")


def test_reset_button_resets(time_app):
    app = time_app
    app.controls["order"].value = 2
    buttons = [w for w in app.widget.children[0].children if "pdelib-reset" in w._dom_classes]
    assert len(buttons) == 1
    buttons[0].click()
    assert {n: c.value for n, c in app.controls.items()} == TIME_STEP_DEFAULTS


# -- DiffusionApp ----------------------------------------------------------------------------------


def test_diffusion_status_reports_steps_and_tau(diffusion_app):
    app = diffusion_app
    run = app.run
    steps = run.norms.size - 1
    operator = pdelib.DerivativeOperator(1, 256)
    assert steps == math.ceil(20.0 / pdelib.stability_bound(pdelib.diffusivity("perona-malik", 0.1), operator))
    assert run.time == pytest.approx(20.0)
    assert f"K = {steps} steps of τ = {run.tau:.4g}" in app.status.value
    assert "needs" not in app.status.value
    assert f"λ = {0.1:.3g}" in app.status.value
    assert "T = 20" in app.ax_signal.get_title()


def test_diffusion_time_zero_leaves_the_signal(diffusion_app):
    app = diffusion_app
    app.controls["time"].value = 0.0
    assert app.run.time == 0
    np.testing.assert_array_equal(app._u_line.get_ydata(), app.signal)
    np.testing.assert_array_equal(app.run.final, app.signal)
    assert "K = 0 steps" in app.status.value


def test_diffusion_step_cap_is_reported(diffusion_app):
    app = diffusion_app
    app.set(diffusivity="tv", contrast=0.01, order=2, time=100.0)
    run = app.run
    assert app.steps_needed > app.max_steps
    assert run.norms.size - 1 == app.max_steps
    assert run.time < 100
    status = app.status.value
    assert "needs" in status
    assert f"needs {app.steps_needed} explicit steps" in status
    assert f"T = {run.time:.3g}" in status


@pytest.mark.parametrize("contrast", [0.01, 0.3, 1.0])
def test_lambda_line_follows_lambda(diffusion_app, contrast):
    app = diffusion_app
    app.controls["contrast"].value = contrast
    np.testing.assert_allclose(app._lambda_line.get_xdata(), [contrast, contrast])
    assert f"λ = {contrast:.3g}" in app.status.value
    flux = app._flux_line.get_ydata()
    assert app.ax_flux.get_ylim() == pytest.approx((0, 1.15 * flux.max()))


def test_perona_malik_keeps_the_edge_linear_blurs_it(diffusion_app):
    app = diffusion_app
    app.set(diffusivity="perona-malik", contrast=0.1, time=20.0)
    assert pdelib.max_slope(app.run.final) > 0.5
    assert f"{pdelib.max_slope(app.run.final):.3f}" in app.status.value
    app.controls["diffusivity"].value = "linear"
    assert pdelib.max_slope(app.run.final) < 0.2
    assert f"{pdelib.max_slope(app.run.final):.3f}" in app.status.value


# -- rendering: blitting gives the pixels of a full redraw -------------------------------------------

TIME_STEP_SEQUENCES = {
    "stable-taus-then-order": [("tau", 0.40), ("tau", 0.30), ("tau", of_bound(0.95)), ("order", 2), ("tau", 0.1)],
    "blowup-and-back": [("order", 2), ("tau", slider_max), ("tau", of_bound(1.5)), ("tau", of_bound(0.5)),
                        ("tau", of_bound(0.6))],
    "diffusivities": [("diffusivity", "perona-malik"), ("tau", of_bound(1.3)), ("diffusivity", "charbonnier"),
                      ("diffusivity", "tv"), ("tau", of_bound(0.5)), ("diffusivity", "exponential-perona-malik"),
                      ("order", 2), ("diffusivity", "linear"), ("tau", of_bound(0.8))],
}
DIFFUSION_SEQUENCES = {
    "times": [("time", 10.0), ("time", 0.0), ("time", 60.0), ("contrast", 0.3), ("time", 40.0)],
    "diffusivities": [("diffusivity", "charbonnier"), ("time", 5.0), ("diffusivity", "linear"), ("contrast", 0.5),
                      ("order", 2), ("diffusivity", "weickert"), ("time", 70.0)],
    "step-cap": [("diffusivity", "tv"), ("contrast", 0.01), ("order", 2), ("time", 100.0), ("time", 90.0),
                 ("diffusivity", "perona-malik")],
}
# Each sequence is checked once at its end (blits accumulate on one cached background); the
# "diffusivities" sequences also after every step (each full-redraw reference re-caches the background).
SEQUENCES = [
    pytest.param(which, name, steps, every_step, id=f"{which}-{name}-{'every-step' if every_step else 'at-end'}")
    for which, sequences in (("time", TIME_STEP_SEQUENCES), ("diffusion", DIFFUSION_SEQUENCES))
    for name, steps in sequences.items()
    for every_step in ((False, True) if name == "diffusivities" else (False,))
]


@pytest.mark.parametrize("which, name, steps, every_step", SEQUENCES)
def test_blitted_pixels_equal_a_full_redraw(apps, count_draws, which, name, steps, every_step):
    app = apps[which]
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
    # the sequence exercises both rendering paths
    assert "blit" in paths and "draw" in paths, paths
    if not every_step:
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {name} ({paths})")


def test_small_stable_tau_change_blits(time_app, count_draws):
    app = time_app
    draws = count_draws(app)
    limits = app._axis_limits()
    before = pixels(app)
    app.controls["tau"].value = 0.40
    assert app._axis_limits() == limits
    assert draws == [], "a τ change inside the stable regime must take the blit path"
    after = pixels(app)
    assert not np.array_equal(after, before), "the blit must show the new state"
    assert_same_pixels(after, full_redraw_pixels(app), "after the blit")


@pytest.mark.parametrize("control, value", [("order", 2), ("tau", slider_max)])
def test_limit_change_draws_in_full(time_app, count_draws, control, value):
    app = time_app
    draws = count_draws(app)
    limits = app._axis_limits()
    app.controls[control].value = resolve(app, value)
    assert app._axis_limits() != limits
    assert len(draws) >= 1
    assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {control}")


def test_diffusion_time_change_blits_contrast_change_draws(diffusion_app, count_draws):
    app = diffusion_app
    draws = count_draws(app)
    app.controls["time"].value = 30.0
    assert draws == []
    app.controls["contrast"].value = 0.3
    assert len(draws) >= 1
    assert_same_pixels(pixels(app), full_redraw_pixels(app), "after contrast")


# -- quiet and styled ------------------------------------------------------------------------------


def test_updates_print_nothing(apps, capsys):
    time_app, diffusion_app = apps["time"], apps["diffusion"]
    capsys.readouterr()
    build(DiffusionApp)
    time_app.controls["tau"].value = 0.3
    time_app.controls["order"].value = 2
    time_app.controls["tau"].value = time_app.controls["tau"].max  # blow-up
    time_app.controls["diffusivity"].value = "perona-malik"
    time_app.reset()
    diffusion_app.set(diffusivity="tv", contrast=0.01, order=2, time=100.0)
    diffusion_app.controls["time"].value = 0.0
    diffusion_app.reset()
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


@pytest.mark.parametrize("which", ["time", "diffusion"])
def test_titles_use_the_course_style(apps, which):
    app = apps[which]
    app.controls["order"].value = 2  # the titles are set again on every update
    for ax in app.figure.axes:
        if ax.get_title():
            assert ax.title.get_fontsize() == STYLE["axes.titlesize"], ax.get_title()
