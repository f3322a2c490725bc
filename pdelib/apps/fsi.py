"""Chapter 04 widget: FSI cycles against the plain explicit scheme (:class:`FSIApp`)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullLocator

from .._checks import check_int, check_real
from ..diffusivities import diffusivity
from ..operators import DerivativeOperator
from ..plots import COLORS
from ..schemes.explicit import Evolution, ExplicitScheme, stability_bound
from ..schemes.fsi import FSIEvolution, FSISchedule, FSIScheme, cycle_time, fsi_schedule
from ..signals import noisy_step
from .base import (
    DIFFUSIVITY_LABELS,
    BoundedTauApp,
    check_app_contrast,
    check_app_noise,
    check_app_size,
    check_app_steps,
    check_option,
    counted,
    decade_limits,
    finite_or_gap,
    nice_ceiling,
    ratio_text,
)


class FSIApp(BoundedTauApp):
    """Chapter 04: FSI cycles of n extrapolated explicit steps, their cost and their stability.

    Controls: ``cycle_length`` (n = 1 .. 60), ``tau`` (the inner step, on a slider tau*/500 .. 1.6 tau* with
    tau* = 2 / (L ||D||^2) drawn on a gauge; tau / tau* is kept when the diffusivity changes the bound),
    ``diffusivity`` and the stopping ``time`` T (1 .. 1000). For a noisy step of N points the app runs
    FSI cycles that stop exactly at T (:func:`pdelib.schemes.fsi.fsi_schedule`): M - 1 full cycles of n steps

        u^{k+1} = alpha_k (u^k - tau D^T Phi(D u^k)) + (1 - alpha_k) u^{k-1},   alpha_k = (4k + 2) / (2k + 3),

    each reaching T_cycle = tau (n^2 + n) / 3, then one last cycle shortened to m <= n steps of size
    tau_m = 3 T_rem / (m^2 + m) <= tau for the time left T_rem, so that (M - 1) T_cycle + tau_m (m^2 + m) / 3 = T,
    and shows


    * the gauge: tau against tau*;
    * the cost: (M - 1) n + m FSI steps against ceil(T / tau) steps of the plain explicit scheme with the same tau;
    * the signal: u^0, a few cycle ends and the final state (a blown-up state divided by its maximum);
    * ||u^k||_2 and TV(u^k) after every inner step k (log scale), the cycle ends marked and every other
      cycle shaded. Above tau* the plain scheme with the same tau is run to the same time T (K = ceil(T / tau)
      steps of T / K) and drawn too: a long cycle amplifies an unstable mode much harder than the plain scheme, a short one just
      above tau* need not (observed at 1.04 tau*: n = 10 less, n = 20 more). A blow-up is marked, never hidden.

    To stay interactive (recompute <= 15 ms at N = 256) an update computes at most ``max_steps`` explicit
    steps: all for FSI below tau*, half for FSI and half for the plain comparison above. A run shortened
    by that budget says so in the status line and in the panel title.

    In a notebook: ``app = FSIApp(); app`` shows the widget; ``app.set(cycle_length=20, tau=1.2 * app.bound)``
    moves two controls with one update.

    Arguments: ``size`` N in [8, 4096], ``max_steps`` in [2, 10^5] (max_steps N <= 10^8), ``contrast`` in
    [0.001, 1000], ``cycle_length`` in [1, 60], ``tau`` in [tau*/500, 1.6 tau*] (the slider's range),
    ``time`` one of ``TIMES``. Wrong values raise a TypeError or ValueError naming the argument; :meth:`set`
    validates the same way and changes nothing on error.
    """

    #: tau from tau*/500 (tau = 0 would need infinitely many cycles) to 1.6 tau*.
    TAU_RANGE = (1 / 500, 1.6)
    figure_size = (11.5, 7.4)
    #: Largest cycle length n offered by the slider.
    MAX_CYCLE_LENGTH = 60
    #: The alternate cycles are shaded up to this many cycles (beyond, the bands would be a grey wash).
    MAX_SHADED_CYCLES = 100
    #: Cycle ends drawn on the signal panel besides the final state.
    INTERMEDIATE_STATES = 3
    #: Fixed limits of the cost panel (log scale): the steps of every setting fit.
    STEP_LIMITS = (1.0, 3e7)
    #: Stopping times offered by the ``time`` slider.
    TIMES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)

    def __init__(self, size: int = 256, contrast: float = 0.1, noise: float = 0.01, seed: int = 0,
                 cycle_length: int = 10, tau: float = 0.45, diffusivity_name: str = "linear", time: float = 100.0,
                 max_steps: int = 600) -> None:
        size = check_app_size(size)
        cycle_length = check_int(cycle_length, "cycle_length", 1, self.MAX_CYCLE_LENGTH)
        time = check_option(time, "time", self.TIMES)
        self.contrast = check_app_contrast(contrast)
        self.max_steps = check_app_steps(max_steps, "max_steps", size)
        if self.max_steps < 2:
            raise ValueError(f"max_steps must be an integer >= 2, got {self.max_steps}")
        self.signal = noisy_step(size, noise=check_app_noise(noise), seed=seed)
        self.x = np.arange(size)
        self.operator = DerivativeOperator(1, size)
        diffusivity_name = check_option(diffusivity_name, "diffusivity_name", DIFFUSIVITY_LABELS)
        limits = self.tau_limits({"diffusivity": diffusivity_name})
        tau = check_real(tau, "tau", *limits)
        controls = {
            "cycle_length": widgets.IntSlider(value=cycle_length, min=1, max=self.MAX_CYCLE_LENGTH, step=1,
                                              description="cycle length n"),
            "tau": widgets.FloatSlider(value=tau, min=0.0, max=limits[1], step=0.001,
                                       description="τ",
                                       readout_format=".4f", layout=widgets.Layout(width="420px")),
            "diffusivity": widgets.Dropdown(options=DIFFUSIVITY_LABELS, value=diffusivity_name,
                                            description="diffusivity"),
            "time": widgets.SelectionSlider(options=[(f"{t:g}", t) for t in self.TIMES], value=time,
                                            description="stopping time T"),
        }
        super().__init__(controls)

    # -- building -------------------------------------------------------------------------------------

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["gauge", "cost"], ["signal", "norm"]], height_ratios=(1, 5),
                                     width_ratios=(3, 2))
        self.ax_gauge, self.ax_cost = axes["gauge"], axes["cost"]
        self.ax_signal, self.ax_norm = axes["signal"], axes["norm"]
        blue, red, purple = COLORS["blue"], COLORS["vermillion"], COLORS["purple"]

        self._build_gauge(self.ax_gauge, "inner time step τ")

        cost = self.ax_cost
        cost.set_xscale("log")
        cost.xaxis.set_minor_locator(NullLocator())  # eight decades of minor ticks cost more to draw than they tell
        cost.set(xlim=self.STEP_LIMITS, ylim=(-0.6, 1.6), yticks=[0, 1], yticklabels=["plain", "FSI"])
        cost.set_xlabel("explicit steps to reach T")
        cost.grid(False, axis="y")
        self._bars = {
            "fsi": cost.add_patch(Rectangle((1.0, 0.65), 1.0, 0.7, facecolor=blue, linewidth=0)),
            "plain": cost.add_patch(Rectangle((1.0, -0.35), 1.0, 0.7, facecolor=purple, linewidth=0)),
        }
        self._bar_texts = {name: cost.text(1.0, y, "", va="center", fontsize=12)
                           for name, y in (("fsi", 1.0), ("plain", 0.0))}

        ax = self.ax_signal
        ax.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-", label="u⁰ (noisy step)")
        nan = np.full(self.x.shape, np.nan)
        self._cycle_state_lines = [ax.plot(self.x, nan, color=COLORS["sky"], linewidth=1.4, linestyle="-",
                                           label="u at cycle ends")[0] for _ in range(self.INTERMEDIATE_STATES)]
        (self._final_line,) = ax.plot(self.x, self.signal, color=blue, linestyle="-", label="final state")
        ax.set(xlabel="grid index i", ylabel="u")

        ax = self.ax_norm
        self._cycle_shading = PolyCollection([], transform=ax.get_xaxis_transform(), facecolor=COLORS["grey"],
                                             alpha=0.15, linewidth=0)
        ax.add_collection(self._cycle_shading, autolim=False)
        (self._norm_line,) = ax.semilogy([0], [1], color=blue, linestyle="-", label="FSI ‖uᵏ‖₂")
        (self._tv_line,) = ax.semilogy([0], [1], color=COLORS["orange"], linestyle="--", label="FSI TV(uᵏ)")
        (self._cycle_marks,) = ax.plot([], [], "o", color=blue, markersize=5, linestyle="none", clip_on=False, in_layout=False,
                                       label="cycle ends")
        (self._plain_norm_line,) = ax.plot([], [], color=purple, linestyle="-", linewidth=1.8,
                                           label="plain, same τ: ‖uᵏ‖₂")
        (self._plain_tv_line,) = ax.plot([], [], color=purple, linestyle=":", linewidth=1.8,
                                         label="plain, same τ: TV(uᵏ)")
        (self._blowup_marker,) = ax.plot([], [], "X", color=red, markersize=16, linestyle="none", label="blow-up",
                                         clip_on=False, in_layout=False)
        ax.set(xlabel="inner step k (shaded: every other cycle)", ylabel="norm, total variation", xlim=(0, 100), ylim=(0.5, 60))

        handles = [self.ax_signal.lines[0], self._cycle_state_lines[0], self._final_line, self._norm_line,
                   self._tv_line, self._cycle_marks, self._plain_norm_line, self._plain_tv_line, self._blowup_marker]
        figure.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=11)

    # -- computing ------------------------------------------------------------------------------------

    def bound_for(self, settings: dict[str, object]) -> float:
        """tau* = 2 / (L ||D||^2) for the diffusivity in ``settings``."""
        return stability_bound(diffusivity(settings["diffusivity"], self.contrast), self.operator)

    def _diffusivity(self):
        return diffusivity(self.controls["diffusivity"].value, self.contrast)

    def recompute(self) -> None:
        self.follow_bound()
        g = self._diffusivity()
        tau, n = self.controls["tau"].value, self.controls["cycle_length"].value
        time = self.controls["time"].value
        self.tau_ratio = tau / self.bound
        self.cycle_time = cycle_time(tau, n)
        # M - 1 full cycles and one shortened to stop at T exactly (fsi_schedule)
        self.schedule: FSISchedule = fsi_schedule(time, tau, n)
        # at most max_steps explicit steps per update: above tau* the plain comparison run takes half of them
        self.step_budget = self.max_steps if self.tau_ratio <= 1 else self.max_steps // 2
        fits = self.schedule.explicit_steps <= self.step_budget or self.schedule.full_cycles == 0
        #: The cycles run: all M, or the first full ones that fit into the budget.
        self.cycles = self.schedule.cycles if fits else max(1, self.step_budget // n)
        self.plain_steps_needed = max(1, math.ceil(time / tau * (1 - 1e-12)))
        record_every = max(1, math.ceil(self.cycles / (self.INTERMEDIATE_STATES + 1)))
        self.run: FSIEvolution = FSIScheme(tau, n, g, self.operator).evolve_to_time(
            self.signal, time, record_every, max_steps=self.step_budget)
        #: The time the FSI cycles run here reach (T unless the budget shortened the run).
        self.target_time = T = time if fits else self.cycles * self.cycle_time
        # above the bound: the plain scheme with the same tau to the same time, K = ceil(T / tau) steps of T / K
        self.plain: Evolution | None = None
        if self.tau_ratio > 1:
            steps = max(1, math.ceil(T / tau * (1 - 1e-12)))
            self.plain = ExplicitScheme(T / steps, g, self.operator).evolve(self.signal, min(steps, self.step_budget))

    # -- drawing --------------------------------------------------------------------------------------

    def cycle_bounds(self) -> np.ndarray:
        """Inner step numbers where the cycles run here start and end: 0, n, 2n, ..., (M - 1) n + m."""
        n, schedule = self.controls["cycle_length"].value, self.schedule
        full = np.arange(0, min(self.cycles, schedule.full_cycles) * n + 1, n)
        if self.cycles > schedule.full_cycles:
            full = np.append(full, schedule.explicit_steps)
        return full

    def redraw(self) -> None:
        run, plain, bound, schedule = self.run, self.plain, self.bound, self.schedule
        tau, n = self.controls["tau"].value, self.controls["cycle_length"].value
        red, black = COLORS["vermillion"], COLORS["black"]

        self._draw_gauge(bound, tau)

        last = "" if schedule.last_cycle_length == n else f" + {schedule.last_cycle_length}"
        for name, steps in (("fsi", schedule.explicit_steps), ("plain", self.plain_steps_needed)):
            bar, text = self._bars[name], self._bar_texts[name]
            end = min(float(steps), self.STEP_LIMITS[1])
            bar.set_width(end - 1.0)
            inside = end > 1e5  # near the right edge the count is written inside the bar
            text.set_text(f"{steps:,}" if name == "plain" else
                          f"{steps:,} = {schedule.full_cycles:,} × {n}{last}" if schedule.full_cycles else
                          f"{steps:,}: one cycle")
            text.set_x(end / 1.15 if inside else end * 1.15)
            text.set_horizontalalignment("right" if inside else "left")
            text.set_color("white" if inside else black)

        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, finite_or_gap(run.norms))
        self._tv_line.set_data(k, finite_or_gap(run.total_variations))
        few_cycles = self.cycles <= self.MAX_SHADED_CYCLES  # else every cycle is a few pixels wide
        ends = run.cycle_ends
        self._cycle_marks.set_data(ends if few_cycles else [], finite_or_gap(run.norms[ends]) if few_cycles else [])
        bounds = np.minimum(self.cycle_bounds(), run.explicit_steps)  # a blow-up ends the run inside a cycle
        self._cycle_shading.set_verts(
            [[(a, 0), (b, 0), (b, 1), (a, 1)] for a, b in zip(bounds[1:-1:2], bounds[2::2]) if b > a]
            if few_cycles else [])
        measured = [run.norms, run.total_variations]
        blowups = [] if run.blowup is None else [(run.blowup.step, run.blowup.norm)]
        if plain is None:
            self._plain_norm_line.set_data([], [])
            self._plain_tv_line.set_data([], [])
        else:
            k_plain = np.arange(plain.norms.size)
            self._plain_norm_line.set_data(k_plain, finite_or_gap(plain.norms))
            self._plain_tv_line.set_data(k_plain, finite_or_gap(plain.total_variations))
            measured += [plain.norms, plain.total_variations]
            if plain.blowup is not None:
                blowups.append((plain.blowup.step, plain.blowup.norm))
        measured = np.concatenate(measured)
        self._blowup_marker.set_data([b[0] for b in blowups], [b[1] for b in blowups])
        steps_run = max(self.cycle_bounds()[-1], 0 if plain is None else plain.norms.size - 1)
        self.ax_norm.set_xlim(0, nice_ceiling(steps_run))
        self.ax_norm.set_ylim(*decade_limits(measured, 0.5, 1e10 if blowups else 60.0))
        if self.cycles < schedule.cycles:
            cycles_text = f"first {counted(self.cycles, 'cycle')} of n = {n} (of {schedule.cycles} for T)"
        elif schedule.full_cycles == 0:
            cycles_text = f"M = 1 cycle of {counted(schedule.last_cycle_length, 'step')}"
        else:
            cycles_text = f"M = {schedule.cycles} cycles: {schedule.full_cycles} × {n}{last} steps"
        self.ax_norm.set_title(cycles_text, color=black)

        final = finite_or_gap(run.final)
        low, high = float(np.nanmin(final, initial=0.0)), float(np.nanmax(final, initial=0.0))
        if run.blowup is None:
            # limits grow (by halves) only when the data leave them, so most updates can blit
            self.ax_signal.set_ylim(min(-0.35, math.floor(2 * (low - 0.1)) / 2),
                                    max(1.35, math.ceil(2 * (high + 0.1)) / 2))
            self._final_line.set_ydata(final)
            for line, state in zip(self._cycle_state_lines, [*run.states[1:-1], *[None] * self.INTERMEDIATE_STATES]):
                line.set_ydata(state if state is not None else np.full(self.x.shape, np.nan))
            self.ax_signal.set_title(f"after {counted(run.cycles, 'cycle')} = {counted(run.explicit_steps, 'step')}: "
                                     f"T = {run.time:.4g}",
                                     color=black)
        else:
            # the shape of the blown-up state, scaled into view; the scale is in the title
            scale = max(abs(low), abs(high)) or 1.0
            self.ax_signal.set_ylim(-1.15, 1.15)
            self._final_line.set_ydata(final / scale)
            for line in self._cycle_state_lines:
                line.set_ydata(np.full(self.x.shape, np.nan))
            self.ax_signal.set_title(f"BLOW-UP at step {run.blowup.step}: u shown divided by max|u| = {scale:.2g}",
                                     color=red)
        self._set_status(self.describe(), alarm=self.alarming)

    def animated_artists(self) -> list:
        return [self._tau_marker, *self._bars.values(), *self._bar_texts.values(), self._cycle_shading,
                *self._cycle_state_lines, self._final_line, self._norm_line, self._tv_line, self._cycle_marks,
                self._plain_norm_line, self._plain_tv_line, self._blowup_marker, self.ax_signal.title,
                self.ax_norm.title]

    # -- describing -----------------------------------------------------------------------------------

    def _runs(self) -> list:
        """The FSI run and, above tau*, the plain run."""
        return [self.run] if self.plain is None else [self.run, self.plain]

    @property
    def alarm_word(self) -> str | None:
        """BLOW-UP (a run overflowed: ||u^k|| > 10^6 ||u^0|| or non-finite), else GROWS (some ||u^k|| > ||u^0||),
        else UNSTABLE (above tau* with the total variation growing), else None."""
        runs = self._runs()
        if any(run.blowup is not None for run in runs):
            return "BLOW-UP"
        if any(not np.all(run.norms <= run.norms[0] * (1.0 + 1e-12)) for run in runs):
            return "GROWS"
        if self.tau_ratio > 1 and any(run.total_variations[-1] > run.total_variations[0] for run in runs):
            return "UNSTABLE"
        return None

    @property
    def alarming(self) -> bool:
        """True when the status is shown in red: a blow-up, a growing norm, or above tau* a growing TV."""
        return self.alarm_word is not None

    def describe(self) -> str:
        """The status line (HTML, one line of at most 100 characters): tau / tau*, n, T, the steps of FSI and of
        the plain scheme to reach T, and what the runs show (a run shortened by the budget: the norm panel's title)."""
        run, plain = self.run, self.plain
        ratio = ratio_text(self.tau_ratio) if self.tau_ratio >= 0.01 else f"{self.tau_ratio:.1g}"  # 0.002, not 0.00
        head = (f"τ = {ratio} τ*, n = {self.controls['cycle_length'].value}, "
                f"T = {self.controls['time'].value:g}: steps FSI {self.schedule.explicit_steps:,}, "
                f"plain {self.plain_steps_needed:,}")
        runs = [(name, r) for name, r in (("FSI", run), ("plain", plain)) if r is not None]
        word = self.alarm_word
        if word == "BLOW-UP":
            steps = [f"{name} step {r.blowup.step}" for name, r in runs if r.blowup is not None]
            return f"{head}; BLOW-UP: {', '.join(steps)}"
        if word == "GROWS":
            growth = [f"{name} ×{growth_text(r.norms.max() / r.norms[0])}" for name, r in runs]
            return f"{head}; ‖u‖ GROWS: {', '.join(growth)}"
        if word == "UNSTABLE":
            tv = [f"{name} ×{r.total_variations[-1] / r.total_variations[0]:.3g}" for name, r in runs]
            return f"{head}; UNSTABLE, TV: {', '.join(tv)}"
        linear = self.controls["diffusivity"].value == "linear" and self.tau_ratio <= 1
        return f"{head}; stable: ‖uᵏ‖ ≤ ‖u⁰‖, {'guaranteed' if linear else 'observed'}"


def growth_text(ratio: float) -> str:
    """A growth factor above 1 with three digits, or with as many more (up to six decimals) as it takes not to
    read as 1: 1.03, 4.33e+03, 1.00002."""
    if ratio >= 1.01:
        return f"{ratio:.3g}"
    return ratio_text(ratio)
