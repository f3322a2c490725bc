"""Widget apps of the course: controls, a status line and a live figure.

* :class:`DiffusionApp` (chapter 01): diffusivity, contrast, order and time -> the evolving signal
* :class:`TimeStepApp` (chapter 02): the time step against its stability bound
* :class:`ActivationApp` (chapter 03): activation shapes, the sector condition and the scheme at its bound
* :class:`FSIApp` (chapter 04): FSI cycles against the plain explicit scheme
* :class:`ImplicitApp` (chapter 05): one implicit step by fixed point, Jacobi and a direct solve
* :class:`MultigridApp` (chapter 06): depth, smoothing, smoother, cycle and N -> convergence and the equivalent U-net
* :class:`StabilityApp` (chapter 07): trained networks with more blocks, larger steps and other inputs

Each app recomputes with the numpy solvers and updates its matplotlib artists in place
(no figure is recreated, nothing is printed), so it stays live and passes strict nbval.
The figure lives in an ipympl canvas widget; without a browser (tests, benchmarks) the
same canvas renders with Agg.

DOM classes for the browser tests: the app container has ``pdelib-app``, the status line
``pdelib-status`` and each control ``pdelib-<name>`` (e.g. ``pdelib-tau``).
"""

from __future__ import annotations

import io
import math
import warnings
from base64 import b64encode
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.ticker import NullLocator
from PIL import Image

from ._checks import check_choice, check_int, check_positive
from .activations import ACTIVATIONS, PiecewiseLinearFlux, activation, secant_bound
from .diffusivities import DIFFUSIVITIES, diffusivity
from .explicit import Evolution, ExplicitScheme, diffuse, stability_bound
from .fsi import FSIEvolution, FSIScheme, cycle_time
from .implicit import (
    FixedPointSolver,
    SemiImplicitScheme,
    fixed_point_threshold,
    jacobi_factor_estimate,
    jacobi_iteration,
)
from .measures import max_slope
from .multigrid import CYCLES, PROBLEMS, SMOOTHERS, MultigridResult, MultigridSolver, max_depth
from .operators import DerivativeOperator
from .plots import COLORS, CYCLE, course_style, shade_backward_diffusion
from .signals import noisy_step

#: Labels of the diffusivity dropdowns: label -> pdelib name.
DIFFUSIVITY_LABELS = {diffusivity(name).title: name for name in DIFFUSIVITIES}


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= ``value`` (axis limits that rarely change)."""
    value = max(float(value), 1.0)
    decade = 10.0 ** math.floor(math.log10(value))
    return next(factor * decade for factor in (1.0, 2.0, 5.0, 10.0) if factor * decade >= value * (1 - 1e-12))


def _decade_limits(values: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Log-axis limits (low, high), widened to whole decades only where ``values`` leave them."""
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:
        if values.min() < 1.5 * low:
            low = 10.0 ** math.floor(math.log10(values.min() / 1.5))
        if values.max() * 1.5 > high:
            high = 10.0 ** math.ceil(math.log10(values.max() * 1.5))
    return low, high


def _count(number: int, noun: str) -> str:
    """'1 cycle', '7 cycles'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` with non-finite entries replaced by NaN (a gap in the plot)."""
    return np.where(np.isfinite(values), values, np.nan)


class _Canvas(Canvas):
    """ipympl's canvas with its image hand-over fixed (ipympl 0.10.0).

    Drawn before the browser has connected (an app draws while it is built), ipympl stores the
    figure as a data URL without its ``data:image/png;base64,`` prefix and sends raw pixels
    where a PNG is expected, so JupyterLab shows an empty 0 x 0 figure. Here the stored URL is
    complete and the PNG that matplotlib produced is sent.
    """

    def send_binary(self, data: bytes) -> None:
        if self.syncing_data_url:
            pixels = self._last_buff.view(dtype=np.uint8).reshape((*self._last_buff.shape, 4))
            with io.BytesIO() as png:
                Image.fromarray(pixels).save(png, format="png")
                self._data_url = "data:image/png;base64," + b64encode(png.getvalue()).decode("ascii")
        self.send({"data": '{"type": "binary"}'}, buffers=[data])


