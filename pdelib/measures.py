"""Measures of a signal that show what a scheme does to it (chapters 01-02).

The Euclidean norm alone can miss an instability: bounded fluxes above the step-size bound
do not overflow, they grow a checkerboard that saturates. Total variation and the
checkerboard amplitude show it.
"""

from __future__ import annotations

import numpy as np


def total_variation(u: np.ndarray) -> float:
    """TV(u) = sum_i |u_{i+1} - u_i|: constant for a monotone signal, large for oscillations."""
    u = np.asarray(u, dtype=float)
    return float(np.abs(u[1:] - u[:-1]).sum())


def checkerboard_amplitude(u: np.ndarray) -> float:
    """|<u, c>| / N with c_i = (-1)^i: the amplitude of the highest-frequency mode in u."""
    u = np.asarray(u, dtype=float)
    return float(abs(u[0::2].sum() - u[1::2].sum()) / u.shape[0])


def max_slope(u: np.ndarray) -> float:
    """max_i |u_{i+1} - u_i|: the steepest edge; it grows where backward diffusion sharpens."""
    u = np.asarray(u, dtype=float)
    return float(np.abs(u[1:] - u[:-1]).max())
