"""Input validation shared by all pdelib modules: clear errors that name the parameter and its range."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def check_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as an int, or raise if it is not an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a finite real number > 0, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite real number > 0, got {value}")
    return value


def check_nonnegative(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a finite real number >= 0, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite real number >= 0, got {value}")
    return value


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming the allowed values."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_signal(u: object, name: str = "u", size: int | None = None) -> np.ndarray:
    """Return ``u`` as a finite 1D float64 array (of length ``size`` if given), or raise."""
    if not isinstance(u, (np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a 1D array of real numbers, got {type(u).__name__}")
    array = np.asarray(u)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1D array (rank 1), got rank {array.ndim} with shape {array.shape}")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"{name} must have length {size} (the grid size), got {array.shape[0]}")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite: it contains NaN or infinite values")
    return array


def check_inplace_signal(u: object, size: int) -> np.ndarray:
    """Return ``u`` if it is a float64 numpy array of shape (size,) that a solver may overwrite, else raise."""
    if not isinstance(u, np.ndarray) or u.dtype != np.float64 or u.shape != (size,):
        raise TypeError(f"u must be a float64 numpy array of shape ({size},) to be advanced in place")
    return u
