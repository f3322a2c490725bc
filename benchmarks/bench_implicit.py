"""Benchmark of chapter 05: the semi-implicit step against the explicit step and FSI.

Run:  python benchmarks/bench_implicit.py

1. Cost of one step. Perona–Malik diffusion, lambda = 0.1, noisy step, first order (n = 1) and second
   order (n = 2), reflecting boundaries, N = 4096 and 2^20. For n = 1 the semi-implicit step solves the
   tridiagonal system I + tau D^T G(u) D with the compiled twisted solver (``pdelib.schemes.tridiagonal``); for
   n = 2 it assembles the band and calls LAPACK (``scipy.linalg.solveh_banded``, pbsv). Target (issue 5):
   <= 2.5x an explicit step at n = 1, both sizes.
2. Steps and wall time to reach T = 10^3 at error <= 1e-2 (``pdelib.schemes.fsi.steps_to_accuracy``, the
   chapter-04 problem: N = 256, n = 1, error relative to the initial range against the reference
   solution): explicit (tau <= tau* = 0.5), FSI, semi-implicit (any tau).

Wall times are medians of the in-place loops (``advance``), measured side by side in this run; the
machines are shared and noisy, so compare the ratios.
"""

from __future__ import annotations

import statistics
import time

import pdelib
from pdelib.schemes.fsi import FSIScheme, plan_fsi, reference_solution, steps_to_accuracy
from pdelib.schemes.implicit import SemiImplicitScheme

TARGET = 2.5
STOPPING_TIME = 1000.0
TOLERANCE = 1e-2


def median_seconds_per_step(scheme, u0, steps: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        u = u0.copy()
        start = time.perf_counter()
        scheme.advance(u, steps)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def step_costs() -> None:
    g = pdelib.diffusivity("perona-malik", contrast=0.1)
    print("semi-implicit step (n = 1: twisted tridiagonal solve; n = 2: banded LAPACK) vs explicit step: "
          "Perona–Malik lambda = 0.1, reflecting")
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


def time_to_accuracy() -> None:
    size = 256
    g = pdelib.diffusivity("perona-malik", contrast=0.1)
    D = pdelib.DerivativeOperator(1, size)
    u0 = pdelib.noisy_step(size)
    reference = reference_solution(u0, STOPPING_TIME, g, D)
    print(f"\nreach T = {STOPPING_TIME:g} with error <= {TOLERANCE:g}: Perona–Malik lambda = 0.1, noisy step "
          f"N = {size}, n = 1")
    print(f"{'method':>13} | {'steps':>5} | {'tau':>7} | {'error':>7} | {'wall time':>9} | vs explicit")
    rows = []
    for method in ("explicit", "fsi", "semi-implicit"):
        result = steps_to_accuracy(u0, STOPPING_TIME, g, D, TOLERANCE, method, reference)
        if method == "fsi":
            plan = plan_fsi(STOPPING_TIME, pdelib.stability_bound(g, D), result.cycles)
            scheme, count = FSIScheme(plan.tau, plan.cycle_length, g, D), result.cycles
        elif method == "explicit":
            scheme, count = pdelib.ExplicitScheme(result.tau, g, D), result.explicit_steps
        else:
            scheme, count = SemiImplicitScheme(result.tau, g, D), result.explicit_steps
        seconds = min(median_seconds_per_step(scheme, u0, count, 7) * count for _ in range(3))
        rows.append((method, result, seconds))
    explicit_seconds = rows[0][2]
    for method, result, seconds in rows:
        print(f"{method:>13} | {result.explicit_steps:>5} | {result.tau:>7.3f} | {result.error:>7.4f} | "
              f"{seconds * 1e3:>6.2f} ms | {seconds / explicit_seconds:>6.3f}x")


def main() -> None:
    step_costs()
    time_to_accuracy()


if __name__ == "__main__":
    main()
