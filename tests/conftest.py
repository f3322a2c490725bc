"""Fixtures and settings shared by the test modules."""

import os

import pytest
from hypothesis import settings

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two pytest-xdist workers share two cores: one thread each for torch (OpenMP) and BLAS, set before either
    # is imported (kernels and JupyterLab started by a worker inherit it). Otherwise each worker's pool spins on
    # both cores: the StabilityApp soak test took 84 s instead of 20.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")

# No per-example time limit: the machines are shared and timing is noisy (speed lives in benchmarks/).
settings.register_profile("course", deadline=None)
settings.load_profile("course")


#: Name under which a browser test records its timings in ``user_properties``: they travel with the test
#: report, so this summary (in the top conftest, which the pytest-xdist controller loads) sees them too.
TIMINGS_PROPERTY = "browser_timings"


def pytest_terminal_summary(terminalreporter):
    timings = [(report.nodeid.rpartition("::")[2], value)
               for reports in terminalreporter.stats.values() for report in reports
               if getattr(report, "when", None) == "teardown"
               for key, value in getattr(report, "user_properties", ()) if key == TIMINGS_PROPERTY]
    if timings:
        terminalreporter.section("browser timings (s)")
        for name, phases in timings:
            parts = "  ".join(f"{phase} {seconds:5.1f}" for phase, seconds in phases.items())
            terminalreporter.write_line(f"{name}: {parts}")


def pytest_collection_modifyitems(config, items):
    """Browser tests first (in their own order): with pytest-xdist (``-n 2 --dist loadscope``) one worker
    drives the browser from the start while the other runs everything else."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


def pytest_configure(config):
    config.addinivalue_line("markers", "soak: long random use of every widget app (runs by default, about a minute)")


#: Small instances of every widget app except chapter 07's (which needs trained networks).
APP_ARGUMENTS = {
    "DiffusionApp": {"size": 32, "max_steps": 50, "diffusivity_name": "perona-malik", "contrast": 0.1, "order": 1,
                     "time": 5.0, "seed": 0},
    "TimeStepApp": {"size": 32, "steps": 20, "contrast": 0.1, "noise": 0.01, "seed": 0, "tau": 0.45,
                    "diffusivity_name": "linear", "order": 1},
    "ActivationApp": {"size": 32, "steps": 20, "noise": 0.01, "seed": 0, "family": "custom", "contrast": 0.1,
                      "values": (0.4, 0.5, 0.4)},
    "FSIApp": {"size": 32, "contrast": 0.1, "noise": 0.01, "seed": 0, "cycle_length": 4, "tau": 0.45,
               "diffusivity_name": "linear", "time": 10.0, "max_steps": 100},
    "ImplicitApp": {"size": 32, "noise": 0.05, "seed": 0, "tau": 0.2, "iterations": 20, "solver": "fixed-point"},
    "MultigridApp": {"size": 63, "depth": 3, "smoothing": (2, 1), "smoother": "jacobi", "cycle": "V",
                     "problem": "poisson", "seed": 0},
    "ImageDiffusionApp": {"image": "camera", "size": 32, "noise": 0.1, "seed": 0, "tau_ratio": 0.9,
                          "diffusivity_name": "perona-malik", "contrast": 0.05, "time": 10.0, "cycles": 2},
    "AmplificationApp": {"size": 16, "order": 1, "tau": 0.9, "cycle_length": 4, "iterations": 3,
                         "schemes": ("explicit", "fsi"), "evolve": "explicit", "steps": 50},
}


@pytest.fixture(scope="session")
def small_apps():
    """One small instance of each app in :data:`APP_ARGUMENTS`, built once per session (building is slow)."""
    import pdelib.apps

    return {name: getattr(pdelib.apps, name)(**arguments) for name, arguments in APP_ARGUMENTS.items()}


@pytest.fixture
def count_draws(monkeypatch):
    """Wrap ``app.canvas.draw`` (the full redraw) with a counter; return the list of calls."""

    def attach(app):
        calls = []
        original = app.canvas.draw

        def counting_draw(*args, **kwargs):
            calls.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(app.canvas, "draw", counting_draw)
        return calls

    return attach
