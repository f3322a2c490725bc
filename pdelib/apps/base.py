"""The shared base of the widget apps: controls, a fixed status line, a live figure rendered by blitting.

Each app (one module per chapter in :mod:`pdelib.apps`) subclasses :class:`App` and reads top to bottom as
controls (``__init__``) -> :meth:`App.recompute` (numbers only) -> :meth:`App.redraw` (artists only) ->
``describe`` (the status line). :class:`App` owns the ipympl canvas hand-over, blitting, the tau gauge, the
run panels shared by the explicit-scheme apps, and the status line.

DOM classes for the browser tests: the app container has ``pdelib-app``, the status line
``pdelib-status`` and each control ``pdelib-<name>`` (e.g. ``pdelib-tau``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from .._checks import check_int, check_real, check_size
from ..diffusivities import DIFFUSIVITIES, diffusivity
from ..plots import COLORS, STYLE, course_style
from ..schemes.explicit import Evolution
from .canvas import attach_canvas

#: Labels of the diffusivity dropdowns: label -> pdelib name.
DIFFUSIVITY_LABELS = {diffusivity(name).title: name for name in DIFFUSIVITIES}
#: Widest figure of an app in pixels (figure_size x the course's 80 dpi): a notebook column of 960 px holds it
#: beside the widget area's margins, and so does a 1280 x 720 slide.
MAX_FIGURE_PX = 920
#: The status area's font size and line height in pixels (its height: ``App.status_lines`` lines).
STATUS_FONT_PX, STATUS_LINE_PX = 15, 21
#: Largest grid of an app (an update must take milliseconds) and most explicit steps per update.
MAX_APP_SIZE, MAX_APP_STEPS = 4096, 10**5


def check_figure_width(figure_size: tuple[float, float]) -> None:
    """An app's figure at the course's dpi must fit ``MAX_FIGURE_PX`` (a wider one is clipped in the column)."""
    width = figure_size[0] * STYLE["figure.dpi"]
    if width > MAX_FIGURE_PX:
        raise ValueError(f"figure_size {figure_size} is {width:.0f} px wide at {STYLE['figure.dpi']} dpi; "
                         f"at most {MAX_FIGURE_PX} px fit a 960 px notebook column")


def check_app_size(size: object) -> int:
    """The grid size N of an app: an integer in [8, 4096] (``MAX_APP_SIZE``: an update must take milliseconds)."""
    return check_size(size, "size", 8, MAX_APP_SIZE)


def check_app_steps(steps: object, name: str, size: int) -> int:
    """Explicit steps per update: an integer in [1, MAX_APP_STEPS] with steps N <= 10^8 point-updates."""
    return check_int(steps, name, 1, min(MAX_APP_STEPS, 10**8 // size),
                     advice="an update must stay interactive; use the schemes of pdelib.schemes for long runs")


def check_app_noise(noise: object) -> float:
    """The noise level of an app's test signal: a real number in [0, 10] (the plots show about [-0.35, 1.35])."""
    return check_real(noise, "noise", 0.0, 10.0)


def check_app_contrast(contrast: object) -> float:
    """The contrast lambda of an app's diffusivities: a real number in [0.001, 1000] (the test signals span [0, 1])."""
    return check_real(contrast, "contrast", 1e-3, 1e3)


def check_option(value: object, name: str, options) -> object:
    """Return the entry of ``options`` (values, or a dict label -> value) equal to ``value`` and of its kind
    (a number is not a string, True is not 1), or raise a TypeError/ValueError listing the allowed values."""
    values = tuple(options.values()) if isinstance(options, dict) else tuple(options)
    if isinstance(value, list):
        value = tuple(value)
    allowed = ", ".join(map(repr, values))
    same_kind = [option for option in values
                 if isinstance(value, bool) == isinstance(option, bool) and (
                     isinstance(value, type(option)) or isinstance(value, Real) and isinstance(option, Real))]
    if not same_kind or isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be one of {allowed}; got {value!r:.60} ({type(value).__name__})")
    for option in same_kind:
        if value == option:
            return option
    raise ValueError(f"{name} must be one of {allowed}; got {value!r:.60}")


