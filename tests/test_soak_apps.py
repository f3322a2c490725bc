"""Soak test (issue 15): 1000 random control changes per widget app through ``app.set``, no exception, and
resident memory that stops growing.

Every value is drawn from what the control offers (a slider's current range, a dropdown's options), so
every change is valid and must never raise. To keep the test near a minute on 2 shared cores, the
rasterisation of most updates is skipped (``render`` is replaced for the run); every 50th update renders
for real, so the drawing path is soaked too. Memory: resident set size from ``/proc/self/statm``; after
a warm-up of half the changes, the second half may add at most ``RSS_GROWTH_LIMIT`` (the multigrid app
keeps a cache of up to 24 solvers, each up to 8 MB: it may still fill during the second half).
"""

from __future__ import annotations

import os
import random

import ipywidgets as widgets
import pytest

#: Control changes per app.
CHANGES = 1000
#: Largest growth of the resident set size over the second half of the changes, in bytes.
RSS_GROWTH_LIMIT = 256 * 2**20
#: Every this many updates renders for real.
RENDER_EVERY = 50


def resident_bytes() -> int:
    """The resident set size of this process, from /proc/self/statm (pages) without resource or psutil."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


SLIDERS = (widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider)


def options(control: widgets.Widget) -> tuple:
    """The values a dropdown, toggle buttons or a checkbox offers."""
    return (True, False) if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)) else control._options_values


def random_values(app, names: list[str], rng: random.Random) -> dict[str, object]:
    """Values the controls ``names`` offer: options first, then numbers within each slider's range once those
    options apply (:meth:`App.control_limits`: the tau slider follows the diffusivity, depth follows N)."""
    values = {name: rng.choice(options(app.controls[name])) for name in names
              if not isinstance(app.controls[name], SLIDERS)}
    pending = {name: control.value for name, control in app.controls.items()} | values
    for name in names:
        control = app.controls[name]
        if not isinstance(control, SLIDERS):
            continue
        low, high = app.control_limits(name, pending) or (control.min, control.max)
        if isinstance(control, widgets.IntSlider):
            values[name] = rng.randint(low, high)
        elif isinstance(control, widgets.FloatLogSlider) and app.control_limits(name, pending) is None:
            values[name] = control.base ** rng.uniform(low, high)
        else:
            values[name] = rng.uniform(low, high)
    return values


@pytest.fixture(scope="module")
def stability_app():
    """Chapter 07's app on the chapter's shipped trained networks (loading them takes about a second), small like
    the other apps' soak instances: one test signal instead of four (the same code paths, a quarter of the work)."""
    from pdelib.apps import StabilityApp
    from pdelib.nets.trained import chapter_data, chapter_networks

    data = chapter_data()
    networks, _ = chapter_networks(data)
    return StabilityApp({label: networks[label] for label in ("(a) standard", "(b) symmetric")}, data, signals=1)


@pytest.mark.soak
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)")
@pytest.mark.parametrize("app_name", ["ActivationApp", "AmplificationApp", "DiffusionApp", "FSIApp", "ImageDiffusionApp",
                                      "ImplicitApp", "MultigridApp", "TimeStepApp", "StabilityApp"])
def test_random_control_changes_never_raise_and_memory_levels_off(small_apps, request, app_name, monkeypatch):
    app = request.getfixturevalue("stability_app") if app_name == "StabilityApp" else small_apps[app_name]
    rng = random.Random(app_name)
    real_render = app.render
    calls = 0

    def sometimes_render() -> None:
        nonlocal calls
        calls += 1
        if calls % RENDER_EVERY == 0:
            real_render()

    monkeypatch.setattr(app, "render", sometimes_render)
    names = list(app.controls)
    changes = 0
    halfway = None
    while changes < CHANGES:
        chosen = rng.sample(names, rng.randint(1, len(names)))
        app.set(**random_values(app, chosen, rng))
        changes += len(chosen)
        if halfway is None and changes >= CHANGES // 2:
            halfway = resident_bytes()
    app.reset()
    growth = resident_bytes() - halfway
    assert growth <= RSS_GROWTH_LIMIT, f"{app_name}: resident memory grew by {growth / 2**20:.0f} MiB in the second half"
