"""Flipbooks of the widget apps of all chapters: an app rendered over the values of one control into a
self-contained HTML player that works without a kernel (:func:`render_flipbook`, :data:`FLIPBOOK_CONTROLS`).

A flipbook is a list of frames, one per value of the control: the app's figure as the browser would show it
(:meth:`pdelib.apps.base.App.snapshot_png`, reduced to a 256-colour palette) and the app's status line at that
value, both computed by the app itself through :meth:`~pdelib.apps.base.App.set` (no numerics here).
:meth:`Flipbook.to_html` writes the player: a range slider (arrow keys, drag) that swaps the frames, the
status line in an ``aria-live`` region (a screen reader announces each frame's outcome) and the picture's
``alt`` text with the frame's value and status. Everything is inline (data URLs, one small script): the
page loads nothing else.

Why not matplotlib's ``Animation.to_jshtml`` / ``HTMLWriter`` (checked in matplotlib 3.10.9 and 3.11.2): its player
links Font Awesome's stylesheet from a CDN (``matplotlib._animation_data``), a request leaving the page that
the offline site forbids, and it has no place for a text per frame: the status line is an ipywidgets HTML
widget beside the figure, not part of it, and drawn into the frame it would be pixels, which a screen reader
cannot announce. The player here is a dozen lines of JavaScript on a native ``<input type="range">``, whose
keyboard and screen-reader behaviour is the browser's own.

:data:`FLIPBOOK_CONTROLS` holds each app's flipbook control and values (the control a lecture moves on the
widget's slide): ``flipbook_spec(app)`` returns them for an app, e.g. for chapter 02 tau from 0.5 tau* to
1.5 tau* in steps of 0.05 tau*, each a value the browser's slider shows as it is (:func:`browser_value`); for
chapter 06 the depths 1 .. max_depth(N) of the app's grid (deeper ones use the same levels).
"""

from __future__ import annotations

import html
import io
import json
from base64 import b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import count
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
from PIL import Image

from ..schemes.multigrid import max_depth
from .base import App, browser_value

#: Colours of a frame's palette PNG (a plot has a few dozen colours and their anti-aliased blends).
PALETTE_COLORS = 256


class _TextOf(HTMLParser):
    """The text of an HTML fragment, a line break as a space."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def status_text(app: App) -> str:
    """The app's status line as plain text (its HTML without tags, whitespace collapsed)."""
    parser = _TextOf()
    parser.feed(app.status.value)
    parser.close()
    return " ".join("".join(parser.parts).split())


def palette_png(png: bytes, colors: int = PALETTE_COLORS) -> bytes:
    """``png`` reduced to an optimised palette PNG of at most ``colors`` colours (no dithering: flat areas and
    lines stay flat); about a third of the RGBA PNG's bytes for an app's figure."""
    if not 2 <= colors <= 256:
        raise ValueError(f"colors must be an integer in [2, 256], got {colors!r}")
    with Image.open(io.BytesIO(png)) as image:
        reduced = image.convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE)
    with io.BytesIO() as out:
        reduced.save(out, format="png", optimize=True)
        return out.getvalue()


@dataclass(frozen=True)
class Frame:
    """One value of the control: its ``label`` (e.g. "τ = 0.5250 = 1.05 τ*"), the figure as PNG bytes, and the
    status line as ``status`` (plain text) and ``status_html`` (as the app shows it)."""

    value: object
    label: str
    png: bytes
    status: str
    status_html: str


