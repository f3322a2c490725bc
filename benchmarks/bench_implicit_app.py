"""Benchmark of the chapter-05 widget (ImplicitApp): update latency and recompute time, N = 64, l <= 300.

Run:  python benchmarks/bench_implicit_app.py
An update is what a slider move costs: recompute (the direct solve, the fixed-point and the Jacobi
iterations) + redraw + render (the app's axis limits are fixed, so every move blits unless the iteration
axis changes its range). Scenarios are interleaved over several rounds; every figure is a median.
Targets: recompute <= 15 ms, update <= 35 ms with a browser connected.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

from pdelib.apps import ImplicitApp  # noqa: E402

ROUNDS = 3
#: Canvas modes: ipympl's syncing_data_url, True until a browser view has connected.
MODES = {"headless": True, "browser": False}
# name -> (settings before the moves, control moved, its values)
SCENARIOS = {
    "τ moves below τ_fp (60 iterations)": ({}, "tau", [0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.24]),
    "τ moves across τ_fp (fixed point diverges)": ({}, "tau", [0.24, 0.25, 0.26, 0.28, 0.30, 0.35, 0.40, 0.50]),
    "Jacobi, large τ, 300 iterations": ({"solver": "jacobi", "iterations": 300}, "tau",
                                         [10.0, 12.0, 15.0, 20.0, 30.0, 40.0, 60.0, 100.0]),
    "iterations move 250..300": ({}, "iterations", [250, 257, 264, 271, 278, 285, 292, 300]),
}


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return 1e3 * (time.perf_counter() - start)


def main() -> None:
    app = ImplicitApp()
    updates = {(mode, name): [] for mode in MODES for name in SCENARIOS}
    recomputes = {name: [] for name in SCENARIOS}
    for _ in range(ROUNDS):
        for mode, syncing in MODES.items():
            app.canvas.syncing_data_url = syncing
            for name, (settings, control, values) in SCENARIOS.items():
                app.reset()
                if settings:
                    app.set(**settings)
                app.controls[control].value = values[-1]
                for value in values:
                    updates[mode, name].append(timed(lambda: setattr(app.controls[control], "value", value)))
                recomputes[name] += [timed(app.recompute) for _ in range(3)]
    print(f"ImplicitApp, N = 64: medians over {ROUNDS} interleaved rounds of 8 control moves per scenario.")
    print("'headless': ipympl also re-encodes a PNG data URL per frame; 'browser': as once JupyterLab has connected.")
    header = " | ".join(f"{'update ms, ' + mode:>19}" for mode in MODES)
    print(f"{'scenario':44} | {header} | {'recompute ms':>12}")
    for name in SCENARIOS:
        cells = " | ".join(f"{statistics.median(updates[mode, name]):19.2f}" for mode in MODES)
        print(f"{name:44} | {cells} | {statistics.median(recomputes[name]):12.2f}")
    worst_recompute = max(statistics.median(times) for times in recomputes.values())
    worst_update = max(statistics.median(updates["browser", name]) for name in SCENARIOS)
    print(f"slowest recompute {worst_recompute:.2f} ms (target <= 15: {'met' if worst_recompute <= 15 else 'MISSED'}); "
          f"slowest browser update {worst_update:.2f} ms (target <= 35: {'met' if worst_update <= 35 else 'MISSED'})")


if __name__ == "__main__":
    main()
