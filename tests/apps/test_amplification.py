"""Headless tests of the chapter-08 widget (AmplificationApp): curves equal the closed forms, the modes are the
eigenvectors, alarm words exactly when the factors say so, blow-up step as predicted, blitting, bad input.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), as in
tests/apps/test_implicit.py.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import math  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont  # noqa: E402
from PIL import ImageFont  # noqa: E402

from pdelib.apps import AmplificationApp  # noqa: E402
from pdelib.apps.base import STATUS_FONT_PX  # noqa: E402
from pdelib.diffusivities import diffusivity  # noqa: E402
from pdelib.operators import DerivativeOperator  # noqa: E402
from pdelib.plots import COLORS  # noqa: E402
from pdelib.schemes.amplification import (  # noqa: E402
    blowup_step,
    eigenmodes,
    explicit_factor,
    fixed_point_factor,
    fsi_factor,
    semi_implicit_factor,
)
from pdelib.schemes.explicit import ExplicitScheme, stability_bound  # noqa: E402
from tests.apps.app_rendering import assert_moves_blit  # noqa: E402

#: tau / tau* = 0.9 as the browser's slider (0.05 .. 2, step 0.01) shows it: the app starts there (no echo).
DEFAULTS = {"tau": 0.9000000000000001, "order": 1, "cycle_length": 10, "iterations": 3, "show_explicit": True, "show_fsi": True,
            "show_semi_implicit": True, "show_fixed_point": True, "evolve": "explicit"}
LINEAR = diffusivity("linear")
N = 64
RATIOS = (0.05, 0.3, 0.45, 0.5, 0.55, 0.9, 1.0, 1.01, 1.05, 1.2, 1.5, 1.6, 2.0)


@pytest.fixture(scope="module")
def shared_app():
    return AmplificationApp()


@pytest.fixture
def app(shared_app):
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


def closed_form(scheme: str, mu: np.ndarray, tau: float, cycle_length: int, iterations: int) -> np.ndarray:
    """The factor at the real mu and tau (not the app's normalised mu / ||D||^2 and 2 tau / tau*)."""
    if scheme == "explicit":
        return explicit_factor(mu, tau)
    if scheme == "fsi":
        return fsi_factor(mu, tau, cycle_length)
    if scheme == "semi-implicit":
        return semi_implicit_factor(mu, tau)
    return fixed_point_factor(mu, tau, iterations)


def grid_mu(order: int, size: int = N) -> np.ndarray:
    return (4 * np.sin(np.pi * np.arange(size) / (2 * size)) ** 2) ** order


def plain_status(app) -> str:
    return re.sub(r"<[^>]+>", "", app.status.value)


def status_width(app, pixels: int = STATUS_FONT_PX) -> float:
    """Width in px of the status line in DejaVu Sans (wider than the usual browser fonts) at the status area's font
    size, alarm words bold; every tag but ``<b>`` left out."""
    normal, bold = (ImageFont.truetype(findfont(FontProperties(family="DejaVu Sans", weight=weight)), pixels)
                    for weight in ("normal", "bold"))
    parts = re.split(r"<b>(.*?)</b>", re.sub(r"<(?!/?b>)[^>]*>", "", app.status.value))
    return sum((bold if index % 2 else normal).getlength(part) for index, part in enumerate(parts))


def status_room(app, column: int = 940, slack: int = 150) -> int:
    """The width of text the status area holds: ``status_lines`` lines of a 940 px column, less ``slack`` px per
    wrapped line (a word that does not fit moves to the next line whole)."""
    return app.status_lines * column - (app.status_lines - 1) * slack


@pytest.fixture
def unrendered(app, monkeypatch):
    """The app with ``render`` skipped: the grids below check numbers and text, not pixels."""
    monkeypatch.setattr(app, "render", lambda: None)
    return app


# -- defaults, modes, curves ------------------------------------------------------------------------


def test_defaults(app):
    assert app.defaults == DEFAULTS
    assert app.tau == pytest.approx(0.9 * stability_bound(LINEAR, DerivativeOperator(1, N)), rel=1e-15)
    assert plain_status(app) == ("explicit, τ = 0.90 τ* = 0.4503; checkerboard factor −0.80; every |factor| ≤ 1: "
                                 "stable")
    assert COLORS["vermillion"] not in app.status.value
    assert app.amplitudes.shape == (201, 2) and app.blowup is None
    assert app.figure.get_size_inches() * app.figure.dpi == pytest.approx([920, 400])


@pytest.mark.parametrize("order", [1, 2])
def test_the_two_modes_are_eigenvectors_of_dtd_at_the_marked_mu(app, order):
    D = DerivativeOperator(order, N)
    mu, modes = eigenmodes(D)
    for vector, k in zip(app.modes, (1, N - 1)):
        assert abs(vector @ modes[:, k]) == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(D.apply_transpose(D.apply(vector)), mu[k] * vector, atol=1e-11)
    np.testing.assert_allclose(np.array(app.mode_positions[order]) * D.norm_squared(), mu[[1, -1]], rtol=1e-12)
    assert app.mode_positions[order][1] == 1.0  # mu_max = ||D||^2 exactly


@pytest.mark.parametrize("settings", [{}, {"tau": 1.37, "order": 2, "cycle_length": 23, "iterations": 7},
                                      {"tau": 0.05, "cycle_length": 50, "iterations": 20}])
def test_curves_are_the_closed_forms_clipped_to_the_axis(app, settings):
    app.set(**settings)
    D = DerivativeOperator(app.controls["order"].value, N)
    tau = app.controls["tau"].value * stability_bound(LINEAR, D)
    n, ell = app.controls["cycle_length"].value, app.controls["iterations"].value
    low, high = app.FACTOR_LIMITS
    for scheme, line in app._curves.items():
        x, y = line.get_data()
        np.testing.assert_array_equal(x, np.linspace(0, 1, 400))
        expected = np.abs(closed_form(scheme, x * D.norm_squared(), tau, n, ell))
        inside = (expected > low * 1.001) & (expected < high / 1.001)
        np.testing.assert_allclose(y[inside], expected[inside], rtol=1e-9)
        assert np.all(y[~inside & (expected >= high)] == pytest.approx(high, rel=1e-3))  # drawn at the edge
        assert np.all(y[~inside & (expected <= low)] == pytest.approx(low, rel=1e-3))
        assert np.all(np.isfinite(y))


def test_the_stable_band_ends_at_one(app):
    ax = app.ax_factor
    band = ax.patches[0]
    assert band.get_y() == app.FACTOR_LIMITS[0] and band.get_y() + band.get_height() == pytest.approx(1.0, rel=1e-15)
    edge = [line for line in ax.get_lines() if list(line.get_ydata()) == [1.0, 1.0]]
    assert len(edge) == 1
    assert ax.get_ylim() == app.FACTOR_LIMITS and ax.get_yscale() == "log"


@pytest.mark.parametrize("scheme", ["explicit", "fsi", "semi-implicit", "fixed-point"])
def test_measured_dots_and_dotted_lines_are_the_factors_at_the_two_modes(app, scheme):
    app.set(evolve=scheme, tau=0.4, cycle_length=7, iterations=5)
    expected = closed_form(scheme, grid_mu(1)[[1, -1]], app.tau, 7, 5)
    np.testing.assert_allclose(app.amplitudes[1], expected, rtol=1e-10, atol=1e-14)
    x, y = app._measured.get_data()
    np.testing.assert_array_equal(x, app.mode_positions[1])
    np.testing.assert_allclose(y, np.clip(np.abs(expected), *app.FACTOR_LIMITS), rtol=1e-3)
    for prediction, factor in zip(app._predictions, expected):
        k, y = prediction.get_data()
        np.testing.assert_allclose(y[:4], np.maximum(np.abs(factor) ** k[:4], 1e-13), rtol=1e-9)


# -- controls move the right artists ----------------------------------------------------------------


def snapshot(app) -> dict:
    curves = {name: (line.get_ydata().copy(), line.get_visible(), line.get_linewidth())
              for name, line in app._curves.items()}
    return {"curves": curves, "markers": [m.get_xdata()[0] for m in app._mode_markers],
            "runs": [(line.get_ydata().copy(), line.get_color()) for line in app._runs],
            "status": app.status.value, "right title": app.ax_modes.get_title(), "left title": app.ax_factor.get_title()}


@pytest.mark.parametrize(("control", "value", "changed"), [
    ("tau", 1.3, {"explicit", "fsi", "semi-implicit", "fixed-point", "runs", "status"}),
    ("order", 2, {"markers", "runs", "status"}),  # tau* changes, tau / tau* stays
    ("cycle_length", 31, {"fsi"}),
    ("iterations", 9, {"fixed-point"}),
    ("show_fsi", False, {"fsi"}),
    ("show_fixed_point", False, {"fixed-point"}),
    ("evolve", "semi-implicit", {"explicit", "semi-implicit", "runs", "status"}),
])
def test_each_control_changes_its_artists_only(app, control, value, changed):
    before = snapshot(app)
    app.controls[control].value = value
    after = snapshot(app)
    for name in before["curves"]:
        same = all(np.array_equal(a, b) for a, b in zip(before["curves"][name], after["curves"][name]))
        assert same == (name not in changed), name
    for key in ("markers", "status", "left title", "right title"):  # the titles never change
        assert (before[key] == after[key]) == (key not in changed), key
    same_runs = all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(before["runs"], after["runs"]))
    assert same_runs == ("runs" not in changed)


