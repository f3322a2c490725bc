"""Bad input gets a clear error, fast (issue 15): property and fuzz tests of the public API's validation.

Every public function, class and app constructor is called with one argument replaced by a wrong type,
NaN/inf, a negative, zero, huge or tiny value, or an array of the wrong shape, dtype or rank (others:
non-contiguous, read-only, float32, which must work). Each call must, within a time budget (a hang
detector, not a benchmark):

* raise a TypeError or ValueError whose message names the parameter, or
* return a correct result: no NaN from finite input, the same result as for a contiguous float64 copy;

and it must not mutate its inputs nor emit a warning (warnings are errors in the test configuration).
"""

from __future__ import annotations

import contextlib
import inspect
import math
import signal
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pdelib
from pdelib.measures import euclidean_norm
from pdelib.schemes.implicit import (
    FixedPointSolver,
    SemiImplicitScheme,
    fixed_point_threshold,
    flux_ratio,
    jacobi_iteration,
)
from pdelib.baselines import best_stopping_time, best_tv_weight
from pdelib.images import load_image, noisy_image, psnr, ssim
from pdelib.measures import checkerboard_amplitude_2d, total_variation_2d
from pdelib.operators2d import Gradient2D
from pdelib.schemes.explicit2d import ExplicitScheme2D, diffuse_2d, isotropic_flux, stability_bound_2d
from pdelib.schemes.fsi2d import FSIScheme2D, fsi_to_time_2d, fsi_with_step_2d
from pdelib.schemes.multigrid import MultigridSolver
from tests.conftest import APP_ARGUMENTS

#: Seconds a single call may take before it counts as a hang (the machines are shared and noisy).
BUDGET = 2
#: App constructors build a figure: a more generous budget.
APP_BUDGET = 10

N = 16
U = pdelib.noisy_step(N, seed=3)
LINEAR = pdelib.diffusivity("linear")
PM = pdelib.diffusivity("perona-malik", 0.1)
D = pdelib.DerivativeOperator(1, N)
G2 = Gradient2D((8, 8))
U2 = np.add.outer(pdelib.noisy_step(8, seed=4), pdelib.noisy_step(8, seed=5))
P2 = np.stack([U2, U2.T])
# import scikit-image's metrics, data and restoration (scipy) before any time budget
psnr(U2, U2 + 0.1), ssim(U2, U2 + 0.1), load_image("camera", 16), best_tv_weight(U2, U2 + 0.1, (0.1,))


class Hang(Exception):
    """Raised by the alarm when a call exceeds its time budget."""


