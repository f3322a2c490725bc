"""Measures of a signal or an image that show what a scheme does to it (chapters 01-02, 09).

The Euclidean norm alone can miss an instability: bounded fluxes above the step-size bound
do not overflow, they grow a checkerboard that saturates. Total variation and the
checkerboard amplitude show it.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import _as_real_array, check_int, check_values


def euclidean_norm(u: np.ndarray) -> float:
    """||u||_2 = sqrt(u . u), scale-invariant: where the squares would overflow or underflow (|u| beyond about
    1e140 or below 1e-140) the sum is taken of (u / max |u|)^2, so that huge and tiny signals keep full precision.

    Non-finite values (a blown-up state) give inf or nan, as the solvers' blow-up checks expect.
    """
    return _norm(check_values(u, "u"))


def _norm(u: np.ndarray) -> float:
    """:func:`euclidean_norm` of a float64 array, unchecked."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return _norm_unguarded(u)


def _norm_unguarded(u: np.ndarray) -> float:
    """:func:`euclidean_norm` of a float64 array, unchecked: the solvers' inner loops, which run inside
    ``np.errstate`` themselves (entering it per call costs as much as the norm of a short signal)."""
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
    """:func:`total_variation` of a float64 array, unchecked."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _total_variation_into(u, None)


def _total_variation_into(u: np.ndarray, work: np.ndarray | None) -> float:
    """:func:`total_variation` of a float64 array of length N, its differences written to ``work`` (length N - 1,
    or None for a new array): the solvers' inner loops, which run inside ``np.errstate`` themselves."""
    differences = np.subtract(u[1:], u[:-1], out=work)
    return float(np.abs(differences, out=differences).sum())


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


def total_variation_2d(u: np.ndarray) -> float:
    """TV(u) = sum_ij |grad u|_ij = sum_ij sqrt(u_x^2 + u_y^2) of an image (chapter 09): the isotropic total
    variation with forward differences and reflecting boundaries (:class:`pdelib.operators2d.Gradient2D`, h = 1).

    ``u``: a 2D array of real numbers, at least 1 x 1; non-finite values (a blown-up state) give inf or nan.
    """
    what = "a 2D array of real numbers (an image)"
    array = _as_real_array(u, "u", what)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"u must be {what} with at least one pixel, got shape {array.shape}")
    return _total_variation_2d(array.astype(np.float64, copy=False))


def _total_variation_2d(u: np.ndarray) -> float:
    """:func:`total_variation_2d` of a float64 image, unchecked (the solvers' inner loops)."""
    with np.errstate(over="ignore", invalid="ignore"):
        squares = np.zeros_like(u)
        squares[:, :-1] = np.square(u[:, 1:] - u[:, :-1])
        squares[:-1, :] += np.square(u[1:, :] - u[:-1, :])
        return float(np.sqrt(squares, out=squares).sum())  # sqrt(a + b), not np.hypot: 5 times faster here


def _norm_2d(u: np.ndarray) -> float:
    """||u||_2 of a float64 image, unchecked: a sum of squares without BLAS (``np.dot`` of 65536 values spins
    up BLAS threads, which on busy shared cores costs milliseconds); :func:`euclidean_norm`'s rescaling where
    the squares would overflow or underflow."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        squares = float(np.einsum("ij,ij->", u, u))
    if 1e-280 <= squares <= 1e280:
        return math.sqrt(squares)
    return _norm(u.reshape(-1))


def checkerboard_amplitude_2d(u: np.ndarray, block: int = 8) -> float:
    """The local amplitude of the checkerboard c_ij = (-1)^(i+j) in an image (chapter 09): the root mean square,
    over the image's block x block tiles, of the tile means of c_ij u_ij.

    A checkerboard a c_ij gives a; smooth content nearly cancels within a tile, and noise of deviation sigma
    contributes about sigma / block. Unlike the global |<u, c>| / (M N), it also sees a checkerboard whose phase
    changes across the image (the growing modes above the bound are checkerboards modulated by slow waves).

    ``u``: a 2D array of real numbers; ``block`` in [1, 64] (tiles that do not fit at the right and bottom edges
    are left out; smaller images use one tile). Non-finite values (a blown-up state) give inf or nan.
    """
    what = "a 2D array of real numbers (an image)"
    array = _as_real_array(u, "u", what)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"u must be {what} with at least one pixel, got shape {array.shape}")
    block = check_int(block, "block", 1, 64)
    rows, columns = (max(1, side // block) * min(block, side) for side in array.shape)
    tile = (min(block, array.shape[0]), min(block, array.shape[1]))
    signs = np.where(np.add.outer(np.arange(rows), np.arange(columns)) % 2 == 0, 1.0, -1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        modulated = array[:rows, :columns].astype(np.float64) * signs
        means = modulated.reshape(rows // tile[0], tile[0], columns // tile[1], tile[1]).mean(axis=(1, 3))
        return float(np.sqrt(np.mean(means * means)))
