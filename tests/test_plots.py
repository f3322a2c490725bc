"""Tests of the static figures in pdelib.plots (chapters 01-08): structure, style, blow-up marking."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import matplotlib as mpl  # noqa: E402
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import pdelib  # noqa: E402
from pdelib import plots  # noqa: E402
from pdelib.plots import COLORS, STYLE  # noqa: E402

SIZE = 64
X = np.arange(SIZE)


@pytest.fixture(scope="module")
def runs():
    """A stable and a blown-up linear run (frozen dataclasses, safe to share)."""
    signal = pdelib.noisy_step(SIZE, seed=1)
    linear, operator = pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, SIZE)
    bound = pdelib.stability_bound(linear, operator)
    stable = pdelib.evolve(signal, 0.9 * bound, 200, linear, operator)
    blown = pdelib.evolve(signal, 1.5 * bound, 300, linear, operator)
    assert stable.blowup is None and blown.blowup is not None
    assert np.all(np.isfinite(blown.norms))  # stopped at the growth limit, before overflow
    return {"stable": stable, "blown": blown}


@pytest.fixture(scope="module")
def overflowed():
    """A run whose norm overflowed to inf at its blow-up step (a huge tau: every value finite, ‖u‖ above 1.8e308)."""
    signal = pdelib.noisy_step(SIZE, seed=1)
    run = pdelib.evolve(signal, 1.1e308, 10, pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, SIZE))
    assert run.blowup is not None and not np.isfinite(run.norms[-1])
    return run


GALLERY = [pdelib.activation("relu"), pdelib.activation("silu"), pdelib.activation("anti-diffusion"),
           pdelib.diffusivity("perona-malik")]


def test_flux_gallery_shades_sectors_only_for_fluxes_inside_one():
    axes = plots.plot_flux_gallery(GALLERY).axes
    for ax, flux in zip(axes, GALLERY):
        assert flux.title in ax.get_title()
        assert ("outside every sector" in ax.get_title()) == (not flux.in_sector)
        # one sector band when in the sector, plus the backward-diffusion shading
        assert len(ax.collections) == (2 if flux.in_sector else 1)


def accuracy_results():
    """Steps to reach T = 1, 4, 16 at error 1e-2 for the plain scheme and FSI (small and fast)."""
    signal = pdelib.noisy_step(SIZE, seed=3)
    g, D = pdelib.diffusivity("perona-malik", 0.1), pdelib.DerivativeOperator(1, SIZE)
    return {label: [pdelib.steps_to_accuracy(signal, T, g, D, 1e-2, method=method) for T in (1.0, 4.0, 16.0)]
            for label, method in (("explicit", "explicit"), ("FSI", "fsi"))}


def test_steps_against_time_draws_both_methods_and_two_guides():
    (ax,) = plots.plot_steps_against_time(accuracy_results()).axes
    labelled = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labelled == ["explicit", "FSI"]
    assert len(ax.lines) == 4 and ax.get_xscale() == ax.get_yscale() == "log"
    assert {text.get_text() for text in ax.texts} == {"∝ T", "∝ √T"}


def iteration_results():
    """Fixed point just below and above its threshold, and Jacobi, on one implicit linear step (chapter 05)."""
    from pdelib.schemes.implicit import FixedPointSolver, SemiImplicitScheme, jacobi_iteration

    signal = pdelib.noisy_step(SIZE, seed=4)
    g, D = pdelib.diffusivity("linear"), pdelib.DerivativeOperator(1, SIZE)
    results = {}
    for tau in (0.24, 0.3):
        exact = SemiImplicitScheme(tau, g, D).step(signal)
        results[f"fixed point τ = {tau}"] = FixedPointSolver(tau, g, D).solve(signal, 200, stop=False, reference=exact)
    results["Jacobi τ = 2"] = jacobi_iteration(signal, 2.0, g, D, 200)
    return results


def test_iteration_errors_mark_the_diverged_run():
    results = iteration_results()
    (ax,) = plots.plot_iteration_errors(results, scale=np.linalg.norm(pdelib.noisy_step(SIZE, seed=4))).axes
    assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == list(results)
    crosses = [line for line in ax.lines if line.get_marker() == "X"]
    assert len(crosses) == 1 and results["fixed point τ = 0.3"].diverged
    assert ax.get_yscale() == "log"


def multigrid_results():
    """V(2,1) cycles with all levels and with smoothing only, 1D Poisson, N = 63 (chapter 06)."""
    from pdelib.schemes.multigrid import MultigridSolver

    f = np.random.default_rng(5).standard_normal(SIZE - 1)
    return {f"depth {depth}": MultigridSolver(SIZE - 1, depth=depth).solve(f, tolerance=1e-10, max_cycles=20)
            for depth in (1, 6)}


def test_residual_histories_draw_one_line_per_run():
    results = multigrid_results()
    (ax,) = plots.plot_residual_histories(results).axes
    lines = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["depth 1", "depth 6"]
    for line, result in zip(lines, results.values()):
        assert np.array_equal(line.get_ydata(), result.residuals)
    assert results["depth 6"].converged and not results["depth 1"].converged


def training_histories():
    """Two short made-up loss histories (the figure only draws them; training is tested elsewhere)."""
    from pdelib.nets.training import TrainingHistory

    return {"(a)": TrainingHistory([0.04, 0.02, 0.01], [0.05, 0.03, 0.02]),
            "(b)": TrainingHistory([0.05, 0.03, 0.02], [0.06, 0.04, 0.03])}


# ||h^k|| for 3 blocks and 2 signals: a contracting and an exploding network
NORM_TRAJECTORIES = {"stable": np.array([[2.0, 4.0], [1.5, 3.0], [1.0, 2.5], [0.5, 2.0]]),
                     "exploding": np.array([[1.0, 1.0], [10.0, 5.0], [1e100, 1e3], [np.inf, 1e9]])}


def test_training_curves_draw_training_and_validation_per_model():
    (ax,) = plots.plot_training_curves(training_histories()).axes
    assert [line.get_label() for line in ax.lines] == ["(a): training", "(a): validation", "(b): training",
                                                       "(b): validation"]
    assert ax.get_yscale() == "log"


def test_norm_trajectories_show_the_largest_growth_and_mark_overflow():
    (ax,) = plots.plot_norm_trajectories(NORM_TRAJECTORIES).axes
    stable, exploding = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert np.allclose(stable.get_ydata(), [1.0, 0.75, 0.625, 0.5])  # max over signals of ||h^k|| / ||h^0||
    assert np.isnan(exploding.get_ydata()[-1])
    assert len([line for line in ax.lines if line.get_marker() == "X"]) == 1


# -- chapter 08 ---------------------------------------------------------------------------------------

SMALL = pdelib.DerivativeOperator(1, 16)


def overshoot_steps():
    """A unit step edge and one explicit linear step of order 1 and 2 at 0.9 tau* on it."""
    f = np.repeat([0.0, 1.0], SIZE // 2)
    linear = pdelib.diffusivity("linear")
    steps = {}
    for order in (1, 2):
        operator = pdelib.DerivativeOperator(order, SIZE)
        steps[f"n = {order}"] = pdelib.ExplicitScheme(0.9 * pdelib.stability_bound(linear, operator), linear,
                                                      operator).step(f)
    return f, steps


def separation_case():
    from pdelib.schemes.amplification import separating_pair

    pm, operator = pdelib.diffusivity("perona-malik", 0.1), pdelib.DerivativeOperator(1, SIZE)
    scheme = pdelib.ExplicitScheme(0.9 * pdelib.stability_bound(pm, operator), pm, operator)
    return scheme, *separating_pair(SIZE, 0.1)


def test_amplification_factors_dots_lie_on_the_closed_form_lines():
    from pdelib.schemes.amplification import eigenmodes

    figure = plots.plot_amplification_factors(SMALL, ratios=(0.45, 1.1))
    mu, _ = eigenmodes(SMALL)
    for ax in figure.axes:
        lines = [line for line in ax.lines if line.get_linestyle() not in ("None", "none")]
        dots = [line for line in ax.lines if line.get_label() == "_measured"]
        assert len(lines) == len(dots) == 4
        for line, dot in zip(lines, dots):
            np.testing.assert_allclose(dot.get_xdata(), mu / SMALL.norm_squared())
            on_line = np.interp(dot.get_xdata(), line.get_xdata(), line.get_ydata())
            assert np.max(np.abs(on_line - dot.get_ydata())) < 0.02  # linear interpolation of the 801-point curve
        assert ax.get_ylim() == (-1.6, 1.6)
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["explicit", "FSI cycle, n = 5", "semi-implicit", "fixed point, ℓ = 3", "measured, N = 16"]


def test_mode_gains_mark_the_worst_mode_of_each_method():
    figure = plots.plot_mode_gains(31, taus=(10.0,))
    (ax,) = figure.axes
    jacobi, multigrid = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert jacobi.get_ydata().max() > 0.85 > 0.3 > multigrid.get_ydata().max()
    worst = [line for line in ax.lines if line.get_label() == "_worst"]
    assert [float(np.atleast_1d(line.get_ydata())[0]) for line in worst] == [jacobi.get_ydata().max(),
                                                                             multigrid.get_ydata().max()]
    assert ax.get_yscale() == "log"


def test_inner_factors_show_fed_largest_first_far_above_one_and_fsi_at_one():
    figure = plots.plot_inner_factors(pdelib.DerivativeOperator(1, 32), cycle_length=10, long_cycle=20)
    ax_in, ax_above = figure.axes
    fsi, smallest, largest = ax_in.lines[:3]
    assert np.all(fsi.get_ydata() <= 1 + 1e-12) and np.all(smallest.get_ydata() <= 1 + 1e-12)
    assert largest.get_ydata().max() > 1e3
    at, above, explicit = ax_above.lines
    assert at.get_ydata().max() <= 1 + 1e-12 < above.get_ydata().max()
    assert explicit.get_ydata().max() < above.get_ydata().max()


def test_overshoot_draws_f_the_steps_and_the_range():
    f, steps = overshoot_steps()
    (ax,) = plots.plot_overshoot(f, steps, window=(24, 39)).axes
    assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == ["f", "n = 1", "n = 2"]
    assert len(ax.lines) == 5  # f, two steps, two range lines
    assert np.array_equal(ax.lines[2].get_ydata(), steps["n = 2"][24:40])


def test_separation_draws_the_ratio_and_both_norms():
    scheme, u, v = separation_case()
    ax_ratio, ax_norm = plots.plot_separation(scheme, u, v, steps=5).axes
    ratio = ax_ratio.lines[0].get_ydata()
    assert len(ratio) == 5 and ratio[-1] > ratio[0] > 1
    norm_u, norm_v = ax_norm.lines
    assert np.all(np.diff(norm_u.get_ydata()) <= 0) and np.all(np.diff(norm_v.get_ydata()) <= 0)


def make_figures(runs):
    """name -> (figure, expected number of axes) for every figure function of pdelib.plots."""
    signal = pdelib.noisy_step(SIZE, seed=2)
    smooth = pdelib.smooth_step(SIZE, width=4.0)
    return {
        "diffusivities": (plots.plot_diffusivities(["linear", "charbonnier", "perona-malik"], contrast=0.5), 2),
        "diffusivities-all": (plots.plot_diffusivities(pdelib.DIFFUSIVITIES, contrast=1.0), 2),
        "signals": (plots.plot_signals(X, {"f": signal, "u": smooth}, title="a noisy and a smooth step"), 1),
        "time_step_study": (plots.plot_time_step_study(runs, X), 4),
        "time_step_study-one-run": (plots.plot_time_step_study({"stable": runs["stable"]}, X), 2),
        "new_figure": (plots.new_figure(6, 3, ncols=3)[0], 3),
        "steps_against_time": (plots.plot_steps_against_time(accuracy_results()), 1),
        "flux_gallery": (plots.plot_flux_gallery(GALLERY), 4),
        "iteration_errors": (plots.plot_iteration_errors(iteration_results()), 1),
        "residual_histories": (plots.plot_residual_histories(multigrid_results()), 1),
        "training_curves": (plots.plot_training_curves(training_histories()), 1),
        "norm_trajectories": (plots.plot_norm_trajectories(NORM_TRAJECTORIES), 1),
        "amplification_factors": (plots.plot_amplification_factors(SMALL), 2),
        "mode_gains": (plots.plot_mode_gains(31), 2),
        "inner_factors": (plots.plot_inner_factors(pdelib.DerivativeOperator(1, 32), cycle_length=10,
                                                   long_cycle=20), 2),
        "overshoot": (plots.plot_overshoot(*overshoot_steps(), window=(24, 39)), 1),
        "separation": (plots.plot_separation(*separation_case(), steps=5), 2),
    }


FIGURES = ["diffusivities", "diffusivities-all", "signals", "time_step_study", "time_step_study-one-run",
           "steps_against_time", "flux_gallery", "iteration_errors", "residual_histories", "training_curves",
           "norm_trajectories", "amplification_factors", "mode_gains", "inner_factors", "overshoot", "separation",
           "new_figure"]
PLOTS = FIGURES[:-1]  # the functions that draw and label (new_figure returns empty axes)


@pytest.fixture(scope="module")
def figures(runs):
    return make_figures(runs)


def test_every_figure_function_is_covered():
    public = {name for name in dir(plots) if name.startswith(("plot_", "new_"))}
    covered = {name.split("-")[0] for name in FIGURES}
    assert {name.removeprefix("plot_") for name in public} == covered


@pytest.mark.parametrize("name", FIGURES)
def test_figure_structure_and_background(figures, name):
    figure, n_axes = figures[name]
    assert isinstance(figure, Figure)
    assert len(figure.axes) == n_axes
    assert mpl.colors.to_rgba(figure.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    assert figure.patch.get_alpha() in (None, 1.0)
    for ax in figure.axes:
        assert mpl.colors.to_rgba(ax.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_draws_and_saves_white_opaque(figures, name):
    figure, _ = figures[name]
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    assert np.all(rgba[..., 3] == 255), "the rendered figure must be opaque"
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    buffer.seek(0)
    image = mpimg.imread(buffer, format="png")
    assert image.shape[-1] == 4 and np.all(image[..., 3] == 1.0)
    np.testing.assert_array_equal(image[0, 0], [1.0, 1.0, 1.0, 1.0])  # white corner


@pytest.mark.parametrize("name", PLOTS)
def test_axes_are_labelled(figures, name):
    figure, _ = figures[name]
    for ax in figure.axes:
        assert ax.get_xlabel(), f"{name}: axes without x label"
        # a y label, or (plot_time_step_study's norm panels) a legend naming the curves on a shared scale
        assert ax.get_ylabel() or ax.get_legend() is not None, f"{name}: axes without y label or legend"


@pytest.mark.parametrize("name", PLOTS)
def test_titles_and_legends_use_the_course_style(figures, name):
    figure, _ = figures[name]
    for ax in figure.axes:
        if ax.get_title():
            assert ax.title.get_fontsize() == STYLE["axes.titlesize"], f"{name}: title {ax.get_title()!r}"
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                assert text.get_fontsize() == STYLE["legend.fontsize"], f"{name}: legend entry {text.get_text()!r}"


def test_figures_do_not_use_pyplot(runs):
    before = plt.get_fignums()
    make_figures(runs)
    assert plt.get_fignums() == before


def test_plot_signals_on_given_axes():
    figure, (ax,) = plots.new_figure(5, 3)
    returned = plots.plot_signals(X, {"f": pdelib.noisy_step(SIZE), "u": pdelib.smooth_step(SIZE)}, ax=ax)
    assert returned is figure
    assert len(ax.lines) == 2
    assert ax.lines[0].get_color() == COLORS["grey"]  # the reference
    assert [line.get_label() for line in ax.lines] == ["f", "u"]


# -- blow-up marking ------------------------------------------------------------------------------


def markers(ax, marker="X"):
    return [line for line in ax.lines if line.get_marker() == marker]


def test_time_step_study_marks_only_the_blown_up_run(runs):
    figure = plots.plot_time_step_study(runs, X)
    ax_u_stable, ax_n_stable, ax_u_blown, ax_n_blown = figure.axes
    step = runs["blown"].blowup.step
    assert "BLOW-UP" not in ax_u_stable.get_title()
    assert ax_u_stable.get_title() == "stable"
    assert "BLOW-UP" in ax_u_blown.get_title()
    assert f"step {step}" in ax_u_blown.get_title()
    assert ax_u_blown.title.get_color() == COLORS["vermillion"]
    assert markers(ax_n_stable) == []
    (cross,) = markers(ax_n_blown)
    x, y = cross.get_data()
    assert list(np.atleast_1d(x)) == [step]
    assert np.all(np.isfinite(np.atleast_1d(y)))
    # the last state is plotted; the norm and TV histories cover every computed step
    norm_line = ax_n_blown.lines[0]
    np.testing.assert_array_equal(norm_line.get_ydata(), runs["blown"].norms)


def test_time_step_study_marks_an_overflowed_blowup_visibly(overflowed):
    figure = plots.plot_time_step_study({"overflow": overflowed}, X)
    ax_u, ax_n = figure.axes
    assert "BLOW-UP" in ax_u.get_title()
    (cross,) = markers(ax_n)
    y = np.atleast_1d(cross.get_ydata()).astype(float)
    assert np.all(np.isfinite(y)), f"the blow-up cross is placed at y = {y} (not drawn); norms = {overflowed.norms}"
    figure.savefig(io.BytesIO())


# -- shading of backward diffusion ----------------------------------------------------------------


def shaded_vertices(collection) -> np.ndarray:
    paths = collection.get_paths()
    return np.concatenate([path.vertices for path in paths]) if paths else np.empty((0, 2))


@pytest.mark.parametrize("name, shaded", [("linear", False), ("charbonnier", False), ("tv", False),
                                          ("perona-malik", True), ("exponential-perona-malik", True),
                                          ("weickert", True)])
def test_shade_backward_diffusion(name, shaded):
    figure, (ax,) = plots.new_figure(5, 3)
    contrast = 0.5
    s = np.linspace(0, 2, 401)
    collection = plots.shade_backward_diffusion(ax, pdelib.diffusivity(name, contrast), s)
    assert isinstance(collection, PolyCollection)
    assert collection in ax.collections
    vertices = shaded_vertices(collection)
    if not shaded:
        assert vertices.size == 0, f"{name} is monotone: nothing may be shaded"
    else:
        assert vertices.size > 0
        # Phi' < 0 exactly for s > lambda (all three fluxes peak at s = lambda)
        spacing = s[1] - s[0]
        assert contrast <= vertices[:, 0].min() <= contrast + 2 * spacing
        assert vertices[:, 0].max() == pytest.approx(s[-1])
        # the shading spans the full height of the axes (axes coordinates in y)
        assert vertices[:, 1].min() == 0 and vertices[:, 1].max() == 1
    figure.savefig(io.BytesIO())


# -- course_style -----------------------------------------------------------------------------------


def test_course_style_applies_and_restores_rcparams():
    before = mpl.rcParams.copy()
    with plots.course_style():
        for key, value in STYLE.items():
            assert mpl.rcParams[key] == value, key
    assert mpl.rcParams == before


def test_course_style_restores_rcparams_after_an_error():
    before = mpl.rcParams.copy()
    with pytest.raises(RuntimeError):
        with plots.course_style():
            mpl.rcParams["lines.linewidth"] = 99
            raise RuntimeError("inside the style")
    assert mpl.rcParams == before


def test_building_figures_leaves_rcparams_alone(runs):
    before = mpl.rcParams.copy()
    make_figures(runs)
    assert mpl.rcParams == before
