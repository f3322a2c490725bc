"""Chapter 09 widget: nonlinear diffusion on a photograph, its time step against the 2D bound (:class:`ImageDiffusionApp`)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .._checks import MAX_SEED, check_int, check_real
from ..diffusivities import diffusivity
from ..images import IMAGES, load_image, noisy_image, psnr
from ..measures import checkerboard_amplitude_2d
from ..operators2d import Gradient2D
from ..plots import COLORS, course_style
from ..schemes.explicit2d import ImageEvolution, stability_bound_2d
from ..schemes.fsi2d import fsi_with_step_2d, plan_fixed_step
from .base import (
    DIFFUSIVITY_LABELS,
    App,
    check_app_noise,
    check_option,
    decade_limits,
    nice_ceiling,
    ratio_text,
)
from .canvas import png_frame


class ImageDiffusionApp(App):
    """Chapter 09: a noisy photograph diffused to the stopping time T with FSI, the inner step tau against tau*.

    Controls: ``tau_ratio`` (tau / tau* from 0.2 to 1.6; tau* = 2 / (L ||grad||^2) follows the diffusivity, the
    slider never changes its range), ``diffusivity``, ``contrast`` (lambda) and the stopping ``time`` T. The app
    reaches T with :func:`pdelib.schemes.fsi2d.fsi_with_step_2d` (at least ``cycles`` FSI cycles whose inner steps
    are exactly tau, then one shorter cycle landing on T) and shows

    * the noisy photograph u^0 with its PSNR against the clean photograph, in a static picture left of the figure
      (it never changes: sent once, not in every frame);
    * the gauge: tau against tau*;
    * the result u(T) (grey values 0..1, clipped) with its PSNR, and the removed part u^0 - u(T);
    * ||u^k||_2 and TV(u^k) after every inner step (log scale), the blow-up marked.

    Above tau* the theorem no longer applies: linear diffusion blows up (the checkerboard takes over the
    photograph), a bounded flux such as Perona–Malik may instead grow a checkerboard that saturates, or smooth
    the noise so fast that none is seen (observed, not guaranteed either way). The status line says which:
    BLOW-UP (non-finite values or ||u^k|| > 10^6 ||u^0||) or UNSTABLE (||u^k|| rose above ||u^0||) in red, else
    what was measured.

    Arguments: ``image`` one of :data:`pdelib.images.IMAGES`, ``size`` in [16, 512], ``noise`` in [0, 10],
    ``seed`` >= 0, ``tau_ratio`` in [0.25, 1.6], ``diffusivity_name`` one of ``DIFFUSIVITIES``, ``contrast``
    one of ``CONTRASTS``, ``time`` one of ``TIMES``, ``cycles`` in [1, 10]. Wrong values raise a TypeError or
    ValueError naming the argument; :meth:`set` validates the same way and changes nothing on error.
    """

    status_lines = 2
    figure_size = (8.1, 7.4)
    #: Width (inches) of the static picture of the noisy photograph, left of the figure; the two together fit
    #: ``MAX_FIGURE_PX``. The photograph is not in the frames: 23 KB less per frame (``benchmarks/bench_frames.py``).
    NOISY_WIDTH = 3.3
    #: Two noisy photographs hardly compress without loss: JPEG frames are about a third of the PNG's bytes.
    frame_format = "jpeg"
    #: The tau / tau* slider's range (below 1/4 the FSI steps grow like sqrt(tau* / tau) for nothing new to see).
    RATIO_RANGE = (0.25, 1.6)
    #: Diffusivities offered: all but regularised TV, whose L = 1/lambda makes tau* up to 100 times smaller and a
    #: live update that many times longer, and Weickert's, whose g (a power and an exponential per pixel) made a
    #: 256^2 step about 12 times slower than Perona–Malik's (measured: 9.4 ms against 0.75 ms).
    DIFFUSIVITIES = {label: name for label, name in DIFFUSIVITY_LABELS.items() if name not in ("tv", "weickert")}
    #: Contrasts lambda offered (grey values span [0, 1]).
    CONTRASTS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
    #: Stopping times offered.
    TIMES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
    #: The removed part u^0 - u(T) is shown on [-REMOVED_RANGE, REMOVED_RANGE].
    REMOVED_RANGE = 0.3
    #: Limits of the norm panel (log scale): calm runs, and runs whose norm or TV left them (up to a blow-up, whose
    #: ||u|| passes 10^6 ||u^0|| ~ 10^8 at 256^2, TV about 10^3 times more). Two fixed ranges keep most updates
    #: blitting: a full redraw only when a run crosses from one to the other.
    NORM_LIMITS, ALARM_LIMITS = (1e1, 1e5), (1e1, 1e13)

    def __init__(self, image: str = "camera", size: int = 256, noise: float = 0.1, seed: int = 0,
                 tau_ratio: float = 0.9, diffusivity_name: str = "perona-malik", contrast: float = 0.05,
                 time: float = 10.0, cycles: int = 2) -> None:
        image = check_option(image, "image", IMAGES)
        size = check_int(size, "size", 16, 512)
        self.clean = load_image(image, size)
        self.noisy = noisy_image(self.clean, check_app_noise(noise), check_int(seed, "seed", 0, MAX_SEED))
        self.gradient = Gradient2D(self.clean.shape)
        self.cycles = check_int(cycles, "cycles", 1, 10)
        self.image_name = image
        tau_ratio = check_real(tau_ratio, "tau_ratio", *self.RATIO_RANGE)
        diffusivity_name = check_option(diffusivity_name, "diffusivity_name", self.DIFFUSIVITIES)
        contrast = check_option(contrast, "contrast", self.CONTRASTS)
        time = check_option(time, "time", self.TIMES)
        self.noisy_psnr = psnr(self.clean, self.noisy)
        controls = {
            "tau_ratio": widgets.FloatSlider(value=tau_ratio, min=self.RATIO_RANGE[0], max=self.RATIO_RANGE[1],
                                             step=0.01, description="τ / τ*", readout_format=".2f",
                                             layout=widgets.Layout(width="360px")),
            "diffusivity": widgets.Dropdown(options=self.DIFFUSIVITIES, value=diffusivity_name,
                                            description="diffusivity"),
            "contrast": widgets.SelectionSlider(options=[(f"{c:g}", c) for c in self.CONTRASTS], value=contrast,
                                                description="λ"),
            "time": widgets.SelectionSlider(options=[(f"{t:g}", t) for t in self.TIMES], value=time,
                                            description="stopping time T"),
        }
        super().__init__(controls)
        self.noisy_pixels = self._draw_noisy()
        height, width, _ = self.noisy_pixels.shape
        self.noisy_view.value = png_frame(self.noisy_pixels)
        self.noisy_view.layout.width, self.noisy_view.layout.height = f"{width}px", f"{height}px"

    # -- building -------------------------------------------------------------------------------------

    def display_area(self) -> widgets.Widget:
        """The static picture of the noisy photograph (:meth:`_draw_noisy`, filled in once the figure's layout is
        fixed), then the figure."""
        self.noisy_view = widgets.Image(format="png", layout=widgets.Layout(flex="0 0 auto"))
        self.noisy_view.add_class("pdelib-noisy")
        return widgets.HBox([self.noisy_view, self.canvas], layout=widgets.Layout(align_items="flex-start"))

    def _draw_noisy(self) -> np.ndarray:
        """RGBA pixels of the static picture: the noisy photograph, as high as the figure, its image at the height
        and size of the result's (so the three photographs line up), titled with its PSNR."""
        width, height = self.NOISY_WIDTH, self.figure_size[1]
        result = self.ax_images["result"].get_position()  # as laid out (the layout is frozen), figure fraction
        side = result.width * self.figure_size[0] / width
        with course_style():
            picture = Figure(figsize=(width, height))
            ax = picture.add_axes(((1 - side) / 2, result.y0, side, result.height))
            ax.imshow(self.noisy, cmap=self._grey, vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set(xticks=[], yticks=[], title=f"noisy u⁰: PSNR {self.noisy_psnr:.1f} dB")
            ax.grid(False)
            canvas = FigureCanvasAgg(picture)
            canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    def snapshot_pixels(self) -> np.ndarray:
        """The picture of the noisy photograph and the figure side by side, as the notebook shows them."""
        figure = super().snapshot_pixels()
        noisy = self.noisy_pixels
        if noisy.shape[0] != figure.shape[0]:  # the browser asked for a sharper figure (a high-dpi screen)
            size = (round(noisy.shape[1] * figure.shape[0] / noisy.shape[0]), figure.shape[0])
            noisy = np.asarray(Image.fromarray(noisy).resize(size, Image.Resampling.NEAREST))
        return np.concatenate([noisy, figure], axis=1)

    def build(self, figure: Figure) -> None:
        axes = figure.subplot_mosaic([["gauge"] * 2, ["result", "removed"], ["norm"] * 2],
                                     height_ratios=(0.9, 5, 2.6))
        self._build_gauge(axes["gauge"], "inner time step τ of the FSI cycles")
        self._grey = grey = colormaps["gray"].with_extremes(bad=COLORS["vermillion"])
        self.ax_images = {name: axes[name] for name in ("result", "removed")}
        for ax in self.ax_images.values():
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        self._result = self.ax_images["result"].imshow(self.noisy, cmap=grey, vmin=0.0, vmax=1.0,
                                                       interpolation="nearest")
        removed = colormaps["PuOr"].with_extremes(bad=COLORS["vermillion"])
        self._removed = self.ax_images["removed"].imshow(np.zeros_like(self.noisy), cmap=removed,
                                                         vmin=-self.REMOVED_RANGE, vmax=self.REMOVED_RANGE,
                                                         interpolation="nearest")
        self.ax_images["removed"].set_title(f"removed u⁰ − u(T) (±{self.REMOVED_RANGE:g})")
        self.ax_norm = ax = axes["norm"]
        (self._norm_line,) = ax.semilogy([0], [1], color=COLORS["blue"], linestyle="-", label="‖uᵏ‖₂")
        (self._tv_line,) = ax.semilogy([0], [1], color=COLORS["orange"], linestyle="--", label="TV(uᵏ)")
        (self._blowup_marker,) = ax.plot([], [], "X", color=COLORS["vermillion"], markersize=16, label="blow-up")
        ax.set(xlabel="FSI step k", ylabel="‖uᵏ‖, TV(uᵏ)", xlim=(0, 10))
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, frameon=False)

    # -- numbers -----------------------------------------------------------------------------------------

    def _diffusivity(self):
        return diffusivity(self.controls["diffusivity"].value, self.controls["contrast"].value)

    @property
    def bound(self) -> float:
        """tau* = 2 / (L ||grad||^2) for the current diffusivity and image size."""
        return stability_bound_2d(self._diffusivity(), self.gradient)

    def recompute(self) -> None:
        flux, time = self._diffusivity(), self.controls["time"].value
        self.ratio = self.controls["tau_ratio"].value
        self.tau = self.ratio * stability_bound_2d(flux, self.gradient)
        cycles = max(1, min(self.cycles, int(time / self.tau)))
        self.run: ImageEvolution = fsi_with_step_2d(self.noisy, time, self.tau, flux, self.gradient, cycles)
        self.plan = plan_fixed_step(time, self.tau, cycles)
        self.planned_steps = sum(plan.explicit_steps for plan in self.plan if plan is not None)
        self.result_psnr = psnr(self.clean, self.run.final)
        self.checkerboard = (checkerboard_amplitude_2d(self.noisy), checkerboard_amplitude_2d(self.run.final))

    # -- drawing -----------------------------------------------------------------------------------------

    def redraw(self) -> None:
        run, bound = self.run, self.bound
        self._draw_gauge(bound, self.tau)
        self._bound_text.set_text(f"τ* = 2/(L‖∇‖²) = {bound:.4f}")
        final = np.where(np.isfinite(run.final), run.final, np.nan)
        self._result.set_data(final)
        self._removed.set_data(self.noisy - final)
        k = np.arange(run.norms.size)
        self._norm_line.set_data(k, run.norms)
        self._tv_line.set_data(k, run.total_variations)
        measured = np.concatenate([run.norms, run.total_variations])
        self.ax_norm.set_xlim(0, nice_ceiling(max(self.planned_steps, 10)))  # a blow-up leaves it unchanged
        calm = bool(np.all((measured >= self.NORM_LIMITS[0]) & (measured <= self.NORM_LIMITS[1])))
        self.ax_norm.set_ylim(*(self.NORM_LIMITS if calm else decade_limits(measured, *self.ALARM_LIMITS)))
        title = self.ax_images["result"]
        if run.blowup is None:
            self._blowup_marker.set_data([], [])
            title.set_title(f"u(T), T = {run.time:g}: PSNR {self.result_psnr:.1f} dB",
                            color=COLORS["vermillion"] if self.unstable else COLORS["black"])
        else:
            self._blowup_marker.set_data([run.blowup.step], [float(np.nanmax(np.where(np.isfinite(run.norms),
                                                                                        run.norms, np.nan)))])
            title.set_title(f"BLOW-UP at step {run.blowup.step} (grey values clipped)", color=COLORS["vermillion"])
        self._set_status(self.describe(), alarm=self.alarming)

    def animated_artists(self) -> list:
        return [self._tau_marker, self._result, self._removed, self._norm_line, self._tv_line,
                self._blowup_marker, self.ax_images["result"].title]

    @property
    def unstable(self) -> bool:
        """True if some ||u^k|| exceeded ||u^0|| (to rounding): the conclusion of the theorem failed."""
        return bool(self.run.norms.max() > self.run.norms[0] * (1 + 1e-9))

    @property
    def alarming(self) -> bool:
        """True if the run blew up or the norm grew: the status line is red and says BLOW-UP or UNSTABLE."""
        return self.run.blowup is not None or self.unstable

    def describe(self) -> str:
        """The status line, one line: diffusivity, lambda, tau / tau*, T; what the run did; PSNR and steps."""
        run, flux = self.run, self._diffusivity()
        title = flux.title.replace("exponential", "exp.")  # one line of at most 940 px
        name = "linear" if flux.name == "linear" else f"{title} λ = {flux.contrast:g}"
        head = f"{name}, τ = {ratio_text(self.ratio)} τ*, T = {self.controls['time'].value:g}"
        if run.blowup is not None:
            return (f"BLOW-UP at step {run.blowup.step}: ‖u‖ = {run.blowup.norm:.2g} = {run.blowup.growth:.2g} × "
                    f"‖u⁰‖ &nbsp; ({head})")
        board = f"checkerboard {self.checkerboard[0]:.2g} → {self.checkerboard[1]:.2g}"
        quality = f"PSNR {self.noisy_psnr:.1f} → {self.result_psnr:.1f} dB"
        if self.unstable:
            return (f"{head}: UNSTABLE, ‖uᵏ‖ up to {run.norms.max() / run.norms[0]:.3g} × ‖u⁰‖, {board}; "
                    f"{quality}")
        if self.ratio > 1:
            return f"{head}: above τ*, no guarantee; here ‖uᵏ‖ ≤ ‖u⁰‖, {board}; {quality}"
        plain = math.ceil(self.controls["time"].value / self.tau)
        return f"{head}: stable, ‖uᵏ‖ ≤ ‖u⁰‖; {quality} in {run.steps} FSI steps (plain: {plain})"
