"""Headless tests of the chapter-05 widget (ImplicitApp): thresholds, rates, divergence marking, rendering.

Setting ``control.value`` runs the observers synchronously (recompute -> redraw -> render), as in
tests/apps/test_fsi.py.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery


import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pdelib  # noqa: E402
from pdelib.apps import ImplicitApp  # noqa: E402
from pdelib.schemes.implicit import SemiImplicitScheme  # noqa: E402
from pdelib.plots import COLORS  # noqa: E402
from tests.apps.app_rendering import assert_moves_blit

DEFAULTS = {"tau": 0.2, "iterations": 60, "solver": "fixed-point"}


@pytest.fixture(scope="module")
def shared_app():
    return ImplicitApp()


@pytest.fixture
def app(shared_app):
    if {name: control.value for name, control in shared_app.controls.items()} != shared_app.defaults:
        shared_app.reset()
    return shared_app


def test_defaults_and_the_two_bounds(app):
    assert app.defaults == DEFAULTS
    assert app.fixed_point_bound == pytest.approx(0.2501507, abs=1e-7)  # 1 / lambda_max, N = 64
    assert app.explicit_bound == pytest.approx(2 * app.fixed_point_bound)
    assert "fixed point converges" in app.status.value
    assert COLORS["vermillion"] not in app.status.value


def test_exact_step_is_the_semi_implicit_solution(app):
    x = app.exact
    D = app.operator
    assert np.allclose(x + 0.2 * D.apply_transpose(D.apply(x)), app.signal, atol=1e-13)
    assert app.direct_residual < 1e-14


@pytest.mark.parametrize("tau, converges", [(0.24, True), (0.245, True), (0.26, False), (0.27, False)])
def test_fixed_point_converges_exactly_below_the_threshold(app, tau, converges):
    app.set(tau=tau, iterations=300)
    errors = app.fixed.history
    assert (errors[-1] < errors[0]) == converges
    assert ("fixed point converges" in app.status.value) == converges
    assert ("DIVERGES" in app.status.value) == (not converges)
    assert (COLORS["vermillion"] in app.status.value) == (not converges)  # alarm colour


@pytest.mark.parametrize("tau", [0.1, 0.2, 0.24])
def test_fixed_point_error_factor_is_tau_over_the_threshold(app, tau):
    app.set(tau=tau, iterations=100)
    assert app.fixed.rate() == pytest.approx(tau / app.fixed_point_bound, rel=0.03)
    assert f"factor {app.fixed.rate():.3g}" in app.status.value


@pytest.mark.parametrize("tau", [0.5, 2.0, 10.0])
def test_jacobi_factor_is_the_exact_spectral_radius(app, tau):
    from pdelib.schemes.implicit import jacobi_spectral_radius

    app.set(tau=tau, iterations=300, solver="jacobi")
    theory = jacobi_spectral_radius(tau, app.operator)
    assert app.jacobi_factor == theory < 2 * tau / (1 + 2 * tau)
    assert app.jacobi.rate() == pytest.approx(theory, rel=0.03)
    assert f"Jacobi: factor {theory:.3g}" in app.status.value


def test_divergence_is_marked_and_the_result_rescaled(app):
    app.set(tau=0.5, iterations=100)
    assert app.fixed.diverged
    marker_x, marker_y = app._divergence_marker.get_data()
    assert list(marker_x) == [app.fixed.history.size - 1]
    assert marker_y[0] > 1e5 * app.fixed.history[0] / np.linalg.norm(app.signal)
    assert app.ax_step.get_title().startswith("DIVERGED")
    assert np.max(np.abs(app._result_line.get_ydata())) == pytest.approx(1.0)
    assert "DIVERGES" in app.status.value and COLORS["vermillion"] in app.status.value
    app.set(tau=0.2)
    assert list(app._divergence_marker.get_data()[0]) == []
    assert not app.ax_step.get_title().startswith("DIVERGED")


@pytest.mark.parametrize("solver", ["fixed-point", "jacobi", "direct"])
def test_solver_selects_the_result_shown(app, solver):
    app.set(solver=solver, tau=2.0, iterations=300)
    shown = app._result_line.get_ydata()
    expected = {"direct": app.exact, "jacobi": app.jacobi.solution, "fixed-point": app.fixed.solution}[solver]
    if solver == "fixed-point":  # diverged at tau = 2: rescaled
        expected = expected / np.max(np.abs(expected))
    assert np.array_equal(shown, expected)
    bold = {"fixed-point": app._fixed_line, "jacobi": app._jacobi_line}
    for name, line in bold.items():
        assert (line.get_linewidth() > 2.5) == (name == solver)


def test_jacobi_converges_for_large_tau_but_slowly(app):
    app.set(solver="jacobi", tau=50.0, iterations=300)
    errors = app.jacobi.history / np.linalg.norm(app.signal)
    assert errors[-1] < errors[0]
    assert errors[-1] > 1e-4  # 300 iterations are not enough at factor 0.99: the case for multigrid
    direct = SemiImplicitScheme(50.0, pdelib.diffusivity("linear"), app.operator).step(app.signal)
    assert np.array_equal(direct, app.exact)


def test_updates_blit_and_match_a_full_redraw(app, count_draws):
    assert_moves_blit(app, count_draws(app), [("tau", 0.3), ("tau", 5.0), ("solver", "jacobi"), ("tau", 0.05), ("iterations", 55)])


def test_reset_returns_the_defaults(app):
    app.set(tau=3.0, iterations=7, solver="direct")
    app.reset()
    assert {name: c.value for name, c in app.controls.items()} == DEFAULTS


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"tau": 0.001}, ValueError, r"tau must be a finite real number >= 0.01 and <= 100, got 0.001"),
        ({"tau": -1.0}, ValueError, "tau must be a finite real number >= 0.01 and <= 100"),
        ({"iterations": 301}, ValueError, "iterations must be an integer >= 1 and <= 300"),
        ({"iterations": 0}, ValueError, "iterations must be an integer >= 1"),
        ({"solver": "gauss-seidel"}, ValueError, "solver must be one of 'fixed-point', 'jacobi', 'direct'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ImplicitApp(**kwargs)
