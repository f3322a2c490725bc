"""Benchmark of chapter 05: cost of one semi-implicit step (direct banded solve) vs one explicit step.

Run:  python benchmarks/bench_implicit.py
Problem: Perona–Malik diffusion, lambda = 0.1, noisy step, first order (n = 1) and second order (n = 2),
reflecting boundaries, N = 4096 and 2^20. The semi-implicit step assembles the band of
I + tau D^T G(u) D from the stencil and solves it with LAPACK (``scipy.linalg.solveh_banded``: ptsv for
n = 1, pbsv for n = 2). Target (issue 5): <= 2.5x an explicit step at n = 1. Wall times are medians of the
in-place loops (``advance``), both measured side by side in this run; the machines are shared and noisy,
so compare the ratios.
"""

from __future__ import annotations

import statistics
import time

import pdelib
from pdelib.implicit import SemiImplicitScheme

TARGET = 2.5


def median_seconds_per_step(scheme, u0, steps: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        u = u0.copy()
        start = time.perf_counter()
        scheme.advance(u, steps)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def main() -> None:
    g = pdelib.diffusivity("perona-malik", contrast=0.1)
    print("semi-implicit step (banded LAPACK solve) vs explicit step: Perona–Malik lambda = 0.1, reflecting")
    print(f"{'n':>2} {'N':>8} | {'explicit':>11} | {'semi-implicit':>13} | {'ratio':>6} | target <= {TARGET}x (n = 1)")
    for order in (1, 2):
        for size in (4096, 2**20):
            D = pdelib.DerivativeOperator(order, size)
            u0 = pdelib.noisy_step(size)
            explicit = pdelib.ExplicitScheme(pdelib.stability_bound(g, D), g, D)
            semi = SemiImplicitScheme(10.0, g, D)
            steps, repeats = (200, 15) if size <= 4096 else (5, 7)
            # interleave the two measurements so that both see the same machine load
            explicit_times, semi_times = [], []
            for _ in range(3):
                explicit_times.append(median_seconds_per_step(explicit, u0, steps, repeats))
                semi_times.append(median_seconds_per_step(semi, u0, steps, repeats))
            t_explicit, t_semi = min(explicit_times), min(semi_times)
            ratio = t_semi / t_explicit
            verdict = ("ok" if ratio <= TARGET else "ABOVE TARGET") if order == 1 else "(info)"
            print(f"{order:>2} {size:>8} | {t_explicit * 1e3:>8.3f} ms | {t_semi * 1e3:>10.3f} ms | "
                  f"{ratio:>5.2f}x | {verdict}")


if __name__ == "__main__":
    main()
