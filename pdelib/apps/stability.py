"""Chapter 07 widget: trained networks with more blocks, larger steps and other inputs (:class:`StabilityApp`)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .._checks import MAX_SEED, check_int
from ..plots import COLORS, CYCLE
from .base import (
    App,
    decade_limits,
)


class StabilityApp(App):
    """Chapter 07: trained networks outside their training -- more blocks, larger steps, other inputs.

    ``models`` maps a label to a trained :class:`pdelib.nets.denoisers.Denoiser` (a standard and a symmetric
    ResNet); ``data`` is the :class:`pdelib.denoising.DenoisingData` they were trained on. Controls:

    * ``repeat`` (1 .. 10): the trained stack of blocks is run this many times in a row;
    * ``scale`` (0.5 .. 4): every residual branch is multiplied by s -- a larger step than trained,
      h - s tau K^T Phi(K h) for the symmetric blocks, ReLU(h + s F(h)) for the standard ones;
    * ``inputs``: the first ``signals`` test signals as trained, at 10x amplitude, or with noise 0.3.

    Figure: the largest ||h^k|| / ||h^0|| over the signals against the block k (log scale, fixed limits
    so that updates blit), and one signal: clean, input and both networks' outputs. By the stability
    theorem the symmetric network's norm never grows while s tau stays within every block's exact bound
    2 / (L ||K P||^2), i.e. for s up to :func:`pdelib.nets.denoisers.guaranteed_scale`; the standard network
    has no such guarantee. The status line reports the largest growth per block of each network, and for the
    symmetric one whether the absence of growth is guaranteed at this s or only observed.
    """

    figure_size = (11.5, 6.4)
    MAX_REPEAT = 10
    SCALE_LIMITS = (0.5, 4.0)
    INPUTS = {"test signals (as trained)": "test", "10× amplitude": "amplitude", "noise σ = 0.3": "noise"}
    #: Widest limits of the norm panel (larger values are drawn at the top edge); the panel shows
    #: DEFAULT_NORM_LIMITS, widened by whole decades only as far as the data leave them.
    NORM_LIMITS = (1e-3, 1e8)
    DEFAULT_NORM_LIMITS = (0.5, 2.0)
    #: A ratio ||h^{k+1}|| / ||h^k|| counts as growth above 1 + this (float32 rounding of the networks).
    GROWTH_TOLERANCE = 1e-5

    def __init__(self, models: dict, data, signals: int = 4, seed: int = 0) -> None:
        from ..denoising import DenoisingData
        from ..nets.denoisers import Denoiser, guaranteed_scale

        if not isinstance(models, dict) or not models:
            raise TypeError("models must be a non-empty dict of label -> trained Denoiser")
        for label, model in models.items():
            if not isinstance(model, Denoiser):
                raise TypeError(f"models[{label!r}] must be a Denoiser, got {type(model).__name__}")
        if not isinstance(data, DenoisingData):
            raise TypeError(f"data must be a DenoisingData from pdelib.denoising.make_denoising_data, got {type(data).__name__}")
        self.models = models
        #: label -> the largest s the stability theorem covers (symmetric networks only).
        self.guaranteed_scales = {label: guaranteed_scale(model) for label, model in models.items() if model.symmetric}
        signals = check_int(signals, "signals", 1)
        if signals > len(data.test):
            raise ValueError(f"signals must be at most {len(data.test)} (the test split), got {signals}")
        clean, noisy = data.test.clean[:signals], data.test.noisy[:signals]
        rng = np.random.default_rng(check_int(seed, "seed", 0, MAX_SEED))
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
        ax.set(xlabel="block k", ylabel="max over signals of ‖hᵏ‖ / ‖h⁰‖", ylim=self.DEFAULT_NORM_LIMITS,
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
        from ..nets.denoisers import run_blocks

        repeat, scale = self.controls["repeat"].value, self.controls["scale"].value
        noisy = self.inputs[self.controls["inputs"].value]
        self.trajectories, self.outputs = {}, {}
        with np.errstate(all="ignore"):
            for label, model in self.models.items():
                self.trajectories[label], outputs = run_blocks(model, noisy, repeat, scale)
                self.outputs[label] = outputs[0]

    def growth(self, label: str) -> float:
        """The largest ratio ||h^{k+1}|| / ||h^k|| of the network ``label`` (:func:`pdelib.nets.denoisers.largest_growth`)."""
        from ..nets.denoisers import largest_growth

        return largest_growth(self.trajectories[label])

    def redraw(self) -> None:
        key = self.controls["inputs"].value
        amplitude = 10.0 if key == "amplitude" else 1.0
        shown = []
        for label, line in self._norm_lines.items():
            norms = self.trajectories[label]
            with np.errstate(all="ignore"):
                relative = np.max(norms / norms[0], axis=1)
            relative = np.where(np.isfinite(relative), np.minimum(relative, self.NORM_LIMITS[1]), self.NORM_LIMITS[1])
            line.set_data(np.arange(relative.size), relative)
            shown.append(relative)
            output = self.outputs[label] / amplitude
            self._output_lines[label].set_ydata(np.where(np.isfinite(output), np.clip(output, -10, 10), np.nan))
        self._clean_line.set_ydata(self.clean[key][0] / amplitude)
        self._input_line.set_ydata(self.inputs[key][0] / amplitude)
        low, high = decade_limits(np.concatenate(shown), *self.DEFAULT_NORM_LIMITS)
        self.ax_norm.set_ylim(max(low, self.NORM_LIMITS[0]), min(high, self.NORM_LIMITS[1]))
        self._set_status(self.describe(), alarm=self.alarm_word is not None)

    @property
    def alarm_word(self) -> str | None:
        """GROWS when some network's block raised some signal's norm: ||h^{k+1}|| / ||h^k|| > 1 + GROWTH_TOLERANCE."""
        return "GROWS" if any(self.growth(label) > 1.0 + self.GROWTH_TOLERANCE for label in self.models) else None

    def growth_block(self, label: str) -> int:
        """The block k (1, 2, ...) with the largest ratio ||h^k|| / ||h^{k-1}|| over the signals."""
        norms = self.trajectories[label]
        with np.errstate(all="ignore"):
            ratios = np.max(norms[1:] / norms[:-1], axis=1)
        return int(np.nanargmax(np.where(np.isnan(ratios), -np.inf, ratios))) + 1

    def animated_artists(self) -> list:
        return [*self._norm_lines.values(), *self._output_lines.values(), self._clean_line, self._input_line]

    def _no_growth(self, label: str, scale: float) -> str:
        """'never grows' where the theorem covers the scale s; else 'did not grow here', for a symmetric network
        with '(observed, not guaranteed)'."""
        if label in self.guaranteed_scales and scale <= self.guaranteed_scales[label]:
            return f"never grows (guaranteed for s ≤ {self.guaranteed_scales[label]:.2f})"
        return "did not grow here" + (" (observed, not guaranteed)" if label in self.guaranteed_scales else "")

    def describe(self) -> str:
        """The status line (one line of at most 100 characters for two networks): per network GROWS with the
        largest growth per block and where, or whether its not growing is guaranteed or only observed. The
        repetitions and s are on the controls."""
        scale = self.controls["scale"].value
        parts = []
        for label in self.trajectories:
            growth = self.growth(label)
            if growth > 1.0 + self.GROWTH_TOLERANCE:
                parts.append(f"{label}: GROWS ×{growth:.3g} at block {self.growth_block(label)}")
            else:
                parts.append(f"{label}: {self._no_growth(label, scale)}")
        return "; ".join(parts)
