"""Activation functions are diffusivities: network activations read as fluxes Phi (chapter 03).

Every activation Phi of a diffusion block u -> u - tau K^T Phi(K u) is a :class:`pdelib.fluxes.Flux`.
The stability theorem (chapter 02) needs only the *sector condition*

    Phi(0) = 0  and  0 <= Phi(s) / s <= L  for all s != 0,

i.e. Phi(s) = g(s) s with 0 <= g <= L; neither monotonicity nor oddness is needed. Then
tau <= 2 / (L ||K||^2) keeps ||u^k||_2 from increasing.

In the sector (``sector_bound`` = L = sup Phi(s)/s; x = s / lambda, sigma the logistic function,
c = 0.044715; each L is checked on dense grids of tiny to huge |s| in ``tests/test_activations.py``):

==========  =======================================  ====================  ============================  ========
name        Phi(s)                                   Phi(s)/s              L (where the sup is reached)  monotone
==========  =======================================  ====================  ============================  ========
relu        max(s, 0)                                1 (s > 0), 0 (s < 0)  1                             yes
leaky-relu  s (s > 0), a s (s <= 0), 0 <= a < 1      1 or a                1                             yes
tanh        lambda tanh(x)                           tanh(x)/x in (0, 1]   1 (s -> 0)                    yes
silu        s sigma(x)  (Swish)                      sigma(x) in (0, 1)    1 (s -> +inf)                 no
gelu        s sigma(2u), u = sqrt(2/pi) (x + c x^3)  sigma(2u) in (0, 1)   1 (s -> +inf)                 no
elu         s (s > 0), alpha lambda (e^x - 1)        1, or in (0, alpha)   max(1, alpha) (s -> 0-)       yes
==========  =======================================  ====================  ============================  ========

Outside every sector (``sector_bound`` is None; ``bound`` raises ValueError), to show what goes wrong:
``biased-tanh`` lambda tanh(s / lambda + b) (Phi(0) != 0: a constant signal already moves),
``softplus`` lambda log(1 + exp(s / lambda)) (Phi(0) = lambda log 2 > 0), ``sin`` lambda sin(s / lambda)
(Phi(s)/s < 0 for s / lambda in (pi, 2 pi): backward diffusion there), and ``anti-diffusion``
Phi(s) = -s (the backward heat equation: the explicit scheme blows up at every tau > 0).

Each activation takes a contrast lambda > 0 and is scaled like the diffusivities,
Phi_lambda(s) = lambda Phi_1(s / lambda), so that Phi_lambda(s) / s = Phi_1(x) / x with x = s / lambda:
lambda moves the shape along s and never changes L. ReLU, leaky ReLU and anti-diffusion are
positively homogeneous, so lambda has no effect on them.

:class:`PiecewiseLinearFlux` builds a custom odd shape from a few control values (the chapter's
sliders), with its exact sector bound. All formulas are written once for an array namespace ``xp``
(numpy or torch).
"""

from __future__ import annotations

import math
from numbers import Real
from types import ModuleType

import numpy as np

from ._checks import check_choice, check_nonnegative, check_real, check_real_array
from .diffusivities import MAX_CONTRAST, MIN_CONTRAST
from .fluxes import Flux, check_flux

#: sqrt(2 / pi), the constant of the tanh approximation of GELU.
GELU_SCALE = math.sqrt(2.0 / math.pi)
#: The cubic coefficient of the tanh approximation of GELU (Hendrycks & Gimpel 2016).
GELU_CUBIC = 0.044715
#: Beyond |x| = 1e100 the GELU sigmoid is exactly 0 or 1; clipping there keeps x^3 and gradients finite.
_GELU_CLIP = 1e100


def sigmoid(x, xp: ModuleType):
    """The logistic function 1 / (1 + exp(-x)) for numpy or torch, without overflow for any finite x.

    With e = exp(-|x|) in (0, 1]: sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, so both
    tails keep their full relative accuracy and the value lies in [0, 1] exactly.
    """
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, xp.ones_like(e), e) / (1.0 + e)