def attach_canvas(figure: Figure) -> Canvas:
    """Give ``figure`` an ipympl canvas widget (interactive in JupyterLab, Agg when headless)."""
    canvas = _Canvas(figure)
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

    def _build_gauge(self, gauge, label: str) -> None:
        """Create the tau gauge on ``gauge``: stable range green, unstable red, the bound tau* as a line."""
        self.ax_gauge = gauge
        gauge.set_yticks([])
        gauge.grid(False)
        gauge.set_xlabel(label)
        self._stable_band = gauge.axvspan(0, 1, color=COLORS["green"], alpha=0.25, linewidth=0)
        self._unstable_band = gauge.axvspan(1, 2, color=COLORS["vermillion"], alpha=0.25, linewidth=0)
        self._bound_line = gauge.axvline(1, color=COLORS["black"], linewidth=2.5)
        self._bound_text = gauge.text(1, 1.05, "", transform=gauge.get_xaxis_transform(), ha="center",
                                      va="bottom", fontsize=12)
        (self._tau_marker,) = gauge.plot([0.5], [0.5], "v", color=COLORS["blue"], markersize=16)
        gauge.set_ylim(0, 1)

    def _draw_gauge(self, bound: float, tau: float) -> None:
        """Show tau (triangle) against the bound tau* on a gauge spanning 0 .. 1.65 tau*."""
        self.ax_gauge.set_xlim(0, 1.65 * bound)
        self._stable_band.set_x(0)
        self._stable_band.set_width(bound)
        self._unstable_band.set_x(bound)
        self._unstable_band.set_width(0.6 * bound)
        self._bound_line.set_xdata([bound, bound])
        self._bound_text.set_x(bound)
        self._bound_text.set_text(f"τ* = 2/(L‖D‖²) = {bound:.4f}")
        self._tau_marker.set_data([tau], [0.5])

    def _build_run_axes(self) -> None:
        """Create the artists that :meth:`_show_run` updates: the signal ``self.signal`` and the last state on
        ``ax_signal``, ||u^k|| and TV(u^k) against k (up to ``self.steps``) on ``ax_norm``."""
        ax = self.ax_signal
        ax.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-", label="u⁰ (noisy step)")
        (self._final_line,) = ax.plot(self.x, self.signal, color=COLORS["blue"], linestyle="-",
                                      label="last state $u^K$")
        ax.set(xlabel="grid index i", ylabel="u")
        ax.legend(loc="upper left")
        ax = self.ax_norm
        (self._norm_line,) = ax.semilogy([0], [1], color=COLORS["blue"], linestyle="-", label="‖uᵏ‖₂")
        (self._tv_line,) = ax.semilogy([0], [1], color=COLORS["orange"], linestyle="--", label="TV(uᵏ)")
        (self._blowup_marker,) = ax.plot([], [], "X", color=COLORS["vermillion"], markersize=16, label="blow-up")
        ax.set(xlabel="step k", ylabel="norm, total variation", xlim=(0, self.steps))
        ax.legend(loc="upper right")

    def _show_run(self, run: Evolution, title: str) -> None:
        """Draw an evolution on ``ax_signal`` (``_final_line``) and ``ax_norm`` (``_norm_line``, ``_tv_line``,
        ``_blowup_marker``). Axis limits grow only when the data leave them, so most updates can blit;
        a blown-up state is shown divided by its largest value, with the scale in the title."""
        final = _finite(run.final)  # an overflowed value leaves a gap
        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, run.norms)
        self._tv_line.set_data(k, run.total_variations)
        measured = np.concatenate([run.norms, run.total_variations])
        measured = measured[np.isfinite(measured) & (measured > 0)]
        low, high = float(np.nanmin(final, initial=0.0)), float(np.nanmax(final, initial=0.0))
        if run.blowup is None:
            self.ax_signal.set_ylim(min(-0.35, low - 0.1), max(1.35, high + 0.1))
            self.ax_norm.set_ylim(min(0.5, measured.min() / 1.5), max(60.0, measured.max() * 1.5))
            self._final_line.set_ydata(final)
            self._blowup_marker.set_data([], [])
            self.ax_signal.set_title(title, color=COLORS["black"])
        else:
            scale = max(abs(low), abs(high)) or 1.0
            self.ax_signal.set_ylim(-1.15, 1.15)
            self.ax_norm.set_ylim(0.5, max(1e10, measured.max() * 10))
            self._final_line.set_ydata(final / scale)
            self._blowup_marker.set_data([run.blowup.step], [float(np.nanmax(_finite(run.norms)))])
            self.ax_signal.set_title(f"BLOW-UP at step {run.blowup.step}: u shown divided by max|u| = {scale:.2g}",
                                     color=COLORS["vermillion"])

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
        self._build_gauge(gauge, "time step τ")

        self._build_run_axes()

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
    """

    figure_size = (12.0, 7.4)
    #: The flux and ratio panels show s / lambda in [-S, S] (S > pi: where sin leaves the sector).
    S_RANGE = 4.0
    #: Range of the control values c_i (units of lambda): negative values leave the sector.
    VALUE_RANGE = (-1.0, 1.0)
    #: Fixed limits of the custom shape's panels (|c_i| <= 1 at t_i >= 1/2; the steepest tails leave the view).
    CUSTOM_FLUX_LIMITS = (-1.3, 1.3)
    CUSTOM_RATIO_LIMITS = (-2.2, 2.2)
    #: Grid of |s| / lambda on which L~ of a flux outside the sector is measured (with its negative).
    PROBE = np.concatenate([np.logspace(-6, 6, 1201), np.linspace(0.01, 10.0, 1000)])

    def __init__(self, size: int = 256, steps: int = 500, noise: float = 0.01, seed: int = 0,
                 family: str = "custom", contrast: float = 0.1,
                 values: tuple[float, ...] = (0.4, 0.5, 0.4, 0.25, 0.1)) -> None:
        self.steps = steps
        self.signal = noisy_step(size, noise=noise, seed=seed)
        self.x = np.arange(size)
        self.operator = DerivativeOperator(1, size)
        self.knots = PiecewiseLinearFlux(values).knots  # also validates the shape (nonempty, finite)
        low, high = self.VALUE_RANGE
        if min(values) < low or max(values) > high:
            raise ValueError(f"values must lie in [{low:g}, {high:g}] (the range of the sliders), got {values}")
        slopes = np.sort(np.abs(np.diff(self.signal)))
        self.edge_slope = float(slopes[-1])
        self.noise_slope = float(np.quantile(slopes[:-1], 0.95))  # 95 % of the other slopes are smaller
        self.s_plot = np.linspace(-self.S_RANGE, self.S_RANGE, 800)  # even count: s = 0 is not a grid point
        self._value_names = tuple(f"c{i}" for i in range(1, len(values) + 1))
        controls = {
            "family": widgets.Dropdown(options=self.family_options(), value=family, description="Φ",
                                       layout=widgets.Layout(width="340px")),
            "contrast": widgets.FloatLogSlider(value=contrast, base=10, min=-2, max=0, step=0.05,
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
            self._holding = True
            try:
                self.controls["family"].value = "custom"
            finally:
                self._holding = False
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

    def animated_artists(self) -> list:
        return [self._sector, self._backward, self._flux_line, self._flux_outside, self._points, self._noise_bar,
                self._edge_marks, self._band, self._bound_line, self._ratio_line, self._ratio_outside,
                self._final_line, self._norm_line, self._tv_line, self._blowup_marker, self.ax_signal.title]

    def describe(self) -> str:
        """The status line (HTML): family, L, tau, in sector, monotone, and what the run shows."""
        flux, tau = self.flux, self.tau
        head = f"<b>{flux.title}</b>, λ = {flux.contrast:.3g}"
        if isinstance(flux, PiecewiseLinearFlux):
            head += f", c = ({', '.join(f'{value:.2f}' for value in flux.values)})"
        if flux.in_sector and flux.bound > 0:
            sector = f"in the sector: yes, L = {flux.bound:.3g}, τ* = 2/(L‖D‖²) = {tau:.4f}"
        elif flux.in_sector:
            sector = f"in the sector: yes, Φ ≡ 0 (L = 0): nothing moves, every τ is stable (here τ = {tau:.4f})"
        else:
            sector = (f"in the sector: NO, outside the sector: the theorem does not apply; "
                      f"naive τ = 2/(L̃‖D‖²) = {tau:.4f} with L̃ = {self.effective_bound:.3g}")
        monotone = "monotone: yes" if flux.monotone else "monotone: no (Φ′ &lt; 0 somewhere: backward diffusion)"
        return f"{head} · {sector} · {monotone} · {self._outcome()}"

    def _outcome(self) -> str:
        run, flux = self.run, self.flux
        if run.blowup is not None:
            return f"BLOW-UP at step {run.blowup.step}: ‖u‖ = {run.blowup.norm:.3g} = {run.blowup.growth:.2g} × ‖u⁰‖"
        norms, tvs, final = run.norms, run.total_variations, run.final
        steps = norms.size - 1
        details = (f"TV {tvs[0]:.3g} → {tvs[-1]:.3g}; steepest slope {max_slope(self.signal):.3f} → "
                   f"{max_slope(final):.3f} (edge at |s| = {self.edge_slope / flux.contrast:.3g} λ)")
        if not run.norm_nonincreasing:
            text = (f"{steps} steps, no overflow, but ‖uᵏ‖ increases at some steps (‖u⁰‖ = {norms[0]:.4g}, "
                    f"max {norms.max():.4g}, final {norms[-1]:.4g}); {details}")
        elif flux.in_sector:
            text = f"{steps} steps: stable, ‖uᵏ‖ never increases ({norms[0]:.3g} → {norms[-1]:.3g}); {details}"
        else:
            text = (f"{steps} steps: here ‖uᵏ‖ still never increases ({norms[0]:.3g} → {norms[-1]:.3g}), "
                    f"but nothing guarantees it; {details}")
        offset = float(flux.flux(0.0))
        if offset != 0.0:
            text += (f"; Φ(0) = {offset:.3g} ≠ 0: even a constant signal moves, its ends drift "
                     f"(u₀: {self.signal[0]:.3g} → {final[0]:.3g}, last: {self.signal[-1]:.3g} → {final[-1]:.3g})")
        return text


class FSIApp(App):
    """Chapter 04: FSI cycles of n extrapolated explicit steps, their cost and their stability.

    Controls: ``cycle_length`` (n = 1 .. 60), ``tau`` (the inner step, on a slider tau*/500 .. 1.6 tau* with
    tau* = 2 / (L ||D||^2) drawn on a gauge; tau / tau* is kept when the diffusivity changes the bound),
    ``diffusivity`` and the stopping ``time`` T (1 .. 1000). For a noisy step of N points the app runs
    M = ceil(T / T_cycle) FSI cycles, T_cycle = tau (n^2 + n) / 3, each of n steps

        u^{k+1} = alpha_k (u^k - tau D^T Phi(D u^k)) + (1 - alpha_k) u^{k-1},   alpha_k = (4k + 2) / (2k + 3),

    and shows


    * the gauge: tau against tau*;
    * the cost: M n FSI steps against ceil(T / tau) steps of the plain explicit scheme with the same tau;
    * the signal: u^0, a few cycle ends and the final state (a blown-up state divided by its maximum);
    * ||u^k||_2 and TV(u^k) after every inner step k (log scale), the cycle ends marked and every other
      cycle shaded. Above tau* the plain scheme with the same tau is run for the same number of steps and
      drawn too: FSI amplifies an unstable mode much harder. A blow-up is marked, never hidden.

    To stay interactive (recompute <= 15 ms at N = 256) an update computes at most ``max_steps`` explicit
    steps: all for FSI below tau*, half for FSI and half for the plain comparison above. A run shortened
    by that budget says so in the status line and in the panel title.

    In a notebook: ``app = FSIApp(); app`` shows the widget; ``app.set(cycle_length=20, tau=1.2 * app.bound)``
    moves two controls with one update.
    """

    figure_size = (12.0, 7.4)
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
        if check_int(cycle_length, "cycle_length", 1) > self.MAX_CYCLE_LENGTH:
            raise ValueError(f"cycle_length must be at most {self.MAX_CYCLE_LENGTH}, got {cycle_length}")
        check_positive(tau, "tau")
        if time not in self.TIMES:
            raise ValueError(f"time must be one of {self.TIMES}, got {time!r}")
        self.contrast = contrast
        self.max_steps = check_int(max_steps, "max_steps", 2)
        self.signal = noisy_step(size, noise=noise, seed=seed)
        self.x = np.arange(size)
        self.operator = DerivativeOperator(1, size)
        self._slider_bound = None
        controls = {
            "cycle_length": widgets.IntSlider(value=cycle_length, min=1, max=self.MAX_CYCLE_LENGTH, step=1,
                                              description="cycle length n"),
            "tau": widgets.FloatSlider(value=tau, min=0.001, max=1.0, step=0.001, description="τ",
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
        (self._cycle_marks,) = ax.plot([], [], "o", color=blue, markersize=5, linestyle="none",
                                       label="cycle ends")
        (self._plain_norm_line,) = ax.plot([], [], color=purple, linestyle="-", linewidth=1.8,
                                           label="plain, same τ: ‖uᵏ‖₂")
        (self._plain_tv_line,) = ax.plot([], [], color=purple, linestyle=":", linewidth=1.8,
                                         label="plain, same τ: TV(uᵏ)")
        (self._blowup_marker,) = ax.plot([], [], "X", color=red, markersize=16, linestyle="none", label="blow-up")
        ax.set(xlabel="inner step k (shaded: every other cycle)", ylabel="norm, total variation", xlim=(0, 100), ylim=(0.5, 60))

        handles = [self.ax_signal.lines[0], self._cycle_state_lines[0], self._final_line, self._norm_line,
                   self._tv_line, self._cycle_marks, self._plain_norm_line, self._plain_tv_line, self._blowup_marker]
        figure.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=11)

    # -- computing ------------------------------------------------------------------------------------

    @property
    def bound(self) -> float:
        """tau* = 2 / (L ||D||^2) for the current diffusivity."""
        return stability_bound(self._diffusivity(), self.operator)

    def _diffusivity(self):
        return diffusivity(self.controls["diffusivity"].value, self.contrast)

    def _rescale_tau_slider(self) -> None:
        """Keep tau / tau* when the bound changes; the slider spans tau* / 500 .. 1.6 tau*."""
        slider = self.controls["tau"]
        bound = self.bound
        value = slider.value if self._slider_bound is None else slider.value / self._slider_bound * bound
        self._slider_bound = bound
        self._holding = True
        try:
            slider.min = 0.0  # never above the value while max and step move
            slider.max = 1.6 * bound
            slider.step = bound / 500
            slider.min = slider.step  # tau = 0 would need infinitely many cycles
            slider.value = min(max(value, slider.min), slider.max)
        finally:
            self._holding = False

    def set(self, **values: object) -> None:
        """Set several controls and update once; ``tau`` is applied last, after the bound has followed the others."""
        tau = values.pop("tau", None)
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        if self.bound != self._slider_bound:
            self._rescale_tau_slider()
        if tau is not None:
            self._holding = True
            try:
                self.controls["tau"].value = tau
            finally:
                self._holding = False
        self.update()

    def recompute(self) -> None:
        if self.bound != self._slider_bound:
            self._rescale_tau_slider()
        g = self._diffusivity()
        tau, n = self.controls["tau"].value, self.controls["cycle_length"].value
        time = self.controls["time"].value
        self.tau_ratio = tau / self.bound
        self.cycle_time = cycle_time(tau, n)
        # M = ceil(T / T_cycle); the factor absorbs rounding when T is a multiple of T_cycle
        self.cycles_needed = max(1, math.ceil(time / self.cycle_time * (1 - 1e-12)))
        # at most max_steps explicit steps per update: above tau* the plain comparison run takes half of them
        self.step_budget = self.max_steps if self.tau_ratio <= 1 else self.max_steps // 2
        self.cycles = min(self.cycles_needed, max(1, self.step_budget // n))
        self.plain_steps_needed = max(1, math.ceil(time / tau * (1 - 1e-12)))
        record_every = max(1, math.ceil(self.cycles / (self.INTERMEDIATE_STATES + 1)))
        self.run: FSIEvolution = FSIScheme(tau, n, g, self.operator).evolve(self.signal, self.cycles, record_every)
        # above the bound: the plain scheme with the same tau for as many steps as FSI computed
        self.plain: Evolution | None = None
        if self.tau_ratio > 1:
            self.plain = ExplicitScheme(tau, g, self.operator).evolve(self.signal, self.run.explicit_steps)

    # -- drawing --------------------------------------------------------------------------------------

    def redraw(self) -> None:
        run, plain, bound = self.run, self.plain, self.bound
        tau, n = self.controls["tau"].value, self.controls["cycle_length"].value
        red, black = COLORS["vermillion"], COLORS["black"]

        self._draw_gauge(bound, tau)

        for name, steps in (("fsi", self.cycles_needed * n), ("plain", self.plain_steps_needed)):
            bar, text = self._bars[name], self._bar_texts[name]
            end = min(float(steps), self.STEP_LIMITS[1])
            bar.set_width(end - 1.0)
            inside = end > 1e5  # near the right edge the count is written inside the bar
            text.set_text(f"{steps:,}" if name == "plain" else f"{steps:,} = {self.cycles_needed:,} × {n}")
            text.set_x(end / 1.15 if inside else end * 1.15)
            text.set_horizontalalignment("right" if inside else "left")
            text.set_color("white" if inside else black)

        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, _finite(run.norms))
        self._tv_line.set_data(k, _finite(run.total_variations))
        few_cycles = self.cycles <= self.MAX_SHADED_CYCLES  # else every cycle is a few pixels wide
        self._cycle_marks.set_data(k[::n] if few_cycles else [], _finite(run.norms[::n]) if few_cycles else [])
        started = math.ceil(run.explicit_steps / n)  # cycles with at least one computed step
        self._cycle_shading.set_verts(
            [[(c * n, 0), ((c + 1) * n, 0), ((c + 1) * n, 1), (c * n, 1)] for c in range(1, started, 2)]
            if few_cycles else [])
        measured = [run.norms, run.total_variations]
        blowups = [] if run.blowup is None else [(run.blowup.step, run.blowup.norm)]
        if plain is None:
            self._plain_norm_line.set_data([], [])
            self._plain_tv_line.set_data([], [])
        else:
            k_plain = np.arange(plain.norms.size)
            self._plain_norm_line.set_data(k_plain, _finite(plain.norms))
            self._plain_tv_line.set_data(k_plain, _finite(plain.total_variations))
            measured += [plain.norms, plain.total_variations]
            if plain.blowup is not None:
                blowups.append((plain.blowup.step, plain.blowup.norm))
        measured = np.concatenate(measured)
        self._blowup_marker.set_data([b[0] for b in blowups], [b[1] for b in blowups])
        self.ax_norm.set_xlim(0, _nice_ceiling(self.cycles * n))
        self.ax_norm.set_ylim(*_decade_limits(measured, 0.5, 1e10 if blowups else 60.0))
        shortened = f" (of {self.cycles_needed} for T)" if self.cycles < self.cycles_needed else ""
        self.ax_norm.set_title(f"M = {_count(self.cycles, 'cycle')}{shortened} of n = {_count(n, 'step')}",
                               color=black)

        final = _finite(run.final)
        low, high = float(np.nanmin(final, initial=0.0)), float(np.nanmax(final, initial=0.0))
        if run.blowup is None:
            # limits grow (by halves) only when the data leaves them, so most updates can blit
            self.ax_signal.set_ylim(min(-0.35, math.floor(2 * (low - 0.1)) / 2),
                                    max(1.35, math.ceil(2 * (high + 0.1)) / 2))
            self._final_line.set_ydata(final)
            for line, state in zip(self._cycle_state_lines, [*run.states[1:-1], *[None] * self.INTERMEDIATE_STATES]):
                line.set_ydata(state if state is not None else np.full(self.x.shape, np.nan))
            self.ax_signal.set_title(f"after {_count(run.cycles, 'cycle')} = {_count(run.explicit_steps, 'step')}: "
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

    @property
    def alarming(self) -> bool:
        """True when the status is shown in red: a blow-up, or above tau* with growing norm or oscillations."""
        run, plain = self.run, self.plain
        if run.blowup is not None or (plain is not None and plain.blowup is not None):
            return True
        grew = not run.norm_bounded or run.total_variations[-1] > run.total_variations[0]
        return self.tau_ratio > 1 and grew

    def describe(self) -> str:
        """The status line (HTML): diffusivity, n, tau / tau*, T reached, steps FSI vs plain, and stability."""
        run = self.run
        tau, n = self.controls["tau"].value, self.controls["cycle_length"].value
        head = (f"{self._diffusivity().title}, n = {n}, τ = {tau:.4f} = {self.tau_ratio:.2f} τ*, "
                f"T = {self.controls['time'].value:g}")
        if run.blowup is not None:
            blowup = run.blowup
            cycle = math.ceil(blowup.step / n)
            inner = blowup.step - (cycle - 1) * n
            return (f"BLOW-UP at step {blowup.step} (cycle {cycle}, inner step {inner} of {n}): "
                    f"‖u‖ = {blowup.norm:.3g} = {blowup.growth:.2g} × ‖u⁰‖; {self._compare_plain()} &nbsp; "
                    f"({head}; T reached before the blow-up: {run.time:.4g}. {self._cost()})")
        norms, tvs = run.norms, run.total_variations
        if self.tau_ratio <= 1:
            inner = ("every inner ‖uᵏ‖ ≤ ‖u⁰‖" if run.norm_bounded
                     else f"‖uᵏ‖ rises to {norms.max() / norms[0]:.3g} × ‖u⁰‖ inside the cycles")
            stability = f"stable, {inner}; TV {tvs[0]:.3g} → {tvs[-1]:.3g}"
        else:
            stability = (f"above τ*, the theorem no longer applies: FSI max ‖uᵏ‖ = "
                         f"{norms.max() / norms[0]:.3g} × ‖u⁰‖, TV {tvs[0]:.3g} → {tvs[-1]:.3g}; "
                         f"{self._compare_plain()}")
        return f"{head}: {stability}. {self._cost()}"

    def _cost(self) -> str:
        """Steps of FSI and of the plain scheme to reach T, and what was run."""
        n, needed, plain_steps = self.controls["cycle_length"].value, self.cycles_needed, self.plain_steps_needed
        fsi_steps = needed * n
        text = (f"FSI: M × n = {needed} × {n} = {fsi_steps} steps reach T = {needed * self.cycle_time:.4g}; "
                f"the plain explicit scheme needs ⌈T/τ⌉ = {plain_steps} steps: ")
        if fsi_steps < plain_steps:
            text += f"FSI takes {plain_steps / fsi_steps:.1f}× fewer steps"
        else:
            text += (f"FSI takes no fewer steps with n = {n} (a cycle of n steps reaches (n + 1)/3 times the time "
                     f"of n plain steps)")
        if self.cycles < needed:
            text += (f". Run here: the first {self.cycles} cycles ({self.cycles * n} steps, "
                     f"T = {self.cycles * self.cycle_time:.4g}): the app runs at most {self.step_budget} FSI steps"
                     + (" and as many plain ones" if self.plain is not None else ""))
        return text

    def _compare_plain(self) -> str:
        """FSI's amplification against the plain scheme with the same tau over the same steps (above tau*)."""
        run, plain = self.run, self.plain
        if plain.blowup is not None:
            if run.blowup is None:
                return (f"the plain scheme with the same τ BLOWS UP at step {plain.blowup.step}, "
                        f"FSI with n = {self.controls['cycle_length'].value} does not")
            when = "earlier" if plain.blowup.step < run.blowup.step else "at the same step"
            return f"the plain scheme with the same τ blows up too, {when}, at step {plain.blowup.step}"
        fsi_growth = run.blowup.growth if run.blowup is not None else float(run.norms.max() / run.norms[0])
        plain_growth = float(plain.norms.max() / plain.norms[0])
        text = (f"the plain scheme with the same τ over the same {run.explicit_steps} steps: "
                f"max ‖uᵏ‖ = {plain_growth:.3g} × ‖u⁰‖, TV → {plain.total_variations[-1]:.3g}")
        if fsi_growth > 1.5 * plain_growth:
            text += f": FSI amplifies {fsi_growth / plain_growth:.3g}× harder"
        return text