def check_control(name: str, value: object, control: widgets.Widget, limits: tuple[float, float] | None = None) -> object:
    """Validate a new value of ``control`` without applying it: a number within the slider's range (or within
    ``limits``), True or False for a checkbox, or one of the control's options; never clamped. Raises TypeError/ValueError naming ``name``."""
    if isinstance(control, (widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider)):
        if limits is None:
            low, high = control.min, control.max
            if isinstance(control, widgets.FloatLogSlider):
                low, high = control.base**low, control.base**high
        else:
            low, high = limits
        if isinstance(control, widgets.IntSlider):
            return check_int(value, name, low, high)
        return check_real(value, name, low, high)
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return check_option(value, name, (True, False))
    return check_option(value, name, control._options_values)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= ``value`` (axis limits that rarely change)."""
    value = max(float(value), 1.0)
    decade = 10.0 ** math.floor(math.log10(value))
    return next(factor * decade for factor in (1.0, 2.0, 5.0, 10.0) if factor * decade >= value * (1 - 1e-12))


def decade_limits(values: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Log-axis limits (low, high), widened to whole decades only where ``values`` leave them."""
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:
        if values.min() < 1.5 * low:
            low = 10.0 ** math.floor(math.log10(values.min() / 1.5))
        if values.max() * 1.5 > high:
            high = 10.0 ** math.ceil(math.log10(values.max() * 1.5))
    return low, high


def ratio_text(ratio: float) -> str:
    """tau / tau* with two decimals, or as many more (up to six) as it takes to show on which side of 1 it lies:
    1.002 is "1.002", not "1.00" beside the word UNSTABLE; exactly 1 is "1.00"."""
    for digits in range(2, 7):
        text = f"{ratio:.{digits}f}"
        if (float(text) > 1) == (ratio > 1) and (float(text) < 1) == (ratio < 1):
            return text
    return text


