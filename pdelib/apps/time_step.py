"""Chapter 02 widget: the time step tau against its stability bound (:class:`TimeStepApp`)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .._checks import check_real
from ..diffusivities import diffusivity
from ..operators import DerivativeOperator
from ..schemes.explicit import Evolution, ExplicitScheme, stability_bound
from ..signals import noisy_step
from .base import (
    DIFFUSIVITY_LABELS,
    BoundedTauApp,
    check_app_contrast,
    check_app_noise,
    check_app_size,
    check_app_steps,
    check_option,
    ratio_text,
)

#: Orders offered by the ``order`` control.
ORDERS = {"n = 1": 1, "n = 2": 2}


class TimeStepApp(BoundedTauApp):
    """Chapter 02: the time step tau of the explicit scheme against its stability bound.

    Controls: ``tau``, ``diffusivity``, ``order`` (n = 1, 2). For a noisy step of N points
    it runs ``steps`` explicit steps u^{k+1} = u^k - tau D^T Phi(D u^k) and shows
    the signal, ||u^k||_2 and TV(u^k) against k, and where tau sits relative to
    tau* = 2 / (L ||D||^2). A blow-up is marked, never hidden.

    Arguments: ``size`` N in [8, 4096], ``steps`` in [1, 10^5] (steps N <= 10^8), ``contrast`` lambda in
    [0.001, 1000], ``noise`` in [0, 10], ``seed`` >= 0, ``diffusivity_name`` one of ``pdelib.DIFFUSIVITIES``,
    ``order`` 1 or 2, ``tau`` in [0, 1.6 tau*] (the slider's range). Wrong values raise a TypeError or
    ValueError naming the argument; :meth:`set` validates the same way and changes nothing on error.
    """

    status_lines = 2
    figure_size = (11.0, 6.2)

    def __init__(self, size: int = 256, steps: int = 500, contrast: float = 0.1, noise: float = 0.01,
                 seed: int = 0, tau: float = 0.45, diffusivity_name: str = "linear", order: int = 1) -> None:
        size = check_app_size(size)
        self.steps = check_app_steps(steps, "steps", size)
        self.contrast = check_app_contrast(contrast)
        self.signal = noisy_step(size, noise=check_app_noise(noise), seed=seed)
        self.x = np.arange(size)
        diffusivity_name = check_option(diffusivity_name, "diffusivity_name", DIFFUSIVITY_LABELS)
        order = check_option(order, "order", ORDERS)
        limits = self.tau_limits({"diffusivity": diffusivity_name, "order": order})
        tau = check_real(tau, "tau", *limits)
        controls = {
            "tau": widgets.FloatSlider(value=tau, min=0.0, max=limits[1], step=0.001,
                                       description="τ",
                                       readout_format=".4f", layout=widgets.Layout(width="420px")),
            "diffusivity": widgets.Dropdown(options=DIFFUSIVITY_LABELS, value=diffusivity_name,
                                            description="diffusivity"),
            "order": widgets.ToggleButtons(options=list(ORDERS.items()), value=order,
                                           description="order"),
        }
        super().__init__(controls)

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["gauge", "gauge"], ["signal", "norm"]], height_ratios=(1, 5),
                                     width_ratios=(3, 2))
        gauge, self.ax_signal, self.ax_norm = axes["gauge"], axes["signal"], axes["norm"]
        self._build_gauge(gauge, "time step τ")

        self._build_run_axes()

    def bound_for(self, settings: dict[str, object]) -> float:
        """tau* = 2 / (L ||D||^2) for the diffusivity and order in ``settings``."""
        operator = DerivativeOperator(settings["order"], self.signal.size)
        return stability_bound(diffusivity(settings["diffusivity"], self.contrast), operator)

    def _diffusivity(self):
        return diffusivity(self.controls["diffusivity"].value, self.contrast)

    def _operator(self) -> DerivativeOperator:
        return DerivativeOperator(self.controls["order"].value, self.signal.size)

    def recompute(self) -> None:
        self.follow_bound()
        tau = self.controls["tau"].value
        scheme = ExplicitScheme(max(tau, 1e-12), self._diffusivity(), self._operator())
        self.run: Evolution = scheme.evolve(self.signal, self.steps)
        self.ratio = tau / self.bound

    def redraw(self) -> None:
        run, bound, tau = self.run, self.bound, self.controls["tau"].value
        self._draw_gauge(bound, tau)

        self._show_run(run, f"after K = {run.norms.size - 1} steps, time T = {tau * self.steps:.4g}")
        alarm = run.blowup is not None or (self.ratio > 1 and run.total_variations[-1] > run.total_variations[0])
        self._set_status(self.describe(), alarm=alarm)

    def animated_artists(self) -> list:
        return [self._tau_marker, self._final_line, self._norm_line, self._tv_line, self._blowup_marker,
                self.ax_signal.title]

    def describe(self) -> str:
        """One line on what the current run shows (the status line)."""
        run, tau = self.run, self.controls["tau"].value
        norms, tvs = run.norms, run.total_variations
        head = f"{self._diffusivity().title}, n = {self.controls['order'].value}, τ = {tau:.4f} = {ratio_text(self.ratio)} τ*"
        if run.blowup is not None:
            return (f"BLOW-UP at step {run.blowup.step}: ‖u‖ = {run.blowup.norm:.3g} = {run.blowup.growth:.2g} × ‖u⁰‖"
                    f" &nbsp; ({head})")
        norm_text = (f"‖uᵏ‖ never increases ({norms[0]:.3g} → {norms[-1]:.3g})" if run.norm_nonincreasing
                     else f"‖uᵏ‖ increases (min {norms.min():.3g}, final {norms[-1]:.3g})")
        if self.ratio <= 1:
            return f"{head}: stable, {norm_text}; TV {tvs[0]:.3g} → {tvs[-1]:.3g}"
        if tvs[-1] <= tvs[0]:
            return f"{head}: above τ*, the theorem no longer applies; here still {norm_text}; TV {tvs[0]:.3g} → {tvs[-1]:.3g}"
        tail = tvs[-(tvs.size // 3 + 1):]
        growth = (f"grow, then level off at TV ≈ {tvs[-1]:.3g}" if tail.max() <= 1.1 * tail.min()
                  else f"grow: TV {tvs[0]:.3g} → {tvs[-1]:.3g}")
        return f"{head}: UNSTABLE, no overflow but oscillations {growth} (TV⁰ = {tvs[0]:.3g}); {norm_text}"