def test_the_order_leaves_the_curves_in_mu_over_the_norm(app):
    """Every factor depends on tau mu = 2 (tau / tau*) (mu / ||D||^2): the order only moves the marked modes."""
    before = [line.get_ydata().copy() for line in app._curves.values()]
    app.controls["order"].value = 2
    assert all(np.array_equal(a, line.get_ydata()) for a, line in zip(before, app._curves.values()))
    assert app._mode_markers[0].get_xdata()[0] < 1e-6 < app.mode_positions[1][0]


def test_updates_blit_and_match_a_full_redraw(app, count_draws):
    assert_moves_blit(app, count_draws(app), [
        ("tau", 1.05), ("order", 2), ("cycle_length", 30), ("iterations", 7), ("show_fsi", False),
        ("evolve", "fsi"), ("evolve", "fixed-point"), ("show_explicit", False), ("tau", 0.3)])


def test_reset_returns_the_defaults(app):
    app.set(tau=1.7, order=2, evolve="fsi", show_explicit=False)
    app.reset()
    assert {name: c.value for name, c in app.controls.items()} == DEFAULTS


# -- the status line --------------------------------------------------------------------------------


def grid_settings():
    for ratio in RATIOS:
        for order in (1, 2):
            yield {"evolve": "explicit", "tau": ratio, "order": order}
            yield {"evolve": "semi-implicit", "tau": ratio, "order": order}
            for n in (1, 10, 50):
                yield {"evolve": "fsi", "tau": ratio, "order": order, "cycle_length": n}
            for ell in (1, 4, 20):
                yield {"evolve": "fixed-point", "tau": ratio, "order": order, "iterations": ell}


