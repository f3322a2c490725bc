"""Chapter 05 widget: one implicit step by fixed point, Jacobi and a direct solve (:class:`ImplicitApp`)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .._checks import check_int, check_real
from ..diffusivities import diffusivity
from ..operators import DerivativeOperator
from ..plots import COLORS
from ..schemes.explicit import stability_bound
from ..schemes.implicit import (
    FixedPointSolver,
    SemiImplicitScheme,
    fixed_point_threshold,
    jacobi_iteration,
    jacobi_spectral_radius,
)
from ..signals import noisy_step
from .base import (
    App,
    check_app_noise,
    check_app_size,
    check_option,
    finite_or_gap,
    nice_ceiling,
)


class ImplicitApp(App):
    """Chapter 05: one implicit step of linear diffusion by three solvers -- two of them recurrent networks.

    The step u^{k+1} = (I + tau D^T D)^{-1} u^k (n = 1, reflecting, N = 64 by default) for a noisy step u^k.
    Controls: ``tau`` (log slider 0.01 .. 100), ``iterations`` l (1 .. 300) and ``solver``:

    * ``"fixed-point"``: v^{l+1} = u^k - tau D^T D v^l, v^0 = u^k -- one diffusion block with shared weights
      and the input injected every time; converges iff tau < tau_fp = 1 / ||D||^2 (about 1/4), with error
      factor tau / tau_fp per iteration, and diverges above;
    * ``"jacobi"``: v^{l+1} = M^{-1}(u^k + (M - A) v^l), M = diag(A): converges for every tau, factor
      rho_J = :func:`~pdelib.schemes.implicit.jacobi_spectral_radius` (just below 2 tau / (1 + 2 tau)), slowly
      for large tau;
    * ``"direct"``: the tridiagonal solve (:class:`pdelib.schemes.implicit.SemiImplicitScheme`), exact to rounding.

    Figure: a gauge with tau against tau_fp and the explicit bound tau* = 2 / ||D||^2 (log scale); the
    relative error ||v^l - u^{k+1}|| / ||u^k|| of both iterations against l (log scale; the selected solver
    bold, the theoretical factor dotted, a divergence marked with a cross); and the step: u^k, the exact
    u^{k+1} and the selected solver's result after l iterations (a diverged result is divided by its
    maximum, with the scale in red in the title). Recomputing costs two iterations of l steps on N points.

    Arguments: ``size`` N in [8, 4096], ``noise`` in [0, 10], ``seed`` >= 0, ``tau`` in [0.01, 100], ``iterations``
    in [1, 300], ``solver`` one of ``SOLVERS``' values. Wrong values raise a TypeError or ValueError naming
    the argument; :meth:`set` validates the same way and changes nothing on error.
    """

    figure_size = (11.5, 7.4)
    SOLVERS = {"fixed point (recurrent block)": "fixed-point", "Jacobi (recurrent)": "jacobi",
               "direct (tridiagonal solve)": "direct"}
    #: Largest number of inner iterations offered by the slider.
    MAX_ITERATIONS = 300
    #: Fixed limits of the error axis (relative to ||u^k||): a divergence is stopped at 1e6 times the
    #: initial error (at most one factor tau / tau_fp <= 400 beyond), so every update can blit.
    ERROR_LIMITS = (1e-17, 1e10)
    TAU_LIMITS = (0.01, 100.0)

    def __init__(self, size: int = 64, noise: float = 0.05, seed: int = 0, tau: float = 0.2,
                 iterations: int = 60, solver: str = "fixed-point") -> None:
        size = check_app_size(size)
        tau = check_real(tau, "tau", *self.TAU_LIMITS)
        iterations = check_int(iterations, "iterations", 1, self.MAX_ITERATIONS)
        solver = check_option(solver, "solver", self.SOLVERS)
        self.signal = noisy_step(size, noise=check_app_noise(noise), seed=seed)
        self.x = np.arange(size)
        self.operator = DerivativeOperator(1, size)
        self.linear = diffusivity("linear")
        self.fixed_point_bound = fixed_point_threshold(1.0, self.operator)
        self.explicit_bound = stability_bound(self.linear, self.operator)
        low, high = (math.log10(t) for t in self.TAU_LIMITS)
        controls = {
            "tau": widgets.FloatLogSlider(value=tau, base=10, min=low, max=high, step=0.01, description="τ",
                                          readout_format=".3f", layout=widgets.Layout(width="420px")),
            "iterations": widgets.IntSlider(value=iterations, min=1, max=self.MAX_ITERATIONS, step=1,
                                            description="iterations ℓ"),
            "solver": widgets.Dropdown(options=self.SOLVERS, value=solver, description="solver",
                                       layout=widgets.Layout(width="340px")),
        }
        super().__init__(controls)

    # -- building -------------------------------------------------------------------------------------

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["gauge", "gauge"], ["error", "step"]], height_ratios=(1, 5))
        self.ax_gauge, self.ax_error, self.ax_step = axes["gauge"], axes["error"], axes["step"]
        blue, orange, red = COLORS["blue"], COLORS["orange"], COLORS["vermillion"]

        gauge = self.ax_gauge
        gauge.set_xscale("log")
        gauge.set_xlim(*self.TAU_LIMITS)
        gauge.set_ylim(0, 1)
        gauge.set_yticks([])
        gauge.grid(False)
        gauge.set_xlabel("time step τ (log scale)")
        tau_fp, tau_star = self.fixed_point_bound, self.explicit_bound
        gauge.axvspan(self.TAU_LIMITS[0], tau_fp, color=COLORS["green"], alpha=0.25, linewidth=0)
        gauge.axvspan(tau_fp, self.TAU_LIMITS[1], color=COLORS["vermillion"], alpha=0.12, linewidth=0)
        for bound, text, align in ((tau_fp, f"fixed point converges below τ_fp = 1/‖D‖² = {tau_fp:.5f}", "right"),
                                   (tau_star, f"explicit scheme stable up to τ* = 2/‖D‖² = {tau_star:.4f}", "left")):
            gauge.axvline(bound, color=COLORS["black"], linewidth=2.5)
            gauge.text(bound * (0.93 if align == "right" else 1.07), 0.5, text, ha=align, va="center", fontsize=12)
        (self._tau_marker,) = gauge.plot([0.5], [0.5], "v", color=blue, markersize=16, clip_on=False, in_layout=False)

        ax = self.ax_error
        ax.set_yscale("log")
        ax.set(xlabel="iteration ℓ", ylabel="‖vˡ − uᵏ⁺¹‖ / ‖uᵏ‖", ylim=self.ERROR_LIMITS, xlim=(0, 60))
        (self._fixed_line,) = ax.plot([], [], color=blue, linestyle="-", label="fixed point")
        (self._jacobi_line,) = ax.plot([], [], color=orange, linestyle="--", label="Jacobi")
        (self._fixed_theory,) = ax.plot([], [], color=blue, linestyle=":", linewidth=1.5,
                                        label="(τ/τ_fp)ˡ")
        (self._jacobi_theory,) = ax.plot([], [], color=orange, linestyle=":", linewidth=1.5,
                                         label="ρ_Jˡ (exact radius)")
        (self._direct_marker,) = ax.plot([], [], "D", color=COLORS["green"], markersize=10, linestyle="none", clip_on=False, in_layout=False,
                                         label="direct solve (residual)")
        (self._divergence_marker,) = ax.plot([], [], "X", color=red, markersize=16, linestyle="none", clip_on=False, in_layout=False,
                                             label="diverged")
        # above the panel: the curves reach every corner of it (the direct solve's residual sits bottom left)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=11, ncols=3, borderaxespad=0.2)

        ax = self.ax_step
        ax.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-", label="uᵏ (noisy step)")
        (self._exact_line,) = ax.plot(self.x, self.signal, color=COLORS["black"], linestyle="--",
                                      label="exact uᵏ⁺¹")
        (self._result_line,) = ax.plot(self.x, self.signal, color=blue, linestyle="-", linewidth=2.2,
                                       label="solver after ℓ iterations")
        ax.set(xlabel="grid index i", ylabel="u", ylim=(-1.15, 1.35))  # fixed: a diverged result is rescaled
        # below the figure: a diverged result, rescaled to [-1, 1], crosses every corner of the panel
        figure.legend(handles=ax.get_lines(), loc="outside lower right", ncols=3, fontsize=11)

    # -- computing ------------------------------------------------------------------------------------

    def recompute(self) -> None:
        tau, iterations = self.controls["tau"].value, self.controls["iterations"].value
        u, D = self.signal, self.operator
        self.exact = SemiImplicitScheme(tau, self.linear, D).step(u)
        self.fixed = FixedPointSolver(tau, self.linear, D).solve(u, iterations, tolerance=1e-300, stop=False,
                                                                 reference=self.exact)
        self.jacobi = jacobi_iteration(u, tau, self.linear, D, iterations, reference=self.exact,
                                       tolerance=1e-300)
        self.fixed_factor = tau / self.fixed_point_bound
        self.jacobi_factor = jacobi_spectral_radius(tau, self.operator)
        # the direct solve has no iterations: its residual ||x + tau D^T D x - u^k|| / ||u^k|| is rounding
        residual = self.exact + tau * D.apply_transpose(D.apply(self.exact)) - u
        self.direct_residual = float(np.linalg.norm(residual) / np.linalg.norm(u))

    def result(self) -> np.ndarray:
        """The selected solver's u^{k+1}."""
        solver = self.controls["solver"].value
        if solver == "direct":
            return self.exact
        return (self.fixed if solver == "fixed-point" else self.jacobi).solution

    # -- drawing --------------------------------------------------------------------------------------

    def redraw(self) -> None:
        tau, iterations = self.controls["tau"].value, self.controls["iterations"].value
        solver = self.controls["solver"].value
        scale = float(np.linalg.norm(self.signal))
        self._tau_marker.set_data([tau], [0.5])

        fixed, jacobi = self.fixed.history / scale, self.jacobi.history / scale
        self._fixed_line.set_data(np.arange(fixed.size), finite_or_gap(fixed))
        self._jacobi_line.set_data(np.arange(jacobi.size), jacobi)
        ell = np.arange(iterations + 1)
        for line, start, factor in ((self._fixed_theory, fixed[0], self.fixed_factor),
                                    (self._jacobi_theory, jacobi[0], self.jacobi_factor)):
            exponent = np.clip(math.log10(start) + ell * math.log10(factor), -30.0, 30.0)  # no overflow
            line.set_data(ell, 10.0**exponent)
        for line, name in ((self._fixed_line, "fixed-point"), (self._jacobi_line, "jacobi")):
            line.set_linewidth(3.2 if solver == name else 1.4)
        self._direct_marker.set_data([1], [max(self.direct_residual, self.ERROR_LIMITS[0] * 2)])
        diverged = self.fixed.diverged
        self._divergence_marker.set_data([fixed.size - 1] if diverged else [],
                                         [float(fixed[-1])] if diverged else [])
        self.ax_error.set_xlim(0, nice_ceiling(iterations))

        result = self.result()
        largest = float(np.max(np.abs(result)))
        self._exact_line.set_ydata(self.exact)
        if solver == "fixed-point" and (diverged or largest > 10.0):
            self._result_line.set_ydata(result / largest)
            self.ax_step.set_title(f"DIVERGED: vˡ shown ÷ max|vˡ| = {largest:.2g}", color=COLORS["vermillion"])
        else:
            self._result_line.set_ydata(result)
            label = {"fixed-point": "fixed point", "jacobi": "Jacobi", "direct": "direct solve"}[solver]
            after = "" if solver == "direct" else f" after ℓ = {iterations}"
            self.ax_step.set_title(f"one step, τ = {tau:.3g}: {label}{after}", color=COLORS["black"])
        self._set_status(self.describe(), alarm=self.alarm_word is not None)

    @property
    def alarm_word(self) -> str | None:
        """DIVERGES when the selected solver is the fixed point and tau >= tau_fp (its error factor tau / tau_fp >= 1)."""
        return "DIVERGES" if self.controls["solver"].value == "fixed-point" and self.fixed_factor >= 1 else None

    def animated_artists(self) -> list:
        return [self._tau_marker, self._fixed_line, self._jacobi_line, self._fixed_theory, self._jacobi_theory,
                self._direct_marker, self._divergence_marker, self._exact_line, self._result_line,
                self.ax_step.title]

    # -- describing -----------------------------------------------------------------------------------

    def describe(self) -> str:
        """The status line (HTML, one line of at most 100 characters): tau against both bounds, and what the
        selected solver does at this tau."""
        tau, iterations = self.controls["tau"].value, self.controls["iterations"].value
        scale = float(np.linalg.norm(self.signal))
        head = f"τ = {tau:.3g} = {self.fixed_factor:.3g} τ_fp = {tau / self.explicit_bound:.3g} τ*"
        solver = self.controls["solver"].value
        if solver == "direct":
            return f"{head}: direct solve, residual {self.direct_residual:.0e}"
        if solver == "jacobi":
            return (f"{head}: Jacobi: factor {self.jacobi_factor:.3g} (measured {self._measured_rate(self.jacobi)}), "
                    f"error {self.jacobi.history[-1] / scale:.1e} at ℓ = {iterations}")
        fixed = self.fixed
        if self.fixed_factor >= 1:
            stopped = f"{fixed.history[-1] / scale:.2g} at ℓ = {fixed.iterations}"
            return f"{head}: fixed point DIVERGES, error ×{self.fixed_factor:.3g} per iteration, {stopped}"
        return (f"{head}: fixed point converges, factor {self._measured_rate(fixed)}, "
                f"error {fixed.history[-1] / scale:.1e} at ℓ = {iterations}")

    @staticmethod
    def _measured_rate(result) -> str:
        """The measured error factor per iteration, or "–" when too few iterations lie above rounding."""
        try:
            return f"{result.rate():.3g}"
        except ValueError:
            return "–"
