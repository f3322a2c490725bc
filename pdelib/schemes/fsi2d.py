"""FSI cycles on images: the explicit 2D step extrapolated with the 1D weights and plans (chapter 09).

The cycles of :mod:`pdelib.schemes.fsi` with the step of :class:`pdelib.schemes.explicit2d.ExplicitScheme2D`:

    u^{k+1} = alpha_k (u^k - tau grad^T Phi(grad u^k)) + (1 - alpha_k) u^{k-1},   alpha_k = (4k + 2) / (2k + 3),

u^{-1} := u^0 at the start of every cycle; one cycle of n steps reaches the diffusion time tau (n^2 + n) / 3.
The weights, cycle times and plans are the 1D ones (:func:`pdelib.fsi_weights`, :func:`pdelib.cycle_time`,
:func:`pdelib.plan_fsi`): nothing in them depends on the dimension, only on tau <= tau* = 2 / (L ||grad||^2).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import (
    MAX_CYCLE_LENGTH,
    check_image,
    check_inplace_image,
    check_int,
    check_positive,
    check_steps,
    check_time_ratio,
)
from ..diffusivities import Diffusivity
from ..operators2d import Gradient2D, check_gradient
from .explicit import GROWTH_LIMIT
from .explicit2d import (
    ExplicitScheme2D,
    ImageEvolution,
    check_diffusivity,
    record_image_evolution,
    stability_bound_2d,
)
from .fsi import FSIPlan, cycle_time, fsi_weights, plan_fsi


class FSIScheme2D:
    """FSI cycles of n extrapolated explicit steps of size tau on an image (chapter 09).

    Parameters
    ----------
    tau : float
        Inner step tau > 0; stable for tau <= :func:`pdelib.schemes.explicit2d.stability_bound_2d`.
    cycle_length : int
        n in [1, 10^5] steps per cycle.
    diffusivity : Diffusivity
        g, applied to |grad u|^2.
    gradient : Gradient2D
        The image's gradient.
    """

    def __init__(self, tau: float, cycle_length: int, diffusivity: Diffusivity, gradient: Gradient2D) -> None:
        self.explicit = ExplicitScheme2D(tau, diffusivity, gradient)
        self.tau = self.explicit.tau
        self.cycle_length = check_int(cycle_length, "cycle_length", 1, MAX_CYCLE_LENGTH)
        self.diffusivity, self.gradient = diffusivity, gradient
        self._alphas = [float(alpha) for alpha in fsi_weights(self.cycle_length)]
        self._previous = np.empty(gradient.shape)
        self._work = np.empty(gradient.shape)

    def __repr__(self) -> str:
        return (f"FSIScheme2D(tau={self.tau:g}, cycle_length={self.cycle_length}, diffusivity={self.diffusivity!r}, "
                f"gradient={self.gradient!r})")

    @property
    def bound(self) -> float:
        """tau* = 2 / (L ||grad||^2) of the inner explicit step."""
        return self.explicit.bound

    @property
    def cycle_time(self) -> float:
        """Diffusion time tau (n^2 + n) / 3 of one cycle."""
        return cycle_time(self.tau, self.cycle_length)

    def _inner_step(self, index: int, u: np.ndarray) -> float:
        """Step k = ``index`` of the current cycle on u = u^k (``_previous`` holds u^{k-1}); afterwards u = u^{k+1}
        and ``_previous`` = u^k. Returns TV(u^k)."""
        alpha = self._alphas[index]
        if index == 0:
            np.copyto(self._previous, u)  # u^{-1} := u^0
        np.copyto(self._work, u)  # u^k
        variation = self.explicit.step_inplace(u)
        u *= alpha
        self._previous *= 1.0 - alpha
        u += self._previous  # u^{k+1} = alpha (u^k - tau grad^T Phi) + (1 - alpha) u^{k-1}
        self._previous, self._work = self._work, self._previous  # u^k is the next step's u^{k-1}
        return variation

    def advance(self, u: np.ndarray, cycles: int) -> np.ndarray:
        """Overwrite ``u`` (float64, C-contiguous, the gradient's shape) with the state after ``cycles`` cycles."""
        check_inplace_image(u, self.gradient.shape)
        cycles = check_steps(cycles, "cycles", u.size, per_step=self.cycle_length)
        with np.errstate(all="ignore"):
            for _ in range(cycles):
                for index in range(self.cycle_length):
                    self._inner_step(index, u)
        return u

    def evolve(self, u0: np.ndarray, cycles: int, growth_limit: float = GROWTH_LIMIT) -> ImageEvolution:
        """Run ``cycles`` cycles from the image u^0, measuring every inner step and stopping early at a blow-up."""
        u0 = check_image(u0, "u0", self.gradient.shape)
        cycles = check_steps(cycles, "cycles", u0.size, per_step=self.cycle_length)
        counter = iter(range(cycles * self.cycle_length))

        def step(u: np.ndarray) -> float:
            return self._inner_step(next(counter) % self.cycle_length, u)

        states, norms, variations, blowup = record_image_evolution(step, u0, cycles * self.cycle_length,
                                                                   growth_limit)
        completed = (norms.size - 1) // self.cycle_length
        return ImageEvolution(completed * self.cycle_time, states, norms, variations, blowup)


def fsi_to_time_2d(
    u0: np.ndarray,
    time: float,
    diffusivity: Diffusivity,
    gradient: Gradient2D,
    cycles: int = 1,
    tau_max: float | None = None,
    growth_limit: float = GROWTH_LIMIT,
) -> ImageEvolution:
    """Evolve the image u^0 to the stopping time T with ``cycles`` FSI cycles planned by :func:`pdelib.plan_fsi`.

    tau_max defaults to the bound tau* = 2 / (L ||grad||^2); the plan's inner step is tau <= tau_max.
    """
    bound = stability_bound_2d(diffusivity, gradient)
    plan = plan_fsi(time, bound if tau_max is None else tau_max, cycles)
    return FSIScheme2D(plan.tau, plan.cycle_length, diffusivity, gradient).evolve(u0, plan.cycles, growth_limit)


def plan_fixed_step(time: float, tau: float, cycles: int = 4) -> tuple[FSIPlan, FSIPlan | None]:
    """FSI cycles that reach the stopping time T with inner steps of exactly tau, then land on T (chapter 09).

    The first plan: M >= ``cycles`` cycles of the longest length n whose cycle time tau (n^2 + n) / 3 is at most
    T / cycles, all with step tau; the second: one shorter cycle from :func:`pdelib.plan_fsi` (step <= tau) for the
    rest of T, or None when nothing is left. Together they reach T.

    Parameters
    ----------
    time : float
        Stopping time T > 0, at least ``cycles`` tau and at most 10^9 tau.
    tau : float
        Inner step > 0 of the first M cycles.
    cycles : int, default 4
        Least number of full cycles, in [1, 1000]: more cycles re-evaluate the nonlinearity more often.
    """
    tau = check_positive(tau, "tau")
    time = check_positive(time, "time")
    cycles = check_int(cycles, "cycles", 1, 1000)
    check_time_ratio(time, tau, "tau")
    if time < tau * cycles:
        raise ValueError(f"time must be at least cycles * tau = {tau * cycles:g} (one step per cycle), got {time:g}")
    per_cycle = 3.0 * time / (cycles * tau)  # n^2 + n may not exceed this
    n = max(1, math.floor(-0.5 + math.sqrt(0.25 + per_cycle)))
    while n > 1 and n * n + n > per_cycle:
        n -= 1
    n = min(n, MAX_CYCLE_LENGTH)
    full = FSIPlan(tau, n, max(1, math.floor(time / cycle_time(tau, n) * (1 + 1e-12))))
    rest = time - full.time
    return full, (plan_fsi(rest, tau) if rest > 1e-9 * time else None)


def fsi_with_step_2d(
    u0: np.ndarray,
    time: float,
    tau: float,
    diffusivity: Diffusivity,
    gradient: Gradient2D,
    cycles: int = 4,
    growth_limit: float = GROWTH_LIMIT,
) -> ImageEvolution:
    """Reach the stopping time T with inner steps of exactly tau (also above tau*: to watch the bound matter).

    Runs the cycles of :func:`plan_fixed_step`: M >= ``cycles`` cycles of step tau, then one shorter cycle landing
    on T. The result's ``time`` is T unless the run blew up (then: the time of the completed full cycles).

    Parameters
    ----------
    u0 : image
    time, tau, cycles
        As for :func:`plan_fixed_step`.
    diffusivity, gradient
        g and grad.
    growth_limit : float, default 1e6
        Blow-up threshold relative to ||u^0||.
    """
    check_diffusivity(diffusivity)
    u0 = check_image(u0, "u0", check_gradient(gradient).shape)
    full, rest = plan_fixed_step(time, tau, cycles)
    scheme = FSIScheme2D(full.tau, full.cycle_length, diffusivity, gradient)
    schedule = [(scheme, index) for _ in range(full.cycles) for index in range(full.cycle_length)]
    if rest is not None:
        tail = FSIScheme2D(rest.tau, rest.cycle_length, diffusivity, gradient)
        schedule += [(tail, index) for _ in range(rest.cycles) for index in range(rest.cycle_length)]
    check_steps(len(schedule), "time: the FSI steps", u0.size)
    steps = iter(schedule)

    def step(u: np.ndarray) -> float:
        inner, index = next(steps)
        return inner._inner_step(index, u)

    states, norms, variations, blowup = record_image_evolution(step, u0, len(schedule), growth_limit)
    reached = time if blowup is None else (norms.size - 1) // scheme.cycle_length * scheme.cycle_time
    return ImageEvolution(min(reached, time), states, norms, variations, blowup)