def _check_real(value: object, name: str, allowed: str, condition) -> float:
    """Return ``value`` as a float if it is a finite real number with ``condition(value)``, else raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or not condition(value):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


class ActivationFlux(Flux):
    """Base class of the network activations as fluxes, Phi_lambda(s) = lambda Phi_1(s / lambda).

    Parameters
    ----------
    contrast : float, default 1.0
        lambda > 0: the scale of s on which the shape acts (the same role as in the diffusivities).
    """

    #: Names of the keyword parameters accepted by :func:`activation` for this class.
    parameters: tuple[str, ...] = ("contrast",)

    def __init__(self, contrast: float = 1.0) -> None:
        self.contrast = check_real(contrast, "contrast", MIN_CONTRAST, MAX_CONTRAST)

    def _parameter_values(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.parameters}

    def __repr__(self) -> str:
        arguments = "".join(f", {name}={value:g}" for name, value in self._parameter_values().items())
        return f"activation({self.name!r}{arguments})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._parameter_values() == self._parameter_values()

    def __hash__(self) -> int:
        return hash((self.name, *self._parameter_values().values()))


# -- in the sector ---------------------------------------------------------------------------------


class ReLU(ActivationFlux):
    """ReLU max(s, 0): Phi(s)/s is 1 for s > 0 and 0 for s < 0, so L = 1; monotone."""

    name = "relu"
    title = "ReLU"
    formula = r"\Phi(s) = \max(s, 0)"

    def _flux(self, s, xp):
        return xp.clip(s, 0.0, None)

    def _flux_derivative(self, s):
        return np.where(s > 0, 1.0, 0.0)


class LeakyReLU(ActivationFlux):
    """Leaky ReLU: s for s > 0 and a s for s <= 0 with slope 0 <= a < 1; Phi(s)/s is 1 or a, so L = 1.

    Parameters
    ----------
    contrast : float, default 1.0
        No effect (the function is positively homogeneous); accepted for a uniform interface.
    slope : float, default 0.01
        a in [0, 1), torch's default ``negative_slope``.
    """

    name = "leaky-relu"
    formula = r"\Phi(s) = \max(s, a s)"
    parameters = ("contrast", "slope")

    def __init__(self, contrast: float = 1.0, slope: float = 0.01) -> None:
        super().__init__(contrast)
        self.slope = _check_real(slope, "slope", "a real number in [0, 1)", lambda a: 0.0 <= a < 1.0)
        self.title = f"leaky ReLU (a = {slope:g})"

    def _flux(self, s, xp):
        return xp.where(s > 0, s, self.slope * s)

    def _flux_derivative(self, s):
        return np.where(s > 0, 1.0, self.slope)


class Tanh(ActivationFlux):
    """lambda tanh(s / lambda): Phi(s)/s = tanh(x)/x in (0, 1], largest (1) at s -> 0, so L = 1; monotone."""

    name = "tanh"
    title = "tanh"
    formula = r"\Phi(s) = \lambda \tanh(s/\lambda)"

    def _flux(self, s, xp):
        return self.contrast * xp.tanh(s / self.contrast)

    def _flux_derivative(self, s):
        return 1.0 - np.tanh(s / self.contrast) ** 2


class SiLU(ActivationFlux):
    """SiLU / Swish s sigmoid(s / lambda): Phi(s)/s = sigmoid(x) in (0, 1), tending to 1, so L = 1.

    Nonmonotone: Phi'(s) = sigmoid(x) (1 + x (1 - sigmoid(x))) < 0 for x < -1.2785 (backward diffusion
    for large negative s), yet in the sector, so the theorem still applies.
    """

    name = "silu"
    title = "SiLU / Swish"
    formula = r"\Phi(s) = s\,\sigma(s/\lambda),\ \sigma(x) = 1/(1 + e^{-x})"
    monotone = False

    def _flux(self, s, xp):
        return s * sigmoid(s / self.contrast, xp)

    def _flux_derivative(self, s):
        x = s / self.contrast
        return sigmoid(x, np) * (1.0 + x * sigmoid(-x, np))


class GELU(ActivationFlux):
    """GELU in its tanh approximation: Phi(s) = (s/2) (1 + tanh(u)) = s sigmoid(2 u), L = 1.

    u = sqrt(2/pi) (x + 0.044715 x^3), x = s / lambda. numpy has no vectorised erf, so numpy *and*
    torch use this tanh approximation (Hendrycks & Gimpel 2016; torch's
    ``F.gelu(approximate="tanh")``), which differs from the exact x Phi_N(x) by less than 5e-4 lambda.
    Phi(s)/s = sigmoid(2u) in (0, 1) tends to 1, so L = 1. Nonmonotone: Phi' < 0 for x < -0.7525
    (-0.7518 for the erf form).
    """

    name = "gelu"
    title = "GELU (tanh approx.)"
    formula = r"\Phi(s) = \tfrac{s}{2}\bigl(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715\,x^3))\bigr),\ x = s/\lambda"
    monotone = False

    def _flux(self, s, xp):
        x = xp.clip(s / self.contrast, -_GELU_CLIP, _GELU_CLIP)
        return s * sigmoid(2.0 * GELU_SCALE * x * (1.0 + GELU_CUBIC * x * x), xp)

    def _flux_derivative(self, s):
        x = np.clip(s / self.contrast, -_GELU_CLIP, _GELU_CLIP)
        two_u = 2.0 * GELU_SCALE * x * (1.0 + GELU_CUBIC * x * x)
        two_u_prime = 2.0 * GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x)
        p = sigmoid(two_u, np)
        return p + x * (p * sigmoid(-two_u, np)) * two_u_prime


class ELU(ActivationFlux):
    """ELU: s for s > 0 and alpha lambda (exp(s / lambda) - 1) for s <= 0.

    For s < 0, Phi(s)/s = alpha (1 - e^x)/(-x) decreases from alpha (at s -> 0-) to 0, and it is 1
    for s > 0, so L = max(1, alpha) (1 for the usual alpha = 1); monotone for alpha >= 0.

    Parameters
    ----------
    contrast : float, default 1.0
    alpha : float, default 1.0
        alpha >= 0 (alpha = 0 is ReLU).
    """

    name = "elu"
    formula = r"\Phi(s) = s\ (s > 0),\quad \alpha\lambda\,(e^{s/\lambda} - 1)\ (s \le 0)"
    parameters = ("contrast", "alpha")

    def __init__(self, contrast: float = 1.0, alpha: float = 1.0) -> None:
        super().__init__(contrast)
        self.alpha = check_nonnegative(alpha, "alpha")
        self.title = "ELU" if self.alpha == 1.0 else f"ELU (α = {self.alpha:g})"

    @property
    def sector_bound(self) -> float:
        return max(1.0, self.alpha)

    def _flux(self, s, xp):
        x = s / self.contrast
        return xp.where(x > 0, s, (self.alpha * self.contrast) * xp.expm1(xp.clip(x, None, 0.0)))

    def _flux_derivative(self, s):
        x = s / self.contrast
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0)))


# -- outside every sector -------------------------------------------------------------------------


class BiasedTanh(ActivationFlux):
    """A bias inside the activation, lambda tanh(s / lambda + b): Phi(0) = lambda tanh(b) != 0.

    No sector contains it (Phi(s)/s -> +-infinity as s -> 0), so the theorem gives no bound; in the
    scheme the constant part Phi(0) of the flux cancels in the interior but not at the two ends, so it
    moves mass from one end of the interval to the other (nothing crosses the boundary: the mean is
    conserved) and the signal tilts, even a constant one. With b = 0 it is :class:`Tanh` (L = 1).

    Parameters
    ----------
    contrast : float, default 1.0
    bias : float, default 0.5
        b, any finite real number.
    """

    name = "biased-tanh"
    formula = r"\Phi(s) = \lambda \tanh(s/\lambda + b)"
    parameters = ("contrast", "bias")

    def __init__(self, contrast: float = 1.0, bias: float = 0.5) -> None:
        super().__init__(contrast)
        self.bias = _check_real(bias, "bias", "a finite real number", lambda b: True)
        self.title = f"tanh with bias b = {self.bias:g}"

    @property
    def sector_bound(self) -> float | None:
        return 1.0 if self.bias == 0.0 else None

    def _flux(self, s, xp):
        return self.contrast * xp.tanh(s / self.contrast + self.bias)

    def _flux_derivative(self, s):
        return 1.0 - np.tanh(s / self.contrast + self.bias) ** 2


class Softplus(ActivationFlux):
    """softplus lambda log(1 + exp(s / lambda)), written overflow-safe as max(x, 0) + log1p(exp(-|x|)).

    Phi(0) = lambda log 2 > 0 and Phi > 0 everywhere: outside every sector (Phi(s)/s < 0 for s < 0 and
    unbounded near 0). Monotone. In the scheme the never-vanishing flux drains one end of the signal
    into the other (a slow drift; no overflow, since Phi is bounded by |s| + lambda log 2).
    """

    name = "softplus"
    title = "softplus"
    formula = r"\Phi(s) = \lambda \log(1 + e^{s/\lambda})"
    sector_bound = None

    def _flux(self, s, xp):
        x = s / self.contrast
        return self.contrast * (xp.clip(x, 0.0, None) + xp.log1p(xp.exp(-xp.abs(x))))

    def _flux_derivative(self, s):
        return sigmoid(s / self.contrast, np)


class Sine(ActivationFlux):
    """lambda sin(s / lambda): odd, Phi(0) = 0, but Phi(s)/s = sin(x)/x < 0 for x in (pi, 2 pi), ...

    Outside every sector (the ratio reaches -0.217 at x = 4.49); nonmonotone (Phi' = cos x). A bounded
    flux: the scheme cannot overflow, but slopes with negative ratio diffuse backwards and grow.
    """

    name = "sin"
    title = "sin"
    formula = r"\Phi(s) = \lambda \sin(s/\lambda)"
    monotone = False
    sector_bound = None

    def _flux(self, s, xp):
        return self.contrast * xp.sin(s / self.contrast)

    def _flux_derivative(self, s):
        return np.cos(s / self.contrast)


class AntiDiffusion(ActivationFlux):
    """Phi(s) = -s: negative slope through 0, the backward heat equation (g = -1, outside every sector).

    The explicit step u + tau D^T D u amplifies the highest frequency by 1 + tau ||D||^2 > 1 for every
    tau > 0: at the naive tau = 2 / ||D||^2 (n = 1) by 3 per step, so the scheme blows up within a
    few dozen steps. (A bounded negative-slope shape such as -s exp(-s^2/2) would only grow slopes up
    to where the flux levels off, without overflow.) Non-increasing, hence not ``monotone``.
    """

    name = "anti-diffusion"
    title = "anti-diffusion Φ(s) = −s"
    formula = r"\Phi(s) = -s"
    monotone = False
    sector_bound = None

    def _flux(self, s, xp):
        return -s

    def _flux_derivative(self, s):
        return np.full_like(s, -1.0)


_CLASSES = (ReLU, LeakyReLU, Tanh, SiLU, GELU, ELU, BiasedTanh, Softplus, Sine, AntiDiffusion)
#: Names accepted by :func:`activation`: the six in the sector first, then the four outside.
ACTIVATIONS = tuple(cls.name for cls in _CLASSES)
#: The activations that satisfy the sector condition with their default parameters.
IN_SECTOR = ("relu", "leaky-relu", "tanh", "silu", "gelu", "elu")


def activation(name: str, **parameters: float) -> ActivationFlux:
    """Return the network activation called ``name`` as a flux Phi (chapter 03).

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS``: "relu", "leaky-relu", "tanh", "silu", "gelu", "elu" (in the sector,
        L = 1 with the default parameters), "biased-tanh", "softplus", "sin", "anti-diffusion"
        (outside every sector). An unknown name is a ValueError listing the names.
    **parameters
        ``contrast`` (lambda > 0, every activation), ``slope`` (leaky-relu), ``alpha`` (elu),
        ``bias`` (biased-tanh).

    Examples
    --------
    >>> activation("tanh").bound
    1.0
    >>> activation("leaky-relu", slope=0.1)
    activation('leaky-relu', contrast=1, slope=0.1)
    """
    check_choice(name, "name", ACTIVATIONS)
    cls = dict(zip(ACTIVATIONS, _CLASSES))[name]
    unknown = sorted(set(parameters) - set(cls.parameters))
    if unknown:
        raise TypeError(
            f"activation {name!r} takes the parameters {', '.join(cls.parameters)}; got {', '.join(unknown)}"
        )
    return cls(**parameters)


# -- a custom shape from control values ----------------------------------------------------------


def _check_vector(value: object, name: str) -> np.ndarray:
    """A nonempty 1D float array of finite real numbers, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a sequence of finite real numbers, got {value!r}")
    try:
        array = np.asarray(value)
    except ValueError:
        raise TypeError(f"{name} must be a sequence of finite real numbers, got a ragged sequence") from None
    if array.dtype.kind not in "biuf" or array.dtype == bool:
        raise TypeError(f"{name} must hold real numbers, got {value!r}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence (rank 1), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must hold at least one value: an empty shape defines no flux")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite real numbers, got {value!r}")
    return array


class PiecewiseLinearFlux(Flux):
    """A custom odd flux through control points: linear in between, a straight ray beyond (chapter 03).

    With knots 0 < t_1 < ... < t_m and values v_1, ..., v_m, both in units of the contrast lambda:

    * Phi(lambda t_i) = lambda v_i and Phi(0) = 0 (with the default contrast 1 simply Phi(t_i) = v_i),
    * linear interpolation between neighbouring points, including (0, 0) -- (t_1, v_1),
    * beyond the last knot the ray through the origin, Phi(s) = (v_m / t_m) s (constant ratio):
      a negative v_m gives a linear anti-diffusion tail that really blows up,
    * odd: Phi(-s) = -Phi(s).

    Exact sector (proof): on each piece Phi(s) = alpha + beta s is affine, so the ratio
    Phi(s)/s = beta + alpha / s is monotone in s on that piece, and its extremes over the piece are at
    the piece's end points. On the first piece and on the tail Phi is linear through 0 and the ratio is
    constant (v_1/t_1 and v_m/t_m); oddness gives the same ratios for s < 0. Hence
    inf Phi(s)/s = min_i v_i/t_i and sup Phi(s)/s = max_i v_i/t_i: Phi is in the sector iff every
    v_i >= 0, and then L = max_i v_i / t_i (``sector_bound``; None if some v_i < 0). L = 0 only for
    Phi = 0, which moves nothing (every tau is stable).
    Monotone iff every piece rises: 0 <= v_1 <= v_2 <= ... <= v_m.

    Parameters
    ----------
    values : sequence of float
        v_1, ..., v_m (m >= 1), finite, any sign.
    knots : sequence of float, optional
        t_1 < ... < t_m, finite and > 0. Default t_i = i / 2 (i.e. s_i = i lambda / 2): with five
        values the knots lambda/2, lambda, ..., 5 lambda/2, and (0.4, 0.5, 0.4, 0.25, 0.1) is a
        Perona–Malik-like shape (rise to a maximum at s = lambda, then fall).
    contrast : float, default 1.0
        lambda > 0.

    Attributes
    ----------
    ratio_range : tuple of float
        The exact (min, max) of Phi(s)/s over s != 0, i.e. of v_i / t_i.
    knot_positions, knot_values : arrays
        The control points lambda t_i and lambda v_i (for plotting).

    Examples
    --------
    >>> flux = PiecewiseLinearFlux([0.4, 0.5, 0.4, 0.25, 0.1], contrast=0.1)
    >>> flux.bound, flux.monotone                       # L = max v_i / t_i = 0.4 / 0.5
    (0.8, False)
    >>> PiecewiseLinearFlux([0.4, 0.5, -0.2]).in_sector
    False
    """

    name = "custom"
    title = "custom piecewise-linear"
    formula = r"\Phi(\lambda t_i) = \lambda v_i,\ \text{linear in between},\ \Phi(s) = (v_m/t_m)\,s\ \text{beyond } t_m"

    def __init__(self, values, knots=None, contrast: float = 1.0) -> None:
        values = _check_vector(values, "values")
        if knots is None:
            knots = 0.5 * np.arange(1, values.size + 1)
        else:
            knots = _check_vector(knots, "knots")
            if knots.size != values.size:
                raise ValueError(f"knots must have the same length as values ({values.size}), got {knots.size}")
            if knots[0] <= 0 or np.any(np.diff(knots) <= 0):
                raise ValueError(f"knots must be strictly increasing positive numbers 0 < t_1 < t_2 < ..., got {knots}")
        self.contrast = check_real(contrast, "contrast", MIN_CONTRAST, MAX_CONTRAST)
        self.values, self.knots = values, knots
        ratios = values / knots
        self.ratio_range = (float(ratios.min()), float(ratios.max()))
        self.monotone = bool(values[0] >= 0 and np.all(np.diff(values) >= 0))
        self.sector_bound = self.ratio_range[1] if self.ratio_range[0] >= 0 else None
        # absolute positions and the slopes of the pieces [0, s_1], [s_1, s_2], ..., [s_m, inf)
        self.knot_positions = self.contrast * knots
        self.knot_values = self.contrast * values
        edges = np.concatenate([[0.0], self.knot_positions])
        heights = np.concatenate([[0.0], self.knot_values])
        self._slopes = np.append(np.diff(heights) / np.diff(edges), ratios[-1])
        self._tail_ratio = float(ratios[-1])
        self._edges, self._heights = edges, heights

    def __repr__(self) -> str:
        return (f"PiecewiseLinearFlux(values={self.values.tolist()}, knots={self.knots.tolist()}, "
                f"contrast={self.contrast:g})")

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and other.contrast == self.contrast
                and np.array_equal(other.values, self.values) and np.array_equal(other.knots, self.knots))

    def __hash__(self) -> int:
        return hash((self.contrast, tuple(self.values), tuple(self.knots)))

    def _flux(self, s, xp):
        # sum_i v_i hat_i(|s|) with the hat functions of the knots: every term is >= 0 for v_i >= 0 (Phi(s)/s >= 0
        # holds exactly), values at the knots are exact, and nothing cancels for huge |s|. The first
        # piece is written as slope * s, so that torch's gradient at s = 0 is that slope.
        a = xp.abs(s)
        edges, heights = self._edges, self._heights
        total = 0.0 * a
        for i in range(1, edges.size):
            hat = (a - float(edges[i - 1])) / float(edges[i] - edges[i - 1])  # x / x = 1 exactly at the knot
            if i + 1 < edges.size:
                hat = xp.minimum(hat, (float(edges[i + 1]) - a) / float(edges[i + 1] - edges[i]))
            total = total + float(heights[i]) * xp.clip(hat, 0.0, 1.0)
        inside = xp.where(a < float(edges[1]), float(self._slopes[0]) * s, xp.sign(s) * total)
        return xp.where(a > float(edges[-1]), self._tail_ratio * s, inside)

    def _apply_inplace(self, s: np.ndarray) -> None:
        # the scheme's inner loop: one np.interp instead of m hat functions (same values to rounding)
        a = np.abs(s)
        magnitude = np.interp(a, self._edges, self._heights)
        tail = a > self._edges[-1]
        magnitude[tail] = self._tail_ratio * a[tail]
        np.multiply(np.sign(s), magnitude, out=s)  # magnitude may be negative: not copysign

    def _flux_derivative(self, s):
        """Phi'(s) = slope of the piece containing |s| (at a knot: the piece to its right)."""
        piece = np.searchsorted(self._edges[1:], np.abs(s), side="right")
        return self._slopes[piece]


