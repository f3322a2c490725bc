"""Chapter 01 widget: diffusivity, contrast, order and time -> the evolving signal (:class:`DiffusionApp`)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .._checks import check_real
from ..diffusivities import diffusivity
from ..measures import max_slope
from ..operators import DerivativeOperator
from ..plots import COLORS, shade_backward_diffusion
from ..schemes.explicit import diffuse, stability_bound
from ..signals import noisy_step
from .base import (
    DIFFUSIVITY_LABELS,
    App,
    check_app_size,
    check_app_steps,
    check_option,
)


class DiffusionApp(App):
    """Chapter 01: nonlinear diffusion of a noisy step under a chosen diffusivity.

    Controls: ``diffusivity``, ``contrast`` (lambda), ``order`` (n = 1, 2) and diffusion
    ``time`` T. The evolution uses the explicit scheme at its stability bound
    tau* = 2/(L ||D||^2) with K = ceil(T / tau*) steps of tau = T / K.
    Left: the flux Phi(s) with its backward-diffusion range shaded. Right: f and u(T).

    Arguments: ``size`` N in [8, 4096], ``max_steps`` in [1, 10^5] (max_steps N <= 10^8), and initial
    control values within the controls' ranges (``contrast`` in [0.01, 1], ``time`` in [0, 100], ``order``
    1 or 2, ``diffusivity_name`` one of ``pdelib.DIFFUSIVITIES``). Wrong values raise a TypeError or
    ValueError naming the argument; :meth:`set` validates the same way and changes nothing on error.
    """

    status_lines = 2
    figure_size = (11.5, 4.6)

    def __init__(self, size: int = 256, seed: int = 0, diffusivity_name: str = "perona-malik",
                 contrast: float = 0.1, order: int = 1, time: float = 20.0, max_steps: int = 4000) -> None:
        size = check_app_size(size)
        self.max_steps = check_app_steps(max_steps, "max_steps", size)
        diffusivity_name = check_option(diffusivity_name, "diffusivity_name", DIFFUSIVITY_LABELS)
        contrast = check_real(contrast, "contrast", 0.01, 1.0)
        order = check_option(order, "order", (1, 2))
        time = check_real(time, "time", 0.0, 100.0)
        self.signal = noisy_step(size, seed=seed)
        self.x = np.arange(size)
        controls = {
            "diffusivity": widgets.Dropdown(options=DIFFUSIVITY_LABELS, value=diffusivity_name,
                                            description="diffusivity"),
            "contrast": widgets.FloatLogSlider(value=contrast, base=10, min=-2, max=0, step=0.05,
                                               description="λ", readout_format=".3f"),
            "order": widgets.ToggleButtons(options=[("n = 1", 1), ("n = 2", 2)], value=order,
                                           description="order"),
            "time": widgets.FloatSlider(value=time, min=0.0, max=100.0, step=1.0, description="time T",
                                        readout_format=".0f"),
        }
        super().__init__(controls)

    def build(self, figure: Figure) -> None:
        self.ax_flux, self.ax_signal = figure.subplots(ncols=2, width_ratios=(2, 3))
        self.s = np.linspace(0, 1.0, 401)
        (self._flux_line,) = self.ax_flux.plot(self.s, self.s, color=COLORS["blue"], linestyle="-", label="Φ(s)")
        self.ax_flux.plot(self.s, self.s, color=COLORS["grey"], linewidth=1.2, linestyle=":", label="linear: s")
        self._lambda_line = self.ax_flux.axvline(0.0, color=COLORS["black"], linewidth=1.2, label="s = λ")
        self._backward = None
        self.ax_flux.set(xlabel="derivative s", ylabel="flux Φ(s)", xlim=(0, 1), ylim=(0, 1))
        self.ax_flux.legend(loc="upper right")
        self.ax_signal.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-",
                            label="f (noisy step)")
        (self._u_line,) = self.ax_signal.plot(self.x, self.signal, color=COLORS["blue"], linestyle="-", label="u(T)")
        self.ax_signal.set(xlabel="grid index i", ylabel="u", ylim=(-0.35, 1.35))
        self.ax_signal.legend(loc="upper left")

    def recompute(self) -> None:
        values = {name: control.value for name, control in self.controls.items()}
        self.diffusivity = diffusivity(values["diffusivity"], values["contrast"])
        operator = DerivativeOperator(values["order"], self.signal.size)
        self.steps_needed = math.ceil(values["time"] / stability_bound(self.diffusivity, operator))
        self.run = diffuse(self.signal, values["time"], self.diffusivity, operator, max_steps=self.max_steps)

    def redraw(self) -> None:
        diff, run = self.diffusivity, self.run
        self._flux_line.set_ydata(diff.flux(self.s))
        self._lambda_line.set_xdata([diff.contrast, diff.contrast])
        if self._backward is not None:
            self._backward.remove()
        self._backward = shade_backward_diffusion(self.ax_flux, diff, self.s)
        regions = "Φ′ ≥ 0: forward only" if diff.monotone else "shaded: Φ′ < 0, backward"
        self.ax_flux.set_title(f"{diff.title}; {regions}")
        self.ax_flux.set_ylim(0, 1.15 * float(self._flux_line.get_ydata().max()))
        self._u_line.set_ydata(run.final)
        self.ax_signal.set_title(f"u(T) at T = {run.time:.3g}")
        steps_done = run.norms.size - 1
        steps = f"K = {steps_done} steps of τ = {run.tau:.4g}"
        if steps_done < self.steps_needed:
            steps = (f"T = {self.controls['time'].value:g} needs {self.steps_needed} explicit steps; shown: T = "
                     f"{run.time:.3g} after {steps_done} steps (L = {diff.bound:g} forces a small τ)")
        self._set_status(
            f"{diff.title}, λ = {diff.contrast:.3g}, n = {self.controls['order'].value}: {steps}. "
            f"Steepest slope max|u_(i+1) − u_i| = {max_slope(run.final):.3f} (f: {max_slope(self.signal):.3f}); "
            f"mean {run.final.mean():.4f} (f: {self.signal.mean():.4f})"
        )

    def animated_artists(self) -> list:
        return [self._backward, self._flux_line, self._lambda_line, self._u_line, self.ax_flux.title,
                self.ax_signal.title]
