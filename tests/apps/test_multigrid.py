"""Headless tests of the chapter-06 widget (MultigridApp): factors, stalls, the U-net drawing, rendering.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), as in
tests/apps/test_implicit.py.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import math
import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pdelib.apps import MultigridApp  # noqa: E402
from pdelib.schemes.multigrid import MultigridSolver, max_depth  # noqa: E402
from pdelib.plots import COLORS  # noqa: E402
from tests.apps.app_rendering import assert_same_pixels, full_redraw_pixels, pixels

DEFAULTS = {"size": 255, "depth": 11, "smoothing": (2, 1), "smoother": "jacobi", "cycle": "V", "problem": "poisson"}
TOOLBAR_WARNING = r"Passing unrecognized arguments to super\(Toolbar\)"  # ipympl 0.10, at build time only


def build(**options):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TOOLBAR_WARNING, category=DeprecationWarning)
        return MultigridApp(**options)


@pytest.fixture(scope="module")
def shared_app():
    return build()


@pytest.fixture
def app(shared_app):
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


def reference(app, **overrides) -> MultigridSolver:
    """A fresh solver with the app's current settings (or ``overrides``)."""
    return MultigridSolver(**{**app.settings(), **overrides})


def visible_levels(app) -> int:
    """Levels drawn in the U-net panel: the rows that show a grid size."""
    return sum(label.get_visible() for label in app._size_texts)


def test_defaults(app):
    assert app.defaults == DEFAULTS
    assert app.controls["depth"].max == max_depth(2047) == 11 and app.mg.depth == max_depth(255) == 8
    assert "depth 11 → 8 levels:" in app.status.value  # depth 11 asked, the levels N = 255 has
    assert app.result.converged and app.result.cycles <= 12
    assert app.cycles_to_target is not None and app.cycles_to_target <= 10
    assert re.sub(r"<[^>]+>", "", app.status.value) == ("depth 11 → 8 levels: ρ = 0.100/cycle; 10⁻¹⁰ after 9 cycles; "
                                                         "U-net 49 parameters (70 untied)")
    assert [label.get_text() for label in app._size_texts[:8]] == ["255", "127", "63", "31", "15", "7", "3", "1"]
    assert COLORS["vermillion"] not in app.status.value
    assert app.ax_residual.get_ylim() == pytest.approx(MultigridApp.RESIDUAL_LIMITS)


@pytest.mark.parametrize("settings", [
    {}, {"depth": 3, "smoothing": (1, 1)}, {"cycle": "W", "depth": 4}, {"size": 63, "depth": 1},
    {"problem": "implicit-diffusion", "depth": 5, "smoothing": (2, 2)},
])
def test_history_and_factor_are_the_solvers(app, settings):
    """The plotted history is MultigridSolver.solve's; the factor is its reduction over the last 5 cycles."""
    app.set(**settings)
    size = app.controls["size"].value
    x0 = np.random.default_rng(0).standard_normal(size)
    result = reference(app).solve(np.zeros(size), tolerance=1e-12, max_cycles=app.cycle_budget, x0=x0)
    assert np.array_equal(app.result.residuals, result.residuals)
    assert np.array_equal(app._residual_line.get_ydata(), np.maximum(result.residuals, 1e-14))
    window = min(5, result.cycles - 1)
    expected = (result.residuals[-1] / result.residuals[-1 - window]) ** (1 / window)
    assert app.factor == pytest.approx(expected, rel=1e-12)
    assert f"ρ = {app._format_factor(expected)}/cycle" in app.status.value
    if app.mg.depth > 1:  # the asymptotic factor of the power iteration agrees
        assert app.factor == pytest.approx(reference(app).convergence_factor(cycles=30, last=10), rel=0.15)
        assert result.factor <= app.factor  # the mean over the run includes the fast first cycle


@pytest.mark.parametrize("size", [63, 255, 1023, 2047])
def test_v21_jacobi_factor_is_about_a_tenth_for_every_size(app, size):
    app.set(size=size)
    assert app.mg.depth == max_depth(size)  # depth 11: the full hierarchy of every N
    assert 0.08 <= app.factor <= 0.115
    assert app.cycles_to_target in (9, 10)


