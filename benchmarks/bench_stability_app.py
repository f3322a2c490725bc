"""Benchmark of the chapter-07 widget (StabilityApp): update latency and recompute time.

Run:  python benchmarks/bench_stability_app.py
The chapter's networks (C = 16, 4 blocks, N = 128; untrained weights cost the same as trained ones) on the
app's 4 test signals, torch on one thread as in the notebook. Recompute = both networks run over
repeat x 4 blocks; it grows with ``repeat`` (see app_timing.py for the modes).
Targets: recompute <= 15 ms and browser update <= 35 ms at the trained configuration (repeat 1).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from app_timing import measure, verdict  # noqa: E402
from pdelib.apps import StabilityApp  # noqa: E402
from pdelib.nets.denoisers import diffusion_resnet, standard_resnet  # noqa: E402
from pdelib.denoising import make_denoising_data  # noqa: E402

TRAINED = {"scale moves, repeat 1 (trained depth)": ({}, "scale", [0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0])}
OUTSIDE = {
    "repeat moves 1..8": ({}, "repeat", [1, 2, 3, 4, 5, 6, 7, 8]),
    "repeat 10, scale moves": ({"repeat": 10}, "scale", [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 3.8]),
}

if __name__ == "__main__":
    torch.set_num_threads(1)
    data = make_denoising_data()
    app = StabilityApp({"(a) standard": standard_resnet(), "(b) symmetric": diffusion_resnet(data.size)}, data)
    print("StabilityApp, C = 16, 4 blocks, N = 128, 4 signals: medians over 3 interleaved rounds.")
    print(verdict(*measure(app, TRAINED)))
    print("outside the training (more blocks: recompute grows with repeat; for information):")
    measure(app, OUTSIDE)