# -- measuring the sector ------------------------------------------------------------------------


def _nonzero_grid(s: object) -> np.ndarray:
    """The nonzero values of a finite real number or array ``s``, flattened, or a TypeError/ValueError."""
    grid = check_real_array(s, "s").ravel()
    grid = grid[grid != 0]
    if grid.size == 0:
        raise ValueError("s must contain at least one nonzero value")
    return grid


def sector_ratio_range(flux: Flux, s) -> tuple[float, float]:
    """(min, max) of Phi(s)/s over the nonzero points of the grid ``s`` (chapter 03).

    A flux is in the sector [0, L] when the minimum is >= 0 and the maximum <= L; use a grid that
    reaches tiny and huge |s| (e.g. ``np.logspace(-8, 8, ...)`` and its negative). The values can be
    infinite when Phi(0) != 0 and the grid comes very close to 0.
    """
    check_flux(flux, "flux")
    grid = _nonzero_grid(s)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = flux.flux(grid) / grid
    return float(ratio.min()), float(ratio.max())


def secant_bound(flux: Flux, s) -> float:
    """max |Phi(s) - Phi(0)| / |s| over the nonzero points of ``s``: the steepest secant through (0, Phi(0)).

    For a flux in the sector this is max |Phi(s)/s| on the grid (at most L). Outside the sector it is
    the "L-tilde" one would naively put into tau = 2 / (L-tilde ||D||^2), although the theorem does not
    apply; subtracting Phi(0) keeps it finite for fluxes with Phi(0) != 0 (softplus, a bias). Points
    where Phi(s) - Phi(0) is below 1e-8 |Phi(0)| are skipped: there the difference is rounding error.
    """
    check_flux(flux, "flux")
    grid = _nonzero_grid(s)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        offset = float(flux.flux(0.0))
        change = np.abs(flux.flux(grid) - offset)
        resolved = change >= 1e-8 * abs(offset)
        return float(np.max(change[resolved] / np.abs(grid[resolved]), initial=0.0))
