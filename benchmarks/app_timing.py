"""Shared by the widget benchmarks: time control moves of an app in both canvas modes, print a table.

An update is what a slider move costs: recompute + redraw + render. 'headless': ipympl also re-encodes a
PNG data URL per frame (tests, nbconvert); 'browser': that copy is off, as once JupyterLab has connected.
Scenarios are interleaved over several rounds against drifting machine load; every figure is a median.
"""

from __future__ import annotations

import statistics
import time

#: Canvas modes: ipympl's syncing_data_url, True until a browser view has connected.
MODES = {"headless": True, "browser": False}


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return 1e3 * (time.perf_counter() - start)


def measure(app, scenarios: dict, rounds: int = 3) -> tuple[float, float]:
    """Run ``scenarios`` (name -> (settings, control, values)) on ``app``; print medians per scenario and
    mode; return (slowest median recompute, slowest median browser-mode update) in ms."""
    updates = {(mode, name): [] for mode in MODES for name in scenarios}
    recomputes = {name: [] for name in scenarios}
    for _ in range(rounds):
        for mode, syncing in MODES.items():
            app.canvas.syncing_data_url = syncing
            for name, (settings, control, values) in scenarios.items():
                app.reset()
                if settings:
                    app.set(**settings)
                app.controls[control].value = values[-1]  # start from the scenario's own limits
                for value in values:
                    updates[mode, name].append(timed(lambda: setattr(app.controls[control], "value", value)))
                recomputes[name] += [timed(app.recompute) for _ in range(3)]
    width = max(len(name) for name in scenarios)
    header = " | ".join(f"{'update ms, ' + mode:>19}" for mode in MODES)
    print(f"{'scenario':{width}} | {header} | {'recompute ms':>12}")
    for name in scenarios:
        cells = " | ".join(f"{statistics.median(updates[mode, name]):19.2f}" for mode in MODES)
        print(f"{name:{width}} | {cells} | {statistics.median(recomputes[name]):12.2f}")
    return (max(statistics.median(times) for times in recomputes.values()),
            max(statistics.median(updates["browser", name]) for name in scenarios))


def verdict(recompute: float, update: float, recompute_target: float = 15.0, update_target: float = 35.0) -> str:
    return (f"slowest recompute {recompute:.2f} ms (target <= {recompute_target:g}: "
            f"{'met' if recompute <= recompute_target else 'MISSED'}); slowest browser update {update:.2f} ms "
            f"(target <= {update_target:g}: {'met' if update <= update_target else 'MISSED'})")
