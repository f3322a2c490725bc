"""Fast semi-iterative (FSI) schemes: explicit steps accelerated by extrapolation (chapter 04); its network: :mod:`pdelib.nets.fsi`.

One FSI cycle of length n runs n explicit steps, each extrapolated with the state two steps back:

    u^{k+1} = alpha_k (u^k - tau D^T Phi(D u^k)) + (1 - alpha_k) u^{k-1},   k = 0, ..., n-1,
    alpha_k = (4k + 2) / (2k + 3),     u^{-1} := u^0 at the start of every cycle.

Equivalently u^{k+1} = u^k - alpha_k tau D^T Phi(D u^k) + (alpha_k - 1)(u^k - u^{k-1}), a heavy-ball
step with momentum alpha_k - 1. For 0 < tau <= 2 / (L ||D||^2) one cycle reaches the diffusion time

    T_cycle = tau (n^2 + n) / 3       (n plain explicit steps reach n tau),

so the number of steps to reach a stopping time T grows like sqrt(T) instead of T. For linear
diffusion a cycle equals a cycle of fast explicit diffusion (FED) with the step sizes of
:func:`fed_step_sizes`, and every intermediate state keeps ||u^k|| <= ||u^0|| (internal stability).
The nonlinearity Phi(D u^k) is re-evaluated at every step; for nonlinear diffusivities that guarantee
does not carry over (a long cycle of a nonmonotone flux can raise the norm). The network form is
:mod:`pdelib.nets.fsi`.

The module is longer than the others (about 730 lines): the cycles, the two ways to stop exactly at a time T
(:func:`plan_fsi` chooses n, :func:`fsi_schedule` shortens the last cycle of a given n) and the accuracy study
against the explicit scheme are one concept of chapter 04, each part short.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._checks import (
    MAX_CYCLE_LENGTH,
    MAX_STEPS,
    check_choice,
    check_inplace_signal,
    check_int,
    check_positive,
    check_real,
    check_signal,
    check_steps,
    check_time_ratio,
    check_values,
)
from ..fluxes import Flux, check_flux
from ..operators import DerivativeOperator, check_operator
from .explicit import (
    GROWTH_LIMIT,
    BlowUp,
    ExplicitScheme,
    record_evolution,
    stability_bound,
)

#: Methods compared by :func:`steps_to_accuracy`.
METHODS = ("fsi", "explicit", "semi-implicit")
#: Smallest tolerance of :func:`steps_to_accuracy`.
MIN_TOLERANCE = 1e-10


def fsi_weights(cycle_length: int) -> np.ndarray:
    """Extrapolation weights alpha_k = (4k + 2) / (2k + 3), k = 0, ..., n - 1 (chapter 04).

    alpha = 2/3, 6/5, 10/7, 14/9, 18/11, ... tends to 2.

    Parameters
    ----------
    cycle_length : int
        Cycle length n in [1, 10^5].
    """
    k = np.arange(_check_cycle_length(cycle_length))
    return (4.0 * k + 2.0) / (2.0 * k + 3.0)


def _check_cycle_length(cycle_length: object) -> int:
    return check_int(cycle_length, "cycle_length", 1, MAX_CYCLE_LENGTH,
                     advice="use more cycles (plan_fsi(..., cycles=M)) instead of longer ones")


def cycle_time(tau: float, cycle_length: int) -> float:
    """Diffusion time T_cycle = tau (n^2 + n) / 3 reached by one FSI cycle of n steps of size tau (chapter 04)."""
    tau = check_positive(tau, "tau")
    n = _check_cycle_length(cycle_length)
    return tau * (n * n + n) / 3.0


def fed_step_sizes(tau: float, cycle_length: int) -> np.ndarray:
    """Step sizes tau_i = tau / (2 cos^2(pi (2i + 1) / (4n + 2))), i = 0, ..., n - 1, of one FED cycle (chapter 04).

    For linear diffusion, n explicit steps of these sizes (in any order, in exact arithmetic) give the same
    result as one FSI cycle of n steps of size tau; they sum to the cycle time tau (n^2 + n) / 3.
    Example: tau = 0.5, n = 5 gives 0.2552, 0.3021, 0.4377, 0.8553, 3.1497 (sum 5.0).
    """
    tau = check_positive(tau, "tau")
    n = _check_cycle_length(cycle_length)
    i = np.arange(n)
    return tau / (2.0 * np.cos(np.pi * (2 * i + 1) / (4 * n + 2)) ** 2)


@dataclass(frozen=True)
class FSISchedule:
    """FSI cycles with a given step and cycle length that stop exactly at a time T (chapter 04).

    M - 1 full cycles of n steps of size tau, then one last cycle shortened to m <= n steps of size
    tau_m <= tau (the choice of :func:`plan_fsi` for the time left), so that

        (M - 1) tau (n^2 + n) / 3 + tau_m (m^2 + m) / 3 = T.

    Every step is at most tau: for tau <= tau* every cycle, the last one too, is internally stable for linear
    diffusion. Built by :func:`fsi_schedule`.
    """

    tau: float
    cycle_length: int
    full_cycles: int
    last_cycle_length: int
    last_tau: float

    @property
    def cycles(self) -> int:
        """M: the full cycles and the last one."""
        return self.full_cycles + 1

    @property
    def explicit_steps(self) -> int:
        """(M - 1) n + m, the number of explicit steps (network layers)."""
        return self.full_cycles * self.cycle_length + self.last_cycle_length

    @property
    def time(self) -> float:
        """The stopping time (M - 1) tau (n^2 + n) / 3 + tau_m (m^2 + m) / 3."""
        return (self.full_cycles * cycle_time(self.tau, self.cycle_length)
                + cycle_time(self.last_tau, self.last_cycle_length))


def fsi_schedule(time: float, tau: float, cycle_length: int) -> FSISchedule:
    """Cycles of n steps of size tau that reach the stopping time T exactly, the last one shortened (chapter 04).

    With T_cycle = tau (n^2 + n) / 3, the run makes M - 1 = ceil(T / T_cycle) - 1 full cycles; the time left,
    T_rem = T - (M - 1) T_cycle in (0, T_cycle], is covered by one cycle of

        m = min(n, smallest m with tau (m^2 + m) / 3 >= T_rem)  steps of size  tau_m = 3 T_rem / (m^2 + m) <= tau,

    the choice of the FSI/FED literature for a stopping time (:func:`plan_fsi` with tau_max = tau). So the run
    never passes T, and every step is at most tau.

    Parameters
    ----------
    time : float
        Stopping time T > 0, at most 10^9 tau.
    tau : float
        Step size tau > 0 of the full cycles, usually at most the stability bound 2 / (L ||D||^2).
    cycle_length : int
        Number n in [1, 10^5] of steps per full cycle.

    Examples
    --------
    >>> schedule = fsi_schedule(100.0, 0.5, 10)  # 5 cycles reach 91.67; the last 8.33 take 7 steps of 0.4464
    >>> schedule.full_cycles, schedule.last_cycle_length, round(schedule.last_tau, 4), round(schedule.time, 12)
    (5, 7, 0.4464, 100.0)
    """
    time = check_positive(time, "time")
    tau = check_positive(tau, "tau")
    n = _check_cycle_length(cycle_length)
    check_time_ratio(time, tau, "tau")
    full_time = cycle_time(tau, n)
    # M = ceil(T / T_cycle); the factor absorbs rounding when T is a multiple of T_cycle, and keeps T_rem > 0
    full_cycles = max(1, math.ceil(time / full_time * (1.0 - 1e-12))) - 1
    rest = time - full_cycles * full_time
    last_length = min(n, plan_fsi(rest, tau).cycle_length)
    last_tau = min(tau, 3.0 * rest / (last_length * last_length + last_length))
    return FSISchedule(tau=tau, cycle_length=n, full_cycles=full_cycles, last_cycle_length=last_length,
                       last_tau=last_tau)


@dataclass(frozen=True)
class FSIEvolution:
    """The result of :meth:`FSIScheme.evolve` (chapter 04).

    Attributes
    ----------
    tau : float
        Step size of the explicit steps inside a cycle.
    cycle_length : int
        Number n of explicit steps per cycle.
    steps : array of int
        Inner step numbers k (counted over all cycles) of the stored ``states``.
    states : array of shape (len(steps), N)
        The stored states: u^0, the requested cycle ends and always the last computed state.
    norms, total_variations : arrays of length K + 1
        ||u^k||_2 and TV(u^k) after every inner step k = 0..K; cycle ends are every n-th entry.
    blowup : BlowUp or None
        Set when the evolution stopped early: some u^k was non-finite or ||u^k|| > growth_limit ||u^0||.
    schedule : FSISchedule or None
        The cycles that were planned when the run stops at a time T (:meth:`FSIScheme.evolve_to_time`): full
        cycles of n steps of size tau, then one shortened last cycle. None: only full cycles were planned.
    """

    tau: float
    cycle_length: int
    steps: np.ndarray
    states: np.ndarray
    norms: np.ndarray
    total_variations: np.ndarray
    blowup: BlowUp | None
    schedule: FSISchedule | None = None

    @property
    def explicit_steps(self) -> int:
        """Number K of explicit steps computed (the depth of the equivalent network)."""
        return self.norms.size - 1

    @property
    def cycle_ends(self) -> np.ndarray:
        """Inner step numbers k of u^0 and of the end of every completed cycle (0, n, 2n, ..., and the end of a
        shortened last cycle)."""
        n, steps = self.cycle_length, self.explicit_steps
        if self.schedule is None:
            return np.arange(0, steps + 1, n)
        ends = np.arange(0, min(self.schedule.full_cycles, steps // n) * n + 1, n)
        last_end = self.schedule.full_cycles * n + self.schedule.last_cycle_length
        return np.append(ends, last_end) if last_end <= steps and self.schedule.last_cycle_length else ends

    @property
    def cycles(self) -> int:
        """Number of completed cycles."""
        return self.cycle_ends.size - 1

    @property
    def time(self) -> float:
        """Diffusion time reached by the completed cycles: tau (n^2 + n) / 3 per full cycle, plus
        tau_m (m^2 + m) / 3 for a completed shortened last cycle (see :class:`FSISchedule`)."""
        full = self.cycles
        time = 0.0
        if self.schedule is not None and full > self.schedule.full_cycles:
            full = self.schedule.full_cycles
            time = cycle_time(self.schedule.last_tau, self.schedule.last_cycle_length)
        return full * cycle_time(self.tau, self.cycle_length) + time

    @property
    def final(self) -> np.ndarray:
        """The last computed state."""
        return self.states[-1]

    @property
    def cycle_norms(self) -> np.ndarray:
        """||u||_2 at u^0 and at the end of every completed cycle."""
        return self.norms[self.cycle_ends]

    @property
    def cycle_total_variations(self) -> np.ndarray:
        """TV(u) at u^0 and at the end of every completed cycle."""
        return self.total_variations[self.cycle_ends]

    @property
    def norm_bounded(self) -> bool:
        """True if every computed state, inside cycles too, has ||u^k|| <= ||u^0|| (to rounding)."""
        return bool(np.all(self.norms <= self.norms[0] * (1.0 + 1e-12)))


class FSIScheme:
    """The FSI scheme: cycles of n extrapolated explicit steps (chapter 04).

    One cycle computes, with u^{-1} := u^0 and alpha_k = (4k + 2) / (2k + 3),

        u^{k+1} = alpha_k (u^k - tau D^T Phi(D u^k)) + (1 - alpha_k) u^{k-1},   k = 0, ..., n - 1,

    and reaches the diffusion time tau (n^2 + n) / 3. Each explicit step is one step of
    :class:`pdelib.ExplicitScheme`; the work arrays are allocated once.

    Parameters
    ----------
    tau : float
        Step size tau > 0 of the inner explicit steps; stable for tau <= :func:`pdelib.stability_bound`.
    cycle_length : int
        Number n in [1, 10^5] of steps per cycle (n = 1 is the plain explicit scheme with step 2 tau / 3).
    diffusivity : Flux
        g, with flux Phi(s) = g(s^2) s.
    operator : DerivativeOperator
        The derivative D (order, grid, boundary).

    Examples
    --------
    >>> import pdelib
    >>> D = pdelib.DerivativeOperator(order=1, size=64)
    >>> scheme = FSIScheme(0.5, 24, pdelib.diffusivity("linear"), D)
    >>> scheme.cycle_time  # one cycle of 24 steps; the plain scheme needs 200 steps of 0.5
    100.0
    """

    def __init__(self, tau: float, cycle_length: int, diffusivity: Flux, operator: DerivativeOperator) -> None:
        self.tau = check_positive(tau, "tau")
        self.cycle_length = _check_cycle_length(cycle_length)
        self.explicit = ExplicitScheme(self.tau, diffusivity, operator)
        self.diffusivity = diffusivity
        self.operator = operator
        self.weights = fsi_weights(self.cycle_length)
        self._alphas = [float(alpha) for alpha in self.weights]
        self._previous = np.empty(operator.size)
        self._work = np.empty(operator.size)

    def __repr__(self) -> str:
        return (
            f"FSIScheme(tau={self.tau:g}, cycle_length={self.cycle_length}, diffusivity={self.diffusivity!r}, "
            f"operator={self.operator!r})"
        )

    @property
    def bound(self) -> float:
        """The stability bound 2 / (L ||D||^2) of the inner explicit step."""
        return stability_bound(self.diffusivity, self.operator)

    @property
    def cycle_time(self) -> float:
        """Diffusion time tau (n^2 + n) / 3 of one cycle."""
        return cycle_time(self.tau, self.cycle_length)

    def _extrapolated_step(self, alpha: float, current: np.ndarray, previous: np.ndarray,
                           explicit: ExplicitScheme | None = None) -> None:
        """previous <- alpha (current - tau D^T Phi(D current)) + (1 - alpha) previous; ``explicit``: the
        explicit step of another size (a shortened last cycle), default this scheme's tau."""
        work = self._work
        np.copyto(work, current)
        (explicit or self.explicit).step_inplace(work)
        work *= alpha
        previous *= 1.0 - alpha
        previous += work

    def _cycle_inplace(self, u: np.ndarray) -> None:
        current, previous = u, self._previous
        np.copyto(previous, u)  # u^{-1} := u^0
        for alpha in self._alphas:
            self._extrapolated_step(alpha, current, previous)
            current, previous = previous, current
        if current is not u:
            np.copyto(u, current)

    def advance(self, u: np.ndarray, cycles: int) -> np.ndarray:
        """Overwrite ``u`` (float64, length N) with the state after ``cycles`` cycles.

        The fast loop: no measurements, no blow-up check. At most 10^7 explicit steps (cycles n) and
        10^9 point-updates per call; call again to continue.
        """
        check_inplace_signal(u, self.operator.size)
        cycles = check_steps(cycles, "cycles", self.operator.size, per_step=self.cycle_length)
        with np.errstate(all="ignore"):
            for _ in range(cycles):
                self._cycle_inplace(u)
        return u

    def cycle(self, u: np.ndarray) -> np.ndarray:
        """Return the state after one cycle of n steps from u^0 = ``u``, as a new array."""
        u = check_signal(u, "u", self.operator.size).copy()
        with np.errstate(all="ignore"):
            self._cycle_inplace(u)
        return u

    def evolve(
        self,
        u0: np.ndarray,
        cycles: int,
        record_every: int | None = None,
        growth_limit: float = GROWTH_LIMIT,
    ) -> FSIEvolution:
        """Run ``cycles`` cycles from u^0, measuring every inner step and stopping early at a blow-up.

        A blow-up is an inner state with non-finite values or ||u^k|| > growth_limit * ||u^0||.
        No floating-point warnings are printed; the blow-up is reported in the result.

        Parameters
        ----------
        u0 : array of shape (N,)
            Initial signal (finite).
        cycles : int
            Number M >= 0 of cycles (M n explicit steps, diffusion time M tau (n^2 + n) / 3); at most
            10^7 explicit steps and 10^9 point-updates per call.
        record_every : int, optional
            Also store the state at the end of every ``record_every``-th cycle (default: only u^0 and the last).
        growth_limit : float, default 1e6
            Blow-up threshold relative to ||u^0||.
        """
        cycles = check_steps(cycles, "cycles", self.operator.size, per_step=self.cycle_length)
        return self._evolve(u0, itertools.repeat((self.explicit, self._alphas), cycles), cycles * self.cycle_length,
                            record_every, growth_limit)

    def schedule(self, time: float) -> FSISchedule:
        """The cycles of this scheme that stop exactly at time T, the last one shortened (:func:`fsi_schedule`)."""
        return fsi_schedule(time, self.tau, self.cycle_length)

    def evolve_to_time(
        self,
        u0: np.ndarray,
        time: float,
        record_every: int | None = None,
        growth_limit: float = GROWTH_LIMIT,
        max_steps: int | None = None,
    ) -> FSIEvolution:
        """Run the cycles of :meth:`schedule` from u^0 to the stopping time T, measured as :meth:`evolve`.

        M - 1 full cycles of n steps of size tau and a last cycle of m <= n steps of size tau_m <= tau with
        (M - 1) tau (n^2 + n) / 3 + tau_m (m^2 + m) / 3 = T; the result's ``time`` is T (to rounding) unless the
        run stopped early. Its accuracy is that of few long cycles: measured on a noisy step (N = 64, T = 1 .. 1000,
        n <= 60, tau <= tau*), :func:`relative_max_error` to :func:`reference_solution` stays below 0.07 for linear
        diffusion and 0.02 for Perona-Malik (lambda = 0.1); :func:`plan_fsi` with more cycles is more accurate.

        Parameters
        ----------
        u0 : array of shape (N,)
            Initial signal (finite).
        time : float
            Stopping time T > 0, at most 10^9 tau.
        record_every : int, optional
            Also store the state at the end of every ``record_every``-th full cycle.
        growth_limit : float, default 1e6
            Blow-up threshold relative to ||u^0||.
        max_steps : int, optional
            Run only the first cycles of the schedule whose steps fit into ``max_steps`` (at least one cycle;
            the shortened last cycle only if all fit or it is the only one). Default: all; at most 10^7 explicit steps and 10^9
            point-updates per call.
        """
        schedule = self.schedule(time)
        n = self.cycle_length
        full, last = schedule.full_cycles, True
        if (max_steps is not None and schedule.explicit_steps > check_int(max_steps, "max_steps", 1)
                and schedule.full_cycles > 0):
            full, last = max(1, max_steps // n), False  # max_steps < (M - 1) n + m <= M n: full <= M - 1
        steps = check_steps(full * n + (schedule.last_cycle_length if last else 0), "the schedule's explicit steps",
                            self.operator.size)
        cycles = itertools.repeat((self.explicit, self._alphas), full)
        if last:
            shortened = ExplicitScheme(schedule.last_tau, self.diffusivity, self.operator)
            cycles = itertools.chain(cycles, [(shortened, fsi_weights(schedule.last_cycle_length).tolist())])
        return self._evolve(u0, cycles, steps, record_every, growth_limit, schedule)

    def _evolve(self, u0: np.ndarray, cycles, steps: int, record_every: int | None, growth_limit: float,
                schedule: FSISchedule | None = None) -> FSIEvolution:
        """Run ``steps`` inner steps of ``cycles`` (pairs: explicit scheme, weights alpha_k), measured and
        stopped at a blow-up by :func:`record_evolution`."""
        if record_every is not None:
            record_every = check_int(record_every, "record_every", 1)
        n, previous, work = self.cycle_length, self._previous, self._work
        inner_steps = ((index, alpha, explicit) for explicit, alphas in cycles for index, alpha in enumerate(alphas))

        def inner_step(u: np.ndarray) -> None:
            """One extrapolated step of the current cycle: u <- alpha_k (u - tau D^T Phi(D u)) + (1 - alpha_k) u^{k-1}."""
            index, alpha, explicit = next(inner_steps)
            if index == 0:
                np.copyto(previous, u)  # u^{-1} := u^0 of this cycle
            self._extrapolated_step(alpha, u, previous, explicit)  # previous <- u^{k+1}
            np.copyto(work, u)
            np.copyto(u, previous)
            np.copyto(previous, work)  # previous <- u^k for the next step

        run = record_evolution(inner_step, self.tau, u0, steps, self.operator.size,
                               None if record_every is None else record_every * n, growth_limit)
        return FSIEvolution(tau=self.tau, cycle_length=n, steps=run.steps, states=run.states, norms=run.norms,
                            total_variations=run.total_variations, blowup=run.blowup, schedule=schedule)


@dataclass(frozen=True)
class FSIPlan:
    """M cycles of n steps of size tau that reach a stopping time T exactly: M tau (n^2 + n) / 3 = T."""

    tau: float
    cycle_length: int
    cycles: int

    @property
    def explicit_steps(self) -> int:
        """M n, the number of explicit steps (network layers)."""
        return self.cycles * self.cycle_length

    @property
    def time(self) -> float:
        """The stopping time M tau (n^2 + n) / 3."""
        return self.cycles * cycle_time(self.tau, self.cycle_length)


def plan_fsi(time: float, tau_max: float, cycles: int = 1) -> FSIPlan:
    """The shortest FSI cycles that reach the stopping time T in M cycles with steps tau <= tau_max (chapter 04).

    The standard choice of the FSI/FED literature: the smallest n with M tau_max (n^2 + n) / 3 >= T,

        n = ceil(-1/2 + sqrt(1/4 + 3 T / (M tau_max))),    tau = 3 T / (M (n^2 + n)) <= tau_max,

    so that M cycles reach T exactly. The M n steps grow like sqrt(T).

    Parameters
    ----------
    time : float
        Stopping time T > 0, at most 10^9 tau_max.
    tau_max : float
        Largest allowed step, usually the stability bound 2 / (L ||D||^2).
    cycles : int, default 1
        Number M in [1, 10^7] of cycles; the cycle length n must stay <= 10^5. More cycles cost more steps but re-evaluate the nonlinearity
        at more points in time, which makes nonlinear problems more accurate.

    Examples
    --------
    >>> plan_fsi(100.0, 0.5)  # T = 100 in 24 steps; the plain explicit scheme takes 200
    FSIPlan(tau=0.5, cycle_length=24, cycles=1)
    """
    time = check_positive(time, "time")
    tau_max = check_positive(tau_max, "tau_max")
    check_time_ratio(time, tau_max, "tau_max")
    cycles = check_int(cycles, "cycles", 1, MAX_STEPS)
    per_cycle = 3.0 * time / cycles  # tau (n^2 + n) must equal this
    if per_cycle / tau_max > MAX_CYCLE_LENGTH * (MAX_CYCLE_LENGTH + 1):
        raise ValueError(
            f"cycles must be at least {math.ceil(3.0 * time / (tau_max * MAX_CYCLE_LENGTH * (MAX_CYCLE_LENGTH + 1)))} "
            f"to reach T = {time:g} with steps <= {tau_max:g}: a cycle has at most {MAX_CYCLE_LENGTH} steps, got {cycles}"
        )
    n = max(1, math.ceil(-0.5 + math.sqrt(0.25 + per_cycle / tau_max)))
    while per_cycle / (n * n + n) > tau_max:  # rounding in the square root: never exceed tau_max
        n += 1
    while n > 1 and per_cycle / (n * n - n) <= tau_max:
        n -= 1
    return FSIPlan(tau=per_cycle / (n * n + n), cycle_length=n, cycles=cycles)


def fsi_to_time(
    u0: np.ndarray,
    time: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    cycles: int = 1,
    tau_max: float | None = None,
    growth_limit: float = GROWTH_LIMIT,
) -> FSIEvolution:
    """Evolve u^0 to the stopping time T with ``cycles`` FSI cycles planned by :func:`plan_fsi` (chapter 04).

    The result's ``explicit_steps`` (M n) is the cost, to compare with ceil(T / tau_max) plain explicit steps.

    Parameters
    ----------
    u0 : array of shape (N,)
    time : float
        Stopping time T > 0.
    diffusivity, operator
        g and D, as for :class:`FSIScheme`.
    cycles : int, default 1
        Number M >= 1 of cycles.
    tau_max : float, optional
        Largest inner step; default the stability bound 2 / (L ||D||^2). A larger value shows the blow-up.
    growth_limit : float, default 1e6
        Blow-up threshold relative to ||u^0||.
    """
    if tau_max is None:
        tau_max = stability_bound(diffusivity, operator)
    plan = plan_fsi(time, tau_max, cycles)
    scheme = FSIScheme(plan.tau, plan.cycle_length, diffusivity, operator)
    return scheme.evolve(u0, plan.cycles, growth_limit=growth_limit)


def reference_solution(
    u0: np.ndarray,
    time: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    refinement: int = 20,
) -> np.ndarray:
    """u(T) by K = ceil(refinement * T / tau*) explicit steps of tau = T / K <= tau* / refinement (chapter 04).

    The explicit scheme is first-order accurate in time, so its error shrinks like tau and is about twice
    the change caused by halving tau once more. Measured for the chapter's problem (Perona-Malik, lambda = 0.1,
    noisy step, N = 256), that change in :func:`relative_max_error` is 1.6e-4 at T = 1, 1e-5 at T = 10 and
    below 2e-6 for T >= 100: the reference is at least 30 times more accurate than the tolerance 1e-2 of
    the chapter's comparison. Cost: 20 T / tau* steps, e.g. 400 000 steps (about 3 s) for T = 10^4, tau* = 0.5.

    Parameters
    ----------
    u0 : array of shape (N,)
    time : float
        Stopping time T > 0; the K steps are limited as in :meth:`pdelib.ExplicitScheme.advance`
        (K <= 10^7, K N <= 10^9), e.g. T <= 250 000 for tau* = 0.5 and the default refinement.
    diffusivity, operator
        g and D.
    refinement : int, default 20
        How many times smaller than the stability bound the steps are, in [1, 10^4].
    """
    check_flux(diffusivity)
    u = check_signal(u0, "u0", check_operator(operator).size).copy()
    time = check_positive(time, "time")
    refinement = check_int(refinement, "refinement", 1, 10**4)
    bound = stability_bound(diffusivity, operator)
    check_time_ratio(time, bound / refinement, "the reference's step tau* / refinement")
    steps = check_steps(math.ceil(refinement * time / bound), "time: the reference's steps ceil(refinement T / tau*)",
                        u.size)
    return ExplicitScheme(time / steps, diffusivity, operator).advance(u, steps)


def relative_max_error(u: np.ndarray, reference: np.ndarray, u0: np.ndarray) -> float:
    """max_i |u_i - reference_i| / (max u^0 - min u^0), the error in units of the initial contrast (chapter 04).

    Invariant under shifting and scaling the data; the maximum norm does not average away a local
    error at an edge. An error of 1e-2 is 1 % of the grey-value range of u^0. A ``u`` with non-finite
    values (a blown-up run) has error inf.
    """
    u0 = check_signal(u0, "u0")
    reference = check_signal(reference, "reference")
    if reference.size != u0.size:
        raise ValueError(f"reference and u0 must have the same length, got {reference.size} and {u0.size}")
    u = check_values(u, "u")
    if u.shape != reference.shape:
        raise ValueError(f"u must have the shape of reference, {reference.shape}, got {u.shape}")
    contrast = float(u0.max() - u0.min())
    if contrast == 0.0:
        raise ValueError("u0 must not be constant: its range max u0 - min u0 is the unit of the error")
    if not np.all(np.isfinite(u)):
        return math.inf
    return float(np.abs(u - reference).max()) / contrast


@dataclass(frozen=True)
class AccuracyResult:
    """The cheapest run found by :func:`steps_to_accuracy`.

    Attributes
    ----------
    method : {"fsi", "explicit", "semi-implicit"}
    time : float
        Stopping time T.
    explicit_steps : int
        Steps used (the depth of the equivalent network): K explicit or semi-implicit steps, or M n for FSI.
    tau : float
        Step size of those steps.
    error : float
        :func:`relative_max_error` of the run against the reference solution.
    cycles, cycle_length : int or None
        FSI: the number M of cycles and their length n; None for the other methods.
    """

    method: str
    time: float
    explicit_steps: int
    tau: float
    error: float
    cycles: int | None = None
    cycle_length: int | None = None


def steps_to_accuracy(
    u0: np.ndarray,
    time: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    tolerance: float,
    method: str = "fsi",
    reference: np.ndarray | None = None,
    max_steps: int = 10**6,
) -> AccuracyResult:
    """The fewest steps with which a method reaches u(T) to within ``tolerance`` (chapters 04, 05).

    Error: :func:`relative_max_error` against ``reference`` (by default :func:`reference_solution`).

    * ``"explicit"``: K steps of tau = T / K, K >= ceil(T / tau*) so that tau <= tau*.
    * ``"fsi"``: M cycles planned by :func:`plan_fsi` with tau_max = tau*, costing M n steps.
    * ``"semi-implicit"``: K semi-implicit steps of tau = T / K, any K >= 1
      (:class:`pdelib.schemes.implicit.SemiImplicitScheme`; each step is a linear solve).

    The count (K, or M) starts at its smallest stable value, doubles until the error is small enough and
    is then bisected, assuming the error decreases as the count grows. The result is the smallest count
    found with error <= tolerance.

    Parameters
    ----------
    u0 : array of shape (N,)
        Initial signal (not constant).
    time : float
        Stopping time T > 0.
    diffusivity, operator
        g and D.
    tolerance : float
        Largest accepted error, e.g. 1e-2, in [1e-10, 1e10] (rounding and the reference limit the attainable
        accuracy long before 1e-10).
    method : {"fsi", "explicit", "semi-implicit"}, default "fsi"
    reference : array of shape (N,), optional
        u(T) if already computed; pass it when comparing both methods.
    max_steps : int, default 10**6
        Give up (ValueError) if the error is still too large with more explicit steps than this; at most
        10^7 and max_steps N <= 10^9. The search runs at most about 4 max_steps steps in all.
    """
    check_flux(diffusivity)
    u0 = check_signal(u0, "u0", check_operator(operator).size)
    time = check_positive(time, "time")
    tolerance = check_real(tolerance, "tolerance", MIN_TOLERANCE, 1e10,
                           advice="an error of 1 is the whole contrast of u0")
    method = check_choice(method, "method", METHODS)
    max_steps = check_steps(max_steps, "max_steps", u0.size, minimum=1)
    check_time_ratio(time, stability_bound(diffusivity, operator))
    if reference is None:
        reference = reference_solution(u0, time, diffusivity, operator)
    reference = check_signal(reference, "reference", u0.size)
    bound = stability_bound(diffusivity, operator)

    def run(count: int) -> AccuracyResult:
        """The explicit scheme with K = count steps, or FSI with M = count cycles."""
        u = u0.copy()
        if method in ("explicit", "semi-implicit"):
            if method == "explicit":
                scheme = ExplicitScheme(time / count, diffusivity, operator)
            else:
                from .implicit import (
                    SemiImplicitScheme,  # scipy and numba only when asked for
                )

                scheme = SemiImplicitScheme(time / count, diffusivity, operator)
            scheme.advance(u, count)
            return AccuracyResult(method, time, count, time / count, relative_max_error(u, reference, u0))
        plan = plan_fsi(time, bound, count)
        FSIScheme(plan.tau, plan.cycle_length, diffusivity, operator).advance(u, count)
        error = relative_max_error(u, reference, u0)
        return AccuracyResult(method, time, plan.explicit_steps, plan.tau, error, count, plan.cycle_length)

    low = math.ceil(time / bound) if method == "explicit" else 1
    best = run(low)
    if best.error <= tolerance:
        return best
    high = low
    while best.error > tolerance:  # doubling: afterwards count `low` fails and `high` passes
        if best.explicit_steps > max_steps:
            raise ValueError(
                f"tolerance {tolerance:g} not reached with up to max_steps = {max_steps} explicit steps "
                f"(error {best.error:.3g}); the reference solution limits the attainable accuracy"
            )
        low, high = high, 2 * high
        best = run(high)
    while high - low > 1:  # bisection
        middle = (low + high) // 2
        candidate = run(middle)
        if candidate.error <= tolerance:
            high, best = middle, candidate
        else:
            low = middle
    return best
