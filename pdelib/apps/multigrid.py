"""Chapter 06 widget: depth, smoothing, smoother, cycle and N -> convergence and the equivalent U-net (:class:`MultigridApp`)."""

from __future__ import annotations

import math
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.patches import FancyBboxPatch
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from .._checks import MAX_SEED, check_choice, check_int
from ..plots import COLORS
from ..schemes.grids import SMOOTHERS
from ..schemes.multigrid import (
    CYCLES,
    PROBLEMS,
    MultigridResult,
    MultigridSolver,
    max_depth,
)
from .base import (
    App,
    check_option,
    counted,
)


class MultigridApp(App):
    """Chapter 06: linear multigrid is a U-net -- depth, smoothing, smoother, cycle and N against convergence.

    Controls: ``size`` N (63 .. 2047 points, N = 2^J - 1), ``depth`` L (1 .. 11; the cycle uses
    min(L, max_depth(N)) levels, so the slider's range never changes with N: a browser slider whose range the
    kernel changes can race it, and its Home/End keys keep the range it was drawn with), ``smoothing`` (nu_1, nu_2) sweeps before and
    after the coarse-grid correction, ``smoother`` (weighted Jacobi omega = 2/3 or red-black Gauss-Seidel),
    ``cycle`` (V or W) and ``problem``: -u'' = f with zero Dirichlet values (h = 1/(N + 1)), or the implicit
    diffusion step (I + tau D^T D) u = f with tau = 10 (h = 1), both by :class:`pdelib.schemes.multigrid.MultigridSolver`.

    The run: f = 0 and a seeded random initial error u^0, so the iterate *is* the error and nothing but the
    cycle's own factor shapes the history (no rounding floor); at most 30 cycles, stopped at a relative
    residual of 1e-12. Figure:

    1. the relative residual ||A u^k|| / ||A u^0|| against the cycle k (log scale, fixed limits), with the
       measured factor (dotted) and, for depth 1, the smoother's factor on the smoothest mode, the level
       at which smoothing alone stalls (dash-dotted);
    2. the equivalent U-net (:class:`pdelib.nets.unet.MultigridUNet`) of the current depth: one row per level with
       its grid size, the smoothing blocks S x nu_1 (encoder) and S x nu_2 (decoder), the restrictions R
       (stride-2 convolutions), the prolongations P = 2 R^T (transposed convolutions), the additive long skip
       connections (the coarse-grid correction u + P e) and the exact solve at the bottom; a W-cycle runs
       every inner U-net twice (marked x2).

    The status line gives the measured factor (the geometric mean of the residual reduction over the last
    5 cycles of the run, the asymptotic regime), the cycles to reach 1e-10, the hierarchy (unknowns per
    level, grid and operator complexity) and the trainable parameters of the U-net with tied and untied
    prolongation (:func:`pdelib.nets.unet.parameter_comparison`; torch is imported once, when the app is built).

    A W-cycle visits level l 2^l times per cycle; to stay interactive an update runs at most
    ``MAX_LEVEL_VISITS`` level visits (but at least ``MIN_CYCLES`` cycles), which shortens deep W-cycles.
    The status says so.

    In a notebook: ``app = MultigridApp(); app`` shows the widget; ``app.set(size=1023, depth=1)`` moves two
    controls with one update.
    """

    figure_size = (11.5, 6.8)
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
        size = check_option(size, "size", self.SIZES)
        self.max_levels = max_depth(max(self.SIZES))
        depth = self.max_levels if depth is None else check_int(depth, "depth", 1, self.max_levels)
        smoothing = check_option(smoothing, "smoothing", self.SMOOTHINGS)
        check_choice(smoother, "smoother", SMOOTHERS)
        check_choice(cycle, "cycle", CYCLES)
        check_choice(problem, "problem", PROBLEMS)
        self.seed = check_int(seed, "seed", 0, MAX_SEED)
        self._solvers: OrderedDict = OrderedDict()
        self._initial_errors: dict[int, np.ndarray] = {}
        for levels in range(1, self.max_levels + 1):
            self.unet_parameters(levels)  # torch once, at build time: updates stay light
        controls = {
            "size": widgets.SelectionSlider(options=[(str(n), n) for n in self.SIZES], value=size,
                                            description="grid N"),
            "depth": widgets.IntSlider(value=depth, min=1, max=self.max_levels, step=1, description="depth L (levels)"),
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
        blue, grey = COLORS["blue"], COLORS["grey"]

        ax = self.ax_residual
        ax.set_yscale("log")
        ax.set(xlabel="cycle k", ylabel="relative residual ‖Auᵏ‖ / ‖Au⁰‖", xlim=(0, self.MAX_CYCLES),
               ylim=self.RESIDUAL_LIMITS)
        ax.axhline(self.TARGET, color=grey, linewidth=1.4, linestyle="--")
        ax.text(0.98 * self.MAX_CYCLES, 1.4 * self.TARGET, "target 10⁻¹⁰", ha="right", va="bottom", color=grey,
                fontsize=12)
        # unclipped: the first dot sits on the left edge (values are kept inside the fixed limits)
        (self._residual_line,) = ax.plot([], [], "o-", color=blue, markersize=5, label="residual", clip_on=False, in_layout=False)
        (self._factor_line,) = ax.plot([], [], color=COLORS["orange"], linestyle=":", linewidth=2.6,
                                       label="measured factor ρ per cycle")
        (self._stall_line,) = ax.plot([], [], color=COLORS["vermillion"], linestyle="-.", linewidth=2.2,
                                      label="smoothing only: smoothest mode")
        (self._floor_marker,) = ax.plot([], [], "v", color=blue, markersize=12, linestyle="none", clip_on=False, in_layout=False)
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

    def levels(self) -> int:
        """The levels the cycle uses: the depth L, at most max_depth(N) (the coarsest grid has one point)."""
        return min(self.controls["depth"].value, max_depth(self.controls["size"].value))

    def settings(self) -> dict[str, object]:
        """The MultigridSolver arguments of the current controls."""
        values = {name: control.value for name, control in self.controls.items()}
        pre, post = values["smoothing"]
        problem = values["problem"]
        return {"size": values["size"], "problem": problem, "tau": self.TAU if problem != "poisson" else None,
                "depth": self.levels(), "smoother": values["smoother"], "pre": pre, "post": post,
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
        depth = self.levels()
        return 2**depth - 1 if self.controls["cycle"].value == "W" and depth > 1 else depth

    def recompute(self) -> None:
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
        :func:`pdelib.nets.unet.parameter_comparison` of a solver of that depth (the counts depend on the depth only).
        Imports torch when first called; each depth is counted once per process."""
        if depth not in cls._PARAMETERS:
            from ..nets.unet import parameter_comparison  # torch: only for this app

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
        self._set_status(self.describe(), alarm=self.alarm_word is not None)

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
                 text=f"exact solve A⁻¹ ({counted(shapes[-1], 'unknown')})")
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

    @property
    def alarm_word(self) -> str | None:
        """STALLS when smoothing alone (depth 1) misses 10^-10 and shrinks its smoothest mode by more than 0.99 per
        cycle (the rough error goes first, so the measured factor of a short run is smaller)."""
        stalls = self.cycles_to_target is None and self.stall_factor is not None and self.stall_factor > 0.99
        return "STALLS" if stalls else None

    def describe(self) -> str:
        """The status line (HTML, one line of at most 100 characters): the levels in use (the depth slider's value,
        or "depth 11 → 8 levels" where N has fewer), the measured factor, the cycles to 10^-10 and the U-net's trainable
        parameters. The cycle, smoother and N are in the residual panel's title, the levels' unknowns in the U-net panel."""
        mg, result = self.mg, self.result
        cycles = result.cycles
        rate = "ρ ≈ 0 (cyclic reduction)" if self.factor < 1e-12 else f"ρ = {self._format_factor(self.factor)}/cycle"
        if self.cycles_to_target is not None:
            reach = f"10⁻¹⁰ after {counted(self.cycles_to_target, 'cycle')}"
        else:
            reach = f"not 10⁻¹⁰ in {counted(cycles, 'cycle')}" + (" (W budget)" if self.shortened else "")
            slowest = self.stall_factor if self.stall_factor is not None else self.factor
            if 0 < slowest < 1:
                more = math.log(self.TARGET / result.residuals[-1]) / math.log(slowest)
                reach = f"{reach}: {'STALLS, ' if self.alarm_word else ''}~{more:,.0f} more"
        counts = self.parameters
        if mg.depth == 1:
            unet = f"U-net {counts['tied']} parameters"
        else:
            unet = f"U-net {counts['tied']} parameters ({counts['untied']} untied)"
        asked = self.controls["depth"].value
        levels = counted(mg.depth, "level") if asked == mg.depth else f"depth {asked} → {mg.depth} levels"
        return f"{levels}: {rate}; {reach}; {unet}"