def counted(number: int, noun: str) -> str:
    """'1 cycle', '7 cycles'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def finite_or_gap(values: np.ndarray) -> np.ndarray:
    """``values`` with non-finite entries replaced by NaN (a gap in the plot)."""
    return np.where(np.isfinite(values), values, np.nan)


def browser_value(value: float, low: float, high: float, step: float) -> float:
    """The value a ``FloatSlider`` from ``low`` to ``high`` in steps of ``step`` shows in the browser, and sends
    back to the kernel, when the kernel sets ``value``.

    ipywidgets 8 draws sliders with noUiSlider (15.4), which moves the handle to the nearest step in percent
    of the range: p = round((v - low) 100 / (high - low) / s) s with s = 100 step / (high - low), then
    v' = p (high - low) / 100 + low, computed here in the same floating-point operations as in the browser
    (JavaScript's Math.round rounds halves up). A value with ``browser_value(v) != v`` comes back from the
    browser changed: a second update, or worse a different tau (issue 14: 0.1125 came back as 0.1130).
    Values the apps set themselves are such fixed points; ``browser_value`` of any value is one."""
    span = high - low
    if value >= high:
        return high
    position = (value - low) * 100 / span
    grid = step * 100 / span
    quotient = position / grid
    steps = math.floor(quotient)
    position = min(max((steps + (quotient - steps >= 0.5)) * grid, 0.0), 100.0)
    return high if position >= 100 else position * span / 100 + low


class App:
    """Base class: ``controls`` (name -> widget), ``status`` (HTML), ``figure`` and its ``canvas``.

    Subclasses set ``figure_size``, create their axes and artists once in :meth:`build`, and
    implement :meth:`recompute` (numbers only), :meth:`redraw` (artists only) and
    :meth:`animated_artists` (the artists that change from one update to the next).

    Rendering: while no axis limits change, an update restores the cached background and
    draws only the animated artists (blitting); otherwise it redraws the whole figure.
    """

    figure_size: tuple[float, float] = (11.0, 5.0)
    #: How frames travel to the browser (:func:`pdelib.apps.canvas.encode_frame`): "png", or "jpeg" for photographs.
    frame_format: str = "png"
    #: Lines of text the status area always has room for (its height never changes, so the figure never moves).
    status_lines: int = 1

    def __init__(self, controls: dict[str, widgets.Widget]) -> None:
        self.controls = controls
        check_figure_width(self.figure_size)
        with course_style():
            self.figure = Figure(figsize=self.figure_size, layout="constrained")
            self.build(self.figure)
        self.canvas = attach_canvas(self.figure, self.frame_format)
        self.status = widgets.HTML(layout=widgets.Layout(height=f"{self.status_lines * STATUS_LINE_PX}px",
                                                         overflow="auto", margin="2px 0"))
        self.status.add_class("pdelib-status")
        reset = widgets.Button(description="reset", tooltip="return every control to its default")
        reset.add_class("pdelib-reset")
        reset.on_click(lambda _: self.reset())
        for control in controls.values():
            if isinstance(control, widgets.FloatSlider):  # a value the browser shows as it is (no echo)
                control.value = browser_value(control.value, control.min, control.max, control.step)
        for name, control in controls.items():
            control.add_class(f"pdelib-{name}")
            control.style.description_width = "initial"
            control.observe(self._on_change, names="value")
        self._holding = False
        self.widget = widgets.VBox(
            [widgets.HBox([*controls.values(), reset], layout=widgets.Layout(flex_flow="row wrap")),
             self.status, self.display_area()]
        )
        self.widget.add_class("pdelib-app")
        self.recompute()
        self.defaults = {name: control.value for name, control in controls.items()}  # as recompute() left them
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

    def display_area(self) -> widgets.Widget:
        """What the app shows under its status line: the live figure's canvas (an app may add a static picture
        beside it, sent once instead of in every frame)."""
        return self.canvas

    def freeze_layout(self) -> None:
        """Compute the constrained layout once, then keep it: redraws skip the layout pass."""
        self.figure.draw_without_rendering()
        self.figure.set_layout_engine("none")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, object]:
        """What a notebook output stores: the live widget view, plus the figure as ``image/png`` and a sentence
        as ``text/plain`` for every reader without a live kernel.

        A frontend with the widget manager and a trusted output shows the view. GitHub, nbviewer without
        JavaScript and JupyterLab before Run All (a notebook opened from disk is untrusted: only "safe" types
        such as ``image/png`` render) show the picture of the figure as first drawn, instead of a ``VBox(…)`` line.
        """
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["image/png"] = self.snapshot_png()
        bundle["text/plain"] = (f"{type(self).__name__}: a live figure with controls. Run the notebook in "
                                "JupyterLab to use it; the picture shows its first state.")
        return bundle

    def snapshot_png(self) -> bytes:
        """:meth:`snapshot_pixels` as PNG bytes."""
        with io.BytesIO() as png:
            Image.fromarray(self.snapshot_pixels()).save(png, format="png")
            return png.getvalue()

    def snapshot_pixels(self) -> np.ndarray:
        """What :meth:`display_area` shows, as last rendered: the figure's RGBA pixels (the pixels the browser was
        sent)."""
        return np.asarray(self.canvas.get_renderer().buffer_rgba())

    def _on_change(self, change: dict) -> None:
        if not self._holding:
            self.update()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Change controls inside this block without an update per change (the caller updates once after).

        Nested blocks keep holding until the outermost one ends."""
        previous, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = previous

    def set(self, **values: object) -> None:
        """Set several controls at once and update once (e.g. ``app.set(tau=0.6, order=2)``).

        Atomic: every value is validated first (:meth:`check_settings`); on a TypeError or ValueError no
        control and nothing on display has changed. Values are never clamped into a slider's range.
        """
        self.apply(self.check_settings(values))
        self.update()

    def check_settings(self, values: dict[str, object]) -> dict[str, object]:
        """Return ``values`` (control name -> new value) validated, without applying any, or raise a
        ValueError/TypeError naming the control, its allowed values and the value received."""
        unknown = [name for name in values if name not in self.controls]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a control of {type(self).__name__}; the controls are "
                             f"{', '.join(self.controls)}")
        sliders = (widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider)
        options = {name: check_control(name, value, self.controls[name])
                   for name, value in values.items() if not isinstance(self.controls[name], sliders)}
        pending = {name: control.value for name, control in self.controls.items()} | options
        numbers = {name: check_control(name, value, self.controls[name], self.control_limits(name, pending))
                   for name, value in values.items() if isinstance(self.controls[name], sliders)}
        return {name: options[name] if name in options else numbers[name] for name in values}

    def control_limits(self, name: str, pending: dict[str, object]) -> tuple[float, float] | None:
        """The range of slider ``name`` once the ``pending`` values (all controls) apply; None: its current range.

        Apps whose slider ranges follow other controls (tau against its bound) override it."""
        return None

    def apply(self, values: dict[str, object]) -> None:
        """Set validated control values without an update per change (:meth:`set` updates once after)."""
        with self.holding():
            for name, value in values.items():
                self.controls[name].value = value

    def reset(self) -> None:
        """Return every control to its default value."""
        self.set(**self.defaults)

    def update(self) -> None:
        """Recompute, update the artists in place and render.

        The new status line is sent after the frame: the browser handles the kernel's messages one after another,
        and a status line handled first (a re-layout of the page) delayed the new pixels by about 20 ms
        (``benchmarks/bench_browser_e2e.py``, chapter 08: 89 -> 68 ms median)."""
        with self.status.hold_sync():
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
        # markers are drawn unclipped: at tau = 0 or at an axis edge they show whole, never cut in half
        (self._tau_marker,) = gauge.plot([0.5], [0.5], "v", color=COLORS["blue"], markersize=16, clip_on=False, in_layout=False)
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
        (self._blowup_marker,) = ax.plot([], [], "X", color=COLORS["vermillion"], markersize=16, label="blow-up",
                                         clip_on=False, in_layout=False)
        ax.set(xlabel="step k", ylabel="norm, total variation", xlim=(0, self.steps))
        # below the figure: inside the panel every corner is crossed by some run's norm or TV curve
        ax.figure.legend(handles=[self._norm_line, self._tv_line, self._blowup_marker], loc="outside lower right",
                         ncols=3, fontsize=11)

    def _show_run(self, run: Evolution, title: str) -> None:
        """Draw an evolution on ``ax_signal`` (``_final_line``) and ``ax_norm`` (``_norm_line``, ``_tv_line``,
        ``_blowup_marker``). Axis limits grow only when the data leave them, so most updates can blit;
        a blown-up state is shown divided by its largest value, with the scale in the title."""
        final = finite_or_gap(run.final)  # an overflowed value leaves a gap
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
            self._blowup_marker.set_data([run.blowup.step], [float(np.nanmax(finite_or_gap(run.norms)))])
            self.ax_signal.set_title(f"BLOW-UP at step {run.blowup.step}: u shown divided by max|u| = {scale:.2g}",
                                     color=COLORS["vermillion"])

    def _set_status(self, text: str, alarm: bool = False) -> None:
        color = COLORS["vermillion"] if alarm else COLORS["black"]
        weight = "bold" if alarm else "normal"
        self.status.value = (f'<div style="font-size:{STATUS_FONT_PX}px;line-height:{STATUS_LINE_PX}px;color:{color};'
                             f'font-weight:{weight}">{text}</div>')


