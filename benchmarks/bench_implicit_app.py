"""Benchmark of the chapter-05 widget (ImplicitApp): update latency and recompute time, N = 64, l <= 300.

Run:  python benchmarks/bench_implicit_app.py
Recompute = the direct solve, the fixed-point and the Jacobi iterations; the app's axis limits are fixed,
so every move blits unless the iteration axis changes its range (see app_timing.py for the modes).
Targets: recompute <= 15 ms, update <= 35 ms with a browser connected.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from app_timing import measure, verdict  # noqa: E402
from pdelib.apps import ImplicitApp  # noqa: E402

# name -> (settings before the moves, control moved, its values)
SCENARIOS = {
    "τ moves below τ_fp (60 iterations)": ({}, "tau", [0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.24]),
    "τ moves across τ_fp (fixed point diverges)": ({}, "tau", [0.24, 0.25, 0.26, 0.28, 0.30, 0.35, 0.40, 0.50]),
    "Jacobi, large τ, 300 iterations": ({"solver": "jacobi", "iterations": 300}, "tau",
                                         [10.0, 12.0, 15.0, 20.0, 30.0, 40.0, 60.0, 100.0]),
    "iterations move 250..300": ({}, "iterations", [250, 257, 264, 271, 278, 285, 292, 300]),
}

if __name__ == "__main__":
    print("ImplicitApp, N = 64: medians over 3 interleaved rounds of 8 control moves per scenario.")
    print(verdict(*measure(ImplicitApp(), SCENARIOS)))
