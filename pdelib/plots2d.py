"""Static figures of images (chapter 09): photographs side by side, and runs of a 2D scheme with their norms.

Same rules as :mod:`pdelib.plots`: figures built without pyplot, the course's style and colours; every number
shown comes from the solvers, none is computed here beyond what is drawn.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .images import psnr
from .plots import COLORS, course_style, new_figure
from .schemes.explicit2d import ImageEvolution


def _show_grey(ax, image: np.ndarray, title: str, color: str = COLORS["black"]) -> None:
    ax.imshow(np.clip(image, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_title(title, color=color, fontsize=13)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


@course_style()
def plot_images(images: dict[str, np.ndarray], clean: np.ndarray | None = None, columns: int = 3) -> Figure:
    """Grey images (values clipped to [0, 1]) in a grid, titled by their keys, with their PSNR against ``clean``."""
    rows = math.ceil(len(images) / columns)
    figure, axes = new_figure(3.6 * columns, 3.9 * rows, nrows=rows, ncols=columns)
    for ax, (label, image) in zip(axes, images.items()):
        title = label if clean is None or image is clean else f"{label}\nPSNR {psnr(clean, image):.1f} dB"
        _show_grey(ax, image, title)
    for ax in axes[len(images):]:
        ax.set_axis_off()
    return figure


@course_style()
def plot_image_runs(runs: dict[str, ImageEvolution], window: tuple[slice, slice] | None = None) -> Figure:
    """Top row: the last state of each run (a blown-up state divided by its largest value, the title in red);
    bottom: ||u^k||_2 of every run against the step k (log scale), the blow-up marked with an X.

    ``window`` (rows, columns) shows a crop of each image, where a checkerboard is visible pixel by pixel."""
    figure = Figure(figsize=(3.4 * max(len(runs), 3), 7.2), layout="constrained")
    grid = figure.add_gridspec(2, len(runs), height_ratios=(1.25, 1))
    norms_ax = figure.add_subplot(grid[1, :])
    for column, (label, run) in enumerate(runs.items()):
        ax = figure.add_subplot(grid[0, column])
        final = np.nan_to_num(run.final, nan=0.0, posinf=0.0, neginf=0.0)
        crop = final if window is None else final[window]
        if run.blowup is None:
            _show_grey(ax, crop, f"{label}\nT = {run.time:.3g}, {run.steps} steps")
        else:
            largest = float(np.abs(crop).max()) or 1.0
            _show_grey(ax, 0.5 + 0.5 * crop / largest, f"{label}\nBLOW-UP at step {run.blowup.step}\n"
                       f"(shown as ½ + u/{2 * largest:.1g})", COLORS["vermillion"])
        k = np.arange(run.norms.size)
        norms_ax.semilogy(k, np.where(run.norms < 1e200, run.norms, np.nan), label=label)
        if run.blowup is not None:
            norms_ax.plot(run.blowup.step, run.norms[-1], "X", color=COLORS["vermillion"], markersize=14,
                          clip_on=False)
    norms_ax.set(xlabel="step k", ylabel="‖uᵏ‖₂")
    norms_ax.legend(loc="upper left", fontsize=11)
    return figure
