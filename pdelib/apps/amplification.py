"""Chapter 08 widget: the amplification factor of every scheme against mu, and two eigenmodes evolved (:class:`AmplificationApp`)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .._checks import check_int, check_real
from ..diffusivities import diffusivity
from ..operators import DerivativeOperator
from ..plots import COLORS
from ..schemes.amplification import (
    blowup_step,
    explicit_factor,
    fixed_point_factor,
    fsi_factor,
    semi_implicit_factor,
)
from ..schemes.explicit import GROWTH_LIMIT, ExplicitScheme, stability_bound
from ..schemes.fsi import FSIScheme
from ..schemes.implicit import FixedPointSolver, SemiImplicitScheme
from .base import App, check_option, ratio_text
from .time_step import ORDERS

#: The schemes of the app: dropdown label -> name (the names of :func:`pdelib.schemes.amplification.measured_factors`).
SCHEMES = {"explicit": "explicit", "FSI": "fsi", "semi-implicit": "semi-implicit", "fixed point": "fixed-point"}
#: One colour per scheme (Okabe-Ito; vermillion is kept for alarms).
SCHEME_COLORS = {"explicit": COLORS["blue"], "fsi": COLORS["orange"], "semi-implicit": COLORS["green"],
                 "fixed-point": COLORS["purple"]}
#: The words of the status line that raise the alarm (red, bold).
ALARM_WORDS = ("UNSTABLE", "BLOW-UP", "DIVERGES")


def check_schemes(schemes: object) -> tuple[str, ...]:
    """The schemes to overlay: a non-empty tuple (or list) of distinct names of ``SCHEMES``."""
    allowed = ", ".join(map(repr, SCHEMES.values()))
    if not isinstance(schemes, (tuple, list)) or not schemes:
        raise TypeError(f"schemes must be a non-empty tuple of names out of {allowed}; got {schemes!r:.60}")
    names = tuple(check_option(name, "schemes", SCHEMES) for name in schemes)
    if len(set(names)) < len(names):
        raise ValueError(f"schemes must name each scheme once, got {schemes!r:.80}")
    return names


def _number(value: float) -> str:
    """A factor for the status line: 2 decimals from 0.01 to 10, 0 decimals to 10^4, else 1.6e+36 (minus sign −)."""
    size = abs(value)
    text = (f"{value:.2f}" if 0.01 <= size < 10 or value == 0 else f"{value:.0f}" if 10 <= size < 1e4
            else f"{value:.1e}")
    return text.replace("-", "−")


class AmplificationApp(App):
    """Chapter 08: for linear diffusion every scheme multiplies each eigenmode of D^T D by one number.

    The eigenvectors v_k of D^T D on the reflecting N-point grid are the cosines cos(pi k (i + 1/2) / N),
    eigenvalue mu_k = (4 sin^2(pi k / (2N)))^n in [0, ||D||^2] (order n). With tau = r tau*,
    tau* = 2 / ||D||^2, every factor depends on tau mu = 2 r mu / ||D||^2 only:

        explicit        1 - tau mu                                     stable iff r <= 1
        FSI, n steps    p_n(mu): p_{k+1} = alpha_k (1 - tau mu) p_k + (1 - alpha_k) p_{k-1}, p_{-1} = p_0 = 1
        semi-implicit   1 / (1 + tau mu)                               in (0, 1] for every tau
        fixed point     sum_{j=0}^{l} (-tau mu)^j  (l iterations)      the iteration converges iff tau mu_max < 1

    Controls: ``tau`` (r = tau / tau*, 0.05 .. 2), ``order`` (n = 1, 2), ``cycle_length`` (FSI, 1 .. 50),
    ``iterations`` (fixed point l, 1 .. 20), ``show_explicit``, ``show_fsi``, ``show_semi_implicit``,
    ``show_fixed_point`` (the curves overlaid) and ``evolve`` (the scheme run on the two modes).

    Left: |factor| against mu / ||D||^2 (closed forms of :mod:`pdelib.schemes.amplification` on 400 points;
    log scale, values beyond 1e-3 .. 1e3 drawn at the edge), the stable band |factor| <= 1 shaded, the
    smoothest mode mu_1 and the checkerboard mu_{N-1} = ||D||^2 marked, and dots with the factors measured by
    the run (the amplitudes after one step). Right: the ``evolve`` scheme's own code
    (:class:`~pdelib.schemes.explicit.ExplicitScheme`, :class:`~pdelib.schemes.fsi.FSIScheme` cycles,
    :class:`~pdelib.schemes.implicit.SemiImplicitScheme`, l iterations of
    :class:`~pdelib.schemes.implicit.FixedPointSolver` per step) run from u^0 = v_1 + v_{N-1}: the amplitudes
    |<v, u^k>| of both modes against the step k (a cycle of n steps, time tau (n^2 + n) / 3, for FSI),
    stopped where one exceeds 10^6 (the blow-up of chapter 02, marked), with |factor|^k dotted.

    Budget (recompute <= 15 ms at N = 64): an update runs at most ``WORK`` explicit-step equivalents (costs
    measured at N = 64: an FSI cycle 2 n, a fixed-point step 4 l as each iteration validates its inputs, a
    semi-implicit step 1 for n = 1 and 5 for n = 2, a banded solve). A shortened run is said in the status
    line. The figure's titles never change (a redrawn text costs about a third of an update in the browser).

    Arguments: ``size`` N in [8, 256], ``order`` 1 or 2, ``tau`` r in [0.05, 2], ``cycle_length`` in
    [1, 50], ``iterations`` in [1, 20], ``schemes`` a non-empty tuple of ``SCHEMES`` values, ``evolve`` one of
    them, ``steps`` in [1, 1000]. Wrong values raise a TypeError or ValueError naming the argument;
    :meth:`set` validates the same way and changes nothing on error.
    """

    status_lines = 2
    figure_size = (11.5, 5.0)  # 920 x 400 px at the course's 80 dpi
    TAU_RANGE = (0.05, 2.0)
    MAX_CYCLE_LENGTH = 50
    MAX_ITERATIONS = 20
    MAX_STEPS = 1000
    #: Largest grid: the runs cost about twice as much at N = 256 as at N = 64.
    MAX_SIZE = 256
    #: Explicit-step equivalents per update (one run of both modes).
    WORK = 250
    #: Fixed log limits of the factor and amplitude axes: every update can blit.
    FACTOR_LIMITS = (1e-3, 1e3)
    AMPLITUDE_LIMITS = (1e-12, 1e9)
    CURVE_POINTS = 400

    def __init__(self, size: int = 64, order: int = 1, tau: float = 0.9, cycle_length: int = 10,
                 iterations: int = 3, schemes: tuple[str, ...] = ("explicit", "fsi", "semi-implicit", "fixed-point"),
                 evolve: str = "explicit", steps: int = 200) -> None:
        size = check_int(size, "size", 8, self.MAX_SIZE,
                         advice="an update must take milliseconds; the factors depend on mu / ||D||^2 only")
        order = check_option(order, "order", ORDERS)
        tau = check_real(tau, "tau", *self.TAU_RANGE)
        cycle_length = check_int(cycle_length, "cycle_length", 1, self.MAX_CYCLE_LENGTH)
        iterations = check_int(iterations, "iterations", 1, self.MAX_ITERATIONS)
        shown = check_schemes(schemes)
        evolve = check_option(evolve, "evolve", SCHEMES)
        self.steps = check_int(steps, "steps", 1, self.MAX_STEPS)
        self.linear = diffusivity("linear")
        self.operators = {n: DerivativeOperator(n, size) for n in ORDERS.values()}
        self.bounds = {n: stability_bound(self.linear, D) for n, D in self.operators.items()}
        self.s = np.linspace(0.0, 1.0, self.CURVE_POINTS)
        # the smoothest non-constant mode and the checkerboard; mu / ||D||^2 = (sin^2(pi k / 2N) / sin^2(pi (N-1) / 2N))^n
        i = np.arange(size)
        self.modes = [np.cos(math.pi * k * (i + 0.5) / size) * math.sqrt(2.0 / size) for k in (1, size - 1)]
        smooth = (math.sin(math.pi / (2 * size)) / math.sin(math.pi * (size - 1) / (2 * size))) ** 2
        self.mode_positions = {n: (smooth**n, 1.0) for n in ORDERS.values()}
        controls = {
            "tau": widgets.FloatSlider(value=tau, min=self.TAU_RANGE[0], max=self.TAU_RANGE[1], step=0.01,
                                       description="τ / τ*", readout_format=".2f",
                                       layout=widgets.Layout(width="360px")),
            "order": widgets.ToggleButtons(options=list(ORDERS.items()), value=order, description="order"),
            "cycle_length": widgets.IntSlider(value=cycle_length, min=1, max=self.MAX_CYCLE_LENGTH,
                                              description="FSI cycle n"),
            "iterations": widgets.IntSlider(value=iterations, min=1, max=self.MAX_ITERATIONS,
                                            description="fixed-point ℓ"),
            **{f"show_{name.replace('-', '_')}": widgets.Checkbox(value=name in shown, description=label,
                                                                   indent=False, layout=widgets.Layout(width="auto"))
               for label, name in SCHEMES.items()},
            "evolve": widgets.Dropdown(options=SCHEMES, value=evolve, description="evolve",
                                       layout=widgets.Layout(width="220px")),
        }
        super().__init__(controls)

    # -- building -------------------------------------------------------------------------------------

    def build(self, figure: Figure) -> None:
        self.ax_factor, self.ax_modes = figure.subplots(1, 2)
        black, grey = COLORS["black"], COLORS["grey"]

        ax = self.ax_factor
        ax.set_yscale("log")
        ax.set(xlim=(-0.02, 1.02), ylim=self.FACTOR_LIMITS, xlabel="μ / ‖D‖²", ylabel="|factor|",
               title="factor per step (FSI: per cycle)")
        ax.axhspan(self.FACTOR_LIMITS[0], 1.0, color=COLORS["green"], alpha=0.12, linewidth=0)
        ax.axhline(1.0, color=black, linewidth=1.2)
        self._curves = {name: ax.plot([], [], color=SCHEME_COLORS[name], linestyle="-")[0] for name in SCHEMES.values()}
        self._mode_markers = [ax.axvline(0.0, color=grey, linestyle=style, linewidth=1.6) for style in ("-", "--")]
        ax.text(0.015, 0.97, "μ₁", transform=ax.transAxes, va="top", fontsize=12)
        ax.text(0.975, 0.97, "μ_max", transform=ax.transAxes, va="top", ha="right", fontsize=12)
        (self._measured,) = ax.plot([], [], "o", markersize=9, markeredgecolor=black, linestyle="none")

        ax = self.ax_modes
        ax.set_yscale("log")
        ax.set(xlim=(0, self.steps), ylim=self.AMPLITUDE_LIMITS, xlabel="step k (FSI: cycle)", ylabel="|amplitude ⟨v, uᵏ⟩|",
               title="the modes μ₁ (solid) and μ_max (dashed)")
        ax.axhline(GROWTH_LIMIT, color=COLORS["vermillion"], linestyle=":", linewidth=1.4)
        self._runs = [ax.plot([], [], linestyle=style)[0] for style in ("-", "--")]
        self._predictions = [ax.plot([], [], color=black, linestyle=":", linewidth=1.4)[0] for _ in range(2)]
        (self._blowup_marker,) = ax.plot([], [], "X", color=COLORS["vermillion"], markersize=14, linestyle="none")

        handles = [*(Line2D([], [], color=SCHEME_COLORS[name], label=label) for label, name in SCHEMES.items()),
                   Patch(color=COLORS["green"], alpha=0.3, label="stable: |factor| ≤ 1"),
                   Line2D([], [], color=black, linestyle="none", marker="o", label="measured: |⟨v, u¹⟩|"),
                   Line2D([], [], color=grey, linestyle="-", label="v₁ (smoothest mode)"),
                   Line2D([], [], color=grey, linestyle="--", label="v_N−1 (checkerboard)"),
                   Line2D([], [], color=black, linestyle=":", label="|factor|ᵏ"),
                   Line2D([], [], color=COLORS["vermillion"], linestyle=":", label="growth limit 10⁶"),
                   self._blowup_marker]
        self._blowup_marker.set_label("BLOW-UP")
        figure.legend(handles=handles, loc="outside lower center", ncols=6, fontsize=11)

    # -- computing ------------------------------------------------------------------------------------

    def factors(self, scheme: str, s: np.ndarray) -> np.ndarray:
        """The closed-form factor of ``scheme`` at mu = s ||D||^2 for the current controls.

        Every factor depends on tau mu = 2 r s only (tau = r tau*, tau* = 2 / ||D||^2), so the closed forms
        are evaluated at mu = s, tau = 2 r."""
        tau = 2.0 * self.controls["tau"].value
        if scheme == "explicit":
            return explicit_factor(s, tau)
        if scheme == "fsi":
            return fsi_factor(s, tau, self.controls["cycle_length"].value)
        if scheme == "semi-implicit":
            return semi_implicit_factor(s, tau)
        return fixed_point_factor(s, tau, self.controls["iterations"].value)

    def _stepper(self, scheme: str, tau: float, operator: DerivativeOperator) -> tuple[Callable, int]:
        """(one step in place, its cost in explicit-step equivalents) from the scheme code."""
        n, iterations = self.controls["cycle_length"].value, self.controls["iterations"].value
        if scheme == "explicit":
            return ExplicitScheme(tau, self.linear, operator).step_inplace, 1
        if scheme == "fsi":
            fsi = FSIScheme(tau, n, self.linear, operator)
            return (lambda u: fsi.advance(u, 1)), 2 * n
        if scheme == "semi-implicit":
            return SemiImplicitScheme(tau, self.linear, operator).step_inplace, 5 if operator.order == 2 else 1
        solver = FixedPointSolver(tau, self.linear, operator)

        def fixed_point_step(u: np.ndarray) -> None:
            v = u
            for _ in range(iterations):
                v = solver.iterate(u, v)
            u[...] = v

        return fixed_point_step, 4 * iterations

    def recompute(self) -> None:
        order, scheme = self.controls["order"].value, self.controls["evolve"].value
        self.ratio = self.controls["tau"].value
        self.tau = self.ratio * self.bounds[order]
        self.curves = {name: self.factors(name, self.s) for name in SCHEMES.values()}
        self.mode_factors = self.factors(scheme, np.array(self.mode_positions[order]))
        self.checkerboard_factor = float(self.mode_factors[1])
        self.unstable = abs(self.checkerboard_factor) > 1.0
        self.predicted = blowup_step(self.checkerboard_factor) if self.unstable else None
        step, cost = self._stepper(scheme, self.tau, self.operators[order])
        self.run_steps = min(self.steps, max(1, self.WORK // cost))
        self.amplitudes, self.blowup = self._run(step, self.run_steps)

    def _run(self, step: Callable[[np.ndarray], None], steps: int) -> tuple[np.ndarray, int | None]:
        """Run ``step`` from u^0 = v_1 + v_{N-1}; return the amplitudes <v, u^k> of both modes (shape (K + 1, 2))
        and the blow-up step: the first k with an amplitude > GROWTH_LIMIT (or not finite), else None.

        The schemes are linear, so u^k = a_1^k v_1 + a_{N-1}^k v_{N-1}: one run shows both modes, and an
        amplitude beyond 10^6 is chapter 02's blow-up ||u^k|| > 10^6 ||u^0|| of a run from that mode alone."""
        modes = np.array(self.modes)
        u = modes.sum(axis=0)
        amplitudes = np.empty((steps + 1, 2))
        amplitudes[0] = 1.0
        with np.errstate(all="ignore"):
            for k in range(1, steps + 1):
                step(u)
                amplitudes[k] = current = modes @ u
                if not np.all(np.abs(current) <= GROWTH_LIMIT):  # NaN included
                    return amplitudes[: k + 1], k
        return amplitudes, None

    # -- drawing --------------------------------------------------------------------------------------

    def _clipped(self, values: np.ndarray, limits: tuple[float, float]) -> np.ndarray:
        """|values| inside ``limits`` (a value beyond is drawn at the edge; NaN stays a gap)."""
        low, high = limits
        return np.clip(np.abs(values), low * 1.0001, high / 1.0001)

    def redraw(self) -> None:
        order, scheme = self.controls["order"].value, self.controls["evolve"].value
        color = SCHEME_COLORS[scheme]
        for name, line in self._curves.items():
            line.set_data(self.s, self._clipped(self.curves[name], self.FACTOR_LIMITS))
            line.set_visible(self.controls[f"show_{name.replace('-', '_')}"].value)
            line.set_linewidth(3.4 if name == scheme else 1.8)
        positions = self.mode_positions[order]
        for marker, position in zip(self._mode_markers, positions):
            marker.set_xdata([position, position])
        self._measured.set_data(positions, self._clipped(self.amplitudes[1], self.FACTOR_LIMITS))
        self._measured.set_markerfacecolor(color)

        k = np.arange(self.steps + 1)
        steps_run = np.arange(self.amplitudes.shape[0])
        for index, (line, prediction) in enumerate(zip(self._runs, self._predictions)):
            line.set_data(steps_run, self._clipped(self.amplitudes[:, index], self.AMPLITUDE_LIMITS))
            line.set_color(color)
            # |factor|^k through its logarithm, clipped: no overflow, no log(0)
            exponent = k * math.log10(max(abs(float(self.mode_factors[index])), 1e-300))
            prediction.set_data(k, 10.0 ** np.clip(exponent, -13.0, 10.0))
        if self.blowup is None:
            self._blowup_marker.set_data([], [])
        else:
            amplitude = float(np.nanmax(np.abs(self.amplitudes[-1])))
            self._blowup_marker.set_data([self.blowup], self._clipped(np.array([amplitude]), self.AMPLITUDE_LIMITS))
        self._show_status(self.describe())

    def animated_artists(self) -> list:
        return [*self._curves.values(), *self._mode_markers, self._measured, *self._runs, *self._predictions,
                self._blowup_marker]

    # -- describing -----------------------------------------------------------------------------------

    def _label(self) -> str:
        scheme = self.controls["evolve"].value
        if scheme == "fsi":
            return f"FSI ({self.controls['cycle_length'].value}-step cycles)"
        if scheme == "fixed-point":
            return f"fixed point ℓ = {self.controls['iterations'].value}"
        return scheme

    def describe(self) -> str:
        """The status line: the evolved scheme, tau / tau*, its checkerboard factor and what the run did."""
        scheme = self.controls["evolve"].value
        unit = "cycle" if scheme == "fsi" else "step"
        text = f"{self._label()}, τ = {ratio_text(self.ratio)} τ* = {self.tau:.4g}; "  # the order: on its toggle
        if scheme == "fixed-point":
            error = 2.0 * self.ratio  # tau mu_max, the error factor of one iteration on the checkerboard
            text += f"τμ_max = {error:.2f}: {'DIVERGES' if error >= 1.0 else 'converges'}; "
        # the fixed point's factor is that of one step of l iterations (at the checkerboard, as for the others)
        text += f"{'step' if scheme == 'fixed-point' else 'checkerboard'} factor {_number(self.checkerboard_factor)}"
        if self.blowup is not None:
            return f"{text}: UNSTABLE — BLOW-UP at {unit} {self.blowup} (predicted {self.predicted})"
        run = f" (ran {self.run_steps} of {self.steps})" if self.run_steps < self.steps else ""
        if self.unstable:
            return f"{text}: UNSTABLE — 10⁶ predicted at {unit} {self.predicted}{run or f' (ran {self.steps})'}"
        text += "; every factor in (0, 1]: stable" if scheme == "semi-implicit" else "; every |factor| ≤ 1: stable"
        return text + run

    def _show_status(self, text: str) -> None:
        """One line at the widgets' font size (it fits a 960 px column), never wrapped; red, with the alarm
        words in bold, when one of them occurs."""
        alarm = any(word in text for word in ALARM_WORDS)
        text = html.escape(text, quote=False)
        for word in ALARM_WORDS:
            text = text.replace(word, f"<b>{word}</b>")
        color = COLORS["vermillion"] if alarm else COLORS["black"]
        self.status.value = f'<span style="font-size:1em;color:{color};white-space:nowrap">{text}</span>'
