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
import warnings

import ipywidgets as widgets
import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.figure import Figure

from .diffusivities import DIFFUSIVITIES, diffusivity
from .explicit import Evolution, ExplicitScheme, diffuse, stability_bound
from .measures import max_slope
from .operators import DerivativeOperator
from .plots import COLORS, course_style, shade_backward_diffusion
from .signals import noisy_step

#: Labels of the diffusivity dropdowns: label -> pdelib name.
DIFFUSIVITY_LABELS = {diffusivity(name).title: name for name in DIFFUSIVITIES}


def attach_canvas(figure: Figure) -> Canvas:
    """Give ``figure`` an ipympl canvas widget (interactive in JupyterLab, Agg when headless)."""
    canvas = Canvas(figure)
    with warnings.catch_warnings():
        # ipympl 0.10 hands the canvas on to its toolbar widget's constructor, which traitlets flags
        warnings.filterwarnings("ignore", message="Passing unrecognized arguments", category=DeprecationWarning)
        FigureManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return canvas


class App:
    """Base class: ``controls`` (name -> widget), ``status`` (HTML), ``figure`` and its ``canvas``.

    Subclasses set ``figure_size``, create their axes and artists once in :meth:`build`, and
    implement :meth:`recompute` (numbers only), :meth:`redraw` (artists only) and
    :meth:`animated_artists` (the artists that change from one update to the next).

    Rendering: while no axis limits change, an update restores the cached background and
    draws only the animated artists (blitting); otherwise it redraws the whole figure.
    """

    figure_size: tuple[float, float] = (11.0, 5.0)

    def __init__(self, controls: dict[str, widgets.Widget]) -> None:
        self.controls = controls
        self.defaults = {name: control.value for name, control in controls.items()}
        with course_style():
            self.figure = Figure(figsize=self.figure_size, layout="constrained")
            self.build(self.figure)
        self.canvas = attach_canvas(self.figure)
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
        self.recompute()
        self._redraw_in_style()
        self.freeze_layout()
        self._background = None
        self._limits = None
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self.render()

    def build(self, figure: Figure) -> None:
        """Create the axes and artists on ``figure`` (called once, in the course style)."""
        raise NotImplementedError

    def recompute(self) -> None:
        """Run the solver for the current control values (no drawing)."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Update the artists from the last computation (no solving)."""
        raise NotImplementedError

    def animated_artists(self) -> list:
        """The artists that :meth:`redraw` changes without changing any axis limits."""
        raise NotImplementedError

    def freeze_layout(self) -> None:
        """Compute the constrained layout once, then keep it: redraws skip the layout pass."""
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
        """Recompute, update the artists in place and render."""
        self.recompute()
        self._redraw_in_style()
        self.render()

    def _redraw_in_style(self) -> None:
        with course_style():  # titles and texts set in redraw() take the course's fonts
            self.redraw()

    def _axis_limits(self) -> tuple:
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)

    def render(self) -> None:
        """Blit the animated artists onto the cached background, or redraw all if axis limits changed."""
        artists = self.animated_artists()
        for artist in artists:
            artist.set_animated(True)
        limits = self._axis_limits()
        if self._background is None or limits != self._limits:
            self._limits = limits
            self.canvas.draw()  # the draw event caches the background and draws the artists
        else:
            self.canvas.restore_region(self._background)
            for artist in artists:
                self.figure.draw_artist(artist)
            self.canvas.blit(self.figure.bbox)

    def _on_draw(self, event) -> None:
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        for artist in self.animated_artists():
            self.figure.draw_artist(artist)

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

    figure_size = (11.0, 6.2)

    def __init__(self, size: int = 256, steps: int = 500, contrast: float = 0.1, noise: float = 0.01,
                 seed: int = 0, tau: float = 0.45, diffusivity_name: str = "linear", order: int = 1) -> None:
        self.steps = steps
        self.contrast = contrast
        self.signal = noisy_step(size, noise=noise, seed=seed)
        self.x = np.arange(size)
        self._slider_bound = None
        controls = {
            "tau": widgets.FloatSlider(value=tau, min=0.0, max=1.0, step=0.001, description="τ",
                                       readout_format=".4f", layout=widgets.Layout(width="420px")),
            "diffusivity": widgets.Dropdown(options=DIFFUSIVITY_LABELS, value=diffusivity_name,
                                            description="diffusivity"),
            "order": widgets.ToggleButtons(options=[("n = 1", 1), ("n = 2", 2)], value=order,
                                           description="order"),
        }
        super().__init__(controls)

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["gauge", "gauge"], ["signal", "norm"]], height_ratios=(1, 5),
                                     width_ratios=(3, 2))
        gauge, self.ax_signal, self.ax_norm = axes["gauge"], axes["signal"], axes["norm"]
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
        (self._final_line,) = ax.plot(self.x, self.signal, color=COLORS["blue"], linestyle="-",
                                      label="last state $u^K$")
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
        bound = self.bound
        ratio = slider.value / (self._slider_bound or bound)
        self._slider_bound = bound
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

        final = np.where(np.isfinite(run.final), run.final, np.nan)  # an overflowed value leaves a gap
        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, run.norms)
        self._tv_line.set_data(k, run.total_variations)
        measured = np.concatenate([run.norms, run.total_variations])
        measured = measured[np.isfinite(measured) & (measured > 0)]
        low, high = float(np.nanmin(final, initial=0.0)), float(np.nanmax(final, initial=0.0))
        if run.blowup is None:
            # limits grow only when the data leaves them, so most updates can blit
            self.ax_signal.set_ylim(min(-0.35, low - 0.1), max(1.35, high + 0.1))
            self.ax_norm.set_ylim(min(0.5, measured.min() / 1.5), max(60.0, measured.max() * 1.5))
            self._final_line.set_ydata(final)
            self._blowup_marker.set_data([], [])
            self.ax_signal.set_title(f"after K = {run.norms.size - 1} steps, time T = {tau * self.steps:.4g}",
                                     color=COLORS["black"])
            self._set_status(self.describe(), alarm=self.ratio > 1 and run.total_variations[-1] > run.total_variations[0])
        else:
            # the shape of the blown-up state, scaled into view; the scale is in the title
            scale = max(abs(low), abs(high)) or 1.0
            self.ax_signal.set_ylim(-1.15, 1.15)
            self.ax_norm.set_ylim(0.5, max(1e10, measured.max() * 10))
            self._final_line.set_ydata(final / scale)
            self._blowup_marker.set_data([run.blowup.step], [measured.max()])
            self.ax_signal.set_title(f"BLOW-UP at step {run.blowup.step}: u shown divided by max|u| = {scale:.2g}",
                                     color=COLORS["vermillion"])
            self._set_status(self.describe(), alarm=True)

    def animated_artists(self) -> list:
        return [self._tau_marker, self._final_line, self._norm_line, self._tv_line, self._blowup_marker,
                self.ax_signal.title]

    def describe(self) -> str:
        """One line on what the current run shows (the status line)."""
        run, tau = self.run, self.controls["tau"].value
        norms, tvs = run.norms, run.total_variations
        head = f"{self._diffusivity().title}, n = {self.controls['order'].value}, τ = {tau:.4f} = {self.ratio:.2f} τ*"
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


class DiffusionApp(App):
    """Chapter 01: nonlinear diffusion of a noisy step under a chosen diffusivity.

    Controls: ``diffusivity``, ``contrast`` (lambda), ``order`` (n = 1, 2) and diffusion
    ``time`` T. The evolution uses the explicit scheme at its stability bound
    tau* = 2/(L ||D||^2) with K = ceil(T / tau*) steps of tau = T / K.
    Left: the flux Phi(s) with its backward-diffusion range shaded. Right: f and u(T).
    """

    figure_size = (12.0, 4.6)

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
