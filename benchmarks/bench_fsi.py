"""Benchmark of chapter 04: steps and wall time of FSI and the plain explicit scheme at a fixed error.

Run:  python benchmarks/bench_fsi.py
Problem: Perona–Malik diffusion, lambda = 0.1, noisy step (N = 256, height 1, noise 0.05, seed 0),
first order (n = 1), reflecting boundaries. Error: ``pdelib.schemes.fsi.relative_max_error``, the largest
deviation from the reference solution (explicit scheme, tau = tau* / 20) in units of the initial
grey-value range. For each stopping time T, ``steps_to_accuracy`` finds the fewest explicit steps
reaching error <= 1e-2: K steps of tau = T / K <= tau* for the plain scheme, M FSI cycles of n steps
(M n steps) for FSI. Wall times are medians of the fast in-place loops (``advance``), both
measured side by side in this run; the machines are shared and noisy, so compare the ratios.
"""

from __future__ import annotations

import statistics
import time

import pdelib
from pdelib.schemes.fsi import FSIScheme, reference_solution, steps_to_accuracy

TOLERANCE = 1e-2
TIMES = (10.0, 100.0, 1000.0, 10000.0)


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    size = 256
    g = pdelib.diffusivity("perona-malik", contrast=0.1)
    D = pdelib.DerivativeOperator(1, size)
    u0 = pdelib.noisy_step(size)
    print(f"FSI vs explicit: Perona–Malik lambda = 0.1, noisy step N = {size}, n = 1, "
          f"tau* = {pdelib.stability_bound(g, D):.6f}, error <= {TOLERANCE:g} (relative max error)")
    print(f"{'T':>7} | {'FSI steps':>9} {'(M x n)':>10} {'error':>9} | {'explicit':>8} {'error':>9} | "
          f"{'steps FSI/explicit':>18} | reference")
    results = {}
    for stopping_time in TIMES:
        start = time.perf_counter()
        reference = reference_solution(u0, stopping_time, g, D)
        reference_seconds = time.perf_counter() - start
        fsi = steps_to_accuracy(u0, stopping_time, g, D, TOLERANCE, "fsi", reference)
        explicit = steps_to_accuracy(u0, stopping_time, g, D, TOLERANCE, "explicit", reference)
        results[stopping_time] = fsi, explicit
        cycles = f"({fsi.cycles} x {fsi.cycle_length})"
        ratio = fsi.explicit_steps / explicit.explicit_steps
        print(f"{stopping_time:7g} | {fsi.explicit_steps:9d} {cycles:>10} {fsi.error:9.2e} | "
              f"{explicit.explicit_steps:8d} {explicit.error:9.2e} | {ratio:18.4f} | {reference_seconds:5.1f} s")
    decades = len(TIMES) - 1
    for method, index in (("FSI", 0), ("explicit", 1)):
        growth = (results[TIMES[-1]][index].explicit_steps / results[TIMES[0]][index].explicit_steps) ** (1 / decades)
        print(f"  {method} steps grow {growth:.2f}x per decade of T (sqrt(10) = 3.16; T itself: 10)")

    print("wall time of the fast loops (median of 7, interleaved)")
    wall = {}
    for stopping_time in (1000.0, 10000.0):
        fsi, explicit = results[stopping_time]
        fsi_scheme = FSIScheme(fsi.tau, fsi.cycle_length, g, D)
        explicit_scheme = pdelib.ExplicitScheme(explicit.tau, g, D)
        rows = []
        for _ in range(3):  # interleave against drifting machine load; every run starts from u0
            rows.append((
                median_seconds(lambda: fsi_scheme.advance(u0.copy(), fsi.cycles), 7),
                median_seconds(lambda: explicit_scheme.advance(u0.copy(), explicit.explicit_steps), 7),
            ))
        fsi_ms = 1e3 * statistics.median(row[0] for row in rows)
        explicit_ms = 1e3 * statistics.median(row[1] for row in rows)
        wall[stopping_time] = fsi_ms / explicit_ms
        print(f"  T = {stopping_time:6g}: FSI {fsi_ms:8.2f} ms ({1e3 * fsi_ms / fsi.explicit_steps:5.1f} us/step), "
              f"explicit {explicit_ms:8.2f} ms ({1e3 * explicit_ms / explicit.explicit_steps:5.1f} us/step), "
              f"ratio {wall[stopping_time]:.3f}")

    fsi, explicit = results[10000.0]
    step_ratio = fsi.explicit_steps / explicit.explicit_steps
    print("targets")
    print(f"  steps FSI / explicit at T = 1e4: {step_ratio:.4f}   (target <= 0.05) "
          f"{'met' if step_ratio <= 0.05 else 'NOT met'}")
    print(f"  wall time FSI / explicit at T = 1e3: {wall[1000.0]:.3f}   (target <= 0.10) "
          f"{'met' if wall[1000.0] <= 0.10 else 'NOT met'}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
