"""Benchmark of the chapter-04 widget (FSIApp): update latency and recompute time, N = 256.

Run:  python benchmarks/bench_fsi_app.py
An update is what a slider move costs: recompute (the FSI run, and above tau* the plain run with the
same tau and steps) + redraw (artists in place) + render (blit, or a full draw when an axis limit
changed). Each scenario moves one control through a few values; the scenarios are interleaved over
several rounds against drifting machine load, and every figure is a median over all rounds. The
TimeStepApp of chapter 02 is measured alongside as a reference. Target: recompute <= 15 ms.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import pdelib  # noqa: E402
from pdelib.apps import TimeStepApp  # noqa: E402
from pdelib.apps import FSIApp  # noqa: E402

ROUNDS = 3
MOVES = 8  # control values per scenario and round
#: Canvas modes: ipympl's syncing_data_url, True until a browser view has connected.
MODES = {"headless": True, "browser": False}
BOUND = pdelib.stability_bound(pdelib.diffusivity("linear", 0.1), pdelib.DerivativeOperator(1, 256))

# name -> (settings before the moves, control moved, its values)
SCENARIOS = {
    "default, τ moves below τ*": ({}, "tau", [BOUND * r for r in (0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82, 0.84)]),
    "default, n moves 8..15": ({}, "cycle_length", [8, 9, 10, 11, 12, 13, 14, 15]),
    "T = 1000, τ moves (600 steps)": ({"time": 1000.0}, "tau", [BOUND * r for r in
                                                                (0.60, 0.62, 0.64, 0.66, 0.68, 0.70, 0.72, 0.74)]),
    "linear above τ*: blow-ups": ({}, "tau", [BOUND * r for r in (1.20, 1.26, 1.32, 1.38, 1.44, 1.50, 1.55, 1.60)]),
    "Perona–Malik above τ*, n = 1, T = 1000 (300 + 300 steps)": (
        {"diffusivity": "perona-malik", "cycle_length": 1, "time": 1000.0}, "tau",
        [BOUND * r for r in (1.50, 1.51, 1.52, 1.53, 1.54, 1.55, 1.56, 1.57)]),
    "Weickert above τ*, n = 1, T = 1000 (worst case)": (
        {"diffusivity": "weickert", "cycle_length": 1, "time": 1000.0}, "tau",
        [BOUND * r for r in (1.50, 1.51, 1.52, 1.53, 1.54, 1.55, 1.56, 1.57)]),
    "Weickert below τ*, n = 10, T = 1000 (600 steps)": (
        {"diffusivity": "weickert", "cycle_length": 10, "time": 1000.0}, "tau",
        [BOUND * r for r in (0.80, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87)]),
}


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return 1e3 * (time.perf_counter() - start)


def main() -> None:
    app = FSIApp()
    reference = TimeStepApp()
    draws = []
    original_draw = app.canvas.draw

    def counting_draw(*args, **kwargs):
        draws.append(1)
        return original_draw(*args, **kwargs)

    app.canvas.draw = counting_draw
    updates = {(mode, name): [] for mode in MODES for name in SCENARIOS}
    recomputes = {name: [] for name in SCENARIOS}
    full_draws = {name: 0 for name in SCENARIOS}
    forced_full = {mode: [] for mode in MODES}
    reference_updates = {mode: [] for mode in MODES}
    for _ in range(ROUNDS):
        for mode, syncing in MODES.items():
            app.canvas.syncing_data_url = reference.canvas.syncing_data_url = syncing
            for name, (settings, control, values) in SCENARIOS.items():
                app.reset()
                if settings:
                    app.set(**settings)
                app.controls[control].value = values[-1]  # start from the scenario's own limits
                before = len(draws)
                for value in values:
                    updates[mode, name].append(timed(lambda: setattr(app.controls[control], "value", value)))
                full_draws[name] += len(draws) - before
                recomputes[name] += [timed(app.recompute) for _ in range(3)]
            app.reset()
            for _ in range(3):
                app._background = None  # no cached background: render must draw everything
                forced_full[mode].append(timed(app.render))
            for ratio in (0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74):
                reference_updates[mode].append(
                    timed(lambda: setattr(reference.controls["tau"], "value", ratio * BOUND)))

    print(f"FSIApp, N = 256: medians over {ROUNDS} interleaved rounds of {MOVES} control moves per scenario.")
    print("Update = recompute + redraw + render. 'headless': ipympl also re-encodes a PNG data URL per frame, as in")
    print("tests and nbconvert; 'browser': that copy is off, as once JupyterLab has connected to the canvas.")
    header = " | ".join(f"{'update ms, ' + mode:>19}" for mode in MODES)
    print(f"{'scenario':58} | {header} | {'recompute ms':>12} | full draws")
    for name in SCENARIOS:
        cells = " | ".join(f"{statistics.median(updates[mode, name]):19.2f}" for mode in MODES)
        print(f"{name:58} | {cells} | {statistics.median(recomputes[name]):12.2f} | "
              f"{full_draws[name]:3d} of {len(MODES) * ROUNDS * MOVES}")
    cells = " | ".join(f"{statistics.median(forced_full[mode]):19.2f}" for mode in MODES)
    print(f"{'forced full redraw (render only, no recompute)':58} | {cells} |")
    cells = " | ".join(f"{statistics.median(reference_updates[mode]):19.2f}" for mode in MODES)
    print(f"{'reference: TimeStepApp, τ moves (500 steps)':58} | {cells} |")
    worst = max(statistics.median(times) for times in recomputes.values())
    print(f"slowest recompute (median of its scenario): {worst:.2f} ms; target <= 15 ms: "
          f"{'met' if worst <= 15 else 'MISSED'}")


if __name__ == "__main__":
    main()
