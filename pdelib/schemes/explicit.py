"""The explicit scheme u^{k+1} = u^k - tau D^T Phi(D u^k) and its stability bound (chapter 02); its network: :mod:`pdelib.nets.resnet`.

Euclidean stability theorem: if 0 <= Phi(s)/s <= L and 0 < tau <= 2 / (L ||D||_2^2), then
||u^{k+1}||_2 <= ||u^k||_2 for every u^k, whatever the (possibly nonmonotone) flux.
Above the bound linear diffusion blows up; :func:`evolve` detects that and reports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._checks import (
    check_bool,
    check_inplace_signal,
    check_int,
    check_nonnegative,
    check_positive,
    check_signal,
    check_steps,
    check_time_ratio,
)
from ..fluxes import Flux, check_flux
from ..measures import _norm_unguarded, _total_variation_into
from ..operators import DerivativeOperator, check_operator

#: Block length for evaluating the flux: 32768 float64 = 256 KiB stays in cache (measured best at N = 2^20).
_BLOCK = 32768

#: Default blow-up threshold: ||u^k|| larger than this many times ||u^0||.
GROWTH_LIMIT = 1e6
#: Largest number of values (states times grid points) an evolution stores (``record_every``): 256 MiB.
MAX_STORED = 2**25


def stability_bound(diffusivity: Flux, operator: DerivativeOperator, simple: bool = False) -> float:
    """Largest stable time step tau* = 2 / (L ||D||_2^2) of the explicit scheme.

    Parameters
    ----------
    diffusivity : Flux
        Supplies L = sup g.
    operator : DerivativeOperator
        Supplies ||D||_2^2 (exact, or the simple bound 4^n / h^(2n) if ``simple``).
    simple : bool, default False
        Use the grid-independent bound: tau* = h^(2n) / (2^(2n-1) L), e.g. 1/2 for n = 1, h = 1.
    """
    _check_pair(diffusivity, operator)
    simple = check_bool(simple, "simple")
    norm_squared = operator.norm_squared_bound() if simple else operator.norm_squared()
    if diffusivity.bound == 0:
        raise ValueError("the flux is identically zero (L = 0): every tau is stable, there is no bound")
    return 2.0 / (diffusivity.bound * norm_squared)


def _check_pair(diffusivity: object, operator: object) -> None:
    check_flux(diffusivity)
    check_operator(operator)


@dataclass(frozen=True)
class BlowUp:
    """Where an evolution left the stable regime: step k with ||u^k|| non-finite or too large."""

    step: int
    norm: float
    growth: float

    def __str__(self) -> str:
        return f"blow-up at step {self.step}: ||u|| = {self.norm:.3g}, {self.growth:.3g} x ||u^0||"


class RecordedStates:
    """What every recorded evolution (1D :class:`Evolution`, 2D ``ImageEvolution``) answers from its ``states``
    and ``norms``."""

    states: np.ndarray
    norms: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The last computed state u^K."""
        return self.states[-1]

    @property
    def norm_nonincreasing(self) -> bool:
        """True if ||u^{k+1}|| <= ||u^k|| (to rounding) at every computed step."""
        return bool(np.all(np.diff(self.norms) <= 1e-12 * self.norms[:-1]))


@dataclass(frozen=True)
class Evolution(RecordedStates):
    """The result of :func:`evolve`.

    Attributes
    ----------
    tau : float
        Time step.
    steps : array of int
        Step numbers k of the stored ``states``.
    states : array of shape (len(steps), N)
        The stored u^k (always u^0 and the last computed state).
    norms, total_variations : arrays of length K + 1
        ||u^k||_2 and TV(u^k) = sum_i |u_{i+1} - u_i| for every computed step k = 0..K.
    blowup : BlowUp or None
        Set when the evolution stopped early because it blew up.
    """

    tau: float
    steps: np.ndarray
    states: np.ndarray
    norms: np.ndarray
    total_variations: np.ndarray
    blowup: BlowUp | None

    @property
    def time(self) -> float:
        """Diffusion time reached, K tau."""
        return self.tau * (self.norms.size - 1)