def send_range_first(slider: widgets.Widget) -> None:
    """Send a slider's range, step and value to the browser in one message, the value last; call it inside
    ``slider.hold_sync()`` after changing them (what ``hold_sync`` sends on exit then changes nothing).

    The browser applies a message's keys in their order. A value applied before the range would be clamped
    into the old range and snapped to the old step, and sent back (issue 14: n = 2 gave tau = 0.1130 for
    0.1125, before that 1.6 tau* and a blow-up); a range sent alone would clamp the old value likewise.
    ``hold_sync`` alone sends its keys in an arbitrary order (a set)."""
    slider.send_state(["min", "max", "step", "value"])


class BoundedTauApp(App):
    """An app whose ``tau`` slider follows the stability bound tau* of its other controls (chapters 02, 04).

    Subclasses implement :meth:`bound_for` (tau* for given control values). The slider spans
    ``TAU_RANGE`` x tau* (lower end 0: tau = 0 allowed) with step tau*/500, and keeps tau / tau* (to the
    nearest step) when another control moves the bound; range and value reach the browser in one message,
    the value last (:func:`send_range_first`), and the value is one the browser's slider shows as it is
    (:func:`browser_value`): nothing comes back from the browser.
    """

    #: The tau slider's range as multiples of tau*.
    TAU_RANGE: tuple[float, float] = (0.0, 1.6)
    _slider_bound: float | None = None

    def bound_for(self, settings: dict[str, object]) -> float:
        """tau* = 2 / (L ||D||^2) for the control values ``settings`` (control name -> value)."""
        raise NotImplementedError

    @property
    def bound(self) -> float:
        """tau* for the current control values."""
        return self.bound_for({name: control.value for name, control in self.controls.items()})

    def tau_limits(self, settings: dict[str, object]) -> tuple[float, float]:
        """The tau slider's range ``TAU_RANGE`` x tau* for the control values ``settings``."""
        bound = self.bound_for(settings)
        return self.TAU_RANGE[0] * bound, self.TAU_RANGE[1] * bound

    def control_limits(self, name: str, pending: dict[str, object]) -> tuple[float, float] | None:
        """tau ranges over ``TAU_RANGE`` x tau* for the pending values of the other controls."""
        return self.tau_limits(pending) if name == "tau" else None

    def follow_bound(self) -> None:
        """Keep tau / tau* when the bound has changed since the slider was last scaled."""
        bound = self.bound
        if bound == self._slider_bound:
            return
        slider = self.controls["tau"]
        value = slider.value if self._slider_bound is None else slider.value / self._slider_bound * bound
        self._slider_bound = bound
        low, high = self.TAU_RANGE[0] * bound, self.TAU_RANGE[1] * bound
        step = bound / 500
        with self.holding(), slider.hold_sync():
            slider.min = 0.0  # never above the value while max and step move
            slider.max = high
            slider.step = step
            slider.min = low
            slider.value = browser_value(min(max(value, low), high), low, high, step)
            send_range_first(slider)

    def apply(self, values: dict[str, object]) -> None:
        """Set the controls; ``tau`` last, after the slider's range has followed the bound of the others."""
        tau = values.pop("tau", None)
        super().apply(values)
        self.follow_bound()
        if tau is not None:
            super().apply({"tau": tau})