@contextlib.contextmanager
def time_budget(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` in the calling thread if the block runs longer than ``seconds``."""

    def alarm(signum, frame):
        raise Hang(f"call took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(value: object) -> object:
    """A deep copy of the array contents of ``value`` (for the no-mutation check)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [snapshot(item) for item in value]
    return value


def same(before: object, after: object) -> bool:
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, list):
        return len(before) == len(after) and all(same(b, a) for b, a in zip(before, after))
    return True


def finite_input(value: object) -> bool:
    """True if ``value`` holds no NaN or infinity (so a NaN in the result would be nonsense)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return bool(np.all(np.isfinite(value)))
    if isinstance(value, (list, tuple)):
        return all(finite_input(item) for item in value)
    return True


def no_nan(result: object) -> bool:
    if isinstance(result, float):
        return not math.isnan(result)
    if isinstance(result, np.ndarray) and result.dtype.kind == "f":
        return not np.any(np.isnan(result))
    return True


def call(function: Callable, name: str, arguments: dict[str, object], budget: int = BUDGET) -> object:
    """Call ``function(**arguments)`` under the time budget; a TypeError/ValueError must name ``name``.

    Returns the result or the error; checks that no argument was mutated and no NaN came from finite input."""
    before = {key: snapshot(value) for key, value in arguments.items()}
    with time_budget(budget):
        try:
            result = function(**arguments)
        except (TypeError, ValueError) as error:
            assert name in str(error), f"{function.__qualname__}({name}=...): {type(error).__name__} does not name {name}: {error}"
            result = error
    for key, value in arguments.items():
        assert same(before[key], value), f"{function.__qualname__} mutated its argument {key}"
    if not isinstance(result, Exception) and all(finite_input(value) for value in arguments.values()):
        assert no_nan(result), f"{function.__qualname__}({name}=...) returned NaN from finite input"
    return result


# -- the bad values -------------------------------------------------------------------------------

BAD_SCALARS = [
    None, "1", b"1", [], {}, object(), True, 1 + 1j, np.array([1.0, 2.0]),
    math.nan, math.inf, -math.inf, np.float64("nan"),
    -1, -1.0, 0, 0.0, -10**30, 10**30, 2**64, 1e300, -1e300, 1e-300, 5e-324, 1e200, 1e-200,
]

BAD_ARRAYS = [
    None, 1.0, "u", [[1.0, 2.0], [3.0]], np.array([]), np.zeros((4, 4)), np.zeros((N, 1)),
    np.zeros(N, dtype=complex), np.array(["a"] * N), np.zeros(N, dtype=object), np.zeros(N - 1), np.zeros(N + 1),
    np.full(N, np.nan), np.full(N, np.inf), np.full(N, 1e300), np.full(N, -1e300), U * 1e200, U * 1e-200,
    np.full(N, 5e-324), np.zeros(N, dtype=bool), np.zeros(N, dtype=np.int8),
]


def other_layouts(values: np.ndarray) -> list[np.ndarray]:
    """Valid but unusual layouts of ``values``: non-contiguous, read-only, reversed view, float32, a list."""
    strided = np.repeat(values, 2)[::2]
    readonly = values.copy()
    readonly.flags.writeable = False
    return [strided, readonly, values[::-1].copy()[::-1], values.astype(np.float32), list(values)]


# -- the public calls with valid arguments (small sizes) -----------------------------------------

CALLS: dict[str, tuple[Callable, dict[str, object], tuple[str, ...]]] = {
    # name: (function, valid arguments, the array arguments)
    "DerivativeOperator": (pdelib.DerivativeOperator, {"order": 1, "size": N, "spacing": 1.0, "boundary": "reflecting"}, ()),
    "diffusivity": (pdelib.diffusivity, {"name": "perona-malik", "contrast": 0.1}, ()),
    "activation": (pdelib.activation, {"name": "tanh"}, ()),
    "PiecewiseLinearFlux": (pdelib.PiecewiseLinearFlux, {"values": U[:4], "contrast": 0.5}, ("values",)),
    "sector_ratio_range": (pdelib.sector_ratio_range, {"flux": PM, "s": U}, ("s",)),
    "secant_bound": (pdelib.secant_bound, {"flux": PM, "s": U}, ("s",)),
    "noisy_step": (pdelib.noisy_step, {"size": N, "height": 1.0, "noise": 0.05, "seed": 0}, ()),
    "smooth_step": (pdelib.smooth_step, {"size": N, "width": 4.0, "height": 1.0}, ()),
    "piecewise_constant": (pdelib.piecewise_constant, {"size": N, "pieces": 3, "noise": 0.0, "seed": 0}, ()),
    "checkerboard": (pdelib.checkerboard, {"size": N, "amplitude": 1.0, "noise": 0.0, "seed": 0}, ()),
    "smooth_plus_noise": (pdelib.smooth_plus_noise, {"size": N, "noise": 0.1, "seed": 0}, ()),
    "euclidean_norm": (euclidean_norm, {"u": U}, ("u",)),
    "total_variation": (pdelib.total_variation, {"u": U}, ("u",)),
    "checkerboard_amplitude": (pdelib.checkerboard_amplitude, {"u": U}, ("u",)),
    "max_slope": (pdelib.max_slope, {"u": U}, ("u",)),
    "Diffusivity.g": (PM.g, {"s2": U**2}, ("s2",)),
    "Diffusivity.flux": (PM.flux, {"s": U}, ("s",)),
    "flux_ratio": (flux_ratio, {"diffusivity": PM, "s": U}, ("s",)),
    "stability_bound": (pdelib.stability_bound, {"diffusivity": PM, "operator": D, "simple": False}, ()),
    "ExplicitScheme": (pdelib.ExplicitScheme, {"tau": 0.25, "diffusivity": PM, "operator": D}, ()),
    "explicit_step": (pdelib.explicit_step, {"u": U, "tau": 0.25, "diffusivity": PM, "operator": D}, ("u",)),
    "evolve": (pdelib.evolve, {"u0": U, "tau": 0.25, "steps": 5, "diffusivity": PM, "operator": D,
                               "record_every": 2, "growth_limit": 1e6}, ("u0",)),
    "diffuse": (pdelib.diffuse, {"u0": U, "time": 2.0, "diffusivity": PM, "operator": D, "max_steps": 10}, ("u0",)),
    "FSIScheme": (pdelib.FSIScheme, {"tau": 0.25, "cycle_length": 4, "diffusivity": PM, "operator": D}, ()),
    "plan_fsi": (pdelib.plan_fsi, {"time": 10.0, "tau_max": 0.5, "cycles": 2}, ()),
    "fsi_schedule": (pdelib.fsi_schedule, {"time": 10.0, "tau": 0.5, "cycle_length": 4}, ()),
    "FSIScheme.evolve_to_time": (pdelib.FSIScheme(0.25, 4, PM, D).evolve_to_time,
                                 {"u0": U, "time": 5.0, "record_every": 1, "growth_limit": 1e6, "max_steps": 100},
                                 ("u0",)),
    "fsi_to_time": (pdelib.fsi_to_time, {"u0": U, "time": 5.0, "diffusivity": PM, "operator": D, "cycles": 1,
                                         "tau_max": 0.4, "growth_limit": 1e6}, ("u0",)),
    "reference_solution": (pdelib.reference_solution, {"u0": U, "time": 2.0, "diffusivity": PM, "operator": D,
                                                       "refinement": 2}, ("u0",)),
    "steps_to_accuracy": (pdelib.steps_to_accuracy, {"u0": U, "time": 2.0, "diffusivity": PM, "operator": D,
                                                     "tolerance": 1e-2, "method": "fsi", "max_steps": 1000}, ("u0",)),
    "fsi_weights": (pdelib.fsi_weights, {"cycle_length": 5}, ()),
    "cycle_time": (pdelib.cycle_time, {"tau": 0.5, "cycle_length": 5}, ()),
    "fed_step_sizes": (pdelib.fed_step_sizes, {"tau": 0.5, "cycle_length": 5}, ()),
    "relative_max_error": (pdelib.relative_max_error, {"u": U, "reference": U, "u0": U}, ("u", "reference", "u0")),
    "SemiImplicitScheme": (SemiImplicitScheme, {"tau": 2.0, "diffusivity": PM, "operator": D}, ()),
    "FixedPointSolver.solve": (FixedPointSolver(0.1, PM, D).solve, {"u": U, "max_iterations": 50, "tolerance": 1e-8},
                               ("u",)),
    "jacobi_iteration": (jacobi_iteration, {"u": U, "tau": 2.0, "diffusivity": PM, "operator": D, "iterations": 20,
                                            "tolerance": 1e-8}, ("u",)),
    "fixed_point_threshold": (fixed_point_threshold, {"lipschitz": 1.0, "operator": D}, ()),
    "MultigridSolver": (MultigridSolver, {"size": 15, "dimension": 1, "depth": 3, "smoother": "jacobi", "pre": 2,
                                          "post": 1, "cycle": "V"}, ()),
    "MultigridSolver.solve": (MultigridSolver(15).solve, {"f": U[:15], "tolerance": 1e-8, "max_cycles": 20}, ()),
    # chapter 09: images (every bad array above is the wrong shape for an 8 x 8 image)
    "Gradient2D": (Gradient2D, {"shape": (8, 8), "spacing": 1.0}, ()),
    "Gradient2D.apply": (G2.apply, {"u": U2}, ("u",)),
    "Gradient2D.apply_transpose": (G2.apply_transpose, {"p": P2}, ("p",)),
    "total_variation_2d": (total_variation_2d, {"u": U2}, ("u",)),
    "checkerboard_amplitude_2d": (checkerboard_amplitude_2d, {"u": U2, "block": 4}, ("u",)),
    "best_stopping_time": (best_stopping_time, {"clean": U2, "noisy": U2 + 0.1, "diffusivity": PM, "max_time": 2.0},
                           ("clean", "noisy")),
    "best_tv_weight": (best_tv_weight, {"clean": U2, "noisy": U2 + 0.1, "weights": (0.05, 0.2)}, ("clean", "noisy")),
    "isotropic_flux": (isotropic_flux, {"diffusivity": PM, "p": P2}, ("p",)),
    "stability_bound_2d": (stability_bound_2d, {"diffusivity": PM, "gradient": G2, "simple": False}, ()),
    "ExplicitScheme2D": (ExplicitScheme2D, {"tau": 0.2, "diffusivity": PM, "gradient": G2}, ()),
    "ExplicitScheme2D.evolve": (ExplicitScheme2D(0.2, PM, G2).evolve, {"u0": U2, "steps": 5, "growth_limit": 1e6},
                                ("u0",)),
    "diffuse_2d": (diffuse_2d, {"u0": U2, "time": 2.0, "diffusivity": PM, "gradient": G2}, ("u0",)),
    "FSIScheme2D": (FSIScheme2D, {"tau": 0.2, "cycle_length": 4, "diffusivity": PM, "gradient": G2}, ()),
    "fsi_to_time_2d": (fsi_to_time_2d, {"u0": U2, "time": 5.0, "diffusivity": PM, "gradient": G2, "cycles": 1,
                                        "tau_max": 0.2, "growth_limit": 1e6}, ("u0",)),
    "load_image": (load_image, {"name": "camera", "size": 16}, ()),
    "noisy_image": (noisy_image, {"clean": U2, "noise": 0.1, "seed": 0}, ("clean",)),
    "psnr": (psnr, {"reference": U2, "u": U2 + 0.1}, ("reference", "u")),
    "ssim": (ssim, {"reference": U2, "u": U2 + 0.1}, ("reference", "u")),
    "fsi_with_step_2d": (fsi_with_step_2d, {"u0": U2, "time": 5.0, "tau": 0.2, "diffusivity": PM, "gradient": G2,
                                            "cycles": 2, "growth_limit": 1e6}, ("u0",)),
}


#: Names of ``pdelib.__all__`` that take no arguments to validate: constants, result records and base classes.
NOT_CALLED = {"ACTIVATIONS", "BOUNDARIES", "DIFFUSIVITIES", "BlowUp", "Evolution", "FSIEvolution", "FSIPlan", "FSISchedule",
              "Diffusivity"}


def test_every_public_name_is_fuzzed():
    fuzzed = {label.split(".")[0] for label in CALLS} | {"explicit_step"}
    assert set(pdelib.__all__) - NOT_CALLED <= fuzzed, sorted(set(pdelib.__all__) - NOT_CALLED - fuzzed)


def arguments_with(arguments: dict[str, object], name: str, value: object) -> dict[str, object]:
    changed = dict(arguments)
    changed[name] = value
    return changed


@pytest.mark.parametrize("label", sorted(CALLS))
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_bad_argument_gets_a_clear_error_or_a_correct_result(label, data):
    function, arguments, arrays = CALLS[label]
    name = data.draw(st.sampled_from(sorted(arguments)), label="parameter")
    bad = data.draw(st.sampled_from(BAD_ARRAYS if name in arrays else BAD_SCALARS), label="value")
    call(function, name, arguments_with(arguments, name, bad))


@pytest.mark.parametrize("label", sorted(label for label, (_, _, arrays) in CALLS.items() if arrays))
def test_unusual_layouts_give_the_result_of_a_plain_array(label):
    function, arguments, arrays = CALLS[label]
    for name in arrays:
        for layout in other_layouts(arguments[name]):
            expected = call(function, name, arguments_with(arguments, name, np.array(layout, dtype=np.float64)))
            result = call(function, name, arguments_with(arguments, name, layout))
            if isinstance(expected, float):
                assert result == expected
            elif isinstance(expected, np.ndarray):
                np.testing.assert_array_equal(result, expected)


@settings(max_examples=30)
@given(scale=st.sampled_from([1e-200, 1e-100, 1e-20, 1.0, 1e20, 1e100, 1e200, 1e240]))
def test_norms_and_stable_runs_are_scale_invariant(scale):
    """A stable run of a huge or tiny (valid) signal is the scaled run: no false blow-up, no lost precision."""
    run = call(pdelib.evolve, "u0", {"u0": U * scale, "tau": 0.25, "steps": 20, "diffusivity": LINEAR, "operator": D})
    reference = pdelib.evolve(U, 0.25, 20, LINEAR, D)
    assert run.blowup is None
    np.testing.assert_allclose(run.norms / scale, reference.norms, rtol=1e-12)
    assert euclidean_norm(U * scale) == pytest.approx(scale * euclidean_norm(U), rel=1e-14)


@pytest.mark.parametrize("value", BAD_SCALARS)
def test_advance_rejects_bad_step_counts_fast(value):
    scheme = pdelib.ExplicitScheme(0.25, LINEAR, D)
    u = U.copy()
    result = call(scheme.advance, "steps", {"u": u, "steps": value})
    if not isinstance(result, Exception):
        assert np.all(np.isfinite(result))


@pytest.mark.parametrize("value", [None, [0.0] * N, U.astype(np.float32), np.zeros(N - 1), np.full(N, np.nan), "u"])
def test_advance_rejects_arrays_it_cannot_overwrite(value):
    with pytest.raises((TypeError, ValueError), match="u"), time_budget(BUDGET):
        pdelib.ExplicitScheme(0.25, LINEAR, D).advance(value, 3)
    readonly = U.copy()
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="u must be writeable"):
        pdelib.ExplicitScheme(0.25, LINEAR, D).advance(readonly, 3)


# -- networks --------------------------------------------------------------------------------------


def test_network_constructors_reject_bad_arguments_fast():
    from pdelib.nets.fsi import FSINetwork
    from pdelib.nets.recurrent import RecurrentDiffusionNetwork
    from pdelib.nets.resnet import DiffusionBlock, DiffusionNetwork
    from pdelib.nets.resnet2d import DiffusionBlock2D, DiffusionNetwork2D

    calls = {
        "DiffusionNetwork.from_scheme": (DiffusionNetwork.from_scheme,
                                         {"diffusivity": PM, "operator": D, "tau": 0.25, "steps": 2}),
        "RecurrentDiffusionNetwork.from_scheme": (RecurrentDiffusionNetwork.from_scheme,
                                                  {"diffusivity": PM, "operator": D, "tau": 0.1, "iterations": 3}),
        "FSINetwork.from_scheme": (FSINetwork.from_scheme, {"diffusivity": PM, "operator": D, "tau": 0.25,
                                                            "cycle_length": 2, "cycles": 1}),
        "DiffusionBlock": (DiffusionBlock, {"channels": 1, "kernel_size": 2, "tau": 0.25, "activation": PM, "size": N}),
        "DiffusionNetwork": (DiffusionNetwork, {"blocks": [DiffusionBlock.from_scheme(PM, D, 0.25)]}),
        "DiffusionBlock2D": (DiffusionBlock2D, {"channels": 2, "kernel_size": 2, "tau": 0.2, "activation": PM,
                                                "shape": (8, 8)}),
        "DiffusionNetwork2D.from_scheme": (DiffusionNetwork2D.from_scheme,
                                           {"diffusivity": PM, "gradient": G2, "tau": 0.2, "steps": 2}),
    }
    for label, (function, arguments) in calls.items():
        for name in arguments:
            for bad in BAD_SCALARS:
                call(function, name, arguments_with(arguments, name, bad))


# -- apps ------------------------------------------------------------------------------------------

#: Bad values an app constructor must reject without building its figure (so the fuzz stays fast).
APP_BAD = [None, "20", b"1", [], {}, object(), 1 + 1j, math.nan, math.inf, -math.inf, -1, -10**30, 10**30,
           1e300, -1e300]


@pytest.mark.parametrize("app", sorted(APP_ARGUMENTS))
@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_app_constructors_reject_bad_arguments(app, data):
    import pdelib.apps

    arguments = APP_ARGUMENTS[app]
    name = data.draw(st.sampled_from(sorted(arguments)), label="parameter")
    bad = data.draw(st.sampled_from(APP_BAD), label="value")
    constructor = getattr(pdelib.apps, app)
    if bad is None and inspect.signature(constructor).parameters[name].default is None:
        return  # None is this argument's default (MultigridApp's depth: the deepest)
    result = call(constructor, name, arguments_with(arguments, name, bad), budget=APP_BUDGET)
    assert isinstance(result, Exception), f"{app}({name}={bad!r}) was accepted"


def app_state(app) -> tuple:
    """The control values, the status line and the y data of every line (NaN gaps as a string)."""
    return ({name: control.value for name, control in app.controls.items()}, app.status.value,
            [repr(np.asarray(line.get_ydata(), dtype=float).tolist()) for ax in app.figure.axes for line in ax.get_lines()])


@pytest.mark.parametrize("app_name", sorted(APP_ARGUMENTS))
def test_app_set_is_atomic_and_raises_value_or_type_errors(small_apps, app_name):
    app = small_apps[app_name]
    names = list(app.controls)
    for name in names:
        for bad in [None, "20", math.nan, math.inf, -1, 10**30, 5.0, "no such option", (1,)]:
            before = app_state(app)
            other = names[0] if names[0] != name else names[-1]
            with time_budget(APP_BUDGET):
                try:
                    app.set(**{other: app.controls[other].value, name: bad})
                except (TypeError, ValueError) as error:
                    assert name in str(error)
                    assert app_state(app) == before, f"{app_name}.set({name}={bad!r}) changed the app before raising"
                else:
                    app.reset()
    with pytest.raises(ValueError, match="not a control"):
        app.set(no_such_control=1)
