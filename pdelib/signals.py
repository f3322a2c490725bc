"""Seeded, deterministic 1D test signals on N cell-centred points of [0, 1] (all chapters).

Every function returns a new float64 array of length ``size`` (2 <= N <= 2^22); the same ``seed`` gives
the same signal on every machine (numpy's PCG64 generator). Heights, amplitudes and noise levels are at
most 1e200 (the signal's values then stay below the schemes' limit 1e250); seeds are integers in [0, 2^63).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    MAX_AMPLITUDE,
    check_int,
    check_nonnegative,
    check_positive,
    check_real,
    check_size,
)

#: Largest height, amplitude or noise level.
_LARGEST = MAX_AMPLITUDE * 1e-50
_LARGEST_SEED = 2**63 - 1


def _grid(size: int) -> np.ndarray:
    """Cell centres x_i = (i + 1/2) / N."""
    return (np.arange(size) + 0.5) / size


def _noise(size: int, noise: float, seed: int) -> np.ndarray:
    noise = check_nonnegative(noise, "noise", _LARGEST)
    check_int(seed, "seed", 0, _LARGEST_SEED)
    return noise * np.random.default_rng(seed).standard_normal(size)


def noisy_step(size: int = 256, height: float = 1.0, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """A step from 0 to ``height`` in the middle of the interval plus Gaussian noise of std ``noise``."""
    size = check_size(size)
    height = check_positive(height, "height", _LARGEST)
    return np.where(_grid(size) < 0.5, 0.0, height) + _noise(size, noise, seed)


def smooth_step(size: int = 256, width: float = 4.0, height: float = 1.0) -> np.ndarray:
    """A smooth edge (height/2) (1 + tanh((i + 1/2 - N/2) / width)); its steepest slope is height / (2 width)."""
    size = check_size(size)
    width = check_real(width, "width", 1e-100, _LARGEST)
    height = check_positive(height, "height", _LARGEST)
    return 0.5 * height * (1.0 + np.tanh((np.arange(size) + 0.5 - size / 2) / width))


def piecewise_constant(size: int = 256, pieces: int = 6, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``pieces`` constant segments of random lengths and levels in [0, 1], plus optional noise."""
    size = check_size(size)
    pieces = check_int(pieces, "pieces", 1)
    if pieces > size:
        raise ValueError(f"pieces must be between 1 and size = {size}, got {pieces}")
    rng = np.random.default_rng(check_int(seed, "seed", 0, _LARGEST_SEED - 1))
    cuts = np.sort(rng.choice(np.arange(1, size), size=pieces - 1, replace=False))
    levels = rng.uniform(0.0, 1.0, size=pieces)
    signal = np.repeat(levels, np.diff(np.concatenate(([0], cuts, [size]))))
    return signal + _noise(size, noise, seed + 1)


def checkerboard(size: int = 64, amplitude: float = 1.0, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """amplitude * (-1)^i: the highest frequency on the grid (for periodic boundaries and even N the top
    eigenmode of D^T D, for reflecting ones close to it), the first to blow up above the step-size bound."""
    size = check_size(size)
    amplitude = check_positive(amplitude, "amplitude", _LARGEST)
    return amplitude * (-1.0) ** np.arange(size) + _noise(size, noise, seed)


def smooth_plus_noise(size: int = 256, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A smooth signal 0.5 + 0.3 sin(2 pi x) + 0.15 cos(6 pi x) plus Gaussian noise of std ``noise``."""
    size = check_size(size)
    x = _grid(size)
    return 0.5 + 0.3 * np.sin(2 * np.pi * x) + 0.15 * np.cos(6 * np.pi * x) + _noise(size, noise, seed)