def test_depth_one_stalls(app):
    app.set(size=255, depth=1)
    h = 1 / 256
    assert app.stall_factor == pytest.approx((1 - 2 / 3 * (1 - math.cos(math.pi * h))) ** 3, rel=1e-12)
    assert app.stall_factor > 0.9998 and app.stall_factor == pytest.approx(1 - math.pi**2 * h**2, abs=1e-7)
    assert app.factor > 0.9  # over the last cycles, and still rising towards the stall factor
    assert app.result.cycles == 30 and app.result.residuals[-1] > 1e-4
    assert app.cycles_to_target is None
    assert "not 10⁻¹⁰ in 30 cycles: STALLS" in app.status.value and COLORS["vermillion"] in app.status.value
    assert len(app._stall_line.get_xdata()) == 31
    assert "smoothing only" in app._bottom_text.get_text() and "0.999849" in app._note.get_text()
    assert visible_levels(app) == 1


def test_stall_factor_is_the_smoothers_spectral_radius():
    """The theory line: on a small grid a long power iteration reaches it (Jacobi and red-black)."""
    for smoother in ("jacobi", "red-black"):
        app = build(size=63, depth=1, smoother=smoother, smoothing=(1, 0))
        measured = reference(app).convergence_factor(cycles=4000, last=100)
        assert measured == pytest.approx(app.stall_factor, abs=2e-4)


def test_depth_one_of_the_implicit_step_converges_without_stalling(app):
    app.set(problem="implicit-diffusion", depth=1)
    assert 0.9 < app.stall_factor < 0.99  # cond(I + 10 DᵀD) ~ 41: no stall
    assert "STALLS" not in app.status.value and "not 10⁻¹⁰ in 30 cycles: ~" in app.status.value


@pytest.mark.parametrize("smoothing", [(1, 1), (2, 1)])
def test_w_is_not_slower_than_v(app, smoothing):
    app.set(depth=5, smoothing=smoothing)
    v = app.factor
    app.set(cycle="W")
    assert app.factor <= v * 1.02
    assert app._w_bracket.get_visible() and "twice" in app._w_text.get_text()


def test_red_black_is_not_slower_than_jacobi(app):
    jacobi = app.factor
    app.set(smoother="red-black")
    assert app.factor <= jacobi
    assert app.result.cycles == 1 and app.factor < 1e-12  # 1D Poisson: cyclic reduction, exact in one cycle
    assert "ρ ≈ 0 (cyclic reduction); 10⁻¹⁰ after 1 cycle" in app.status.value
    assert app._floor_marker.get_xdata().size == 1 and app._floor_text.get_visible()
    app.set(depth=1)
    assert app.stall_factor < app.mg.smoothing_only_factor() + 1e-15
    assert app.stall_factor == pytest.approx(math.cos(math.pi / 256) ** 6)  # rho_GS = rho_J^2 per sweep


def test_depth_slider_keeps_its_range_and_the_cycle_uses_what_n_allows(app):
    """Issue 14: the depth slider's range never changes (a browser slider whose range the kernel changes races
    it, and its End key keeps the old maximum); the cycle uses min(L, max_depth(N)) levels."""
    depth = app.controls["depth"]
    for size, levels in ((63, 6), (2047, 11), (255, 8)):
        app.set(size=size)
        assert (depth.min, depth.max, depth.value) == (1, 11, 11) and app.mg.depth == levels
    app.set(depth=3)
    for size in (63, 2047):
        app.set(size=size)
        assert depth.value == 3 and app.mg.depth == 3 and "3 levels:" in app.status.value
    app.set(size=63, depth=9)
    assert app.mg.depth == 6 and "depth 9 → 6 levels:" in app.status.value


def drawn(artist) -> int:
    """How many items (points, boxes) a visible U-net artist draws."""
    if not artist.get_visible():
        return 0
    return len(artist.get_paths()) if hasattr(artist, "get_paths") else len(artist.get_xdata())


