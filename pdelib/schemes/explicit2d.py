"""The explicit scheme on images, u^{k+1} = u^k - tau grad^T Phi(grad u^k), and its bound (chapter 09); its network: :mod:`pdelib.nets.resnet2d`.

The 1D scheme of :mod:`pdelib.schemes.explicit` with the derivative D replaced by the two-channel gradient
of :mod:`pdelib.operators2d` and the flux made isotropic: the diffusivity g of :mod:`pdelib.diffusivities`
acts on the gradient's length, not on each channel,

    Phi(grad u) = g(|grad u|^2) grad u,      |grad u|^2 = u_x^2 + u_y^2.

Per pixel Phi multiplies both channels by the same g in [0, L], L = sup g, so the Euclidean stability theorem
of chapter 02 carries over word for word: for 0 < tau <= tau* = 2 / (L ||grad||^2) the norm ||u^k||_2 never
increases. For h = 1 and large images ||grad||^2 -> 8, so tau* -> 1/(4L) (from above: ||grad||^2 < 8 on every
finite image). Every step conserves the mean grey value (the columns of grad^T sum to zero), and for
tau <= 1/(4L) every new value is a convex combination of old ones (max-min principle). Above tau* linear
diffusion blows up; :meth:`ExplicitScheme2D.evolve` detects that and reports it, as in 1D.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._checks import (
    _as_real_array,
    check_amplitude,
    check_image,
    check_inplace_image,
    check_nonnegative,
    check_positive,
    check_steps,
    check_time_ratio,
)
from ..diffusivities import Diffusivity
from ..measures import _norm_2d, _total_variation_2d
from ..operators2d import Gradient2D, check_gradient
from .explicit import GROWTH_LIMIT, BlowUp, RecordedStates

#: Values per block when g is evaluated: 8192 float64 = 64 KiB. The formula's temporaries stay small; temporaries
#: of a whole 256^2 image (512 KiB each) made one Perona–Malik evaluation about ten times slower (measured:
#: 0.8 ms against 0.07 ms in place), fresh large allocations costing page faults on every step.
_BLOCK = 8192


def check_diffusivity(value: object, name: str = "diffusivity") -> Diffusivity:
    """Return ``value`` if it is a :class:`pdelib.Diffusivity` (an isotropic flux needs g), else raise a TypeError."""
    if not isinstance(value, Diffusivity):
        raise TypeError(f"{name} must be a pdelib Diffusivity (pdelib.diffusivity(name, contrast)): the isotropic "
                        f"flux g(|grad u|^2) grad u needs g; got {value!r:.80}")
    return value


def isotropic_flux(diffusivity: Diffusivity, p: np.ndarray) -> np.ndarray:
    """Phi(p) = g(|p|^2) p for a vector field p of shape (2, ...) (channel 0: x, channel 1: y), chapter 09.

    Both channels of a pixel are multiplied by the same diffusivity g(p_x^2 + p_y^2) in [0, L].
    """
    check_diffusivity(diffusivity)
    array = _as_real_array(p, "p", "an array of shape (2, ...) (channels x, y)")
    if array.ndim < 1 or array.shape[0] != 2:
        raise ValueError(f"p must be an array of shape (2, ...) (channels x, y), got shape {array.shape}")
    array = array.astype(np.float64)
    check_amplitude(array, "p")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return array * diffusivity._g(array[0] * array[0] + array[1] * array[1], np)


def stability_bound_2d(diffusivity: Diffusivity, gradient: Gradient2D, simple: bool = False) -> float:
    """Largest stable time step tau* = 2 / (L ||grad||_2^2) of the explicit 2D scheme (chapter 09).

    L = sup g; ||grad||^2 exact (:meth:`Gradient2D.norm_squared`), or its limit 8 / h^2 if ``simple``
    (then tau* = h^2 / (4 L), the textbook bound 1/4 for h = 1, L = 1).
    """
    check_diffusivity(diffusivity)
    check_gradient(gradient)
    if not isinstance(simple, (bool, np.bool_)):
        raise TypeError(f"simple must be True or False, got {simple!r}")
    norm_squared = gradient.norm_squared_bound() if simple else gradient.norm_squared()
    return 2.0 / (diffusivity.bound * norm_squared)


@dataclass(frozen=True)
class ImageEvolution(RecordedStates):
    """The result of an image evolution (:meth:`ExplicitScheme2D.evolve`, :mod:`pdelib.schemes.fsi2d`).

    Attributes
    ----------
    time : float
        Diffusion time reached.
    states : array of shape (2, M, N)
        u^0 and the last computed state u^K.
    norms, total_variations : arrays of length K + 1
        ||u^k||_2 and TV(u^k) = sum |grad u^k| (:func:`pdelib.measures.total_variation_2d`) for every step k = 0..K.
    blowup : BlowUp or None
        Set when the evolution stopped early: some u^k was non-finite or ||u^k|| > growth_limit ||u^0||.
    """

    time: float
    states: np.ndarray
    norms: np.ndarray
    total_variations: np.ndarray
    blowup: BlowUp | None

    @property
    def steps(self) -> int:
        """Number K of explicit steps computed (the depth of the equivalent network)."""
        return self.norms.size - 1


def record_image_evolution(
    step_inplace: Callable[[np.ndarray], float], u0: np.ndarray, steps: int, growth_limit: float = GROWTH_LIMIT
) -> tuple[np.ndarray, np.ndarray, np.ndarray, BlowUp | None]:
    """Apply ``step_inplace`` up to ``steps`` times to a copy of the image u^0, measuring ||u^k|| and TV(u^k) and
    stopping early at a blow-up. Returns (u^0 and the final state, norms, total variations, blow-up).

    ``step_inplace(u)`` overwrites u^k with u^{k+1} and returns TV(u^k), which it has all but computed: the
    scheme's |grad u^k|^2 (one square root and a sum more instead of a second gradient per step)."""
    growth_limit = check_positive(growth_limit, "growth_limit")
    u = u0.copy()
    norms = np.empty(steps + 1)
    variations = np.empty(steps + 1)
    norms[0] = initial = _norm_2d(u)
    blowup = None
    k = 0
    with np.errstate(all="ignore"):
        while k < steps:
            variations[k] = step_inplace(u)
            k += 1
            norms[k] = norm = _norm_2d(u)
            if not math.isfinite(norm) or norm > growth_limit * initial:
                blowup = BlowUp(step=k, norm=float(norm), growth=float(norm / initial) if initial else math.inf)
                break
        variations[k] = _total_variation_2d(u)
    return np.stack([u0, u]), norms[: k + 1], variations[: k + 1], blowup


