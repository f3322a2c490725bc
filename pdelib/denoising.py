"""A synthetic 1D denoising task with seeded train/validation/test splits, and its metrics (chapter 07).

Clean signals are piecewise constant or piecewise smooth on N cell-centred points of [0, 1] and take
values in [0, 1] (the *signal range* is 1); the noisy ones add Gaussian noise f = u + noise * n,
n_i ~ N(0, 1). Everything is generated here from one seed (numpy's PCG64): no downloads, the same
arrays on every machine. This module imports numpy only; :mod:`pdelib.nets.training` turns the arrays into
torch tensors.

Metrics: the mean squared error MSE(v, u) = mean_i (v_i - u_i)^2 and the peak signal-to-noise ratio
PSNR(v, u) = 10 log10(range^2 / MSE(v, u)) in decibels, with range = 1 for these signals. Noise of
standard deviation sigma gives a noisy input of PSNR about -20 log10(sigma): 20 dB for sigma = 0.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import (
    MAX_SEED,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_size,
)
from .signals import piecewise_constant

#: Kinds of clean signals: "mixed" alternates piecewise-constant and piecewise-smooth signals.
KINDS = ("piecewise-constant", "piecewise-smooth", "mixed")

#: Largest number of pieces of a clean signal (each signal draws 2 to MAX_PIECES pieces).
MAX_PIECES = 8
#: Largest number of signals, and of values (signals times size), of one data set.
MAX_SIGNALS, MAX_STORED_VALUES = 10**6, 2**26


@dataclass(frozen=True)
class DenoisingSplit:
    """One split of a denoising data set: ``noisy`` f = u + noise and ``clean`` u, both of shape (signals, N)."""

    noisy: np.ndarray
    clean: np.ndarray

    def __len__(self) -> int:
        return self.clean.shape[0]


@dataclass(frozen=True)
class DenoisingData:
    """Train, validation and test splits of disjoint signals, and how they were made (chapter 07).

    Attributes
    ----------
    train, validation, test : DenoisingSplit
    noise : float
        Standard deviation sigma of the Gaussian noise (the signal range is 1).
    kind : str
        One of :data:`KINDS`.
    seed : int
    """

    train: DenoisingSplit
    validation: DenoisingSplit
    test: DenoisingSplit
    noise: float
    kind: str
    seed: int

    @property
    def size(self) -> int:
        """N, the number of grid points of every signal."""
        return self.train.clean.shape[1]

    def __repr__(self) -> str:
        return (
            f"DenoisingData(kind={self.kind!r}, N={self.size}, noise={self.noise:g}, seed={self.seed}, "
            f"train={len(self.train)}, validation={len(self.validation)}, test={len(self.test)}, "
            f"noisy test PSNR={psnr(self.test.noisy, self.test.clean):.2f} dB)"
        )


def piecewise_smooth(size: int, rng: np.random.Generator) -> np.ndarray:
    """Pieces u(x) = a + b (x - m) + c sin(2 pi k x + phi) between random cuts, with values in [0, 1].

    Per piece: level a in [0.25, 0.75], slope b in [-0.2, 0.2] about the piece's midpoint m (so
    |b (x - m)| <= 0.1), amplitude c in [0, 0.15] and frequency k in [1, 4]; 2 to :data:`MAX_PIECES` pieces.
    """
    size = check_int(size, "size", 2)
    pieces = int(rng.integers(2, min(MAX_PIECES, size) + 1))
    cuts = np.concatenate(([0], np.sort(rng.choice(np.arange(1, size), pieces - 1, replace=False)), [size]))
    x = (np.arange(size) + 0.5) / size
    signal = np.empty(size)
    for start, stop in zip(cuts[:-1], cuts[1:]):
        level, slope = rng.uniform(0.25, 0.75), rng.uniform(-0.2, 0.2)
        amplitude, frequency, phase = rng.uniform(0.0, 0.15), rng.uniform(1.0, 4.0), rng.uniform(0.0, 2 * np.pi)
        piece = x[start:stop]
        middle = 0.5 * (piece[0] + piece[-1])
        signal[start:stop] = level + slope * (piece - middle) + amplitude * np.sin(2 * np.pi * frequency * piece + phase)
    return signal


def clean_signals(signals: int, size: int, kind: str, seed: int) -> np.ndarray:
    """``signals`` distinct clean signals of length ``size`` as rows of an array, from one seed.

    Piecewise-constant signals are :func:`pdelib.piecewise_constant` with 2 to :data:`MAX_PIECES`
    pieces (levels uniform in [0, 1]); piecewise-smooth ones are :func:`piecewise_smooth`.
    """
    signals = check_int(signals, "signals", 1)
    size = check_int(size, "size", 2)
    kind = check_choice(kind, "kind", KINDS)
    rng = np.random.default_rng(check_int(seed, "seed", 0, MAX_SEED))
    rows = np.empty((signals, size))
    for index in range(signals):
        smooth = kind == "piecewise-smooth" or (kind == "mixed" and index % 2 == 1)
        if smooth:
            rows[index] = piecewise_smooth(size, rng)
        else:
            pieces = int(rng.integers(2, min(MAX_PIECES, size) + 1))
            rows[index] = piecewise_constant(size, pieces, seed=int(rng.integers(2**31)))
    return rows


def make_denoising_data(
    signals: int = 400,
    size: int = 128,
    noise: float = 0.1,
    seed: int = 0,
    kind: str = "mixed",
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
) -> DenoisingData:
    """Seeded train/validation/test splits of (noisy, clean) signal pairs for learning to denoise (chapter 07).

    f = u + noise * n with n_i ~ N(0, 1) independent, u a clean signal with values in [0, 1]. The
    ``signals`` clean signals (see :func:`clean_signals`) are shuffled once and cut into the three
    splits, so no signal is in two splits; the same arguments give the same arrays on every machine.

    Parameters
    ----------
    signals : int, default 400
        Total number of signals, at least 3 (one per split) and at most 10^6; signals times size at most 2^26.
    size : int, default 128
        Number N >= 2 of grid points per signal (signals N <= 2^26).
    noise : float, default 0.1
        Standard deviation sigma >= 0 of the noise, relative to the signal range 1.
    seed : int, default 0
        Seed >= 0 of everything: clean signals, the shuffle and the noise.
    kind : {"mixed", "piecewise-constant", "piecewise-smooth"}, default "mixed"
    fractions : (float, float, float), default (0.7, 0.15, 0.15)
        Shares of the train, validation and test splits: positive, summing to 1. Each split gets
        round(fraction * signals) signals (the train split takes the rest), at least one.

    Returns
    -------
    DenoisingData

    Examples
    --------
    >>> data = make_denoising_data(signals=20, size=32, noise=0.1, seed=1)
    >>> len(data.train), len(data.validation), len(data.test), data.train.noisy.shape
    (14, 3, 3, (14, 32))
    """
    signals = check_int(signals, "signals", 3, MAX_SIGNALS)
    size = check_size(size, maximum=MAX_STORED_VALUES // signals)
    noise = check_nonnegative(noise, "noise", 1e100)
    seed = check_int(seed, "seed", 0, MAX_SEED)
    kind = check_choice(kind, "kind", KINDS)
    counts = _split_counts(signals, fractions)
    clean = clean_signals(signals, size, kind, seed)
    rng = np.random.default_rng([seed, 1])  # a second stream from the same seed: shuffle and noise
    clean = clean[rng.permutation(signals)]
    noisy = clean + noise * rng.standard_normal(clean.shape)
    bounds = np.cumsum((0,) + counts)
    train, validation, test = (
        DenoisingSplit(noisy[start:stop], clean[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])
    )
    return DenoisingData(train, validation, test, noise, kind, seed)


def _split_counts(signals: int, fractions: object) -> tuple[int, int, int]:
    """Numbers of train, validation and test signals: (rest, round(f_val n), round(f_test n)), each >= 1."""
    if not isinstance(fractions, (tuple, list)) or len(fractions) != 3:
        raise TypeError(f"fractions must be three numbers (train, validation, test), got {fractions!r}")
    train, validation, test = (check_positive(value, "fractions") for value in fractions)
    if not math.isclose(train + validation + test, 1.0, abs_tol=1e-9):
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {train + validation + test:g})")
    validation_count, test_count = max(1, round(validation * signals)), max(1, round(test * signals))
    train_count = signals - validation_count - test_count
    if train_count < 1:
        raise ValueError(f"signals = {signals} is too few for fractions {fractions!r}: the train split is empty")
    return train_count, validation_count, test_count


def _check_pair(estimate: object, clean: object) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for value, name in ((estimate, "estimate"), (clean, "clean")):
        if not isinstance(value, (np.ndarray, list, tuple)):
            raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
        array = np.asarray(value)
        if array.dtype.kind not in "biuf" or array.size == 0:
            raise TypeError(f"{name} must be a non-empty array of real numbers, got dtype {array.dtype}, size {array.size}")
        arrays.append(array.astype(np.float64, copy=False))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"estimate and clean must have the same shape, got {arrays[0].shape} and {arrays[1].shape}")
    return arrays[0], arrays[1]


def mse(estimate: np.ndarray, clean: np.ndarray) -> float:
    """Mean squared error MSE = mean_i (v_i - u_i)^2 over all entries of equally shaped arrays (chapter 07)."""
    estimate, clean = _check_pair(estimate, clean)
    return float(np.mean((estimate - clean) ** 2))


def psnr(estimate: np.ndarray, clean: np.ndarray, signal_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio PSNR = 10 log10(range^2 / MSE) in dB, over all entries (chapter 07).

    Parameters
    ----------
    estimate, clean : arrays of equal shape, e.g. (signals, N)
        The MSE is taken over all entries at once (not averaged per signal).
    signal_range : float, default 1.0
        max - min of the clean signals: 1 for :func:`make_denoising_data`.

    Returns
    -------
    float
        In dB; higher is better, +inf for a perfect estimate. Noise of std sigma gives about -20 log10(sigma).
    """
    signal_range = check_positive(signal_range, "signal_range")
    error = mse(estimate, clean)
    return math.inf if error == 0.0 else 10.0 * math.log10(signal_range**2 / error)