class ExplicitScheme:
    """The explicit scheme u^{k+1} = u^k - tau D^T Phi(D u^k), with preallocated work arrays.

    Parameters
    ----------
    tau : float
        Time step > 0. Stable for tau <= :func:`stability_bound`.
    diffusivity : Flux
        g, with flux Phi(s) = g(s^2) s.
    operator : DerivativeOperator
        The derivative D (order n, grid, boundary).
    """

    def __init__(self, tau: float, diffusivity: Flux, operator: DerivativeOperator) -> None:
        _check_pair(diffusivity, operator)
        self.tau = check_positive(tau, "tau")
        self.diffusivity = diffusivity
        self.operator = operator
        self._derivative = np.empty(operator.output_size)
        self._divergence = np.empty(operator.size)

    def __repr__(self) -> str:
        return f"ExplicitScheme(tau={self.tau:g}, diffusivity={self.diffusivity!r}, operator={self.operator!r})"

    @property
    def bound(self) -> float:
        """The stability bound 2 / (L ||D||^2) for this diffusivity and operator."""
        return stability_bound(self.diffusivity, self.operator)

    def step_inplace(self, u: np.ndarray) -> None:
        """Overwrite u with u - tau D^T Phi(D u): the inner loop, unchecked.

        ``u`` must be a float64 array of length N; wrap calls in ``np.errstate`` where values
        may overflow. :meth:`advance`, :meth:`evolve` and the FSI scheme build on it.
        """
        s = self.operator._apply_unchecked(u, self._derivative)
        # tau Phi(s) = tau g(s^2) s overwrites s, a cache-sized block at a time: the temporaries
        # of the formula stay small and in cache instead of allocating arrays of length N per step.
        flux, tau = self.diffusivity._apply_inplace, self.tau
        if s.size <= _BLOCK:
            flux(s)
            s *= tau
        else:
            for start in range(0, s.size, _BLOCK):
                block = s[start : start + _BLOCK]
                flux(block)
                block *= tau
        u -= self.operator._apply_transpose_unchecked(s, self._divergence)

    def advance(self, u: np.ndarray, steps: int) -> np.ndarray:
        """Overwrite ``u`` (float64, length N) with u^{k+steps}: the fast loop, no measurements, no blow-up check.

        At most 10^7 steps and steps N <= 10^9 point-updates per call; call again to continue."""
        return advance_inplace(self.step_inplace, u, steps, self.operator.size)

    def step(self, u: np.ndarray) -> np.ndarray:
        """Return u^{k+1} = u^k - tau D^T Phi(D u^k) as a new array."""
        u = check_signal(u, "u", self.operator.size).copy()
        with np.errstate(all="ignore"):
            self.step_inplace(u)
        return u

    def evolve(
        self,
        u0: np.ndarray,
        steps: int,
        record_every: int | None = None,
        growth_limit: float = GROWTH_LIMIT,
    ) -> Evolution:
        """Run ``steps`` explicit steps from u^0, stopping early at a blow-up.

        A blow-up is a state with non-finite values or ||u^k|| > growth_limit * ||u^0||.
        No floating-point warnings are printed; the blow-up is reported in the result.

        Parameters
        ----------
        u0 : array of shape (N,)
            Initial signal (finite).
        steps : int
            Number of steps K >= 0 (diffusion time K tau); at most 10^7 and K N <= 10^9 per call.
        record_every : int, optional
            Also store every ``record_every``-th state (default: only u^0 and the last); at most 2^25
            values are stored, (K / record_every + 2) N <= 2^25.
        growth_limit : float, default 1e6
            Blow-up threshold relative to ||u^0||.
        """
        return record_evolution(self.step_inplace, self.tau, u0, steps, self.operator.size, record_every, growth_limit)


def advance_inplace(step_inplace: Callable[[np.ndarray], None], u: np.ndarray, steps: int, size: int) -> np.ndarray:
    """Apply ``step_inplace`` ``steps`` times to the float64 array u of length ``size``: the fast loop of
    every scheme's ``advance`` (no measurements, no blow-up check, no floating-point warnings)."""
    check_inplace_signal(u, size)
    steps = check_steps(steps, "steps", size)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            step_inplace(u)
    return u