class ExplicitScheme2D:
    """The explicit scheme u^{k+1} = u^k - tau grad^T (g(|grad u^k|^2) grad u^k) on an image (chapter 09).

    Parameters
    ----------
    tau : float
        Time step > 0; stable for tau <= :func:`stability_bound_2d` (about 1/(4L) for h = 1).
    diffusivity : Diffusivity
        g (any of :data:`pdelib.DIFFUSIVITIES`), applied to |grad u|^2.
    gradient : Gradient2D
        The image's gradient (shape, spacing).

    Examples
    --------
    >>> import pdelib
    >>> from pdelib.operators2d import Gradient2D
    >>> scheme = ExplicitScheme2D(0.2, pdelib.diffusivity("linear"), Gradient2D((3, 3)))
    >>> spike = np.zeros((3, 3)); spike[1, 1] = 1.0
    >>> scheme.step(spike).round(3)  # the 5-point stencil: tau to each neighbour, 1 - 4 tau stays
    array([[0. , 0.2, 0. ],
           [0.2, 0.2, 0.2],
           [0. , 0.2, 0. ]])
    """

    def __init__(self, tau: float, diffusivity: Diffusivity, gradient: Gradient2D) -> None:
        self.tau = check_positive(tau, "tau")
        self.diffusivity = check_diffusivity(diffusivity)
        self.gradient = check_gradient(gradient)
        self._field = np.empty(gradient.output_shape)
        self._squares = np.empty(gradient.shape)
        self._divergence = np.empty(gradient.shape)
        self._rows = max(1, _BLOCK // gradient.shape[1])  # rows per block of g

    def __repr__(self) -> str:
        return f"ExplicitScheme2D(tau={self.tau:g}, diffusivity={self.diffusivity!r}, gradient={self.gradient!r})"

    @property
    def bound(self) -> float:
        """tau* = 2 / (L ||grad||^2) for this diffusivity and image size."""
        return stability_bound_2d(self.diffusivity, self.gradient)

    def step_inplace(self, u: np.ndarray) -> float:
        """Overwrite the float64 image u with u - tau grad^T Phi(grad u) and return TV(u) of the input, sum |grad u|:
        the inner loop, unchecked (wrap calls in ``np.errstate`` where values may overflow)."""
        p = self.gradient._apply_unchecked(u, self._field)
        squares, work = self._squares, self._divergence
        np.multiply(p[0], p[0], out=squares)
        squares += np.multiply(p[1], p[1], out=work)
        for start in range(0, squares.shape[0], self._rows):  # work <- tau g(|grad u|^2), a block of rows at a time
            block = slice(start, start + self._rows)
            np.multiply(self.diffusivity._g(squares[block], np), self.tau, out=work[block])
        p *= work  # both channels of a pixel by the same tau g
        variation = float(np.sqrt(squares, out=squares).sum())
        u -= self.gradient._apply_transpose_unchecked(p, self._divergence)
        return variation

    def advance(self, u: np.ndarray, steps: int) -> np.ndarray:
        """Overwrite ``u`` (float64, C-contiguous, the gradient's shape) with u^{k+steps}: no measurements."""
        check_inplace_image(u, self.gradient.shape)
        steps = check_steps(steps, "steps", u.size)
        with np.errstate(all="ignore"):
            for _ in range(steps):
                self.step_inplace(u)
        return u

    def step(self, u: np.ndarray) -> np.ndarray:
        """Return u^{k+1} = u^k - tau grad^T Phi(grad u^k) as a new image."""
        u = check_image(u, "u", self.gradient.shape).copy()
        with np.errstate(all="ignore"):
            self.step_inplace(u)
        return u

    def evolve(self, u0: np.ndarray, steps: int, growth_limit: float = GROWTH_LIMIT) -> ImageEvolution:
        """Run ``steps`` explicit steps from the image u^0, measuring every step and stopping early at a blow-up.

        A blow-up is a state with non-finite values or ||u^k|| > growth_limit ||u^0|| (default 1e6), reported in
        the result, never as a floating-point warning. At most 10^7 steps and steps M N <= 10^9 per call.
        """
        u0 = check_image(u0, "u0", self.gradient.shape)
        steps = check_steps(steps, "steps", u0.size)
        states, norms, variations, blowup = record_image_evolution(self.step_inplace, u0, steps, growth_limit)
        return ImageEvolution(self.tau * (norms.size - 1), states, norms, variations, blowup)


def diffuse_2d(u0: np.ndarray, time: float, diffusivity: Diffusivity, gradient: Gradient2D) -> ImageEvolution:
    """Evolve the image u^0 to diffusion time T with K = ceil(T / tau*) explicit steps of tau = T / K <= tau*."""
    bound = stability_bound_2d(diffusivity, gradient)
    time = check_nonnegative(time, "time")
    check_time_ratio(time, bound)
    steps = math.ceil(time / bound)
    u0 = check_image(u0, "u0", gradient.shape)
    check_steps(steps, "time: the explicit steps K = ceil(T / tau*)", u0.size)
    return ExplicitScheme2D(time / steps if steps else bound, diffusivity, gradient).evolve(u0, steps)