@dataclass(frozen=True)
class Flipbook:
    """An app's figure and status line over the values of one control; :meth:`to_html` is its player."""

    app_name: str
    control: str
    description: str
    frames: tuple[Frame, ...]
    start: int = 0
    #: The other controls' values the frames were rendered with, as the controls show them ("" : the defaults).
    setup: str = ""

    _ids = count()

    def to_html(self, alt: str | None = None) -> str:
        """A self-contained HTML player (no external URL): slider, picture, status line (``aria-live``).

        ``alt`` describes the picture (e.g. the widget cell's alt text); each frame's ``alt`` adds its value
        and status line."""
        alt = alt or f"Picture of the {self.app_name} widget."
        number = next(self._ids)
        frame_id, status_id = f"pdelib-flipbook-{number}", f"pdelib-flipbook-status-{number}"
        first = self.frames[self.start]
        data = {
            "images": ["data:image/png;base64," + b64encode(frame.png).decode("ascii") for frame in self.frames],
            "labels": [frame.label for frame in self.frames],
            "statuses": [frame.status_html for frame in self.frames],
            "alts": [f"{alt} Shown at {frame.label}: {frame.status}" for frame in self.frames],
        }
        payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        with Image.open(io.BytesIO(first.png)) as image:
            width, height = image.size
        escape = html.escape
        return f"""<figure class="pdelib-flipbook" id="{frame_id}" style="margin:0;max-width:{width}px">
<div style="display:flex;flex-wrap:wrap;align-items:center;gap:0.6em;font-size:15px">
<label for="{frame_id}-slider">{escape(self.description)}</label>
<input type="range" id="{frame_id}-slider" class="pdelib-flipbook-slider" min="0" max="{len(self.frames) - 1}" step="1" value="{self.start}" aria-valuetext="{escape(first.label)}" style="flex:1 1 240px">
<output class="pdelib-flipbook-label" for="{frame_id}-slider">{escape(first.label)}</output>
</div>
<div class="pdelib-flipbook-status" id="{status_id}" aria-live="polite" style="min-height:42px">{first.status_html}</div>
<img class="pdelib-flipbook-frame" src="{data['images'][self.start]}" alt="{escape(data['alts'][self.start])}" width="{width}" height="{height}" style="max-width:100%;height:auto">
<figcaption style="font-size:13px">Precomputed without a kernel: {len(self.frames)} frames of {escape(self.app_name)}, one per value of {escape(self.control)}{escape(f" (with {self.setup})" if self.setup else "")} (drag the slider or use the arrow keys). Run the notebook for the live widget.</figcaption>
<script type="application/json" class="pdelib-flipbook-data">{payload}</script>
<script>
(function () {{
  var root = document.getElementById("{frame_id}");
  var data = JSON.parse(root.querySelector(".pdelib-flipbook-data").textContent);
  var slider = root.querySelector("input"), image = root.querySelector("img");
  var label = root.querySelector("output"), status = root.querySelector(".pdelib-flipbook-status");
  slider.addEventListener("input", function () {{
    var i = Number(slider.value);
    image.src = data.images[i]; image.alt = data.alts[i];
    label.textContent = data.labels[i]; slider.setAttribute("aria-valuetext", data.labels[i]);
    status.innerHTML = data.statuses[i];
  }});
}})();
</script>
</figure>"""

    def _repr_html_(self) -> str:
        return self.to_html()

    @property
    def size(self) -> int:
        """Bytes of the frames' PNGs."""
        return sum(len(frame.png) for frame in self.frames)


def value_label(control: widgets.Widget, value: object) -> str:
    """How the control shows ``value``: an option's label, or "description = value" in its readout format."""
    if hasattr(control, "_options_labels"):
        for option_label, option in zip(control._options_labels, control._options_values):
            if option == value:
                return f"{control.description} = {option_label}" if isinstance(
                    control, widgets.SelectionSlider) else option_label
    fmt = getattr(control, "readout_format", "") or ""
    return f"{control.description} = {format(value, fmt.lstrip(':'))}"


def render_flipbook(app: App, control: str, values: Sequence[object], labels: Sequence[str] | None = None,
                    colors: int = PALETTE_COLORS, settings: dict[str, object] | None = None) -> Flipbook:
    """Render ``app`` at each value of ``control`` (``app.set(control=value)``, validated as in the widget)
    into a :class:`Flipbook`, after ``app.set(**settings)`` if given; the app's controls are restored afterwards.

    ``labels`` (one per value) default to how the control shows the value (:func:`value_label`)."""
    if control not in app.controls:
        raise ValueError(f"control must be one of {', '.join(app.controls)}; got {control!r}")
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one value")
    if labels is not None and len(labels) != len(values):
        raise ValueError(f"labels must hold one label per value ({len(values)}), got {len(labels)}")
    settings = dict(settings or {})
    if control in settings:
        raise ValueError(f"settings must not hold the flipbook's control {control!r}")
    widget = app.controls[control]
    before = {name: c.value for name, c in app.controls.items()}
    frames = []
    try:
        if settings:
            app.set(**settings)
        for i, value in enumerate(values):
            app.set(**{control: value})
            frames.append(Frame(value=value, label=labels[i] if labels else value_label(widget, value),
                                png=palette_png(app.snapshot_png(), colors), status=status_text(app),
                                status_html=app.status.value))
    finally:
        app.set(**before)
    setup = "; ".join(value_label(app.controls[name], value) for name, value in settings.items())
    return Flipbook(app_name=type(app).__name__, control=control, description=str(widget.description or control),
                    frames=tuple(frames), start=start_index(values, before[control]), setup=setup)


