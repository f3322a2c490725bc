"""Seeded, deterministic 1D test signals on N cell-centred points of [0, 1] (all chapters).

Every function returns a new float64 array of length ``size``; the same ``seed`` gives the
same signal on every machine (numpy's PCG64 generator).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_nonnegative, check_positive


def _grid(size: int) -> np.ndarray:
    """Cell centres x_i = (i + 1/2) / N."""
    return (np.arange(size) + 0.5) / size


def _noise(size: int, noise: float, seed: int) -> np.ndarray:
    noise = check_nonnegative(noise, "noise")
    check_int(seed, "seed", 0)
    return noise * np.random.default_rng(seed).standard_normal(size)


def noisy_step(size: int = 256, height: float = 1.0, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """A step from 0 to ``height`` in the middle of the interval plus Gaussian noise of std ``noise``."""
    size = check_int(size, "size", 2)
    height = check_positive(height, "height")
    return np.where(_grid(size) < 0.5, 0.0, height) + _noise(size, noise, seed)


def smooth_step(size: int = 256, width: float = 4.0, height: float = 1.0) -> np.ndarray:
    """A smooth edge (height/2) (1 + tanh((i + 1/2 - N/2) / width)); its steepest slope is height / (2 width)."""
    size = check_int(size, "size", 2)
    width = check_positive(width, "width")
    height = check_positive(height, "height")
    return 0.5 * height * (1.0 + np.tanh((np.arange(size) + 0.5 - size / 2) / width))


def piecewise_constant(size: int = 256, pieces: int = 6, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``pieces`` constant segments of random lengths and levels in [0, 1], plus optional noise."""
    size = check_int(size, "size", 2)
    pieces = check_int(pieces, "pieces", 1)
    if pieces > size:
        raise ValueError(f"pieces must be between 1 and size = {size}, got {pieces}")
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    cuts = np.sort(rng.choice(np.arange(1, size), size=pieces - 1, replace=False))
    levels = rng.uniform(0.0, 1.0, size=pieces)
    signal = np.repeat(levels, np.diff(np.concatenate(([0], cuts, [size]))))
    return signal + _noise(size, noise, seed + 1)


def checkerboard(size: int = 64, amplitude: float = 1.0, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """amplitude * (-1)^i: the highest frequency on the grid (for periodic boundaries and even N the top
    eigenmode of D^T D, for reflecting ones close to it), the first to blow up above the step-size bound."""
    size = check_int(size, "size", 2)
    amplitude = check_positive(amplitude, "amplitude")
    return amplitude * (-1.0) ** np.arange(size) + _noise(size, noise, seed)


def smooth_plus_noise(size: int = 256, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A smooth signal 0.5 + 0.3 sin(2 pi x) + 0.15 cos(6 pi x) plus Gaussian noise of std ``noise``."""
    size = check_int(size, "size", 2)
    x = _grid(size)
    return 0.5 + 0.3 * np.sin(2 * np.pi * x) + 0.15 * np.cos(6 * np.pi * x) + _noise(size, noise, seed)