def test_alarm_words_exactly_when_the_factors_say_so(unrendered):
    """Checked at the real mu_k = (4 sin^2(pi k / 2N))^n and tau = r tau*: UNSTABLE iff the largest |factor| over
    the grid's modes (always the checkerboard's) exceeds 1, DIVERGES iff tau mu_max >= 1 (fixed point), BLOW-UP
    iff the predicted step lies within the run; ties within 1e-9 of the bound are checked by the next test."""
    app = unrendered
    checked = 0
    for settings in grid_settings():
        app.set(**settings)
        scheme, order = settings["evolve"], settings["order"]
        D = DerivativeOperator(order, N)
        tau = settings["tau"] * stability_bound(LINEAR, D)
        mu = grid_mu(order)[1:]  # the constant mode keeps its factor 1 in every scheme
        factors = closed_form(scheme, mu, tau, app.controls["cycle_length"].value, app.controls["iterations"].value)
        worst = np.abs(factors).max()
        status = plain_status(app)
        if abs(worst - 1) > 1e-9:
            if worst > 1:  # the checkerboard is the worst mode
                assert worst == pytest.approx(abs(factors[-1]), rel=1e-12), settings
            assert ("UNSTABLE" in status) == (worst > 1), (settings, status)
            assert ("stable" in status.replace("UNSTABLE", "")) == (worst < 1), (settings, status)
            blows_up = worst > 1 and blowup_step(factors[-1]) <= app.run_steps
            assert ("BLOW-UP" in status) == blows_up == (app.blowup is not None), (settings, status)
            checked += 1
        error = tau * mu[-1]
        if scheme == "fixed-point" and abs(error - 1) > 1e-9:
            assert ("DIVERGES" in status) == (error > 1), (settings, status)
        assert ("DIVERGES" in status) <= (scheme == "fixed-point")
        alarm = any(word in status for word in ("UNSTABLE", "BLOW-UP", "DIVERGES"))
        assert (COLORS["vermillion"] in app.status.value) == alarm
        assert status_width(app) <= status_room(app), (settings, status)
    assert checked > 150


def test_at_the_bounds_themselves(app):
    """r = 1: the explicit checkerboard factor is -1, stable; r = 1/2: the fixed point's error factor is 1."""
    app.set(tau=1.0)
    assert app.checkerboard_factor == -1.0 and "UNSTABLE" not in plain_status(app)
    app.set(evolve="fsi", cycle_length=12)
    assert app.checkerboard_factor == pytest.approx(1 / 25, abs=1e-12)  # (-1)^n / (2n + 1)
    app.set(evolve="fixed-point", tau=0.5, iterations=3)
    assert "τμ_max = 1.00: DIVERGES" in plain_status(app)
    assert app.checkerboard_factor == 0.0  # (1 - (-1)^4) / 2: diverging iterations, yet a harmless step


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("ratio", "expected"), [(1.05, 145), (1.2, 42)])
def test_blowup_step_is_predicted_and_equals_the_scheme_run(app, order, ratio, expected):
    app.set(tau=ratio, order=order)
    D = DerivativeOperator(order, N)
    run = ExplicitScheme(app.tau, LINEAR, D).evolve(app.modes[1], 1000)
    assert app.blowup == app.predicted == run.blowup.step == expected
    assert f"UNSTABLE — BLOW-UP at step {expected} (predicted {expected})" in plain_status(app)
    assert list(app._blowup_marker.get_data()[0]) == [expected]
    assert app.amplitudes.shape[0] == expected + 1