@pytest.mark.parametrize("depth, cycle", [(1, "V"), (2, "V"), (3, "W"), (8, "V"), (11, "W")])
def test_unet_drawing_has_one_row_per_level(app, depth, cycle):
    app.set(size=2047 if depth == 11 else 255, depth=depth, cycle=cycle)
    assert visible_levels(app) == depth
    sizes = [label.get_text() for label in app._size_texts if label.get_visible()]
    assert sizes == [str(shape[0]) for shape in app.mg.shapes]
    assert drawn(app._boxes) == 2 * (depth - 1)  # S x nu_1 and S x nu_2 on every level above the bottom
    for artist in (*app._smoothing_labels, *app._heads.values(), *app._plus):
        assert drawn(artist) == depth - 1  # labels, arrow heads (R, P, skip), the "+" of every skip
    for shaft in app._shafts.values():
        assert drawn(shaft) == 3 * (depth - 1)  # start, end, gap per arrow
    assert ("exact solve" in app._bottom_text.get_text()) == (depth >= 2)
    assert ("smoothing only" in app._bottom_text.get_text()) == (depth == 1)
    assert app._w_bracket.get_visible() == (cycle == "W")
    labels = [text.get_text() for text in app._fixed_texts if text.get_visible()]
    expected = ["stride-2 conv R", "transposed conv P = 2Rᵀ", "encoder", "additive skip", "decoder"]
    assert labels == (expected if depth >= 2 else [])
    if depth >= 2:
        assert app._smoothing_sweeps == [2, 1]
        assert [line.get_marker() for line in app._smoothing_labels] == [
            r"$\mathrm{S}\ \times\ 2$", r"$\mathrm{S}\ \times\ 1$"]
        rows = app._heads["skip"].get_ydata()
        assert np.all(np.diff(rows) < 0) and rows.min() > app._bottom.get_y()  # top to bottom, above the solve


def test_unet_parameters_are_parameter_comparison(app):
    pytest.importorskip("torch")
    from pdelib.nets.unet import parameter_comparison

    app.set(depth=5)
    counts = parameter_comparison(MultigridSolver(255, depth=5))
    assert app.parameters == counts
    tied, untied = counts["tied"], counts["untied"]
    assert f"U-net {tied} parameters ({untied} untied)" in app.status.value


def test_deep_w_cycles_are_shortened_and_say_so(app):
    app.set(size=1023, depth=10, cycle="W")
    assert app.level_visits() == 1023
    assert app.result.cycles == app.cycle_budget == MultigridApp.MIN_CYCLES
    assert "(W budget)" in app.status.value and f"first {app.result.cycles} cycles" in app.ax_residual.get_title()


def test_updates_blit_and_match_a_full_redraw(app, count_draws):
    """Every move blits but those into and out of depth 1 (the U-net's fixed labels come and go)."""
    full_redraw_pixels(app)
    draws = count_draws(app)
    moves = [("depth", 5, True), ("smoothing", (1, 1), True), ("cycle", "W", True), ("size", 1023, True),
             ("smoother", "red-black", True), ("problem", "implicit-diffusion", True), ("depth", 2, True),
             ("depth", 1, False), ("size", 2047, True), ("smoothing", (3, 3), True), ("smoother", "jacobi", True),
             ("depth", 4, False), ("size", 63, True)]
    for name, value, blits in moves:
        before = len(draws)
        app.controls[name].value = value
        assert (len(draws) == before) == blits, f"{name} = {value} must {'blit' if blits else 'redraw'}"
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {name} = {value}")


def test_reset_returns_the_defaults(app):
    app.set(size=63, depth=2, smoother="red-black", cycle="W", smoothing=(3, 3), problem="implicit-diffusion")
    app.reset()
    assert {name: c.value for name, c in app.controls.items()} == DEFAULTS
    assert app.controls["depth"].max == 11 and app.mg.depth == 8


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"size": 4095}, ValueError, "size must be one of 63, 127, 255, 511, 1023, 2047"),
        ({"size": 100}, ValueError, "size must be one of"),
        ({"depth": 12}, ValueError, r"depth must be an integer >= 1 and <= 11"),
        ({"depth": 0}, ValueError, "depth must be an integer >= 1"),
        ({"depth": 2.5}, TypeError, "depth must be an integer >= 1"),
        ({"smoothing": (0, 0)}, ValueError, r"smoothing must be one of \(1, 0\), \(1, 1\)"),
        ({"smoother": "gauss-seidel"}, ValueError, "smoother must be one of 'jacobi', 'red-black'"),
        ({"cycle": "F"}, ValueError, "cycle must be one of 'V', 'W'"),
        ({"problem": "heat"}, ValueError, "problem must be one of 'poisson', 'implicit-diffusion'"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MultigridApp(**kwargs)