def record_evolution(
    step_inplace: Callable[[np.ndarray], None],
    tau: float,
    u0: np.ndarray,
    steps: int,
    size: int,
    record_every: int | None = None,
    growth_limit: float = GROWTH_LIMIT,
) -> Evolution:
    """Run ``steps`` one-step updates ``step_inplace(u)`` from u^0, measuring ||u^k|| and TV(u^k) after each
    and stopping early at a blow-up (non-finite values or ||u^k|| > growth_limit ||u^0||): the ``evolve``
    of the explicit and the semi-implicit scheme. ``record_every`` also stores every such state."""
    u = check_signal(u0, "u0", size).copy()
    steps = check_steps(steps, "steps", size)
    if record_every is not None:
        record_every = check_int(record_every, "record_every", 1)
        if (steps // record_every + 2) * size > MAX_STORED:
            raise ValueError(
                f"record_every must be at least {-(-steps * size // (MAX_STORED - 2 * size))} for {steps} steps of "
                f"{size} points: at most {MAX_STORED} stored values per evolution, got {record_every}"
            )
    growth_limit = check_positive(growth_limit, "growth_limit")
    norms = np.empty(steps + 1)
    variations = np.empty(steps + 1)
    differences = np.empty(max(size - 1, 0))
    recorded_steps, states = [0], [u.copy()]
    blowup = None
    k = 0
    with np.errstate(all="ignore"):
        norms[0] = initial = _norm_unguarded(u)
        variations[0] = _total_variation_into(u, differences)
        while k < steps:
            step_inplace(u)
            k += 1
            norms[k] = norm = _norm_unguarded(u)
            variations[k] = _total_variation_into(u, differences)
            if not np.isfinite(norm) or norm > growth_limit * initial:
                blowup = BlowUp(step=k, norm=float(norm), growth=float(norm / initial))
                break
            if record_every is not None and k % record_every == 0 and k < steps:
                recorded_steps.append(k)
                states.append(u.copy())
    if recorded_steps[-1] != k:
        recorded_steps.append(k)
        states.append(u.copy())
    return Evolution(
        tau=tau,
        steps=np.array(recorded_steps),
        states=np.array(states),
        norms=norms[: k + 1],
        total_variations=variations[: k + 1],
        blowup=blowup,
    )


def explicit_step(u: np.ndarray, tau: float, diffusivity: Flux, operator: DerivativeOperator) -> np.ndarray:
    """One explicit step u - tau D^T Phi(D u), returned as a new array (see :class:`ExplicitScheme`)."""
    return ExplicitScheme(tau, diffusivity, operator).step(u)


def evolve(
    u0: np.ndarray,
    tau: float,
    steps: int,
    diffusivity: Flux,
    operator: DerivativeOperator,
    record_every: int | None = None,
    growth_limit: float = GROWTH_LIMIT,
) -> Evolution:
    """Run the explicit scheme for ``steps`` steps (see :meth:`ExplicitScheme.evolve`)."""
    return ExplicitScheme(tau, diffusivity, operator).evolve(u0, steps, record_every, growth_limit)


def diffuse(
    u0: np.ndarray,
    time: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    max_steps: int | None = None,
) -> Evolution:
    """Evolve u^0 to diffusion time T with the fewest stable explicit steps.

    Uses K = ceil(T / tau*) steps of tau = T / K <= tau* = 2 / (L ||D||^2). With ``max_steps``
    only min(K, max_steps) steps are run (``Evolution.time`` then tells the time reached). The steps run
    are limited as in :meth:`ExplicitScheme.evolve` (at most 10^7, K N <= 10^9): beyond, pass ``max_steps``
    and continue from ``Evolution.final``, or reach T in far fewer steps with :func:`pdelib.fsi_to_time`.
    """
    bound = stability_bound(diffusivity, operator)
    time = check_nonnegative(time, "time")
    check_time_ratio(time, bound)
    if max_steps is not None:
        max_steps = check_int(max_steps, "max_steps", 0)
    steps = math.ceil(time / bound)
    tau = time / steps if steps else bound
    if max_steps is not None:
        steps = min(steps, max_steps)
    check_steps(steps, "time: the explicit steps K = ceil(T / tau*)", operator.size)
    return ExplicitScheme(tau, diffusivity, operator).evolve(u0, steps)
