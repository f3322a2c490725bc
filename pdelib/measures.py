"""Measures of a signal that show what a scheme does to it (chapters 01-02).

The Euclidean norm alone can miss an instability: bounded fluxes above the step-size bound
do not overflow, they grow a checkerboard that saturates. Total variation and the
checkerboard amplitude show it.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_values


def euclidean_norm(u: np.ndarray) -> float:
    """||u||_2 = sqrt(u . u), scale-invariant: where the squares would overflow or underflow (|u| beyond about
    1e140 or below 1e-140) the sum is taken of (u / max |u|)^2, so that huge and tiny signals keep full precision.

    Non-finite values (a blown-up state) give inf or nan, as the solvers' blow-up checks expect.
    """
    return _norm(check_values(u, "u"))


def _norm(u: np.ndarray) -> float:
    """:func:`euclidean_norm` of a float64 array, unchecked (the solvers' inner loops)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        squares = float(np.dot(u, u))
        if 1e-280 <= squares <= 1e280 or squares == 0.0 and not np.any(u):
            return math.sqrt(squares)
        largest = float(np.max(np.abs(u), initial=0.0))
        if largest == 0.0 or not math.isfinite(largest):
            return largest if not math.isnan(squares) else math.nan
        scaled = u / largest
        return largest * math.sqrt(float(np.dot(scaled, scaled)))


def total_variation(u: np.ndarray) -> float:
    """TV(u) = sum_i |u_{i+1} - u_i|: constant for a monotone signal, large for oscillations.

    ``u``: a 1D array of at least one real number; non-finite values (a blown-up state) give inf or nan.
    """
    return _total_variation(check_values(u, "u"))


def _total_variation(u: np.ndarray) -> float:
    """:func:`total_variation` of a float64 array, unchecked (the solvers' inner loops)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.abs(u[1:] - u[:-1]).sum())


def checkerboard_amplitude(u: np.ndarray) -> float:
    """|<u, c>| / N with c_i = (-1)^i: the amplitude of the highest-frequency mode in u (a 1D array, N >= 1)."""
    u = check_values(u, "u")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(abs(u[0::2].sum() - u[1::2].sum()) / u.shape[0])


def max_slope(u: np.ndarray) -> float:
    """max_i |u_{i+1} - u_i|: the steepest edge; it grows where backward diffusion sharpens (a 1D array, N >= 2)."""
    u = check_values(u, "u", minimum_size=2)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.abs(u[1:] - u[:-1]).max())
