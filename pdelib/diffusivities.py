"""Diffusivities g and their flux (activation) functions Phi(s) = g(s^2) s (chapters 01-03).

Each diffusivity is a :class:`pdelib.fluxes.Flux` with a contrast parameter lambda > 0 and knows

* ``g(s2)``: the diffusivity as a function of the squared derivative s^2,
* ``flux(s)``: Phi(s) = g(s^2) s, the activation function of the diffusion block,
* ``flux_derivative(s)``: Phi'(s); where it is negative the process diffuses backwards
  and sharpens edges,
* ``bound``: L = sup g, so that 0 <= Phi(s)/s <= L (the sector condition of the
  stability theorem),
* ``monotone``: whether Phi is non-decreasing.

The formulas are written once for an array namespace ``xp`` (numpy or torch), so the
numpy scheme and the torch network evaluate literally the same expression.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from ._checks import check_choice, check_real, check_real_array
from .fluxes import Flux

#: Weickert's constant C_4: it puts the maximum of the flux exactly at |s| = lambda.
WEICKERT_C4 = 3.31488
#: Range of the contrast parameter lambda: 1/lambda^2 and lambda^2 stay finite and normal.
MIN_CONTRAST, MAX_CONTRAST = 1e-100, 1e100


class Diffusivity(Flux):
    """Base class: a diffusivity g(s^2) >= 0 with contrast parameter ``contrast`` (lambda).

    As a :class:`Flux`, Phi(s) = g(s^2) s lies in the sector with L = sup g.
    """

    def __init__(self, contrast: float = 1.0) -> None:
        self.contrast = check_real(contrast, "contrast", MIN_CONTRAST, MAX_CONTRAST)
        self._inverse_square = 1.0 / self.contrast**2  # multiplying is cheaper than dividing

    def __repr__(self) -> str:
        return f"diffusivity({self.name!r}, contrast={self.contrast:g})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.contrast == self.contrast

    def __hash__(self) -> int:
        return hash((self.name, self.contrast))

    # subclasses implement g for an array namespace xp (numpy or torch)
    def _g(self, s2, xp: ModuleType):
        raise NotImplementedError

    def _flux(self, s, xp: ModuleType):
        """Phi(s) = g(s^2) s; subclasses whose flux tends to a nonzero limit override it so that
        it stays right where s^2 overflows (|s| > 1.3e154)."""
        return self._g(s * s, xp) * s

    def _apply_inplace(self, s: np.ndarray) -> None:
        s *= self._g(s * s, np)

    @property
    def sector_bound(self) -> float:
        """L = sup_s g(s^2), the upper end of the sector 0 <= Phi(s)/s <= L."""
        return 1.0

    def g(self, s2: np.ndarray) -> np.ndarray:
        """Diffusivity g(s^2) for squared derivatives ``s2`` >= 0 (a real number or array of them, finite)."""
        s2 = check_real_array(s2, "s2", minimum=0.0)
        with np.errstate(divide="ignore", over="ignore"):
            return self._g(s2, np)


class Linear(Diffusivity):
    name = "linear"
    title = "linear (heat equation)"
    formula = r"g(s^2) = 1"

    def _g(self, s2, xp):
        return xp.ones_like(s2)

    def _flux_derivative(self, s):
        return np.ones_like(s)


class Charbonnier(Diffusivity):
    name = "charbonnier"
    title = "Charbonnier"
    formula = r"g(s^2) = 1/\sqrt{1 + s^2/\lambda^2}"

    def _g(self, s2, xp):
        return 1.0 / xp.sqrt(1.0 + s2 * self._inverse_square)

    def _flux(self, s, xp):
        # lambda s / sqrt(lambda^2 + s^2) with hypot: no overflow, tends to +-lambda
        return self.contrast * (s / xp.hypot(xp.ones_like(s) * self.contrast, s))

    def _flux_derivative(self, s):
        return (self.contrast / np.hypot(self.contrast, s)) ** 3


class PeronaMalik(Diffusivity):
    name = "perona-malik"
    title = "Perona–Malik"
    formula = r"g(s^2) = 1/(1 + s^2/\lambda^2)"
    monotone = False

    def _g(self, s2, xp):
        return 1.0 / (1.0 + s2 * self._inverse_square)

    def _flux_derivative(self, s):
        q = 1.0 / (1.0 + (s / self.contrast) ** 2)  # (1 - r^2)/(1 + r^2)^2 = q (2q - 1), finite for all s
        return q * (2.0 * q - 1.0)


class ExponentialPeronaMalik(Diffusivity):
    name = "exponential-perona-malik"
    title = "exponential Perona–Malik"
    formula = r"g(s^2) = \exp(-s^2/(2\lambda^2))"
    monotone = False

    def _g(self, s2, xp):
        return xp.exp(s2 * (-0.5 * self._inverse_square))

    def _flux_derivative(self, s):
        r2 = (s / self.contrast) ** 2
        return np.where(np.isfinite(r2), np.exp(-r2 / 2.0) * (1.0 - r2), 0.0)


class Weickert(Diffusivity):
    name = "weickert"
    title = "Weickert"
    formula = r"g(s^2) = 1 - \exp(-C_4 / (s/\lambda)^8),\ C_4 = 3.31488"
    monotone = False

    def _g(self, s2, xp):
        # Below s^2/lambda^2 = 0.01, exp(-C4 / x^4) < exp(-3e8) = 0 in floating point, so g = 1 exactly.
        # Evaluating the formula only on the safe values keeps values and torch gradients finite at s = 0.
        x = s2 * self._inverse_square
        near_zero = x <= 0.01
        g = 1.0 - xp.exp(-WEICKERT_C4 / xp.where(near_zero, 1.0, x) ** 4)
        return xp.where(near_zero, 1.0, g)

    def _flux_derivative(self, s):
        x = WEICKERT_C4 / (s / self.contrast) ** 8  # inf at s = 0
        decay = np.exp(-x)
        # where exp(-x) underflows to 0, Phi' = 1 - (1 + 8x) exp(-x) is 1 in floating point
        return np.where(decay > 0, 1.0 - decay - 8.0 * x * decay, 1.0)


class RegularisedTV(Diffusivity):
    """Regularised total variation g(s^2) = 1/sqrt(lambda^2 + s^2); here lambda plays the role of epsilon."""

    name = "tv"
    title = "regularised total variation"
    formula = r"g(s^2) = 1/\sqrt{\varepsilon^2 + s^2},\ \varepsilon = \lambda"

    def _g(self, s2, xp):
        return 1.0 / xp.sqrt(self.contrast**2 + s2)

    def _flux(self, s, xp):
        # s / sqrt(eps^2 + s^2) with hypot: no overflow, tends to sign(s)
        return s / xp.hypot(xp.ones_like(s) * self.contrast, s)

    def _flux_derivative(self, s):
        return self.contrast**2 / np.hypot(self.contrast, s) ** 3

    @property
    def sector_bound(self) -> float:
        return 1.0 / self.contrast


_CLASSES = (Linear, Charbonnier, PeronaMalik, ExponentialPeronaMalik, Weickert, RegularisedTV)
#: Names accepted by :func:`diffusivity`.
DIFFUSIVITIES = tuple(cls.name for cls in _CLASSES)


def diffusivity(name: str, contrast: float = 1.0) -> Diffusivity:
    """Return the diffusivity called ``name`` with contrast parameter lambda = ``contrast``.

    Parameters
    ----------
    name : str
        One of ``DIFFUSIVITIES``: "linear", "charbonnier", "perona-malik",
        "exponential-perona-malik", "weickert", "tv".
    contrast : float
        lambda in [1e-100, 1e100]: derivatives |s| below lambda are smoothed; for the nonmonotone
        diffusivities, edges with |s| above lambda are sharpened.
    """
    check_choice(name, "name", DIFFUSIVITIES)
    return dict(zip(DIFFUSIVITIES, _CLASSES))[name](contrast)
