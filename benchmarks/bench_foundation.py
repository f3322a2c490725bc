"""Benchmarks of the foundation (chapters 01-02): widget latency, explicit-step throughput, import time.

Run:  python benchmarks/bench_foundation.py
Every figure is a median over repeats, and each comparison is measured side by side in
this run, so the printed ratios (not the absolute times) are what to compare with the
targets: the machines are shared and noisy.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import pdelib  # noqa: E402
from pdelib.apps import TimeStepApp  # noqa: E402


def median_ms(action, repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def widget_latency(repeats: int = 30) -> None:
    """The tau widget, N = 256, 500 steps: update in place vs recreate the figure, interleaved."""
    app = TimeStepApp(size=256, steps=500)
    taus = np.linspace(0.2, 0.75, repeats)

    def in_place(i: int) -> None:
        app.controls["tau"].value = taus[i]  # observer: recompute, update artists, render (blit or full)

    def recreate(i: int) -> None:
        app.controls["tau"].value = taus[-1 - i]
        figure = app.figure
        figure.clear()
        figure.set_layout_engine("constrained")
        app.build(figure)
        app.redraw()
        figure.canvas.draw()
        figure.set_layout_engine("none")

    def recompute(i: int) -> None:
        app.recompute()

    rows = []
    for _ in range(3):  # interleave the two methods against drifting machine load
        rows.append((median_ms(in_place, repeats // 3), median_ms(recreate, repeats // 3)))
    inplace_ms = statistics.median(r[0] for r in rows)
    recreate_ms = statistics.median(r[1] for r in rows)
    app.controls["tau"].value = 0.45  # stable: all 500 steps run
    recompute_ms = median_ms(recompute, repeats)
    print("tau widget (N = 256, 500 steps)")
    print(f"  update in place (recompute + redraw): {inplace_ms:7.1f} ms")
    print(f"  recreate the figure:                  {recreate_ms:7.1f} ms")
    print(f"  ratio in place / recreate:            {inplace_ms / recreate_ms:7.2f}   (target <= 0.50)")
    print(f"  recompute alone:                      {recompute_ms:7.1f} ms   (target <= 15 ms)")


def plain_step(u: np.ndarray, tau: float, contrast: float) -> np.ndarray:
    """The textbook vectorised Perona–Malik step, n = 1, reflecting: u + tau * diff(Phi(diff u))."""
    s = np.diff(u)
    flux = s / (1.0 + s * s / contrast**2)
    return u + tau * np.diff(flux, prepend=0.0, append=0.0)


def step_throughput() -> None:
    """pdelib's explicit step vs a plain vectorised numpy step, Perona–Malik, n = 1."""
    print("explicit step, Perona–Malik, n = 1 (time per step)")
    contrast, tau = 0.1, 0.5
    for size, steps in ((256, 2000), (4096, 1000), (2**20, 10)):
        u0 = pdelib.noisy_step(size)
        scheme = pdelib.ExplicitScheme(tau, pdelib.diffusivity("perona-malik", contrast),
                                       pdelib.DerivativeOperator(1, size))
        reference = u0.copy()
        for _ in range(steps):
            reference = plain_step(reference, tau, contrast)
        assert np.allclose(scheme.advance(u0.copy(), steps), reference, atol=1e-12)

        def ours(_: int) -> None:
            scheme.advance(u0.copy(), steps)  # from u0 every time, like the plain loop

        def plain(_: int) -> None:
            v = u0
            for _ in range(steps):
                v = plain_step(v, tau, contrast)

        rows = [(median_ms(ours, 5), median_ms(plain, 5)) for _ in range(3)]
        ours_us = 1e3 * statistics.median(r[0] for r in rows) / steps
        plain_us = 1e3 * statistics.median(r[1] for r in rows) / steps
        print(f"  N = {size:8d}: pdelib {ours_us:9.1f} us, plain numpy {plain_us:9.1f} us, "
              f"ratio {ours_us / plain_us:5.2f}   (target <= 0.60)")


def import_time(repeats: int = 7) -> None:
    """Time of ``import numpy`` vs ``import pdelib`` in fresh interpreters; pdelib must not pull in torch/matplotlib."""
    probe = ("import sys, time; t = time.perf_counter(); import {0}; t = time.perf_counter() - t; "
             "assert not {{'torch', 'matplotlib', 'ipywidgets'}} & set(sys.modules), 'heavy import'; print(t)")

    def run(module: str) -> float:
        result = subprocess.run([sys.executable, "-c", probe.format(module)], check=True, capture_output=True,
                                text=True)
        return float(result.stdout)

    numpy_ms = 1e3 * statistics.median(run("numpy") for _ in range(repeats))
    pdelib_ms = 1e3 * statistics.median(run("pdelib") for _ in range(repeats))
    print("import time (fresh interpreter each)")
    print(f"  import numpy:  {numpy_ms:6.0f} ms")
    print(f"  import pdelib: {pdelib_ms:6.0f} ms   (numpy included) ratio {pdelib_ms / numpy_ms:4.2f}; "
          "torch, matplotlib, ipywidgets not imported")


if __name__ == "__main__":
    widget_latency()
    step_throughput()
    import_time()