def test_a_blowup_beyond_the_run_is_predicted_not_claimed(app):
    app.set(tau=1.01)
    assert app.blowup is None and app.predicted == 698
    assert plain_status(app) == ("explicit, τ = 1.01 τ* = 0.5053; checkerboard factor −1.02: UNSTABLE — 10⁶ predicted "
                                 "at step 698 (ran 200)")
    assert list(app._blowup_marker.get_data()[0]) == []


def test_fsi_and_fixed_point_blowups(app):
    app.set(evolve="fsi", cycle_length=20, tau=1.05)
    assert app.blowup == app.predicted == 3
    assert plain_status(app) == ("FSI (20-step cycles), τ = 1.05 τ* = 0.5253; checkerboard factor 106: UNSTABLE — "
                                 "BLOW-UP at cycle 3 (predicted 3)")
    app.set(evolve="fixed-point", tau=0.9, cycle_length=10)
    assert plain_status(app) == ("fixed point ℓ = 3, τ = 0.90 τ* = 0.4503; τμ_max = 1.80: DIVERGES; step factor −3.39: "
                                 "UNSTABLE — BLOW-UP at step 12 (predicted 12)")


def test_a_run_shortened_by_the_budget_says_so(app):
    app.set(evolve="fsi", cycle_length=50, tau=0.9)
    assert app.run_steps == app.WORK // 100 < app.steps
    assert plain_status(app).endswith(f"every |factor| ≤ 1: stable (ran {app.run_steps} of 200)")


@pytest.mark.parametrize("settings", [
    {"tau": 2.0, "cycle_length": 50, "iterations": 20, "evolve": "fsi"},
    {"tau": 2.0, "cycle_length": 50, "iterations": 20, "evolve": "fixed-point", "order": 2},
    {"tau": 2.0, "evolve": "explicit", "order": 2},
    {"tau": 0.05, "cycle_length": 1, "iterations": 1, "evolve": "semi-implicit"},
])
def test_extreme_settings_warn_and_print_nothing(app, capsys, settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app.set(**settings)
        app._background = None
        app.render()
    assert capsys.readouterr() == ("", "")
    for line in [*app._curves.values(), *app._runs, *app._predictions]:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all(np.isfinite(y)) and np.all(y > 0)


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"tau": 2.5}, ValueError, r"tau must be a finite real number >= 0.05 and <= 2"),
    ({"tau": math.nan}, ValueError, "tau must be a finite real number"),
    ({"order": 3}, ValueError, "order must be one of 1, 2"),
    ({"cycle_length": 51}, ValueError, "cycle_length must be an integer >= 1 and <= 50"),
    ({"iterations": 0}, ValueError, "iterations must be an integer >= 1 and <= 20"),
    ({"size": 4}, ValueError, "size must be an integer >= 8 and <= 256"),
    ({"size": 257}, ValueError, "size must be an integer >= 8 and <= 256, got 257; an update"),
    ({"steps": 0}, ValueError, "steps must be an integer >= 1 and <= 1000"),
    ({"schemes": ()}, TypeError, "schemes must be a non-empty tuple"),
    ({"schemes": "explicit"}, TypeError, "schemes must be a non-empty tuple"),
    ({"schemes": ("explicit", "jacobi")}, ValueError, "schemes must be one of 'explicit', 'fsi'"),
    ({"schemes": ("fsi", "fsi")}, ValueError, "schemes must name each scheme once"),
    ({"evolve": "multigrid"}, ValueError, "evolve must be one of"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        AmplificationApp(**kwargs)


@pytest.mark.parametrize(("name", "value", "error"), [("show_fsi", 1, TypeError), ("show_fsi", "yes", TypeError),
                                                      ("tau", 0.0, ValueError), ("evolve", "jacobi", ValueError)])
def test_set_rejects_bad_values_and_changes_nothing(app, name, value, error):
    before = app.status.value
    with pytest.raises(error, match=name):
        app.set(iterations=5, **{name: value})
    assert app.status.value == before and app.controls["iterations"].value == 3
