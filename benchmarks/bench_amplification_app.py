"""Benchmark of the chapter-08 widget (AmplificationApp): update latency and recompute time, N = 64.

Run:  python benchmarks/bench_amplification_app.py
Recompute = the four closed forms on 400 points and one run of the evolve scheme on both modes, at most
``AmplificationApp.WORK`` explicit-step equivalents (200 explicit steps; FSI cycles of n = 50 are cut to a few);
the axis limits are fixed, so every move blits (see app_timing.py for the modes).
Targets: recompute <= 15 ms, update <= 35 ms with a browser connected.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from app_timing import measure, verdict  # noqa: E402
from pdelib.apps import AmplificationApp  # noqa: E402

# name -> (settings before the moves, control moved, its values)
SCENARIOS = {
    "explicit, τ/τ* moves below 1 (200 steps)": ({}, "tau", [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
    "explicit, τ/τ* moves above 1 (blow-ups)": ({}, "tau", [1.01, 1.02, 1.05, 1.1, 1.2, 1.4, 1.7, 2.0]),
    "FSI n = 50, τ/τ* moves": ({"evolve": "fsi", "cycle_length": 50}, "tau", [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 0.4]),
    "FSI, n moves 43..50": ({"evolve": "fsi"}, "cycle_length", [43, 44, 45, 46, 47, 48, 49, 50]),
    "semi-implicit n = 2, τ/τ* moves": ({"evolve": "semi-implicit", "order": 2}, "tau",
                                         [0.5, 0.8, 1.1, 1.4, 1.7, 2.0, 1.9, 1.6]),
    "fixed point, ℓ moves 13..20 (τ = 0.4 τ*)": ({"evolve": "fixed-point", "tau": 0.4}, "iterations",
                                                  [13, 14, 15, 16, 17, 18, 19, 20]),
    "order toggles (explicit)": ({}, "order", [2, 1, 2, 1, 2, 1, 2, 1]),
}

if __name__ == "__main__":
    print("AmplificationApp, N = 64: medians over 3 interleaved rounds of 8 control moves per scenario.")
    print(verdict(*measure(AmplificationApp(), SCENARIOS)))
