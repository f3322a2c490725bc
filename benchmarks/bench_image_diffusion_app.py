"""Benchmark of the chapter-09 widget (ImageDiffusionApp): update latency and recompute time on a 256² photograph.

Run:  python benchmarks/bench_image_diffusion_app.py
An update is what a slider move costs: recompute (FSI to the stopping time T with inner steps tau = r tau*, every
step measured) + redraw (artists in place) + render (blit, or a full draw when an axis limit changed); see
app_timing.py for the modes. Targets (issue 18): recompute <= 100 ms and browser update <= 150 ms, medians.
Chapter 02's TimeStepApp (N = 256, 500 steps) is measured in the same run as a yardstick for the machine's load.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from app_timing import measure, verdict  # noqa: E402
from pdelib.apps import ImageDiffusionApp, TimeStepApp  # noqa: E402

# name -> (settings before the moves, control moved, its values)
SCENARIOS = {
    "default (Perona–Malik, T = 10), τ/τ* moves below 1": ({}, "tau_ratio",
                                                          [0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82, 0.84]),
    "Perona–Malik, T = 50, τ/τ* moves": ({"time": 50.0}, "tau_ratio", [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]),
    "linear above τ*: checkerboard, blow-ups": ({"diffusivity": "linear", "time": 20.0}, "tau_ratio",
                                               [1.20, 1.26, 1.32, 1.38, 1.44, 1.50, 1.55, 1.60]),
    "λ moves (Perona–Malik, T = 10)": ({}, "contrast", [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.2, 0.1]),
    "slowest: τ/τ* = 0.25, T = 50": ({"tau_ratio": 0.25, "time": 50.0}, "diffusivity",
                                     ["perona-malik", "charbonnier", "exponential-perona-malik", "perona-malik"]),
}

REFERENCE = {"TimeStepApp (chapter 02), τ moves": ({}, "tau", [0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42, 0.44])}

if __name__ == "__main__":
    app = ImageDiffusionApp()
    print("ImageDiffusionApp, camera 256 x 256, noise 0.1: medians over 3 interleaved rounds.")
    print(verdict(*measure(app, SCENARIOS), recompute_target=100.0, update_target=150.0))
    print("yardstick, same run:")
    measure(TimeStepApp(), REFERENCE)
