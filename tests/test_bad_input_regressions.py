"""Regression tests of issue 15, "Bad input gets a clear error, fast": one test per reported failure.

Each call must raise a TypeError or ValueError naming the parameter (and, for limits, the allowed range)
within a time budget, or give the right answer; none may hang, allocate without bound or warn.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import traitlets

import pdelib
from pdelib.measures import euclidean_norm
from pdelib.schemes.implicit import flux_ratio, jacobi_iteration
from pdelib.schemes.multigrid import MultigridSolver
from tests.test_fuzz_inputs import BUDGET, time_budget

N = 64
U = pdelib.noisy_step(N)
LINEAR = pdelib.diffusivity("linear")
PM = pdelib.diffusivity("perona-malik", 0.1)
D = pdelib.DerivativeOperator(1, N)
APPS = ("ActivationApp", "DiffusionApp", "FSIApp", "ImplicitApp", "MultigridApp", "TimeStepApp")


def raises_fast(error, match: str, function, *args, **kwargs) -> str:
    """Assert that the call raises ``error`` matching ``match`` within the time budget; return the message."""
    with pytest.raises(error, match=match) as caught, time_budget(BUDGET):
        function(*args, **kwargs)
    return str(caught.value)


# -- hangs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "arguments"),
    [
        (pdelib.plan_fsi, {"time": 1e300, "tau_max": 0.5}),
        (pdelib.plan_fsi, {"time": 1.0, "tau_max": 1e-300}),
        (pdelib.fsi_to_time, {"u0": U, "time": 1e300, "diffusivity": PM, "operator": D}),
        (pdelib.fsi_to_time, {"u0": U, "time": 1.0, "diffusivity": PM, "operator": D, "tau_max": 1e-300}),
        (pdelib.reference_solution, {"u0": U, "time": 1e300, "diffusivity": PM, "operator": D}),
    ],
)
def test_huge_stopping_times_are_rejected_with_the_limit(function, arguments):
    message = raises_fast(ValueError, "time must be at most 1e", function, **arguments)
    assert "split the run" in message  # how to go further


def test_steps_to_accuracy_rejects_an_unreachable_tolerance():
    raises_fast(ValueError, r"tolerance must be a finite real number >= 1e-10", pdelib.steps_to_accuracy,
                U, 1.0, PM, D, tolerance=1e-300)


def test_advance_rejects_an_astronomical_step_count():
    message = raises_fast(ValueError, r"steps must be an integer >= 0 and <= 10000000",
                          pdelib.ExplicitScheme(0.25, LINEAR, D).advance, U.copy(), 10**30)
    assert "got about 1e30" in message and "split the run into several calls" in message


def test_network_from_scheme_rejects_a_billion_blocks():
    from pdelib.nets.resnet import DiffusionNetwork

    raises_fast(ValueError, r"steps must be an integer >= 1 and <= 10000", DiffusionNetwork.from_scheme,
                PM, D, 0.25, steps=10**9)


def test_multigrid_depth_message_is_built_fast():
    raises_fast(ValueError, r"depth must be between 1 and 6 for size 63", MultigridSolver, 63, depth=10**30)


# -- unbounded allocation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "arguments", "match"),
    [
        (pdelib.DerivativeOperator, {"order": 1, "size": 10**9}, r"size must be an integer >= 2 and <= 4194304"),
        (pdelib.noisy_step, {"size": 10**9}, r"size must be an integer >= 2 and <= 4194304"),
        (pdelib.ExplicitScheme(0.25, LINEAR, D).evolve, {"u0": U, "steps": 10**9}, r"steps must be an integer >= 0"),
        (pdelib.diffuse, {"u0": U, "time": 1e12, "diffusivity": LINEAR, "operator": D}, r"time must be at most 1e\+09"),
        (pdelib.FSIScheme, {"tau": 0.25, "cycle_length": 10**9, "diffusivity": LINEAR, "operator": D},
         r"cycle_length must be an integer >= 1 and <= 100000"),
    ],
)
def test_sizes_and_counts_are_limited_before_allocating(function, arguments, match):
    raises_fast(ValueError, match, function, **arguments)


@pytest.mark.parametrize("app", APPS)
def test_every_app_rejects_a_billion_points(app):
    import pdelib.apps

    raises_fast(ValueError, r"size must be", getattr(pdelib.apps, app), size=10**9)


# -- unclear errors from deep inside ---------------------------------------------------------------


def test_time_step_app_rejects_steps_of_the_wrong_kind():
    from pdelib.apps import TimeStepApp

    raises_fast(TypeError, r"steps must be an integer >= 1 and <= ", TimeStepApp, steps="20")
    raises_fast(TypeError, r"steps must be an integer", TimeStepApp, steps=float("nan"))


def test_tiny_spacing_and_contrast_are_rejected_by_name():
    raises_fast(ValueError, r"spacing must lie in \[2e-25, 2e\+25\] for order 1", pdelib.DerivativeOperator, 1, 8,
                spacing=1e-300)
    raises_fast(ValueError, r"contrast must be a finite real number >= 1e-100 and <= 1e\+100", pdelib.diffusivity,
                "perona-malik", 1e-200)


def test_measures_and_networks_name_a_missing_argument():
    from pdelib.nets.resnet import DiffusionNetwork

    raises_fast(TypeError, r"u must be a 1D array of real numbers, got None", pdelib.total_variation, None)
    raises_fast(TypeError, r"blocks must be a list \(or another iterable\) of DiffusionBlocks, got None",
                DiffusionNetwork, blocks=None)


# -- silent nonsense -------------------------------------------------------------------------------


def test_euclidean_norm_rejects_what_is_not_a_real_signal():
    raises_fast(TypeError, "u must be a 1D array of real numbers, got an array of dtype complex", euclidean_norm,
                np.array([1 + 1j, 2.0]))
    raises_fast(TypeError, "u must be a 1D array of real numbers, got 3.0", euclidean_norm, 3.0)
    raises_fast(ValueError, "u must have between 1 and", euclidean_norm, [])


def test_no_nan_from_a_diffusivity_or_a_flux_ratio():
    raises_fast(ValueError, "contrast must be", pdelib.diffusivity, "perona-malik", 1e-160)
    assert pdelib.diffusivity("perona-malik", 1e-100).g([0.0])[0] == 1.0  # the smallest contrast allowed
    raises_fast(ValueError, "s must be finite", flux_ratio, LINEAR, math.nan)


def test_a_huge_valid_signal_is_not_a_false_blow_up():
    run = pdelib.ExplicitScheme(0.25, PM, D).evolve(1e200 * U, 10)
    assert run.blowup is None
    assert run.norm_nonincreasing
    assert run.norms[0] == pytest.approx(1e200 * euclidean_norm(U), rel=1e-14)


# -- wrong answers at valid extremes ---------------------------------------------------------------


def test_jacobi_on_a_huge_signal_reports_what_it_reports_on_the_signal():
    huge = jacobi_iteration(1e200 * U, 5.0, LINEAR, D)
    plain = jacobi_iteration(U, 5.0, LINEAR, D)
    assert not (huge.converged and huge.diverged)
    assert (huge.converged, huge.diverged) == (plain.converged, plain.diverged)
    np.testing.assert_allclose(huge.history / 1e200, plain.history, rtol=1e-10)


@pytest.mark.parametrize("scale", [1e-300, 1e200])
def test_multigrid_solves_tiny_and_huge_right_hand_sides(scale):
    solver = MultigridSolver(63)
    plain = solver.solve(np.ones(63))
    scaled = solver.solve(np.full(63, scale))
    assert scaled.converged and scaled.cycles == plain.cycles > 0
    np.testing.assert_allclose(scaled.solution / scale, plain.solution, rtol=1e-10)
    np.testing.assert_allclose(scaled.residuals, plain.residuals, rtol=0, atol=1e-13)  # relative residuals


# -- poisoned app state ----------------------------------------------------------------------------


def test_a_rejected_tau_leaves_the_time_step_app_working(small_apps):
    app = small_apps["TimeStepApp"]
    before = (app.controls["tau"].value, app.status.value)
    raises_fast(ValueError, r"tau must be a finite real number >= 0 and <= ", app.set, tau=math.nan)
    assert (app.controls["tau"].value, app.status.value) == before
    app.set(tau=0.3)
    app.reset()
    assert app.controls["tau"].value == app.defaults["tau"]


def test_a_partial_set_applies_nothing(small_apps):
    app = small_apps["TimeStepApp"]
    before = ({name: control.value for name, control in app.controls.items()}, app.status.value)
    raises_fast(ValueError, r"order must be one of 1, 2; got 3", app.set, diffusivity="perona-malik", order=3)
    assert ({name: control.value for name, control in app.controls.items()}, app.status.value) == before


def test_invalid_options_raise_value_errors_not_trait_errors(small_apps):
    app = small_apps["TimeStepApp"]
    with pytest.raises(ValueError, match="diffusivity must be one of") as caught:
        app.set(diffusivity="no-such-diffusivity")
    assert not isinstance(caught.value, traitlets.TraitError)


def test_out_of_range_numbers_are_rejected_not_clamped(small_apps):
    from pdelib.apps import TimeStepApp

    message = raises_fast(ValueError, r"tau must be a finite real number >= 0 and <= 0\.8", TimeStepApp, tau=5.0)
    assert "got 5" in message
    app = small_apps["TimeStepApp"]
    raises_fast(ValueError, r"tau must be a finite real number >= 0 and <= ", app.set, tau=5.0)


def test_a_seed_beyond_64_bits_is_rejected():
    """Found by the fuzz suite: ImageDiffusionApp(seed=10**30) was accepted (numpy takes any seed >= 0); every
    seed of pdelib now stops at MAX_SEED = 2^63 - 1."""
    from pdelib.apps import ImageDiffusionApp
    from pdelib.images import load_image, noisy_image

    for call, arguments in ((ImageDiffusionApp, {"size": 16}), (noisy_image, {"clean": load_image("camera", 16)})):
        raises_fast(ValueError, r"seed must be an integer >= 0 and <= 9223372036854775807", call, seed=10**30,
                    **arguments)
