"""Flux functions Phi: what the activation of a diffusion block computes (chapters 01-03).

A :class:`Flux` is any scalar function Phi applied componentwise to the derivatives s = D u.
The explicit scheme u^{k+1} = u^k - tau D^T Phi(D u^k) is Euclidean stable for
tau <= 2 / (L ||D||^2) whenever Phi satisfies the *sector condition*

    Phi(0) = 0  and  0 <= Phi(s) / s <= L  for all s != 0,

monotone or not. Diffusivities (:mod:`pdelib.diffusivities`, Phi(s) = g(s^2) s) and the
usual network activations (:mod:`pdelib.activations`) are both fluxes.

Formulas are written once for an array namespace ``xp`` (numpy or torch), so the numpy
scheme and the torch network evaluate literally the same expression.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np

from ._checks import check_real_array


class Flux:
    """Base class of flux / activation functions Phi.

    Subclasses implement ``_flux(s, xp)`` and ``_flux_derivative(s)`` (numpy) and set
    ``sector_bound``: L with 0 <= Phi(s)/s <= L, or None when Phi leaves every such sector.
    """

    name: str = ""
    title: str = ""
    formula: str = ""
    monotone: bool = True
    sector_bound: float | None = 1.0

    def _flux(self, s, xp: ModuleType):
        raise NotImplementedError

    def _flux_derivative(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _apply_inplace(self, s: np.ndarray) -> None:
        """Overwrite the float64 array s with Phi(s) (the scheme's inner loop)."""
        s[...] = self._flux(s, np)

    @property
    def in_sector(self) -> bool:
        """True if Phi(0) = 0 and 0 <= Phi(s)/s <= L for some finite L (the theorem applies)."""
        return self.sector_bound is not None

    @property
    def bound(self) -> float:
        """L, the upper end of the sector 0 <= Phi(s)/s <= L; a ValueError if Phi is outside every sector."""
        if self.sector_bound is None:
            raise ValueError(
                f"{self.title} is not in a sector 0 <= Phi(s)/s <= L: the stability theorem gives it no step-size bound"
            )
        return self.sector_bound

    def flux(self, s: np.ndarray) -> np.ndarray:
        """Phi(s), componentwise, for a finite real number or array ``s``."""
        s = check_real_array(s, "s")
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return self._flux(s, np)

    def flux_derivative(self, s: np.ndarray) -> np.ndarray:
        """Phi'(s): positive where the process diffuses forwards, negative where backwards."""
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return self._flux_derivative(check_real_array(s, "s"))

    def backward_fraction(self, s_max: float, points: int = 3001) -> float:
        """The share of 0 <= s <= ``s_max`` where Phi'(s) < 0: backward diffusion (chapters 01, 07).

        Measured on ``points`` equally spaced values of s; 0 for a monotone flux.
        """
        if isinstance(s_max, bool) or not isinstance(s_max, (int, float)) or not 0 < s_max < np.inf:
            raise ValueError(f"s_max must be a finite number > 0, got {s_max!r}")
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise ValueError(f"points must be an integer >= 2, got {points!r}")
        return float(np.mean(self.flux_derivative(np.linspace(0.0, s_max, points)) < 0.0))

    def torch_flux(self, s):
        """Phi(s) on a torch tensor: the same formula as :meth:`flux`, differentiable.

        The formula is evaluated with the tensor's own module (``torch``), which the caller has already
        imported: this module never imports torch itself (only :mod:`pdelib.nets` does).
        """
        return self._flux(s, sys.modules[type(s).__module__.partition(".")[0]])


def check_flux(value: object, name: str = "diffusivity") -> Flux:
    """Return ``value`` if it is a :class:`Flux` (a diffusivity or an activation), else raise a TypeError."""
    if not isinstance(value, Flux):
        raise TypeError(
            f"{name} must be a pdelib Diffusivity or activation (see pdelib.diffusivity, pdelib.activation), "
            f"got {value!r}"
        )
    return value
