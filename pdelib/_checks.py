"""Input validation shared by all pdelib modules: clear errors that name the parameter and its range.

Every public function, class and widget app checks its arguments here, before any work or allocation,
and raises a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right kind, outside the allowed
range) whose message names the parameter, the allowed range and the value received.

Resource limits, checked up front in microseconds, so that no call can hang or exhaust memory:

* ``MAX_POINTS`` = 2^22 grid points in 1D, ``MAX_SIDE`` = 4096 points per direction in 2D;
* ``MAX_STEPS`` = 10^7 steps, cycles or iterations per call, and ``MAX_WORK`` = 10^9 point-updates
  per call (steps times grid points);
* ``MAX_CYCLE_LENGTH`` = 10^5 steps per FSI cycle, ``MAX_TIME_RATIO`` = 10^9 for a stopping time
  relative to its time step, T / tau;
* ``MAX_AMPLITUDE`` = 1e250 for the values of a signal, so that differences and fluxes of it stay finite;
* networks: ``MAX_BLOCKS`` = 10^4 blocks (layers), ``MAX_CHANNELS`` = 1024 channels per block.

Longer runs are split into several calls: every scheme's ``advance`` continues from the state it returns.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np

#: Largest number of grid points of a 1D signal.
MAX_POINTS = 2**22
#: Largest number of points per direction of a 2D grid (4096^2 unknowns).
MAX_SIDE = 4096
#: Largest number of steps, cycles or iterations of one call.
MAX_STEPS = 10**7
#: Largest work of one call: steps (or iterations) times grid points.
MAX_WORK = 10**9
#: Largest FSI cycle length n.
MAX_CYCLE_LENGTH = 10**5
#: Largest stopping time relative to the time step, T / tau.
MAX_TIME_RATIO = 1e9
#: Largest magnitude |u_i| of a signal's values.
MAX_AMPLITUDE = 1e250
#: Largest random seed (numpy's generators take any integer >= 0; 2^63 - 1 keeps seeds in a signed 64-bit integer).
MAX_SEED = 2**63 - 1
#: Largest number of blocks (layers) of a network.
MAX_BLOCKS = 10**4
#: Largest number of channels of a block.
MAX_CHANNELS = 1024

_SPLIT_ADVICE = "split the run into several calls (advance continues from the state it returns)"


def _received(value: object) -> str:
    """The value as the messages quote it: its repr (shortened) and its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _join(message: str, advice: str) -> str:
    return f"{message}; {advice}" if advice else message