class ImplicitApp(App):
    """Chapter 05: one implicit step of linear diffusion by three solvers -- two of them recurrent networks.

    The step u^{k+1} = (I + tau D^T D)^{-1} u^k (n = 1, reflecting, N = 64 by default) for a noisy step u^k.
    Controls: ``tau`` (log slider 0.01 .. 100), ``iterations`` l (1 .. 300) and ``solver``:

    * ``"fixed-point"``: v^{l+1} = u^k - tau D^T D v^l, v^0 = u^k -- one diffusion block with shared weights
      and the input injected every time; converges iff tau < tau_fp = 1 / ||D||^2 (about 1/4), with error
      factor tau / tau_fp per iteration, and diverges above;
    * ``"jacobi"``: v^{l+1} = M^{-1}(u^k + (M - A) v^l), M = diag(A): converges for every tau, factor
      about 2 tau / (1 + 2 tau), slowly for large tau;
    * ``"direct"``: the tridiagonal solve (:class:`pdelib.implicit.SemiImplicitScheme`), exact to rounding.

    Figure: a gauge with tau against tau_fp and the explicit bound tau* = 2 / ||D||^2 (log scale); the
    relative error ||v^l - u^{k+1}|| / ||u^k|| of both iterations against l (log scale; the selected solver
    bold, the theoretical factor dotted, a divergence marked with a cross); and the step: u^k, the exact
    u^{k+1} and the selected solver's result after l iterations (a diverged result is divided by its
    maximum, with the scale in red in the title). Recomputing costs two iterations of l steps on N points.
    """

    figure_size = (12.0, 7.4)
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
        check_positive(tau, "tau")
        if not self.TAU_LIMITS[0] <= tau <= self.TAU_LIMITS[1]:
            raise ValueError(f"tau must lie in [{self.TAU_LIMITS[0]:g}, {self.TAU_LIMITS[1]:g}], got {tau}")
        if check_int(iterations, "iterations", 1) > self.MAX_ITERATIONS:
            raise ValueError(f"iterations must be at most {self.MAX_ITERATIONS}, got {iterations}")
        if solver not in self.SOLVERS.values():
            raise ValueError(f"solver must be one of {', '.join(map(repr, self.SOLVERS.values()))}; got {solver!r}")
        self.signal = noisy_step(size, noise=noise, seed=seed)
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
        (self._tau_marker,) = gauge.plot([0.5], [0.5], "v", color=blue, markersize=16)

        ax = self.ax_error
        ax.set_yscale("log")
        ax.set(xlabel="iteration ℓ", ylabel="‖vˡ − uᵏ⁺¹‖ / ‖uᵏ‖", ylim=self.ERROR_LIMITS, xlim=(0, 60))
        (self._fixed_line,) = ax.plot([], [], color=blue, linestyle="-", label="fixed point")
        (self._jacobi_line,) = ax.plot([], [], color=orange, linestyle="--", label="Jacobi")
        (self._fixed_theory,) = ax.plot([], [], color=blue, linestyle=":", linewidth=1.5,
                                        label="(τ/τ_fp)ˡ")
        (self._jacobi_theory,) = ax.plot([], [], color=orange, linestyle=":", linewidth=1.5,
                                         label="(2τ/(1+2τ))ˡ")
        (self._direct_marker,) = ax.plot([], [], "D", color=COLORS["green"], markersize=10, linestyle="none",
                                         label="direct solve (residual)")
        (self._divergence_marker,) = ax.plot([], [], "X", color=red, markersize=16, linestyle="none",
                                             label="diverged")
        ax.legend(loc="lower left", fontsize=11, ncols=2)

        ax = self.ax_step
        ax.plot(self.x, self.signal, color=COLORS["grey"], linewidth=1.0, linestyle="-", label="uᵏ (noisy step)")
        (self._exact_line,) = ax.plot(self.x, self.signal, color=COLORS["black"], linestyle="--",
                                      label="exact uᵏ⁺¹")
        (self._result_line,) = ax.plot(self.x, self.signal, color=blue, linestyle="-", linewidth=2.2,
                                       label="solver after ℓ iterations")
        ax.set(xlabel="grid index i", ylabel="u", ylim=(-1.15, 1.35))  # fixed: a diverged result is rescaled
        ax.legend(loc="upper left", fontsize=11)

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
        self.jacobi_factor = jacobi_factor_estimate(tau, self.operator)
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
        self._fixed_line.set_data(np.arange(fixed.size), _finite(fixed))
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
        self.ax_error.set_xlim(0, _nice_ceiling(iterations))

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
        self._set_status(self.describe(), alarm=solver == "fixed-point" and self.fixed_factor >= 1)

    def animated_artists(self) -> list:
        return [self._tau_marker, self._fixed_line, self._jacobi_line, self._fixed_theory, self._jacobi_theory,
                self._direct_marker, self._divergence_marker, self._exact_line, self._result_line,
                self.ax_step.title]

    # -- describing -----------------------------------------------------------------------------------

    def describe(self) -> str:
        """The status line (HTML): tau against both bounds, and what each solver does at this tau."""
        tau, iterations = self.controls["tau"].value, self.controls["iterations"].value
        scale = float(np.linalg.norm(self.signal))
        head = (f"τ = {tau:.3g} = {self.fixed_factor:.3g} τ_fp = {tau / self.explicit_bound:.3g} τ*"
                f" ({'the explicit scheme would be unstable' if tau > self.explicit_bound else 'explicit stable'})")
        fixed = self.fixed
        if fixed.diverged:
            fixed_text = (f"fixed point DIVERGES (error ×{self.fixed_factor:.3g} per iteration, "
                          f"{fixed.history[-1] / scale:.2g} × ‖uᵏ‖ after {fixed.iterations})")
        elif self.fixed_factor >= 1:
            fixed_text = (f"fixed point DIVERGES: error ×{self.fixed_factor:.3g} per iteration, "
                          f"{fixed.history[-1] / scale:.2g} × ‖uᵏ‖ after ℓ = {iterations}")
        else:
            fixed_text = (f"fixed point converges, factor {self._measured_rate(fixed)} (τ/τ_fp = "
                          f"{self.fixed_factor:.3g}): error {fixed.history[-1] / scale:.1e} after ℓ = {iterations}")
        jacobi_text = (f"Jacobi converges, factor {self.jacobi_factor:.3g} (measured {self._measured_rate(self.jacobi)}): "
                       f"error {self.jacobi.history[-1] / scale:.1e} after ℓ = {iterations}")
        direct_text = f"direct solve: residual {self.direct_residual:.0e}"
        return f"{head}. {fixed_text}; {jacobi_text}; {direct_text}."

    @staticmethod
    def _measured_rate(result) -> str:
        """The measured error factor per iteration, or "–" when too few iterations lie above rounding."""
        try:
            return f"{result.rate():.3g}"
        except ValueError:
            return "–"


