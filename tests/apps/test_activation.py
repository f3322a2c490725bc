"""Headless tests of ActivationApp, the chapter-03 widget: activation shapes, the sector, the scheme's run.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), so the tests
drive the app like a user and assert on its state, its matplotlib artists and the pixels of the Agg canvas.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pdelib  # noqa: E402
from pdelib.activations import ACTIVATIONS, IN_SECTOR, PiecewiseLinearFlux, activation  # noqa: E402
from pdelib.apps import ActivationApp  # noqa: E402
from pdelib.plots import COLORS, STYLE  # noqa: E402
from tests.apps.app_rendering import assert_same_pixels, full_redraw_pixels, pixels

TOOLBAR_WARNING = r"Passing unrecognized arguments to super\(Toolbar\)"
#: The control values as the browser's sliders (-1 .. 1, step 0.05) show them: 0.4 is 0.3999999999999999 there
#: (pdelib.apps.base.browser_value), and the app takes that value from the start (no echo when shown).
DEFAULTS = {"family": "custom", "contrast": 0.1, "c1": 0.3999999999999999, "c2": 0.5, "c3": 0.3999999999999999,
            "c4": 0.25, "c5": 0.10000000000000009}
FAMILIES = ("custom",) + ACTIVATIONS + pdelib.DIFFUSIVITIES
OPERATOR = pdelib.DerivativeOperator(1, 256)


def build(**options) -> ActivationApp:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TOOLBAR_WARNING, category=DeprecationWarning)
        return ActivationApp(**options)


@pytest.fixture(scope="module")
def shared_app():
    return build()


@pytest.fixture
def app(shared_app):
    """The shared app back at its defaults (an update costs ~0.05 s, so skip it when nothing changed)."""
    if {name: control.value for name, control in shared_app.controls.items()} != DEFAULTS:
        shared_app.reset()
    return shared_app


def data(artist) -> np.ndarray:
    return np.array(artist.get_xydata(), dtype=float)


def text(app) -> str:
    """The status line without HTML tags and entities."""
    return re.sub(r"<[^>]+>", "", app.status.value).replace("&lt;", "<")


def expected_flux(app):
    values = {name: control.value for name, control in app.controls.items()}
    family, contrast = values["family"], values["contrast"]
    if family == "custom":
        return PiecewiseLinearFlux([values[f"c{i}"] for i in range(1, 6)], contrast=contrast)
    if family in pdelib.DIFFUSIVITIES:
        return pdelib.diffusivity(family, contrast)
    return activation(family, contrast=contrast)


# -- building, DOM classes, defaults ----------------------------------------------------------------------


def test_building_emits_no_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ActivationApp()
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def test_dom_classes_for_the_browser_tests(app):
    assert "pdelib-app" in app.widget._dom_classes
    assert "pdelib-status" in app.status._dom_classes

    def descendants(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from descendants(child)

    inside = list(descendants(app.widget))
    assert any(w is app.canvas for w in inside) and any(w is app.status for w in inside)
    assert set(app.controls) == set(DEFAULTS)
    for name, control in app.controls.items():
        assert f"pdelib-{name}" in control._dom_classes
        assert any(w is control for w in inside), name
    assert sum("pdelib-reset" in getattr(w, "_dom_classes", ()) for w in inside) == 1


def test_defaults(app):
    assert app.defaults == DEFAULTS
    assert app.signal.size == 256 and app.steps == 500
    np.testing.assert_array_equal(app.signal, pdelib.noisy_step(256, noise=0.01, seed=0))
    assert app.flux == PiecewiseLinearFlux([DEFAULTS[f"c{i}"] for i in range(1, 6)], contrast=0.1)
    slider = app.controls["c3"]
    assert (slider.min, slider.max) == (-1.0, 1.0) and slider.orientation == "vertical"


def test_family_dropdown_lists_every_diffusivity_activation_and_custom(app):
    options = app.controls["family"].options
    names = [value for _, value in options]
    assert names == list(FAMILIES)
    labels = dict((value, label) for label, value in options)
    for name in ACTIVATIONS:
        assert labels[name].startswith("activation" if name in IN_SECTOR else "outside")
    for name in pdelib.DIFFUSIVITIES:
        assert labels[name].startswith("diffusivity")


# -- every control changes the status and the relevant artists -----------------------------------------------

RUN = ["_final_line", "_norm_line"]
CURVES = ["_flux_line", "_ratio_line", *RUN]
CHANGES = (
    [("family", name, CURVES) for name in FAMILIES if name != "custom"]
    + [("contrast", 0.3, ["_final_line", "_norm_line", "_noise_bar", "_edge_marks"])]
    + [(f"c{i}", value, ["_flux_line", "_ratio_line", "_points"] + (RUN if i in (1, 5) else []))
       for i, value in enumerate([0.6, 0.7, 0.1, 0.6, 0.3], start=1)]
)
# At lambda = 0.1 no slope of the default run ever lies between s_1 = lambda/2 and s_5 = 5 lambda/2 (noise
# below, the edge above; checked over all 500 steps), so c2 ... c4 reshape Phi without changing this run
# (bit for bit); c1 (the noise) and c5 (the edge) change it.


def test_every_control_and_family_is_exercised():
    assert {name for name, _, _ in CHANGES} == set(DEFAULTS)
    assert {value for name, value, _ in CHANGES if name == "family"} | {"custom"} == set(FAMILIES)


@pytest.mark.parametrize("name, value, artists", CHANGES, ids=[f"{n}={v}" for n, v, _ in CHANGES])
def test_control_changes_status_and_artists(app, name, value, artists):
    before_status = app.status.value
    before = {artist: data(getattr(app, artist)) for artist in artists}
    app.controls[name].value = value
    assert app.controls[name].value == value
    if name in ("family", "contrast"):  # a control value c_i shows on the flux panel; the status may keep its words
        assert app.status.value != before_status, f"status unchanged after {name} = {value!r}"
    for artist in artists:
        assert not np.array_equal(data(getattr(app, artist)), before[artist]), f"{artist} unchanged after {name}"
    flux = expected_flux(app)
    assert app.flux == flux
    lam = app.controls["contrast"].value
    s = lam * app.s_plot
    np.testing.assert_allclose(app._flux_line.get_ydata(), flux.flux(s) / lam)
    np.testing.assert_allclose(app._ratio_line.get_ydata(), flux.flux(s) / s)
    status = text(app)
    assert app.ax_flux.get_title().startswith(f"Φ: {flux.title}")  # the family: in the title, not the status
    assert status.startswith("in the sector" if flux.in_sector else "outside the sector")
    np.testing.assert_array_equal(app._norm_line.get_ydata(), app.run.norms)
    np.testing.assert_array_equal(app._tv_line.get_ydata(), app.run.total_variations)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f not in ACTIVATIONS or f in IN_SECTOR])
def test_in_sector_families_run_at_the_bound_and_are_stable(app, family):
    app.controls["family"].value = family
    flux = app.flux
    assert flux.in_sector
    tau = pdelib.stability_bound(flux, OPERATOR)
    assert app.tau == tau and app.run.tau == tau
    status = text(app)
    assert status.startswith(f"in the sector, L = {flux.bound:.3g}, τ* = {tau:.4f}: ‖uᵏ‖ never increases, TV ")
    assert app.run.blowup is None and app.run.norm_nonincreasing and app.run.norms.size == 501
    assert COLORS["vermillion"] not in app.status.value
    assert np.all(np.isnan(app._flux_outside.get_ydata())), "nothing of Phi is outside its sector"
    assert app.ax_flux.get_title() == f"Φ: {flux.title}"
    bound = flux.bound
    assert app._band.get_height() == bound and list(app._bound_line.get_ydata()) == [bound, bound]


def test_custom_control_points_and_labels(app):
    points = data(app._points)
    knots, values = np.array([0.5, 1.0, 1.5, 2.0, 2.5]), np.array([0.4, 0.5, 0.4, 0.25, 0.1])
    np.testing.assert_allclose(points, np.column_stack([np.r_[-knots[::-1], knots], np.r_[-values[::-1], values]]))
    assert all(label.get_visible() for label in app._point_labels)
    assert [label.get_text() for label in app._point_labels] == ["c1", "c2", "c3", "c4", "c5"]
    app.controls["family"].value = "tanh"
    assert data(app._points).size == 0
    assert not any(label.get_visible() for label in app._point_labels)


def test_moving_a_control_value_switches_to_custom_in_one_update(app, monkeypatch):
    app.controls["family"].value = "relu"
    calls = []
    original = app.recompute
    monkeypatch.setattr(app, "recompute", lambda: (calls.append(1), original())[1])
    app.controls["c2"].value = 0.6
    assert app.controls["family"].value == "custom"
    assert len(calls) == 1
    assert app.flux.values[1] == 0.6
    app.set(family="tanh", c2=0.5)  # set() is explicit: no switch
    assert app.controls["family"].value == "tanh"


def test_backward_diffusion_ranges_are_marked_exactly_for_negative_slopes(app):
    for family in ("custom", "relu", "silu", "tanh", "sin", "anti-diffusion", "perona-malik"):
        app.controls["family"].value = family
        spans = [path.vertices[:, 0] for path in app._backward.get_paths()]
        slopes = app.flux.flux_derivative(app.controls["contrast"].value * app.s_plot)
        assert (len(spans) > 0) == bool(np.any(slopes < 0)), family
        for xs in spans:  # every marked span lies where Phi' < 0 (up to half a grid step)
            inside = (app.s_plot > xs.min() + 0.01) & (app.s_plot < xs.max() - 0.01)
            assert np.all(slopes[inside] < 0), family
    app.controls["family"].value = "anti-diffusion"
    (xs,) = [path.vertices[:, 0] for path in app._backward.get_paths()]
    assert xs.min() <= -app.S_RANGE and xs.max() >= app.S_RANGE  # the whole visible range


@pytest.mark.parametrize(("contrast", "marker"), [(0.1, ">"), (1.0, "^")])
def test_edge_and_noise_slopes_follow_lambda(app, contrast, marker):
    app.controls["contrast"].value = contrast
    edge = app.edge_slope / contrast
    assert app.edge_slope == pytest.approx(pdelib.max_slope(app.signal))
    assert app._edge_marks.get_marker() == marker
    if marker == "^":
        np.testing.assert_allclose(app._edge_marks.get_xdata(), [-edge, edge])
    np.testing.assert_allclose(app._noise_bar.get_xdata(), [-app.noise_slope / contrast, app.noise_slope / contrast])


# -- leaving the sector: the theorem does not apply, and the app shows what happens --------------------------------


def test_negative_custom_value_leaves_the_sector_and_blows_up_then_back(app):
    app.controls["c5"].value = -0.5
    flux, run = app.flux, app.run
    assert not flux.in_sector
    status = text(app)
    assert status.startswith(f"outside the sector, naive τ = {app.tau:.4f} (L̃ = 0.8): ")
    assert app.tau == pytest.approx(2 / (0.8 * OPERATOR.norm_squared()))
    assert run.blowup is not None
    assert status.endswith(f"BLOW-UP at step {run.blowup.step}")
    assert COLORS["vermillion"] in app.status.value  # alarm colour
    assert app.ax_signal.get_title().startswith(f"BLOW-UP at step {run.blowup.step}")
    assert app.ax_signal.title.get_color() == COLORS["vermillion"]
    assert app.ax_flux.get_title().endswith("outside the sector")
    x, y = app._blowup_marker.get_data()
    assert list(x) == [run.blowup.step] and np.isfinite(y[0])
    low, high = app.ax_norm.get_ylim()
    assert low <= y[0] <= high, "the blow-up marker must be inside the norm axes"
    shown = np.asarray(app._final_line.get_ydata(), dtype=float)
    assert np.abs(shown).max() == pytest.approx(1.0)
    outside = np.isfinite(app._flux_outside.get_ydata())
    assert outside.any() and np.all(np.abs(app.s_plot[outside]) > 2.0), "red where the ratio is negative"

    app.controls["c5"].value = 0.1
    status = text(app)
    assert app.flux.in_sector and app.run.blowup is None
    assert status.startswith("in the sector") and "‖uᵏ‖ never increases" in status
    assert "BLOW-UP" not in status and "BLOW-UP" not in app.ax_signal.get_title()
    assert COLORS["vermillion"] not in app.status.value
    assert np.asarray(app._blowup_marker.get_xdata()).size == 0
    assert np.all(np.isnan(app._flux_outside.get_ydata()))


OUTCOMES = {
    "anti-diffusion": "BLOW-UP at step",
    "biased-tanh": "‖uᵏ‖ never increases here; Φ(0) ≠ 0: ends drift",
    "softplus": "‖uᵏ‖ GROWS to",
    "sin": "‖uᵏ‖ GROWS to",
}


@pytest.mark.parametrize("family", [name for name in ACTIVATIONS if name not in IN_SECTOR])
def test_activations_outside_the_sector_report_what_happens(app, family):
    app.controls["family"].value = family
    status = text(app)
    assert status.startswith("outside the sector, naive τ = ")
    assert OUTCOMES[family] in status
    assert app.ax_ratio.get_title() == "Φ(s)/s leaves every band [0, L]"
    assert np.isfinite(app._flux_outside.get_ydata()).any()
    if family in ("biased-tanh", "softplus"):
        assert status.endswith("Φ(0) ≠ 0: ends drift") and float(app.flux.flux(0.0)) != 0


def test_negative_first_value_grows_oscillations_and_is_flagged(app):
    app.controls["c1"].value = -0.2
    status = text(app)
    assert app.run.blowup is None
    assert f"‖uᵏ‖ GROWS to {app.run.norms.max() / app.run.norms[0]:.3g} × ‖u⁰‖" in status
    assert COLORS["vermillion"] in app.status.value


def test_outside_but_harmless_is_reported_honestly(app):
    app.set(contrast=1.0, c5=-0.5)  # the edge slope (about lambda) never reaches the negative tail
    status = text(app)
    assert "outside the sector" in status
    assert "‖uᵏ‖ never increases here" in status and "GROWS" not in status
    assert COLORS["vermillion"] not in app.status.value


def test_default_values_must_fit_the_sliders():
    with pytest.raises(ValueError, match=r"^values must lie in \[-1, 1\]"):
        build(values=(0.4, 1.5))
    with pytest.raises(ValueError, match="^values must hold at least one value"):
        build(values=())


def test_zero_shape_moves_nothing(app):
    app.set(c1=0.0, c2=0.0, c3=0.0, c4=0.0, c5=0.0)
    assert app.flux.bound == 0.0
    assert text(app).startswith("in the sector, Φ ≡ 0: nothing moves")
    np.testing.assert_array_equal(app.run.final, app.signal)


# -- rendering: blitting gives the pixels of a full redraw ----------------------------------------------------

SEQUENCES = {
    "sliders": [("c3", 0.3), ("contrast", 0.2), ("c1", 0.6), ("c5", -0.5), ("c5", 0.0), ("contrast", 0.05),
                ("c4", 0.5)],
    "families": [("family", "silu"), ("contrast", 0.3), ("family", "anti-diffusion"), ("family", "tv"),
                 ("contrast", 0.05), ("family", "gelu"), ("c2", 0.8), ("contrast", 0.5)],
}


@pytest.mark.parametrize("every_step", [False, True], ids=["at-end", "every-step"])
@pytest.mark.parametrize("name", SEQUENCES)
def test_blitted_pixels_equal_a_full_redraw(app, count_draws, name, every_step):
    full_redraw_pixels(app)
    draws = count_draws(app)
    paths = []
    for control, value in SEQUENCES[name]:
        before = len(draws)
        app.controls[control].value = value
        paths.append("draw" if len(draws) > before else "blit")
        if every_step:
            assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {control} = {value!r} ({paths[-1]})")
    assert "blit" in paths and "draw" in paths, paths
    if not every_step:
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {name} ({paths})")


@pytest.mark.parametrize("control, value", [("contrast", 0.2), ("c3", 0.6), ("c1", 0.6)])
def test_slider_moves_inside_the_sector_blit(app, count_draws, control, value):
    draws = count_draws(app)
    before = pixels(app)
    app.controls[control].value = value
    assert draws == [], f"moving {control} inside the sector must take the blit path"
    after = pixels(app)
    assert not np.array_equal(after, before)
    assert_same_pixels(after, full_redraw_pixels(app), f"after {control}")


def test_family_change_draws_in_full(app, count_draws):
    draws = count_draws(app)
    app.controls["family"].value = "tanh"
    assert len(draws) >= 1
    assert_same_pixels(pixels(app), full_redraw_pixels(app), "after family")


# -- reset, quiet, styled ----------------------------------------------------------------------------------------


def test_reset_returns_every_control_to_its_default(app):
    app.set(family="softplus", contrast=0.5, c1=-0.3, c4=0.9)
    app.controls["c5"].value = -1.0
    assert {n: c.value for n, c in app.controls.items()} != DEFAULTS
    app.reset()
    assert {n: c.value for n, c in app.controls.items()} == DEFAULTS
    fresh = build()
    assert app.status.value == fresh.status.value
    for artist in ("_flux_line", "_ratio_line", "_points", "_final_line", "_norm_line", "_tv_line", "_blowup_marker",
                   "_noise_bar", "_edge_marks"):
        np.testing.assert_array_equal(data(getattr(app, artist)), data(getattr(fresh, artist)))
    assert app._axis_limits() == fresh._axis_limits()
    assert_same_pixels(full_redraw_pixels(app), full_redraw_pixels(fresh), "reset vs fresh app")


def test_reset_button_resets(app):
    app.controls["family"].value = "sin"
    inside = app.widget.children[0].children
    (button,) = [w for w in inside if "pdelib-reset" in w._dom_classes]
    button.click()
    assert {n: c.value for n, c in app.controls.items()} == DEFAULTS


def test_updates_print_nothing_and_warn_nothing(app, capsys):
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for family in FAMILIES:
            app.controls["family"].value = family
        app.set(family="custom", contrast=0.01)
        app.controls["c5"].value = -1.0  # blow-up
        app.controls["c1"].value = -1.0
        app.reset()
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_titles_use_the_course_style(app):
    app.controls["family"].value = "sin"  # the titles are set again on every update
    for ax in app.figure.axes:
        if ax.get_title():
            assert ax.title.get_fontsize() == STYLE["axes.titlesize"], ax.get_title()
