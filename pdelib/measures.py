"""Measures of a signal that show what a scheme does to it (chapters 01-02).

The Euclidean norm alone can miss an instability: bounded fluxes above the step-size bound
do not overflow, they grow a checkerboard that saturates. Total variation and the
checkerboard amplitude show it.
"""

from __future__ import annotations

import math

import numpy as np


def euclidean_norm(u: np.ndarray) -> float:
    """||u||_2 = sqrt(u . u), rescaled by max |u| where the squares would underflow (|u| < 1e-140), so that
    tiny signals keep full precision; an overflowing norm is inf, as the solvers' blow-up checks expect."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        squares = float(np.dot(u, u))
        if squares >= 1e-280 or squares == 0.0 and not np.any(u):
            return math.sqrt(squares)
        largest = float(np.max(np.abs(u)))
        scaled = u / largest
        return largest * math.sqrt(float(np.dot(scaled, scaled)))


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