class MultigridApp(App):
    """Chapter 06: linear multigrid is a U-net -- depth, smoothing, smoother, cycle and N against convergence.

    Controls: ``size`` N (63 .. 2047 points, N = 2^J - 1), ``depth`` L (1 .. max_depth(N) levels; its maximum
    follows N, and a depth at the maximum stays at the maximum), ``smoothing`` (nu_1, nu_2) sweeps before and
    after the coarse-grid correction, ``smoother`` (weighted Jacobi omega = 2/3 or red-black Gauss-Seidel),
    ``cycle`` (V or W) and ``problem``: -u'' = f with zero Dirichlet values (h = 1/(N + 1)), or the implicit
    diffusion step (I + tau D^T D) u = f with tau = 10 (h = 1), both by :class:`pdelib.multigrid.MultigridSolver`.

    The run: f = 0 and a seeded random initial error u^0, so the iterate *is* the error and nothing but the
    cycle's own factor shapes the history (no rounding floor); at most 30 cycles, stopped at a relative
    residual of 1e-12. Figure:

    1. the relative residual ||A u^k|| / ||A u^0|| against the cycle k (log scale, fixed limits), with the
       measured factor (dotted) and, for depth 1, the smoother's factor on the smoothest mode, the level
       at which smoothing alone stalls (dash-dotted);
    2. the equivalent U-net (:class:`pdelib.unet.MultigridUNet`) of the current depth: one row per level with
       its grid size, the smoothing blocks S x nu_1 (encoder) and S x nu_2 (decoder), the restrictions R
       (stride-2 convolutions), the prolongations P = 2 R^T (transposed convolutions), the additive long skip
       connections (the coarse-grid correction u + P e) and the exact solve at the bottom; a W-cycle runs
       every inner U-net twice (marked x2).

    The status line gives the measured factor (the geometric mean of the residual reduction over the last
    5 cycles of the run, the asymptotic regime), the cycles to reach 1e-10, the hierarchy (unknowns per
    level, grid and operator complexity) and the trainable parameters of the U-net with tied and untied
    prolongation (:func:`pdelib.unet.parameter_comparison`; torch is imported once, when the app is built).

    A W-cycle visits level l 2^l times per cycle; to stay interactive an update runs at most
    ``MAX_LEVEL_VISITS`` level visits (but at least ``MIN_CYCLES`` cycles), which shortens deep W-cycles.
    The status says so.

    In a notebook: ``app = MultigridApp(); app`` shows the widget; ``app.set(size=1023, depth=1)`` moves two
    controls with one update.
    """

    figure_size = (12.5, 7.0)
    #: Grid sizes offered: N = 2^J - 1, so every depth 1 .. J is possible (the exact coarsest solve of depth 2
    #: at N = 2047 has 1023 unknowns; at 4095 it would exceed MultigridSolver's limit).
    SIZES = (63, 127, 255, 511, 1023, 2047)
    #: (nu_1, nu_2) pairs offered by the ``smoothing`` control.
    SMOOTHINGS = ((1, 0), (1, 1), (2, 1), (2, 2), (3, 3))
    SMOOTHER_LABELS = {"weighted Jacobi ω = 2/3": "jacobi", "red–black Gauss–Seidel": "red-black"}
    PROBLEM_LABELS = {"Poisson −u″ = f": "poisson", "implicit step (I + τDᵀD)u = f, τ = 10": "implicit-diffusion"}
    #: Time step of the implicit diffusion problem.
    TAU = 10.0
    #: Cycles per run at most, the stopping tolerance and the target reported in the status line.
    MAX_CYCLES = 30
    TOLERANCE = 1e-12
    TARGET = 1e-10
    #: Cycles over which the factor is measured (the last ones of the run).
    FACTOR_WINDOW = 5
    #: Work budget of an update in level visits (V: L per cycle, W: 2^L - 1), and the cycles run regardless.
    MAX_LEVEL_VISITS = 1300
    MIN_CYCLES = 4
    #: Fixed limits of the residual axis (residuals below are drawn on the bottom edge, marked).
    RESIDUAL_LIMITS = (1e-14, 10.0)
    #: Layout of the U-net panel (data units of its 10 x 10 axes): column centres, box size, top row.
    LEFT, RIGHT, BOX_WIDTH, BOX_HEIGHT = 2.6, 6.2, 1.5, 0.45
    TOP, BOTTOM, MAX_PITCH = 8.9, 0.5, 2.0
    #: Solvers kept (the dense coarsest inverse of a shallow hierarchy on a large grid takes up to 0.15 s).
    SOLVER_CACHE = 24
    #: U-net parameter counts per depth, computed once per process (see :meth:`unet_parameters`).
    _PARAMETERS: dict[int, dict[str, int | float]] = {}
    #: Text markers made so far (the smoothing labels S x nu): mathtext -> (marker, markersize).
    _TEXT_MARKERS: dict[str, tuple[MarkerStyle, float]] = {}

    def __init__(self, size: int = 255, depth: int | None = None, smoothing: tuple[int, int] = (2, 1),
                 smoother: str = "jacobi", cycle: str = "V", problem: str = "poisson", seed: int = 0) -> None:
        if isinstance(size, bool) or size not in self.SIZES:
            raise ValueError(f"size must be one of {', '.join(map(str, self.SIZES))} (N = 2^J - 1), got {size!r}")
        deepest = max_depth(size)
        if depth is None:
            depth = deepest
        if check_int(depth, "depth", 1) > deepest:
            raise ValueError(f"depth must be between 1 and {deepest} (max_depth({size})) for size {size}, got {depth}")
        smoothing = tuple(smoothing) if isinstance(smoothing, (tuple, list)) else smoothing
        if smoothing not in self.SMOOTHINGS:
            raise ValueError(f"smoothing must be one of {', '.join(map(str, self.SMOOTHINGS))} "
                             f"(pre- and post-smoothing sweeps nu_1, nu_2), got {smoothing!r}")
        check_choice(smoother, "smoother", SMOOTHERS)
        check_choice(cycle, "cycle", CYCLES)
        check_choice(problem, "problem", PROBLEMS)
        self.seed = check_int(seed, "seed", 0)
        self.max_levels = max_depth(max(self.SIZES))
        self._solvers: OrderedDict = OrderedDict()
        self._initial_errors: dict[int, np.ndarray] = {}
        self._slider_size = size
        for levels in range(1, self.max_levels + 1):
            self.unet_parameters(levels)  # torch once, at build time: updates stay light
        controls = {
            "size": widgets.SelectionSlider(options=[(str(n), n) for n in self.SIZES], value=size,
                                            description="grid N"),
            "depth": widgets.IntSlider(value=depth, min=1, max=deepest, step=1, description="depth L (levels)"),
            "smoothing": widgets.ToggleButtons(options=[(f"{pre}, {post}", (pre, post))
                                                        for pre, post in self.SMOOTHINGS],
                                               value=smoothing, description="sweeps ν₁, ν₂",
                                               style={"button_width": "52px"}),
            "smoother": widgets.ToggleButtons(options=self.SMOOTHER_LABELS, value=smoother, description="smoother",
                                              style={"button_width": "190px"}),
            "cycle": widgets.ToggleButtons(options=[("V", "V"), ("W", "W")], value=cycle, description="cycle",
                                           style={"button_width": "44px"}),
            "problem": widgets.Dropdown(options=self.PROBLEM_LABELS, value=problem, description="problem",
                                        layout=widgets.Layout(width="360px")),
        }
        super().__init__(controls)

    # -- building -------------------------------------------------------------------------------------

    def build(self, figure: Figure) -> None:
        self.ax_residual, self.ax_unet = figure.subplots(ncols=2, width_ratios=(5, 6))
        blue, black, grey = COLORS["blue"], COLORS["black"], COLORS["grey"]

        ax = self.ax_residual
        ax.set_yscale("log")
        ax.set(xlabel="cycle k", ylabel="relative residual ‖Auᵏ‖ / ‖Au⁰‖", xlim=(0, self.MAX_CYCLES),
               ylim=self.RESIDUAL_LIMITS)
        ax.axhline(self.TARGET, color=grey, linewidth=1.4, linestyle="--")
        ax.text(0.98 * self.MAX_CYCLES, 1.4 * self.TARGET, "target 10⁻¹⁰", ha="right", va="bottom", color=grey,
                fontsize=12)
        (self._residual_line,) = ax.plot([], [], "o-", color=blue, markersize=5, label="residual")
        (self._factor_line,) = ax.plot([], [], color=COLORS["orange"], linestyle=":", linewidth=2.6,
                                       label="measured factor ρ per cycle")
        (self._stall_line,) = ax.plot([], [], color=COLORS["vermillion"], linestyle="-.", linewidth=2.2,
                                      label="smoothing only: smoothest mode")
        (self._floor_marker,) = ax.plot([], [], "v", color=blue, markersize=12, linestyle="none")
        self._floor_text = ax.text(0, 0, "", ha="left", va="bottom", color=blue, fontsize=12)
        ax.legend(handles=[self._residual_line, self._factor_line, self._stall_line], loc="upper right", fontsize=11)

        ax = self.ax_unet
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        ax.set_axis_off()
        self._build_unet(ax)

    def _build_unet(self, ax) -> None:
        """Artists for the deepest hierarchy; :meth:`_draw_unet` places, labels and shows them.

        What repeats on every level is one artist for all levels (a collection of boxes, a line of arrow
        shafts with its heads as markers, the smoothing labels as text markers): an update draws a few
        dozen artists whatever the depth, so it stays fast enough to blit."""
        blue, orange, red, green = COLORS["blue"], COLORS["orange"], COLORS["vermillion"], COLORS["green"]
        black, purple, grey = COLORS["black"], COLORS["purple"], COLORS["grey"]

        def text(**kwargs):
            return ax.text(0, 0, "", visible=False, fontsize=12, **kwargs)

        def line(color, **kwargs):
            return ax.plot([], [], color=color, visible=False, **kwargs)[0]

        def head(tip, color):
            """Arrow heads as markers whose tip is the data point (``tip``: the direction they point to)."""
            (dx, dy), spread = tip, 0.42
            corners = [(0.0, 0.0), (-dx - spread * dy, -dy - spread * dx), (-dx + spread * dy, -dy + spread * dx)]
            path = Path([*corners, (0.0, 0.0)], [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY])
            return line(color, marker=MarkerStyle(path), markersize=22, linestyle="none", markeredgewidth=0)

        self._boxes = PolyCollection([], facecolor=(0.337, 0.706, 0.914, 0.35), edgecolor=blue, linewidth=1.6,
                                     visible=False)  # the smoothing blocks: sky at 35 %
        ax.add_collection(self._boxes, autolim=False)
        self._smoothing_labels = [line(black, linestyle="none", markeredgewidth=0) for _ in range(2)]  # S x nu
        self._smoothing_sweeps = [None, None]  # the nu each label shows
        self._shafts = {name: line(color, linewidth=1.8, linestyle="-")
                        for name, color in (("down", red), ("up", green), ("skip", black))}
        self._heads = {name: head(tip, color)
                       for name, tip, color in (("down", (0, -1), red), ("up", (0, 1), green), ("skip", (1, 0), black))}
        self._plus = [line(black, marker="o", markersize=17, markerfacecolor="white", markeredgewidth=1.5,
                           linestyle="none"),
                      line(black, marker="+", markersize=10, markeredgewidth=2.2, linestyle="none")]
        self._size_texts = [text(ha="right", va="center") for _ in range(self.max_levels)]
        # fixed texts, part of the cached background (shown for depth >= 2; see _axis_limits)
        left, right, middle, top = self.LEFT, self.RIGHT, 0.5 * (self.LEFT + self.RIGHT), self.TOP
        below, above = top - 0.5 * self.BOX_HEIGHT - 0.2, top + 0.5 * self.BOX_HEIGHT + 0.2
        self._fixed_texts = [
            ax.text(left - 0.15, below, "stride-2 conv R", ha="right", va="center", color=red, fontsize=12),
            ax.text(right + 0.15, below, "transposed conv P = 2Rᵀ", ha="left", va="center", color=green, fontsize=12),
            *(ax.text(x, above, label, ha="center", va="bottom", color=grey, fontsize=12)
              for x, label in ((left, "encoder"), (middle, "additive skip"), (right, "decoder"))),
        ]
        ax.text(left - 0.5 * self.BOX_WIDTH - 0.2, above, "grid", ha="right", va="bottom", color=grey, fontsize=12)
        ax.set_title("the equivalent U-net (one cycle)")
        self._bottom = ax.add_patch(FancyBboxPatch((0, 0), 1, 1, boxstyle="round,pad=0,rounding_size=0.12",
                                                   facecolor=(0.902, 0.624, 0.0, 0.35), edgecolor=orange,
                                                   linewidth=1.6, visible=False))
        self._bottom_text = text(ha="center", va="center")
        self._note = text(ha="center", va="top")
        self._w_bracket = line(purple, linewidth=2.2, linestyle="-")
        self._w_text = text(ha="left", va="center", color=purple)
        self._unet_artists = [self._boxes, *self._smoothing_labels, *self._shafts.values(), *self._heads.values(),
                              *self._plus, *self._size_texts, self._bottom, self._bottom_text, self._note,
                              self._w_bracket, self._w_text]

    # -- computing ------------------------------------------------------------------------------------

    def set(self, **values: object) -> None:
        """Set several controls and update once; ``size`` is applied first, so that ``depth`` may use its range."""
        size = values.pop("size", None)
        self._holding = True
        try:
            if size is not None:
                self.controls["size"].value = size
                self._follow_size()
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()

    def _follow_size(self) -> None:
        """The depth slider spans 1 .. max_depth(N); a depth at the old maximum moves to the new one."""
        size, slider = self.controls["size"].value, self.controls["depth"]
        if size == self._slider_size:
            return
        at_maximum = slider.value == slider.max
        deepest = max_depth(size)
        holding, self._holding = self._holding, True
        try:
            if deepest > slider.max:
                slider.max = deepest
                if at_maximum:
                    slider.value = deepest
            else:
                slider.value = min(slider.value, deepest)
                slider.max = deepest
        finally:
            self._holding = holding
        self._slider_size = size

    def settings(self) -> dict[str, object]:
        """The MultigridSolver arguments of the current controls."""
        values = {name: control.value for name, control in self.controls.items()}
        pre, post = values["smoothing"]
        problem = values["problem"]
        return {"size": values["size"], "problem": problem, "tau": self.TAU if problem != "poisson" else None,
                "depth": values["depth"], "smoother": values["smoother"], "pre": pre, "post": post,
                "cycle": values["cycle"]}

    def solver(self) -> MultigridSolver:
        """The solver of the current controls (kept for the next updates: building it may invert a matrix)."""
        key = tuple(self.settings().items())
        solver = self._solvers.pop(key, None)
        if solver is None:
            solver = MultigridSolver(**self.settings())
        self._solvers[key] = solver
        while len(self._solvers) > self.SOLVER_CACHE:
            self._solvers.popitem(last=False)
        return solver

    def initial_error(self, size: int) -> np.ndarray:
        """The seeded random initial error u^0 on N points (f = 0)."""
        if size not in self._initial_errors:
            self._initial_errors[size] = np.random.default_rng(self.seed).standard_normal(size)
        return self._initial_errors[size]

    def level_visits(self) -> int:
        """Level visits per cycle: L for a V-cycle, 2^L - 1 for a W-cycle (level l is visited 2^l times)."""
        depth = self.controls["depth"].value
        return 2**depth - 1 if self.controls["cycle"].value == "W" and depth > 1 else depth

    def recompute(self) -> None:
        self._follow_size()
        size = self.controls["size"].value
        self.cycle_budget = min(self.MAX_CYCLES, max(self.MIN_CYCLES, self.MAX_LEVEL_VISITS // self.level_visits()))
        self.mg = self.solver()
        self.result: MultigridResult = self.mg.solve(np.zeros(size), tolerance=self.TOLERANCE,
                                                     max_cycles=self.cycle_budget, x0=self.initial_error(size))
        self.factor = self.measured_factor(self.result.residuals)
        self.stall_factor = self.mg.smoothing_only_factor() if self.mg.depth == 1 else None
        # the run stopped at the work budget, before the tolerance and the 30 cycles
        self.shortened = self.result.cycles == self.cycle_budget < self.MAX_CYCLES and not self.result.converged
        reached = np.flatnonzero(self.result.residuals <= self.TARGET)
        self.cycles_to_target = int(reached[0]) if reached.size else None
        self.parameters = self.unet_parameters(self.mg.depth)

    @classmethod
    def unet_parameters(cls, depth: int) -> dict[str, int | float]:
        """Trainable parameters of the U-net of a ``depth``-level 1D Jacobi cycle, prolongation tied and untied:
        :func:`pdelib.unet.parameter_comparison` of a solver of that depth (the counts depend on the depth only).
        Imports torch when first called; each depth is counted once per process."""
        if depth not in cls._PARAMETERS:
            from .unet import parameter_comparison  # torch: only for this app

            cls._PARAMETERS[depth] = parameter_comparison(MultigridSolver(2**depth - 1, depth=depth))
        return cls._PARAMETERS[depth]

    @classmethod
    def measured_factor(cls, residuals: np.ndarray) -> float:
        """The residual reduction per cycle over the last FACTOR_WINDOW cycles (fewer if the run is shorter;
        the first cycle, which mostly removes the rough part of a random error, only if it is the only one)."""
        cycles = residuals.size - 1
        if cycles == 0:
            return math.nan
        window = min(cls.FACTOR_WINDOW, max(cycles - 1, 1))
        return float((residuals[-1] / residuals[-1 - window]) ** (1.0 / window))

    # -- drawing --------------------------------------------------------------------------------------

    def redraw(self) -> None:
        history = self.result.residuals
        k = np.arange(history.size)
        low = self.RESIDUAL_LIMITS[0]
        below = history < low
        self._residual_line.set_data(k, np.maximum(history, low))
        self._floor_marker.set_data(k[below], np.full(below.sum(), low * 1.6))
        first_below = int(k[below][0]) if below.any() else 0
        self._floor_text.set(visible=bool(below.any()), position=(first_below + 0.6, low * 1.6),
                             text=f"below 10⁻¹⁴ ({history[-1]:.0e})")
        last, cycles = float(history[-1]), history.size - 1
        for line, factor in ((self._factor_line, self.factor), (self._stall_line, self.stall_factor)):
            if factor is None or not factor >= 1e-12 or last <= 0:
                line.set_data([], [])
                continue
            exponent = np.clip(math.log10(last) + (k - cycles) * math.log10(factor), -30.0, 30.0)
            line.set_data(k, 10.0**exponent)
        shortened = f" (first {cycles} cycles)" if self.shortened else ""
        self.ax_residual.set_title(f"{self._cycle_name()}, N = {self.mg.size}: ρ {self._factor_text()}{shortened}",
                                   color=COLORS["black"])
        self._draw_unet()
        self._set_status(self.describe())

    def animated_artists(self) -> list:
        return [self._residual_line, self._factor_line, self._stall_line, self._floor_marker, self._floor_text,
                self.ax_residual.title, *self._unet_artists]

    def _cycle_name(self) -> str:
        mg = self.mg
        if mg.depth == 1:
            return f"smoothing only, ν₁ + ν₂ = {mg.pre + mg.post} sweeps"
        return f"{mg.cycle_type}({mg.pre},{mg.post})-cycle, {mg.depth} levels"

    def _factor_text(self) -> str:
        return "≈ 0" if self.factor < 1e-12 else "= " + self._format_factor(self.factor)

    @staticmethod
    def _format_factor(factor: float) -> str:
        """0.100, 0.950; factors near 1 with six decimals (0.999849), so that a stall does not read as 1."""
        return f"{factor:.3f}" if factor < 0.99 else f"{factor:.6f}"

    @classmethod
    def _text_marker(cls, text: str) -> tuple[MarkerStyle, float]:
        """A marker that draws the mathtext ``text`` at 12 points: (marker, markersize = its largest extent).
        Kept, since turning text into a path takes milliseconds."""
        if text not in cls._TEXT_MARKERS:
            marker = "$" + text.replace(" ", r"\ ") + "$"
            extents = TextPath((0, 0), marker, size=12).get_extents()
            cls._TEXT_MARKERS[text] = MarkerStyle(marker), max(extents.width, extents.height)
        return cls._TEXT_MARKERS[text]

    def _draw_unet(self) -> None:
        """Place, label and show the U-net artists for the current depth; hide the rest."""
        mg = self.mg
        depth, (pre, post) = mg.depth, (mg.pre, mg.post)
        shapes = [shape[0] for shape in mg.shapes]
        for artist in self._unet_artists:
            artist.set_visible(False)
        left, right, width, height = self.LEFT, self.RIGHT, self.BOX_WIDTH, self.BOX_HEIGHT
        half, middle = 0.5 * height, 0.5 * (left + right)
        pitch = min(self.MAX_PITCH, (self.TOP - self.BOTTOM) / max(depth - 1, 1))
        rows = self.TOP - pitch * np.arange(depth)
        for artist in self._fixed_texts:
            artist.set_visible(depth > 1)

        def show(artist, **kwargs):
            artist.set(visible=True, **kwargs)

        for y, label, size in zip(rows, self._size_texts, shapes):
            show(label, position=(left - 0.5 * width - 0.2, y), text=str(size))
        upper, lower = rows[:-1], rows[1:]  # the smoothing levels and the level below each
        if depth > 1:
            show(self._boxes, verts=[[(x - 0.5 * width, y - half), (x + 0.5 * width, y - half),
                                      (x + 0.5 * width, y + half), (x - 0.5 * width, y + half)]
                                     for y in upper for x in (left, right)])
            for index, (artist, x, sweeps) in enumerate(zip(self._smoothing_labels, (left, right), (pre, post))):
                if self._smoothing_sweeps[index] != sweeps:  # a new marker (set_marker copies its path)
                    marker, size = self._text_marker(rf"\mathrm{{S}} \times {sweeps}")
                    artist.set(marker=marker, markersize=size)
                    self._smoothing_sweeps[index] = sweeps
                show(artist, xdata=np.full(depth - 1, x), ydata=upper,
                     color=COLORS["black"] if sweeps else COLORS["grey"])
            gaps = np.full(depth - 1, np.nan)

            def segments(x0, y0, x1, y1):
                return np.column_stack([x0, x1, gaps]).ravel(), np.column_stack([y0, y1, gaps]).ravel()

            ones = np.ones(depth - 1)
            ends = {"down": (left * ones, lower + half), "up": (right * ones, upper - half),
                    "skip": ((right - 0.5 * width) * ones, upper)}
            starts = {"down": (left * ones, upper - half), "up": (right * ones, lower + half),
                      "skip": ((left + 0.5 * width) * ones, upper)}
            for name, shaft in self._shafts.items():
                x, y = segments(*starts[name], *ends[name])
                show(shaft, xdata=x, ydata=y)
                show(self._heads[name], xdata=ends[name][0], ydata=ends[name][1])
            for artist in self._plus:
                show(artist, xdata=np.full(depth - 1, right - 0.5 * width - 0.4), ydata=upper)
        last = rows[-1]
        self._bottom.set_bounds(left - 0.5 * width, last - half, right - left + width, height)
        self._bottom.set_visible(True)
        if depth == 1:
            show(self._bottom_text, position=(middle, last), text=f"smoothing only: S × {pre + post}")
            show(self._note, position=(middle, last - half - 0.3),
                 text=f"no coarse grid: the sweeps remove the rough error,\nthe smoothest mode shrinks only by "
                      f"{self._format_factor(self.stall_factor)}\nper cycle (ν₁ + ν₂ = {pre + post} sweeps)")
        else:
            show(self._bottom_text, position=(middle, last),
                 text=f"exact solve A⁻¹ ({_count(shapes[-1], 'unknown')})")
        if mg.cycle_type == "W" and depth > 1:
            inner_top, inner_bottom = rows[1] + half, last - half
            x = right + 0.5 * width + 0.35
            show(self._w_bracket, xdata=[x - 0.15, x, x, x - 0.15],
                 ydata=[inner_top, inner_top, inner_bottom, inner_bottom])
            show(self._w_text, position=(x + 0.2, 0.5 * (inner_top + inner_bottom)),
                 text="× 2\nW-cycle: the\ninner U-net\nruns twice")

    def _axis_limits(self) -> tuple:
        """Axis limits and whether the U-net has more than one level: its fixed labels (in the cached
        background) show only then, so passing depth 1 redraws the figure in full."""
        return super()._axis_limits() + (self.mg.depth > 1,)

    # -- describing -----------------------------------------------------------------------------------

    def describe(self) -> str:
        """The status line (HTML): factor, cycles to 1e-10, the hierarchy and the U-net's parameters."""
        mg, result = self.mg, self.result
        problem = "Poisson" if mg.problem == "poisson" else f"(I + τDᵀD)u = f, τ = {self.TAU:g}"
        smoother = "Jacobi ω = 2/3" if mg.smoother == "jacobi" else "red–black Gauss–Seidel"
        head = f"<b>{self._cycle_name()}, {smoother}, N = {mg.size}</b> ({problem})"
        cycles = result.cycles
        if self.factor < 1e-12:
            rate = (f"factor ≈ 0: exact after {_count(cycles, 'cycle')} (in 1D, red–black Gauss–Seidel with full "
                    f"weighting is cyclic reduction; Jacobi shows the textbook factors)")
        else:
            window = min(self.FACTOR_WINDOW, max(cycles - 1, 1))
            rate = f"measured factor ρ = {self._format_factor(self.factor)} per cycle (last {_count(window, 'cycle')})"
            if self.stall_factor is not None:
                rate += f"; smoothest mode: {self._format_factor(self.stall_factor)} per cycle in theory"
        if self.cycles_to_target is not None:
            reach = f"reaches 10⁻¹⁰ after {_count(self.cycles_to_target, 'cycle')}"
        else:
            slowest = self.stall_factor if self.stall_factor is not None else self.factor
            reach = f"does not reach 10⁻¹⁰ in {_count(cycles, 'cycle')}"
            if self.shortened:
                reach += (f" (W-cycle: {self.level_visits()} level visits per cycle, the app runs at most "
                          f"{self.MAX_LEVEL_VISITS} per update)")
            if 0 < slowest < 1:
                more = math.log(self.TARGET / result.residuals[-1]) / math.log(slowest)
                stalls = self.stall_factor is not None and self.stall_factor > 0.99
                reach += (f": {'STALLS, it would take' if stalls else 'it would take'} about {more:,.0f} more "
                          f"cycles at ρ = {self._format_factor(slowest)}")
        levels = " → ".join(str(shape[0]) for shape in mg.shapes)
        hierarchy = (f"hierarchy {levels} unknowns: grid complexity {mg.grid_complexity():.3f}, "
                     f"operator complexity {mg.operator_complexity():.3f}")
        counts = self.parameters
        if mg.depth == 1:
            unet = (f"U-net: {counts['tied']} trainable parameters (one stencil convolution and one weight, "
                    f"shared by the {mg.pre + mg.post} residual blocks; no sampling layers to tie)")
        else:
            unet = (f"U-net: {counts['tied']} trainable parameters with P = 2Rᵀ tied to R, {counts['untied']} "
                    f"untied (sampling layers {counts['sampling_tied']} vs {counts['sampling_untied']})")
        if mg.smoother != "jacobi":
            unet += "; counted with Jacobi residual blocks (a Gauss–Seidel sweep is no convolution layer)"
        return f"{head}: {rate}; {reach}.<br>{hierarchy}. {unet}."


class StabilityApp(App):
    """Chapter 07: trained networks outside their training -- more blocks, larger steps, other inputs.

    ``models`` maps a label to a trained :class:`pdelib.denoisers.Denoiser` (a standard and a symmetric
    ResNet); ``data`` is the :class:`pdelib.denoising.DenoisingData` they were trained on. Controls:

    * ``repeat`` (1 .. 10): the trained stack of blocks is run this many times in a row;
    * ``scale`` (0.5 .. 4): every residual branch is multiplied by s -- a larger step than trained,
      h - s tau K^T Phi(K h) for the symmetric blocks, ReLU(h + s F(h)) for the standard ones;
    * ``inputs``: the first ``signals`` test signals as trained, at 10x amplitude, or with noise 0.3.

    Figure: the largest ||h^k|| / ||h^0|| over the signals against the block k (log scale, fixed limits
    so that updates blit), and one signal: clean, input and both networks' outputs. By the stability
    theorem the symmetric network's norm never grows while s tau stays within its bound (s <= 2 tau*/tau
    for a trained step tau <= tau*); the standard network has no such guarantee. The status line reports
    the largest growth per block of each network.
    """

    figure_size = (12.0, 6.4)
    MAX_REPEAT = 10
    SCALE_LIMITS = (0.5, 4.0)
    INPUTS = {"test signals (as trained)": "test", "10× amplitude": "amplitude", "noise σ = 0.3": "noise"}
    #: Fixed limits of the norm panel; larger values are drawn at the top edge.
    NORM_LIMITS = (1e-3, 1e8)
    #: A ratio ||h^{k+1}|| / ||h^k|| counts as growth above 1 + this (float32 rounding of the networks).
    GROWTH_TOLERANCE = 1e-5

    def __init__(self, models: dict, data, signals: int = 4, seed: int = 0) -> None:
        from .denoisers import Denoiser

        if not isinstance(models, dict) or not models:
            raise TypeError("models must be a non-empty dict of label -> trained Denoiser")
        for label, model in models.items():
            if not isinstance(model, Denoiser):
                raise TypeError(f"models[{label!r}] must be a Denoiser, got {type(model).__name__}")
        self.models = models
        signals = check_int(signals, "signals", 1)
        if signals > len(data.test):
            raise ValueError(f"signals must be at most {len(data.test)} (the test split), got {signals}")
        clean, noisy = data.test.clean[:signals], data.test.noisy[:signals]
        rng = np.random.default_rng(seed)
        self.clean = {"test": clean, "amplitude": 10 * clean, "noise": clean}
        self.inputs = {"test": noisy, "amplitude": 10 * noisy, "noise": clean + 0.3 * rng.standard_normal(clean.shape)}
        self.x = np.arange(clean.shape[1])
        self.max_blocks = max(len(model.blocks) for model in models.values())
        controls = {
            "repeat": widgets.IntSlider(value=1, min=1, max=self.MAX_REPEAT, description="repeat blocks"),
            "scale": widgets.FloatSlider(value=1.0, min=self.SCALE_LIMITS[0], max=self.SCALE_LIMITS[1], step=0.1,
                                         description="residual scale s"),
            "inputs": widgets.Dropdown(options=self.INPUTS, value="test", description="inputs",
                                       layout=widgets.Layout(width="300px")),
        }
        super().__init__(controls)

    def build(self, figure: Figure) -> None:
        self.ax_norm, self.ax_signal = figure.subplots(1, 2, width_ratios=(1, 1))
        ax = self.ax_norm
        ax.set_yscale("log")
        ax.set(xlabel="block k", ylabel="max over signals of ‖hᵏ‖ / ‖h⁰‖", ylim=self.NORM_LIMITS,
               xlim=(0, self.MAX_REPEAT * self.max_blocks))
        ax.axhline(1.0, color=COLORS["grey"], linewidth=1.2, linestyle=":")
        styles = ["-", "--", "-.", ":"]
        self._norm_lines = {label: ax.plot([], [], color=color, linestyle=style, label=label)[0]
                            for (label, color, style) in zip(self.models, CYCLE, styles)}
        ax.legend(loc="upper left", fontsize=11)
        ax = self.ax_signal
        (self._clean_line,) = ax.plot(self.x, np.zeros(self.x.size), color=COLORS["black"], linestyle="-",
                                      linewidth=1.5, label="clean")
        (self._input_line,) = ax.plot(self.x, np.zeros(self.x.size), color=COLORS["grey"], linestyle="-",
                                      linewidth=1.0, label="input")
        self._output_lines = {label: ax.plot(self.x, np.zeros(self.x.size), color=color, linestyle=style,
                                             linewidth=2.0, label=label)[0]
                              for (label, color, style) in zip(self.models, CYCLE, styles)}
        ax.set(xlabel="grid index i", ylabel="signal 1 (÷ its clean amplitude)", ylim=(-0.6, 1.6))
        ax.legend(loc="upper right", fontsize=11)

    def recompute(self) -> None:
        from .denoisers import run_blocks

        repeat, scale = self.controls["repeat"].value, self.controls["scale"].value
        noisy = self.inputs[self.controls["inputs"].value]
        self.trajectories, self.outputs = {}, {}
        with np.errstate(all="ignore"):
            for label, model in self.models.items():
                self.trajectories[label], outputs = run_blocks(model, noisy, repeat, scale)
                self.outputs[label] = outputs[0]

    def growth(self, label: str) -> float:
        """The largest ratio ||h^{k+1}|| / ||h^k|| of the network ``label`` (:func:`pdelib.denoisers.largest_growth`)."""
        from .denoisers import largest_growth

        return largest_growth(self.trajectories[label])

    def redraw(self) -> None:
        key = self.controls["inputs"].value
        amplitude = 10.0 if key == "amplitude" else 1.0
        for label, line in self._norm_lines.items():
            norms = self.trajectories[label]
            with np.errstate(all="ignore"):
                relative = np.max(norms / norms[0], axis=1)
            relative = np.where(np.isfinite(relative), np.minimum(relative, self.NORM_LIMITS[1]), self.NORM_LIMITS[1])
            line.set_data(np.arange(relative.size), relative)
            output = self.outputs[label] / amplitude
            self._output_lines[label].set_ydata(np.where(np.isfinite(output), np.clip(output, -10, 10), np.nan))
        self._clean_line.set_ydata(self.clean[key][0] / amplitude)
        self._input_line.set_ydata(self.inputs[key][0] / amplitude)
        self._set_status(self.describe(), alarm=any(self.growth(label) > 1.0 + self.GROWTH_TOLERANCE for label in self.models))

    def animated_artists(self) -> list:
        return [*self._norm_lines.values(), *self._output_lines.values(), self._clean_line, self._input_line]

    def describe(self) -> str:
        """The status line: per network, the largest growth per block and ||h^K|| / ||h^0||."""
        repeat, scale = self.controls["repeat"].value, self.controls["scale"].value
        parts = []
        for label, norms in self.trajectories.items():
            growth = self.growth(label)
            with np.errstate(all="ignore"):
                final = float(np.max(norms[-1] / norms[0]))
            verdict = "GROWS" if growth > 1.0 + self.GROWTH_TOLERANCE else "never grows"
            parts.append(f"{label}: {verdict} (largest ratio per block {growth:.4g}, ‖h_K‖/‖h_0‖ up to {final:.3g})")
        return f"{repeat} × the trained blocks, residual scale s = {scale:g}: " + "; ".join(parts) + "."