def check_int(value: object, name: str, minimum: int, maximum: int | None = None, advice: str = "") -> int:
    """Return ``value`` as an int, or raise if it is not an integer in [minimum, maximum].

    ``advice`` (how to go further) is appended to the message when ``value`` exceeds ``maximum``.
    """
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer >= {minimum} and <= {maximum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be {allowed}, got {_received(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be {allowed}, got {value}")
    if maximum is not None and value > maximum:
        shown = value if abs(value) < 10**30 else f"about 1e{len(str(abs(value))) - 1}"
        raise ValueError(_join(f"{name} must be {allowed}, got {shown}", advice))
    return int(value)


def check_real(
    value: object,
    name: str,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    include_minimum: bool = True,
    advice: str = "",
) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number in [minimum, maximum]
    (in (minimum, maximum] if not ``include_minimum``)."""
    allowed = "a finite real number"
    if minimum != -math.inf:
        allowed += f" {'>=' if include_minimum else '>'} {minimum:g}"
    if maximum != math.inf:
        allowed += f" and <= {maximum:g}" if minimum != -math.inf else f" <= {maximum:g}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be {allowed}, got {_received(value)}")
    number = float(value)
    below = number < minimum if include_minimum else number <= minimum
    if not math.isfinite(number) or below or number > maximum:
        raise ValueError(_join(f"{name} must be {allowed}, got {number:g}", advice if number > maximum else ""))
    return number


def check_positive(value: object, name: str, maximum: float = math.inf, advice: str = "") -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number in (0, maximum]."""
    return check_real(value, name, 0.0, maximum, include_minimum=False, advice=advice)


def check_nonnegative(value: object, name: str, maximum: float = math.inf, advice: str = "") -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number in [0, maximum]."""
    return check_real(value, name, 0.0, maximum, advice=advice)


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is True or False (numpy booleans included), else raise a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_received(value)}")
    return bool(value)


def check_choice(value: object, name: str, choices: tuple) -> object:
    """Return ``value`` if it is one of ``choices``, else raise naming the allowed values."""
    allowed = ", ".join(map(repr, choices))
    kinds = tuple({type(choice) for choice in choices})
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise TypeError(f"{name} must be one of {allowed}; got {_received(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_items(value: object, name: str, what: str, maximum: int = MAX_BLOCKS) -> list:
    """Return the items of a list, tuple or other iterable (not a string, bytes or a mapping) as a list of
    1 to ``maximum`` items, or raise naming ``name``; ``what`` says what the items should be."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list (or another iterable) of {what}, got {_received(value)}")
    items = list(itertools.islice(value, maximum + 1))
    if not items:
        raise ValueError(f"{name} must hold at least one of {what}, got none")
    if len(items) > maximum:
        raise ValueError(f"{name} must hold at most {maximum} of {what}, got more")
    return items


def check_size(value: object, name: str = "size", minimum: int = 2, maximum: int = MAX_POINTS) -> int:
    """Return a number of grid points in [minimum, maximum] (at most ``MAX_POINTS`` = 2^22), or raise."""
    return check_int(value, name, minimum, maximum, advice="process the signal in pieces")


def check_steps(value: object, name: str, size: int, minimum: int = 0, per_step: int = 1) -> int:
    """Return a number of steps (cycles, iterations) in [minimum, MAX_STEPS] whose work on ``size`` points,
    ``value * per_step * size`` point-updates, is at most ``MAX_WORK``; else raise naming ``name``."""
    most = max(minimum, min(MAX_STEPS, MAX_WORK // max(1, per_step * size)))
    return check_int(
        value, name, minimum, most,
        advice=f"one call does at most {MAX_WORK:.0e} point-updates ({MAX_STEPS:.0e} steps); {_SPLIT_ADVICE}",
    )


def check_time_ratio(time: float, tau: float, tau_name: str = "the stability bound tau*") -> None:
    """Raise unless the stopping time ``time`` is at most ``MAX_TIME_RATIO`` = 1e9 time steps ``tau``."""
    if time > MAX_TIME_RATIO * tau:
        raise ValueError(
            f"time must be at most {MAX_TIME_RATIO:.0e} times {tau_name} = {tau:.3g}, i.e. T <= "
            f"{MAX_TIME_RATIO * tau:.3g}, got T = {time:.3g}; {_SPLIT_ADVICE}"
        )


def _as_real_array(u: object, name: str, what: str) -> np.ndarray:
    """``u`` as a numpy array of real numbers (bool, int or float), or a TypeError naming ``name``."""
    if not isinstance(u, (np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be {what}, got {_received(u)}")
    try:
        array = np.asarray(u)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise TypeError(f"{name} must be {what}, got a ragged sequence ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be {what}, got an array of dtype {array.dtype}")
    return array


def check_values(u: object, name: str = "u", minimum_size: int = 1, finite: bool = False) -> np.ndarray:
    """Return ``u`` as a 1D float64 array of at least ``minimum_size`` values (non-finite values allowed
    unless ``finite``): the input of a measure, which may measure a blown-up state."""
    what = "a 1D array of real numbers"
    array = _as_real_array(u, name, what)
    if array.ndim != 1:
        raise ValueError(f"{name} must be {what} (rank 1), got rank {array.ndim} with shape {array.shape}")
    if not minimum_size <= array.shape[0] <= MAX_POINTS:
        raise ValueError(f"{name} must have between {minimum_size} and {MAX_POINTS} values, got {array.shape[0]}")
    array = array.astype(np.float64, copy=False)
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite: it contains NaN or infinite values")
    return array


def check_real_array(value: object, name: str, minimum: float = -math.inf) -> np.ndarray:
    """Return a real number or an array of real numbers (any shape, at most MAX_SIDE^2 values) as a finite
    float64 array with every value >= ``minimum``, or raise: the argument of a flux or a diffusivity."""
    if isinstance(value, Real) and not isinstance(value, bool):
        array = np.asarray(float(value))
    else:
        array = _as_real_array(value, name, "a real number or an array of real numbers")
    if array.size > MAX_SIDE**2:
        raise ValueError(f"{name} must have at most {MAX_SIDE**2} values, got {array.size}; process it in pieces")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite: it contains NaN or infinite values")
    if array.size and float(array.min()) < minimum:
        raise ValueError(f"{name} must be >= {minimum:g} everywhere, got a value {float(array.min()):g}")
    return array


def check_signal(u: object, name: str = "u", size: int | None = None) -> np.ndarray:
    """Return ``u`` as a finite 1D float64 array (of length ``size`` if given; 1 to 2^22 values) with
    |u_i| <= ``MAX_AMPLITUDE`` = 1e250, or raise."""
    what = "a 1D array of real numbers"
    array = _as_real_array(u, name, what)
    if array.ndim != 1:
        raise ValueError(f"{name} must be {what} (rank 1), got rank {array.ndim} with shape {array.shape}")
    if size is not None and array.shape[0] != size:
        raise ValueError(f"{name} must have length {size} (the grid size), got {array.shape[0]}")
    if not 1 <= array.shape[0] <= MAX_POINTS:
        raise ValueError(f"{name} must have between 1 and {MAX_POINTS} values, got {array.shape[0]}")
    array = array.astype(np.float64, copy=False)
    check_amplitude(array, name)
    return array


def check_amplitude(array: np.ndarray, name: str) -> None:
    """Raise unless the float array is finite with every |value| <= ``MAX_AMPLITUDE``."""
    largest = float(np.max(np.abs(array), initial=0.0))
    if not math.isfinite(largest):
        raise ValueError(f"{name} must be finite: it contains NaN or infinite values")
    if largest > MAX_AMPLITUDE:
        raise ValueError(
            f"{name} must have values of magnitude <= {MAX_AMPLITUDE:g} (so that its differences stay finite), "
            f"got max |{name}| = {largest:.3g}; rescale it"
        )


def check_inplace_signal(u: object, size: int) -> np.ndarray:
    """Return ``u`` if it is a writeable float64 numpy array of shape (size,) with finite values of magnitude
    <= ``MAX_AMPLITUDE`` that a solver may overwrite, else raise."""
    if not isinstance(u, np.ndarray) or u.dtype != np.float64 or u.shape != (size,):
        raise TypeError(f"u must be a float64 numpy array of shape ({size},) to be advanced in place, got "
                        f"{_received(u) if not isinstance(u, np.ndarray) else f'{u.dtype} array of shape {u.shape}'}")
    if not u.flags.writeable:
        raise ValueError("u must be writeable to be advanced in place, got a read-only array")
    check_amplitude(u, "u")
    return u


def check_shape(value: object, name: str = "shape") -> tuple[int, int]:
    """Return an image shape (M, N): a pair of integers, each in [2, ``MAX_SIDE``] = [2, 4096], or raise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (M, N) of integers in [2, {MAX_SIDE}], got {_received(value)}")
    rows = check_int(value[0], f"{name}[0] (rows M)", 2, MAX_SIDE, advice="process the image in tiles")
    columns = check_int(value[1], f"{name}[1] (columns N)", 2, MAX_SIDE, advice="process the image in tiles")
    return rows, columns


def check_image(u: object, name: str = "u", shape: tuple[int, int] | None = None,
                shape_of: str = "the grid's shape") -> np.ndarray:
    """Return ``u`` as a finite 2D float64 array (of ``shape`` if given, whose origin ``shape_of`` names in the
    error; 2 to 4096 pixels per side) with |u_ij| <= ``MAX_AMPLITUDE`` = 1e250, or raise."""
    what = "a 2D array of real numbers (an image)"
    array = _as_real_array(u, name, what)
    if array.ndim != 2:
        raise ValueError(f"{name} must be {what} (rank 2), got rank {array.ndim} with shape {array.shape}")
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)} ({shape_of}), got {array.shape}")
    if not (2 <= array.shape[0] <= MAX_SIDE and 2 <= array.shape[1] <= MAX_SIDE):
        raise ValueError(f"{name} must have between 2 and {MAX_SIDE} pixels per side, got shape {array.shape}")
    array = array.astype(np.float64, copy=False)
    check_amplitude(array, name)
    return array


def check_inplace_image(u: object, shape: tuple[int, int]) -> np.ndarray:
    """Return ``u`` if it is a writeable, C-contiguous float64 numpy array of ``shape`` with finite values of
    magnitude <= ``MAX_AMPLITUDE`` that a solver may overwrite, else raise."""
    if not isinstance(u, np.ndarray) or u.dtype != np.float64 or u.shape != tuple(shape):
        raise TypeError(f"u must be a float64 numpy array of shape {tuple(shape)} to be advanced in place, got "
                        f"{_received(u) if not isinstance(u, np.ndarray) else f'{u.dtype} array of shape {u.shape}'}")
    if not u.flags.writeable or not u.flags.c_contiguous:
        raise ValueError("u must be a writeable C-contiguous array to be advanced in place (use u.copy())")
    check_amplitude(u, "u")
    return u
