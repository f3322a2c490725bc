"""Markers and legends never hide anything (issue 14), headless, for the figures of the apps of chapters 02-06.

After ``fig.canvas.draw()``, in renderer (pixel) coordinates:

* every legend's box overlaps no visible point of a plotted line (the curves it would hide);
* every marker (a line drawn with a marker, e.g. the blow-up cross) lies inside its axes' box, or is drawn
  unclipped and lies inside the figure: never cut off at an axis edge.

Each app is checked at a few states (defaults, a blow-up or divergence, a stall, ...). Chapter 07's app is
checked in tests/apps/test_stability.py (it needs trained networks), chapter 08's in its own test module.
"""

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

#: Pixels a marker may reach beyond its axes' box when it is clipped (half a pixel of rounding).
TOLERANCE = 0.5


def visible_points(line: Line2D) -> np.ndarray:
    """The display coordinates of the line's finite data points inside its axes' box (what is drawn there)."""
    xy = np.asarray(line.get_xydata(), dtype=float)
    if xy.size == 0:
        return np.empty((0, 2))
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if not xy.size:
        return np.empty((0, 2))
    points = line.get_transform().transform(xy)
    box = line.axes.bbox
    inside = ((box.x0 - TOLERANCE <= points[:, 0]) & (points[:, 0] <= box.x1 + TOLERANCE)
              & (box.y0 - TOLERANCE <= points[:, 1]) & (points[:, 1] <= box.y1 + TOLERANCE))
    return points[inside]


def segment_points(line: Line2D, samples: int = 20) -> np.ndarray:
    """Visible points plus points along each drawn segment (a legend must not sit on a line between its points)."""
    if line.get_linestyle() in ("None", "none", "", " "):
        return visible_points(line)
    xy = np.asarray(line.get_xydata(), dtype=float)
    if len(xy) < 2:
        return visible_points(line)
    points = line.get_transform().transform(xy)
    t = np.linspace(0, 1, samples)[:, None]
    dense = (points[:-1, None, :] * (1 - t) + points[1:, None, :] * t).reshape(-1, 2)
    dense = dense[np.all(np.isfinite(dense), axis=1)]
    box = line.axes.bbox
    inside = ((box.x0 <= dense[:, 0]) & (dense[:, 0] <= box.x1) & (box.y0 <= dense[:, 1]) & (dense[:, 1] <= box.y1))
    return dense[inside]


def plotted_lines(figure):
    for ax in figure.axes:
        yield from (line for line in ax.get_lines() if line.get_visible())


def assert_nothing_hidden(app, context: str) -> None:
    figure = app.figure
    figure.canvas.draw()
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None] + list(figure.legends)
    lines = list(plotted_lines(figure))
    for legend in legends:
        box = legend.get_window_extent()
        for line in lines:
            if line.get_transform() is not line.axes.transData:
                continue  # gauges and axis-fraction decorations are not data curves
            points = segment_points(line)
            covered = ((box.x0 < points[:, 0]) & (points[:, 0] < box.x1)
                       & (box.y0 < points[:, 1]) & (points[:, 1] < box.y1))
            assert not covered.any(), (f"{context}: the legend at {box.bounds} covers "
                                       f"{covered.sum()} points of {line.get_label()!r}")
    figure_box = figure.bbox
    for line in lines:
        if line.get_marker() in (None, "None", "none", "", " ") or not line.get_visible():
            continue
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.size == 0:
            continue
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        points = line.get_transform().transform(xy)
        radius = line.get_markersize() * figure.dpi / 72 / 2
        box = figure_box if not line.get_clip_on() else line.axes.bbox
        if line.get_clip_on():
            # a clipped marker must lie wholly inside its axes, or wholly outside (not drawn: not a cut marker)
            inside = ((box.x0 - radius <= points[:, 0]) & (points[:, 0] <= box.x1 + radius)
                      & (box.y0 - radius <= points[:, 1]) & (points[:, 1] <= box.y1 + radius))
            whole = ((box.x0 + radius - TOLERANCE <= points[:, 0]) & (points[:, 0] <= box.x1 - radius + TOLERANCE)
                     & (box.y0 + radius - TOLERANCE <= points[:, 1])
                     & (points[:, 1] <= box.y1 - radius + TOLERANCE))
            cut = inside & ~whole
            assert not cut.any(), f"{context}: {cut.sum()} markers of {line.get_label()!r} cut at the axes' edge"
        else:
            outside = ((points[:, 0] - radius < box.x0) | (points[:, 0] + radius > box.x1)
                       | (points[:, 1] - radius < box.y0) | (points[:, 1] + radius > box.y1))
            assert not outside.any(), f"{context}: markers of {line.get_label()!r} leave the figure"


STATES = {
    "TimeStepApp": [{}, {"tau": "max"}, {"diffusivity": "perona-malik", "tau": "max"}, {"order": 2},
                    {"diffusivity": "tv"}],
    "ActivationApp": [{}, {"family": "anti-diffusion"}, {"family": "sin"}, {"family": "tv"}, {"c3": -0.5}],
    "FSIApp": [{}, {"tau": "max"}, {"cycle_length": 1, "tau": "max"}, {"cycle_length": 60, "time": 1000.0},
               {"diffusivity": "weickert", "cycle_length": 60}],
    "ImplicitApp": [{}, {"tau": 100.0}, {"solver": "jacobi", "tau": 50.0, "iterations": 300},
                    {"solver": "jacobi", "tau": 100.0, "iterations": 300}, {"tau": 0.3, "iterations": 300},
                    {"solver": "direct"}],
    "MultigridApp": [{}, {"depth": 1}, {"smoother": "red-black"}, {"cycle": "W"}, {"problem": "implicit-diffusion"}],
}


@pytest.mark.parametrize("name", list(STATES))
def test_markers_and_legends_hide_nothing(small_apps, name):
    app = small_apps[name]
    for state in STATES[name]:
        app.reset()
        values = {key: app.controls[key].max if value == "max" else value for key, value in state.items()}
        if "tau" in values and "max" == state.get("tau"):
            app.set(**{key: value for key, value in values.items() if key != "tau"})
            values = {"tau": app.controls["tau"].max}
        app.set(**values)
        assert_nothing_hidden(app, f"{name} {state}")
    app.reset()
