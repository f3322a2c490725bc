"""Widget apps of the course (chapters 01-02): controls, a status line and a live figure.

Each app recomputes with the numpy solvers and updates its matplotlib artists in place
(no figure is recreated, nothing is printed), so it stays live and passes strict nbval.
The figure lives in an ipympl canvas widget; without a browser (tests, benchmarks) the
same canvas renders with Agg.

DOM classes for the browser tests: the app container has ``pdelib-app``, the status line
``pdelib-status`` and each control ``pdelib-<name>`` (e.g. ``pdelib-tau``).
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.figure import Figure

from .diffusivities import DIFFUSIVITIES, diffusivity
from .explicit import Evolution, ExplicitScheme, diffuse, stability_bound
from .measures import max_slope
from .operators import DerivativeOperator
from .plots import COLORS, new_figure, new_mosaic, shade_backward_diffusion
from .signals import noisy_step

#: Labels of the diffusivity dropdowns: label -> pdelib name.
DIFFUSIVITY_LABELS = {diffusivity(name).title: name for name in DIFFUSIVITIES}


def attach_canvas(figure: Figure) -> Canvas:
    """Give ``figure`` an ipympl canvas widget (interactive in JupyterLab, Agg when headless)."""
    canvas = Canvas(figure)
    FigureManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return canvas


class App:
    """Base class: ``controls`` (name -> widget), ``status`` (HTML), ``figure`` and ``canvas``.

    Subclasses build their axes and artists once in ``__init__`` and implement
    :meth:`recompute` (numbers only) and :meth:`redraw` (artists only).
    """

    def __init__(self, controls: dict[str, widgets.Widget], figure: Figure) -> None:
        self.controls = controls
        self.defaults = {name: control.value for name, control in controls.items()}
        self.figure = figure
        self.canvas = attach_canvas(figure)
        self.status = widgets.HTML(layout=widgets.Layout(min_height="2.6em"))
        self.status.add_class("pdelib-status")
        reset = widgets.Button(description="reset", tooltip="return every control to its default")
        reset.add_class("pdelib-reset")
        reset.on_click(lambda _: self.reset())
        for name, control in controls.items():
            control.add_class(f"pdelib-{name}")
            control.style.description_width = "initial"
            control.observe(self._on_change, names="value")
        self._holding = False
        self.widget = widgets.VBox(
            [widgets.HBox([*controls.values(), reset], layout=widgets.Layout(flex_flow="row wrap")),
             self.status, self.canvas]
        )
        self.widget.add_class("pdelib-app")

    def freeze_layout(self) -> None:
        """Compute the constrained layout once, then keep it: redraws skip the layout pass (half the cost)."""
        self.figure.draw_without_rendering()
        self.figure.set_layout_engine("none")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _on_change(self, change: dict) -> None:
        if not self._holding:
            self.update()

    def set(self, **values: object) -> None:
        """Set several controls at once and update once (e.g. ``app.set(tau=0.6, order=2)``)."""
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()

    def reset(self) -> None:
        """Return every control to its default value."""
        self.set(**self.defaults)

    def update(self) -> None:
        """Recompute, then redraw the artists in place."""
        self.recompute()
        self.redraw()
        self.canvas.draw_idle()

    def recompute(self) -> None:
        raise NotImplementedError

    def redraw(self) -> None:
        raise NotImplementedError

    def _set_status(self, text: str, alarm: bool = False) -> None:
        color = COLORS["vermillion"] if alarm else COLORS["black"]
        weight = "bold" if alarm else "normal"
        self.status.value = f'<span style="font-size:1.15em;color:{color};font-weight:{weight}">{text}</span>'


class TimeStepApp(App):
    """Chapter 02: the time step tau of the explicit scheme against its stability bound.

    Controls: ``tau``, ``diffusivity``, ``order`` (n = 1, 2). For a noisy step of N points
    it runs ``steps`` explicit steps u^{k+1} = u^k - tau D^T Phi(D u^k) and shows
    the signal, ||u^k||_2 and TV(u^k) against k, and where tau sits relative to
    tau* = 2 / (L ||D||^2). A blow-up is marked, never hidden.
    """

    def __init__(self, size: int = 256, steps: int = 500, contrast: float = 0.1, seed: int = 0,
                 tau: float = 0.45, diffusivity_name: str = "linear", order: int = 1) -> None:
        self.steps = steps
        self.contrast = contrast
        self.signal = noisy_step(size, seed=seed)
        self.x = np.arange(size)
        tau_control = widgets.FloatSlider(value=tau, min=0.0, max=1.0, step=0.001, description="τ",
                                          readout_format=".3f", continuous_update=True,
                                          layout=widgets.Layout(width="420px"))
        controls = {
            "tau": tau_control,
            "diffusivity": widgets.Dropdown(options=DIFFUSIVITY_LABELS, value=diffusivity_name,
                                            description="diffusivity"),
            "order": widgets.ToggleButtons(options=[("n = 1", 1), ("n = 2", 2)], value=order,
                                           description="order"),
        }
        figure, axes = new_mosaic(11, 6.2, [["gauge", "gauge"], ["signal", "norm"]], height_ratios=(1, 5),
                                  width_ratios=(3, 2))
        self.ax_signal, self.ax_norm = axes["signal"], axes["norm"]
        self._build_artists(axes["gauge"])
        super().__init__(controls, figure)
        self._rescale_tau_slider()
        self.update()
        self.freeze_layout()

    def _build_artists(self, gauge) -> None:
        self.ax_gauge = gauge
        gauge.set_yticks([])
        gauge.grid(False)
        gauge.set_xlabel("time step τ")
        self._stable_band = gauge.axvspan(0, 1, color=COLORS["green"], alpha=0.25, linewidth=0)
        self._unstable_band = gauge.axvspan(1, 2, color=COLORS["vermillion"], alpha=0.25, linewidth=0)
        self._bound_line = gauge.axvline(1, color=COLORS["black"], linewidth=2.5)
        self._bound_text = gauge.text(1, 1.05, "", transform=gauge.get_xaxis_transform(), ha="center",
                                      va="bottom", fontsize=12)
        (self._tau_marker,) = gauge.plot([0.5], [0.5], "v", color=COLORS["blue"], markersize=16)
        gauge.set_ylim(0, 1)

        ax = self.ax_signal
        ax.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-", label="u⁰ (noisy step)")
        (self._final_line,) = ax.plot(self.x, self.signal, color=COLORS["blue"], linestyle="-", label="u^K")
        ax.set(xlabel="grid index i", ylabel="u")
        ax.legend(loc="upper left")

        ax = self.ax_norm
        (self._norm_line,) = ax.semilogy([0], [1], color=COLORS["blue"], linestyle="-", label="‖uᵏ‖₂")
        (self._tv_line,) = ax.semilogy([0], [1], color=COLORS["orange"], linestyle="--", label="TV(uᵏ)")
        (self._blowup_marker,) = ax.plot([], [], "X", color=COLORS["vermillion"], markersize=16,
                                         label="blow-up")
        ax.set(xlabel="step k", ylabel="norm, total variation", xlim=(0, self.steps))
        ax.legend(loc="upper right")

    @property
    def bound(self) -> float:
        """tau* = 2 / (L ||D||^2) for the current diffusivity and order."""
        return stability_bound(self._diffusivity(), self._operator())

    def _diffusivity(self):
        return diffusivity(self.controls["diffusivity"].value, self.contrast)

    def _operator(self) -> DerivativeOperator:
        return DerivativeOperator(self.controls["order"].value, self.signal.size)

    def _rescale_tau_slider(self) -> None:
        """Keep tau / tau* when the bound changes; the slider spans 0 .. 1.6 tau*."""
        slider = self.controls["tau"]
        ratio = slider.value / getattr(self, "_slider_bound", self.bound)  # first call: bound itself
        self._slider_bound = bound = self.bound
        self._holding = True
        try:
            slider.max = 1.6 * bound
            slider.step = bound / 500
            slider.value = min(ratio * bound, slider.max)
        finally:
            self._holding = False

    def set(self, **values: object) -> None:
        """Set controls and update; ``tau`` is applied last, after the bound has followed the others."""
        tau = values.pop("tau", None)
        super().set(**values)
        if tau is not None:
            super().set(tau=tau)

    def recompute(self) -> None:
        if self.bound != self._slider_bound:
            self._rescale_tau_slider()
        tau = self.controls["tau"].value
        scheme = ExplicitScheme(max(tau, 1e-12), self._diffusivity(), self._operator())
        self.run: Evolution = scheme.evolve(self.signal, self.steps)
        self.ratio = tau / self.bound

    def redraw(self) -> None:
        run, bound, tau = self.run, self.bound, self.controls["tau"].value
        gauge = self.ax_gauge
        gauge.set_xlim(0, 1.65 * bound)
        self._stable_band.set_x(0)
        self._stable_band.set_width(bound)
        self._unstable_band.set_x(bound)
        self._unstable_band.set_width(0.6 * bound)
        self._bound_line.set_xdata([bound, bound])
        self._bound_text.set_x(bound)
        self._bound_text.set_text(f"τ* = 2/(L‖D‖²) = {bound:.4f}")
        self._tau_marker.set_data([tau], [0.5])

        final = run.final if np.all(np.isfinite(run.final)) else run.states[-2]
        self._final_line.set_ydata(final)
        self._final_line.set_label(f"$u^{{{run.steps[-1]}}}$")
        self.ax_signal.legend(loc="upper left")
        low, high = float(final.min()), float(final.max())
        pad = 0.08 * max(high - low, 1.0)
        self.ax_signal.set_ylim(min(low, -0.2) - pad, max(high, 1.2) + pad)

        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, run.norms)
        self._tv_line.set_data(k, run.total_variations)
        values = np.concatenate([run.norms, run.total_variations])
        values = values[np.isfinite(values) & (values > 0)]
        self.ax_norm.set_ylim(values.min() / 2, values.max() * 3)

        if run.blowup is not None:
            self._blowup_marker.set_data([run.blowup.step], [run.norms[-1] if np.isfinite(run.norms[-1])
                                                              else values.max()])
            self.ax_signal.set_title(f"BLOW-UP at step {run.blowup.step}: |u| reaches {np.abs(final).max():.2g}",
                                     color=COLORS["vermillion"])
            self._set_status(
                f"BLOW-UP at step {run.blowup.step}: ‖u‖ = {run.blowup.norm:.3g} = {run.blowup.growth:.2g} × ‖u⁰‖"
                f" &nbsp; (τ = {tau:.4f} = {self.ratio:.2f} τ*)",
                alarm=True,
            )
        else:
            self._blowup_marker.set_data([], [])
            self.ax_signal.set_title(f"after K = {run.norms.size - 1} steps, time T = {tau * self.steps:.4g}",
                                     color=COLORS["black"])
            self._set_status(self.describe(), alarm=self.ratio > 1 and not run.norm_nonincreasing)

    def describe(self) -> str:
        """One line on what the current run shows (used as the status line)."""
        run, tau = self.run, self.controls["tau"].value
        norms, tvs = run.norms, run.total_variations
        head = f"τ = {tau:.4f} = {self.ratio:.2f} τ*"
        if run.blowup is not None:
            return f"BLOW-UP at step {run.blowup.step}: ‖u‖ = {run.blowup.norm:.3g}"
        if run.norm_nonincreasing:
            verdict = "stable" if self.ratio <= 1 else "above τ*, the theorem no longer applies, yet here still"
            return (f"{head}: {verdict} ‖uᵏ‖ never increases ({norms[0]:.3g} → {norms[-1]:.3g}); "
                    f"TV {tvs[0]:.3g} → {tvs[-1]:.3g}")
        return (f"{head}: UNSTABLE, ‖uᵏ‖ increases (min {norms.min():.3g}, final {norms[-1]:.3g}); "
                f"oscillations grow: TV {tvs.min():.3g} → {tvs[-1]:.3g} (max {tvs.max():.3g})")


class DiffusionApp(App):
    """Chapter 01: nonlinear diffusion of a noisy step under a chosen diffusivity.

    Controls: ``diffusivity``, ``contrast`` (lambda), ``order`` (n = 1..3) and diffusion
    ``time`` T. The evolution uses the explicit scheme at its stability bound
    tau* = 2/(L ||D||^2) with K = ceil(T / tau*) steps of tau = T / K.
    Left: the flux Phi(s) with its backward-diffusion range shaded. Right: f and u(T).
    """

    def __init__(self, size: int = 256, seed: int = 0, diffusivity_name: str = "perona-malik",
                 contrast: float = 0.1, order: int = 1, time: float = 20.0, max_steps: int = 4000) -> None:
        self.max_steps = max_steps
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
        figure, (self.ax_flux, self.ax_signal) = new_figure(12, 4.6, ncols=2, width_ratios=(2, 3))
        self.s = np.linspace(0, 1.0, 401)
        (self._flux_line,) = self.ax_flux.plot(self.s, self.s, color=COLORS["blue"], linestyle="-", label="Φ(s)")
        self.ax_flux.plot(self.s, self.s, color=COLORS["grey"], linewidth=1.2, linestyle=":", label="linear: s")
        self._lambda_line = self.ax_flux.axvline(contrast, color=COLORS["black"], linewidth=1.2, label="s = λ")
        self._backward = None
        self.ax_flux.set(xlabel="derivative s", ylabel="flux Φ(s)", xlim=(0, 1), ylim=(0, 1))
        self.ax_flux.legend(loc="upper right")
        self.ax_signal.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-",
                            label="f (noisy step)")
        (self._u_line,) = self.ax_signal.plot(self.x, self.signal, color=COLORS["blue"], linestyle="-", label="u(T)")
        self.ax_signal.set(xlabel="grid index i", ylabel="u", ylim=(-0.35, 1.35))
        self.ax_signal.legend(loc="upper left")
        super().__init__(controls, figure)
        self.update()
        self.freeze_layout()

    def recompute(self) -> None:
        values = {name: control.value for name, control in self.controls.items()}
        self.diffusivity = diffusivity(values["diffusivity"], values["contrast"])
        operator = DerivativeOperator(values["order"], self.signal.size)
        self.steps_needed = math.ceil(values["time"] / stability_bound(self.diffusivity, operator))
        self.run = diffuse(self.signal, values["time"], self.diffusivity, operator, max_steps=self.max_steps)

    def redraw(self) -> None:
        diff, run = self.diffusivity, self.run
        self._flux_line.set_ydata(diff.flux(self.s))
        self._flux_line.set_label(f"Φ(s), {diff.title}")
        self.ax_flux.legend(loc="upper right")
        self._lambda_line.set_xdata([diff.contrast, diff.contrast])
        if self._backward is not None:
            self._backward.remove()
        before = len(self.ax_flux.collections)
        shade_backward_diffusion(self.ax_flux, diff, self.s)
        self._backward = self.ax_flux.collections[before]
        self.ax_flux.set_title("shaded: Φ′ < 0, backward diffusion" if not diff.monotone else "Φ′ ≥ 0: forward only")
        self.ax_flux.set_ylim(0, 1.15 * float(self._flux_line.get_ydata().max()))
        self._u_line.set_ydata(run.final)
        self._u_line.set_label(f"u(T), T = {run.time:.3g}")
        self.ax_signal.legend(loc="upper left")
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