def start_index(values: Sequence[object], current: object) -> int:
    """The frame a player opens at: the value equal to ``current`` (the control's value), else the nearest
    number to it, else the first."""
    if current in values:
        return values.index(current)
    numbers = [(abs(value - current), i) for i, value in enumerate(values)
               if isinstance(value, (int, float)) and isinstance(current, (int, float))]
    return min(numbers)[1] if numbers else 0


# -- each app's flipbook control and values ---------------------------------------------------------------

class Spec(NamedTuple):
    """A flipbook's control, its values, their labels (None: :func:`value_label`) and the other controls'
    values set first (the widget slide's setup, e.g. chapter 09's linear diffusion to T = 50)."""

    control: str
    values: list
    labels: list[str] | None = None
    settings: dict[str, object] = {}


def _tau_over_bound(app, ratios: Sequence[float]) -> Spec:
    """tau at ``ratios`` x tau* (as the browser's slider shows them), labelled "τ = ... = r τ*"."""
    bound, slider = app.bound, app.controls["tau"]
    values = [browser_value(r * bound, slider.min, slider.max, slider.step) for r in ratios]
    return Spec("tau", values, [f"τ = {value:.4f} = {value / bound:.2f} τ*" for value in values])


def _ratios(low: float, high: float, step: float) -> list[float]:
    return [round(float(r), 10) for r in np.arange(low, high + step / 2, step)]


def _fixed_point_tau(app) -> Spec:
    """tau on the log slider's grid (10^(k/20)) from 0.1 to 1, which crosses tau_fp ~ 0.25."""
    values = [round(10.0 ** (e / 20), 12) for e in range(-20, 1)]
    return Spec("tau", values, [f"τ = {v:.3f} = {v / app.fixed_point_bound:.2f} τ_fp" for v in values])


#: App class name -> function of the app returning its :class:`Spec`. Chapter 09 follows its lecture slide
#: (linear diffusion to T = 50, tau / tau* across 1: nothing seen at 1.02, the checkerboard at 1.1, blow-up from 1.3);
#: the slide's four values only: a frame of three noisy photographs is up to 150 kB, and the page keeps under 4 MB.
FLIPBOOK_CONTROLS: dict[str, Callable[[App], Spec]] = {
    "DiffusionApp": lambda app: Spec("time", [float(t) for t in range(0, 101, 10)]),
    "TimeStepApp": lambda app: _tau_over_bound(app, _ratios(0.5, 1.5, 0.05)),
    "ActivationApp": lambda app: Spec("family", list(app.controls["family"]._options_values)),
    "FSIApp": lambda app: Spec("cycle_length", [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60]),
    "ImplicitApp": _fixed_point_tau,
    "MultigridApp": lambda app: Spec("depth", list(range(1, max_depth(app.controls["size"].value) + 1))),
    "StabilityApp": lambda app: Spec("repeat", list(range(1, app.controls["repeat"].max + 1))),
    "AmplificationApp": lambda app: Spec("tau", _ratios(0.1, 2.0, 0.1)),
    "ImageDiffusionApp": lambda app: Spec("tau_ratio", [0.9, 1.02, 1.1, 1.3],
                                          settings={"diffusivity": "linear", "time": 50.0}),
}


def flipbook_spec(app: App) -> Spec:
    """The :class:`Spec` of ``app``'s flipbook (:data:`FLIPBOOK_CONTROLS`)."""
    name = type(app).__name__
    if name not in FLIPBOOK_CONTROLS:
        raise ValueError(f"no flipbook is declared for {name}; declared: {', '.join(FLIPBOOK_CONTROLS)}")
    return FLIPBOOK_CONTROLS[name](app)


def flipbook(app: App, colors: int = PALETTE_COLORS) -> Flipbook:
    """``app``'s flipbook over its declared control and values (:func:`flipbook_spec`)."""
    spec = flipbook_spec(app)
    return render_flipbook(app, spec.control, spec.values, spec.labels, colors, spec.settings)
