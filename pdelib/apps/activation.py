"""Chapter 03 widget: activation shapes, the sector condition and the scheme at its bound (:class:`ActivationApp`)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .._checks import check_real, check_values
from ..activations import ACTIVATIONS, PiecewiseLinearFlux, activation, secant_bound
from ..diffusivities import DIFFUSIVITIES, diffusivity
from ..operators import DerivativeOperator
from ..plots import COLORS
from ..schemes.explicit import Evolution, ExplicitScheme
from ..signals import noisy_step
from .base import (
    App,
    check_app_noise,
    check_app_size,
    check_app_steps,
    check_option,
)


class ActivationApp(App):
    """Chapter 03: activation functions are diffusivities -- pick or shape Phi and watch the scheme.

    Controls: ``family`` (the custom shape, every activation of :mod:`pdelib.activations` and every
    diffusivity), ``contrast`` (lambda) and ``c1`` ... ``c5``, the control values of a
    :class:`pdelib.activations.PiecewiseLinearFlux` at the knots s_i = i lambda / 2, in units of
    lambda: Phi(i lambda / 2) = c_i lambda. Moving a control value switches the family to "custom";
    the default shape (0.4, 0.5, 0.4, 0.25, 0.1) is Perona–Malik-like.

    Figure, with s in units of lambda (Phi_lambda(s) / lambda = Phi_1(s / lambda) for every family
    but TV, so moving lambda keeps the curves and changes the run):

    1. Phi(s)/lambda with the sector 0 <= Phi(s)/s <= L shaded, the backward-diffusion ranges
       Phi'(s) < 0 marked, the parts of Phi outside the sector in red, the control points of the
       custom shape, and where the signal's noise slopes (bar) and its edge slope (triangles; an
       arrow when it lies beyond the plot) fall;
    2. g = Phi(s)/s with the band [0, L];
    3. a noisy step after ``steps`` explicit steps (order n = 1) at tau* = 2 / (L ||D||^2);
    4. ||u^k||_2 and TV(u^k) against k, a blow-up marked as in :class:`TimeStepApp`.

    Outside the sector the theorem gives no step size: the app then runs the naive
    tau = 2 / (L~ ||D||^2) with L~ = max |Phi(s) - Phi(0)| / |s| over a wide grid
    (:func:`pdelib.activations.secant_bound`; for the custom shape exactly max_i |c_i / t_i|), says
    "outside the sector: the theorem does not apply", and reports what happens: a blow-up, a
    growing norm, drifting ends (Phi(0) != 0), or -- honestly -- nothing bad in this run.

    Arguments: ``size`` N in [8, 4096], ``steps`` in [1, 10^5] (steps N <= 10^8), ``contrast`` in [0.01, 1],
    ``family`` one of the dropdown's names, 1 to 12 ``values`` in [-1, 1]. Wrong values raise a TypeError or
    ValueError naming the argument; :meth:`set` validates the same way and changes nothing on error.
    """

    figure_size = (11.5, 7.4)
    #: The flux and ratio panels show s / lambda in [-S, S] (S > pi: where sin leaves the sector).
    S_RANGE = 4.0
    #: Range of the control values c_i (units of lambda): negative values leave the sector.
    VALUE_RANGE = (-1.0, 1.0)
    #: Fixed limits of the custom shape's panels (|c_i| <= 1 at t_i >= 1/2; the steepest tails leave the view).
    CUSTOM_FLUX_LIMITS = (-1.3, 1.3)
    CUSTOM_RATIO_LIMITS = (-2.2, 2.2)
    #: Most control values c_i (one slider each).
    MAX_VALUES = 12
    #: Grid of |s| / lambda on which L~ of a flux outside the sector is measured (with its negative).
    PROBE = np.concatenate([np.logspace(-6, 6, 1201), np.linspace(0.01, 10.0, 1000)])

    def __init__(self, size: int = 256, steps: int = 500, noise: float = 0.01, seed: int = 0,
                 family: str = "custom", contrast: float = 0.1,
                 values: tuple[float, ...] = (0.4, 0.5, 0.4, 0.25, 0.1)) -> None:
        size = check_app_size(size)
        self.steps = check_app_steps(steps, "steps", size)
        values = check_values(values, "values", minimum_size=0, finite=True)
        if not 1 <= values.size <= self.MAX_VALUES:
            raise ValueError(f"values must hold at least one value and at most {self.MAX_VALUES}, got {values.size}")
        values = tuple(values.tolist())
        self.signal = noisy_step(size, noise=check_app_noise(noise), seed=seed)
        self.x = np.arange(size)
        self.operator = DerivativeOperator(1, size)
        self.knots = PiecewiseLinearFlux(values).knots
        low, high = self.VALUE_RANGE
        if min(values) < low or max(values) > high:
            raise ValueError(f"values must lie in [{low:g}, {high:g}] (the range of the sliders), got {values}")
        slopes = np.sort(np.abs(np.diff(self.signal)))
        self.edge_slope = float(slopes[-1])
        self.noise_slope = float(np.quantile(slopes[:-1], 0.95))  # 95 % of the other slopes are smaller
        self.s_plot = np.linspace(-self.S_RANGE, self.S_RANGE, 800)  # even count: s = 0 is not a grid point
        self._value_names = tuple(f"c{i}" for i in range(1, len(values) + 1))
        controls = {
            "family": widgets.Dropdown(options=self.family_options(),
                                       value=check_option(family, "family", dict(self.family_options()).values()),
                                       description="Φ",
                                       layout=widgets.Layout(width="340px")),
            "contrast": widgets.FloatLogSlider(value=check_real(contrast, "contrast", 0.01, 1.0), base=10, min=-2,
                                               max=0, step=0.05,
                                               description="λ", readout_format=".3f"),
        }
        for name, value in zip(self._value_names, values):
            controls[name] = widgets.FloatSlider(
                value=value, min=low, max=high, step=0.05, description=name, orientation="vertical",
                readout_format=".2f", layout=widgets.Layout(height="150px", width="60px"))
        super().__init__(controls)

    @staticmethod
    def family_options() -> list[tuple[str, str]]:
        """Dropdown entries (label, name): the custom shape, the activations, then the diffusivities."""
        options = [("custom: the sliders cᵢ", "custom")]
        for name in ACTIVATIONS:
            flux = activation(name)
            options.append((f"{'activation' if flux.in_sector else 'outside'} · {flux.title}", name))
        options += [(f"diffusivity · {diffusivity(name).title}", name) for name in DIFFUSIVITIES]
        return options

    # -- building -------------------------------------------------------------------------------------

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["flux", "ratio"], ["signal", "norm"]], width_ratios=(3, 2))
        self.ax_flux, self.ax_ratio = axes["flux"], axes["ratio"]
        self.ax_signal, self.ax_norm = axes["signal"], axes["norm"]
        x, nan = self.s_plot, np.full(self.s_plot.shape, np.nan)
        green, red, black = COLORS["green"], COLORS["vermillion"], COLORS["black"]

        ax = self.ax_flux
        ax.axhline(0.0, color=black, linewidth=0.8)
        ax.axvline(0.0, color=black, linewidth=0.8)
        self._sector = ax.add_patch(Polygon(np.zeros((6, 2)), closed=True, facecolor=green, alpha=0.2, linewidth=0,
                                            label="sector 0 ≤ Φ(s)/s ≤ L"))
        self._backward = PolyCollection([], transform=ax.get_xaxis_transform(), facecolor=red, alpha=0.12,
                                        linewidth=0, label="Φ′ < 0: backward diffusion")
        ax.add_collection(self._backward, autolim=False)
        (self._flux_line,) = ax.plot(x, x, color=COLORS["blue"], linestyle="-", label="Φ(s) and g = Φ(s)/s")
        (self._flux_outside,) = ax.plot(x, nan, color=red, linestyle="-", linewidth=4.5, label="outside the sector")
        (self._points,) = ax.plot([], [], "o", color=COLORS["orange"], markeredgecolor=black, markersize=9,
                                  linestyle="none", label="control values cᵢ")
        self._point_labels = [ax.text(knot, 0.97, name, transform=ax.get_xaxis_transform(), ha="center", va="top",
                                      fontsize=11) for knot, name in zip(self.knots, self._value_names)]
        (self._noise_bar,) = ax.plot([0, 0], [0.04, 0.04], transform=ax.get_xaxis_transform(), color=COLORS["sky"],
                                     linewidth=9, solid_capstyle="butt", label="noise slopes of u⁰ (95 %)")
        (self._edge_marks,) = ax.plot([0, 0], [0.04, 0.04], "^", transform=ax.get_xaxis_transform(), color=black,
                                      markersize=12, linestyle="none", label="edge slope of u⁰ (▸ beyond)")
        ax.set(xlabel="derivative s / λ", ylabel="flux Φ(s) / λ", xlim=(-self.S_RANGE, self.S_RANGE))

        ax = self.ax_ratio
        ax.axhline(0.0, color=black, linewidth=0.8)
        self._band = ax.axhspan(0.0, 1.0, facecolor=green, alpha=0.2, linewidth=0)
        self._bound_line = ax.axhline(1.0, color=black, linewidth=1.5, linestyle="--", label="L (outside: naive L̃)")
        (self._ratio_line,) = ax.plot(x, np.ones_like(x), color=COLORS["blue"], linestyle="-")
        (self._ratio_outside,) = ax.plot(x, nan, color=red, linestyle="-", linewidth=4.5)
        ax.set(xlabel="derivative s / λ", ylabel="g = Φ(s) / s", xlim=(-self.S_RANGE, self.S_RANGE))

        handles = [self._flux_line, self._sector, self._bound_line, self._flux_outside, self._backward,
                   self._points, self._noise_bar, self._edge_marks]
        figure.legend(handles=handles, loc="outside upper center", ncols=4, fontsize=11)

        self._build_run_axes()

    # -- reacting -------------------------------------------------------------------------------------

    def _on_change(self, change: dict) -> None:
        """A moved control value switches the family to "custom" (one update)."""
        if (not self._holding and self.controls["family"].value != "custom"
                and any(change["owner"] is self.controls[name] for name in self._value_names)):
            with self.holding():
                self.controls["family"].value = "custom"
        super()._on_change(change)

    def make_flux(self):
        """The flux Phi of the current controls: a PiecewiseLinearFlux, an activation or a diffusivity."""
        family, contrast = self.controls["family"].value, self.controls["contrast"].value
        if family == "custom":
            return PiecewiseLinearFlux([self.controls[name].value for name in self._value_names], contrast=contrast)
        if family in DIFFUSIVITIES:
            return diffusivity(family, contrast)
        return activation(family, contrast=contrast)

    def recompute(self) -> None:
        self.flux = flux = self.make_flux()
        if flux.in_sector:
            self.effective_bound = flux.bound if flux.bound > 0 else 1.0  # Phi = 0: every tau is stable
        elif isinstance(flux, PiecewiseLinearFlux):
            self.effective_bound = max(abs(ratio) for ratio in flux.ratio_range)
        else:
            self.effective_bound = secant_bound(flux, flux.contrast * np.concatenate([self.PROBE, -self.PROBE]))
        self.tau = 2.0 / (self.effective_bound * self.operator.norm_squared())
        self.run: Evolution = ExplicitScheme(self.tau, flux, self.operator).evolve(self.signal, self.steps)

    # -- drawing --------------------------------------------------------------------------------------

    @staticmethod
    def _rounded_limits(low: float, high: float) -> tuple[float, float]:
        """Padded limits, rounded outwards to a tenth of the leading decade: rounding noise keeps them (blitting)."""
        pad = 0.08 * (high - low)
        step = 10.0 ** math.floor(math.log10(max(abs(low), abs(high), 1e-12))) / 10
        return (math.floor((low - pad) / step + 1e-6) * step, math.ceil((high + pad) / step - 1e-6) * step)

    def _axis_limits(self) -> tuple:
        """Axis limits plus the texts kept in the cached background (panel titles, knot labels).

        They change only with the family or with leaving the sector; then the figure is redrawn in full.
        """
        texts = tuple((t.get_text(), t.get_color(), t.get_visible())
                      for t in (self.ax_flux.title, self.ax_ratio.title, *self._point_labels))
        return super()._axis_limits() + texts

    def redraw(self) -> None:
        flux, run, lam = self.flux, self.run, self.flux.contrast
        custom, in_sector = isinstance(flux, PiecewiseLinearFlux), flux.in_sector
        bound = flux.bound if in_sector else self.effective_bound  # the band [0, L] shown (empty for Phi = 0)
        x = self.s_plot
        s = lam * x
        phi = flux.flux(s)
        y, ratio = phi / lam, phi / s
        red, black = COLORS["vermillion"], COLORS["black"]

        # (1) the flux, its sector, its backward-diffusion ranges, the slopes of the signal
        X = 1.05 * self.S_RANGE
        self._sector.set_xy([(-X, 0.0), (-X, -bound * X), (0.0, 0.0), (X, bound * X), (X, 0.0), (0.0, 0.0)])
        self._flux_line.set_ydata(y)
        outside = (ratio < -1e-12 * bound) | (ratio > bound * (1 + 1e-9))
        outside[1:] |= outside[:-1].copy()
        outside[:-1] |= outside[1:].copy()  # widened by a point, so that short pieces show
        self._flux_outside.set_ydata(np.where(outside, y, np.nan))
        backward = np.concatenate([[0], (flux.flux_derivative(s) < 0).astype(np.int8), [0]])
        changes = np.flatnonzero(np.diff(backward))
        half = 0.5 * (x[1] - x[0])
        spans = [(max(x[a] - half, -X), min(x[b - 1] + half, X)) for a, b in zip(changes[::2], changes[1::2])]
        self._backward.set_verts([[(a, 0), (b, 0), (b, 1), (a, 1)] for a, b in spans])
        if custom:
            self._points.set_data(np.concatenate([-flux.knots[::-1], flux.knots]),
                                  np.concatenate([-flux.values[::-1], flux.values]))
            self.ax_flux.set_ylim(*self.CUSTOM_FLUX_LIMITS)
        else:
            self._points.set_data([], [])
            low, high = float(y.min()), float(y.max())
            span = high - low
            self.ax_flux.set_ylim(*self._rounded_limits(min(low, -0.2 * span), max(high, 0.2 * span)))
        for label in self._point_labels:
            label.set_visible(custom)
        noise, edge = self.noise_slope / lam, self.edge_slope / lam
        self._noise_bar.set_xdata([-noise, noise])
        beyond = edge > self.S_RANGE
        self._edge_marks.set_xdata([-0.96 * self.S_RANGE, 0.96 * self.S_RANGE] if beyond else [-edge, edge])
        self._edge_marks.set_marker(">" if beyond else "^")
        self._edge_marks.set_markevery([1] if beyond else None)  # one arrow, pointing off the plot
        self.ax_flux.set_title(f"Φ: {flux.title}" if in_sector else f"Φ: {flux.title}: outside the sector",
                               color=black if in_sector else red)

        # (2) the ratio g = Phi(s)/s and the band [0, L]
        self._band.set_height(bound)
        self._bound_line.set_ydata([bound, bound])
        self._ratio_line.set_ydata(ratio)
        self._ratio_outside.set_ydata(np.where(outside, ratio, np.nan))
        if custom:
            self.ax_ratio.set_ylim(*self.CUSTOM_RATIO_LIMITS)
        elif in_sector:
            self.ax_ratio.set_ylim(-0.12 * bound, 1.15 * bound)
        else:
            clipped = np.clip(ratio, -3 * bound, 3 * bound)
            self.ax_ratio.set_ylim(*self._rounded_limits(min(float(clipped.min()), 0.0),
                                                         max(float(clipped.max()), bound)))
        self.ax_ratio.set_title("g = Φ(s)/s in the band [0, L]" if in_sector else "Φ(s)/s leaves every band [0, L]",
                                color=black if in_sector else red)

        # (3) the evolution and (4) its norms, as in TimeStepApp
        self._show_run(run, f"after K = {run.norms.size - 1} steps of τ = {self.tau:.4f}")
        self._set_status(self.describe(), alarm=run.blowup is not None or not run.norm_nonincreasing)

    @property
    def alarm_word(self) -> str | None:
        """BLOW-UP if the run overflowed (||u^k|| > 10^6 ||u^0|| or non-finite), GROWS if ||u^k|| increased at
        some step without overflow, else None."""
        if self.run.blowup is not None:
            return "BLOW-UP"
        return None if self.run.norm_nonincreasing else "GROWS"

    def animated_artists(self) -> list:
        return [self._sector, self._backward, self._flux_line, self._flux_outside, self._points, self._noise_bar,
                self._edge_marks, self._band, self._bound_line, self._ratio_line, self._ratio_outside,
                self._final_line, self._norm_line, self._tv_line, self._blowup_marker, self.ax_signal.title]

    def describe(self) -> str:
        """The status line (HTML, one line of at most 100 characters): in the sector (L, tau) and what the run
        shows. The family, lambda and the c_i are on the controls; backward diffusion (Phi' < 0) is shaded."""
        flux, tau = self.flux, self.tau
        if flux.in_sector and flux.bound > 0:
            sector = f"in the sector, L = {flux.bound:.3g}, τ* = {tau:.4f}"
        elif flux.in_sector:
            sector = "in the sector, Φ ≡ 0: nothing moves"
        else:
            sector = f"<b>outside the sector</b>, naive τ = {tau:.4f} (L̃ = {self.effective_bound:.3g})"
        return f"{sector}: {self._outcome()}"

    def _outcome(self) -> str:
        run, flux = self.run, self.flux
        norms, tvs = run.norms, run.total_variations
        drifts = float(flux.flux(0.0)) != 0.0
        word = self.alarm_word
        if word == "BLOW-UP":
            text = f"BLOW-UP at step {run.blowup.step}"
        elif word == "GROWS":
            text = f"‖uᵏ‖ GROWS to {norms.max() / norms[0]:.3g} × ‖u⁰‖"
        else:
            text = "‖uᵏ‖ never increases" + ("" if flux.in_sector else " here")
            if not drifts:
                text += f", TV {tvs[0]:.3g} → {tvs[-1]:.3g}"
        return text + ("; Φ(0) ≠ 0: ends drift" if drifts else "")
