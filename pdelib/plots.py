"""Static figures of the course (chapters 01-08): readable on a projector, colour-blind safe.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so a
notebook shows it as a static PNG (also on GitHub/nbviewer) and nothing stays open.
Functions here draw; all numbers come from the solvers in the other modules.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .diffusivities import Diffusivity, diffusivity
from .fluxes import Flux
from .schemes.explicit import Evolution

if TYPE_CHECKING:  # pdelib.schemes.implicit imports scipy and numba: only for the annotations
    from .nets.training import TrainingHistory
    from .operators import DerivativeOperator
    from .schemes.explicit import ExplicitScheme
    from .schemes.implicit import IterationResult
    from .schemes.multigrid import MultigridResult

#: Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
CYCLE = [COLORS[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]

STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "lines.linewidth": 2.2,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 80,
    "axes.prop_cycle": mpl.cycler(color=CYCLE, linestyle=LINESTYLES),
}


@contextmanager
def course_style() -> Iterator[None]:
    """Matplotlib settings of the course: large fonts, thick lines, white background, Okabe–Ito colours.

    A context manager, and a decorator for the plotting functions: ``@course_style()``.
    """
    with mpl.rc_context(STYLE):
        yield


@course_style()
def new_figure(width: float, height: float, **subplots) -> tuple[Figure, np.ndarray]:
    """A white, constrained-layout figure of ``width`` x ``height`` inches with ``subplots`` axes."""
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(squeeze=False, **subplots)
    return figure, axes.ravel()


def shade_backward_diffusion(ax: Axes, diff: Diffusivity, s: np.ndarray) -> PolyCollection:
    """Shade the ranges of s where Phi'(s) < 0 (backward diffusion, edges sharpen); return the shading."""
    return ax.fill_between(
        s,
        0,
        1,
        where=diff.flux_derivative(s) < 0,
        transform=ax.get_xaxis_transform(),
        color=COLORS["vermillion"],
        alpha=0.12,
        linewidth=0,
    )


@course_style()
def plot_diffusivities(names: Sequence[str], contrast: float = 1.0, s_max: float = 4.0) -> Figure:
    """Diffusivities g(s^2) (left) and fluxes Phi(s) = g(s^2) s (right) for the given names.

    The backward-diffusion range Phi'(s) < 0 of the Perona–Malik flux is shaded.
    """
    figure, (ax_g, ax_flux) = new_figure(11, 4.2, ncols=2)
    s = np.linspace(0, s_max, 801)
    for name in names:
        diff = diffusivity(name, contrast)
        ax_g.plot(s, diff.g(s * s), label=diff.title)
        ax_flux.plot(s, diff.flux(s), label=diff.title)
    shade_backward_diffusion(ax_flux, diffusivity("perona-malik", contrast), s)
    ax_flux.axvline(contrast, color=COLORS["grey"], linewidth=1.2)
    ax_flux.annotate("λ", (contrast, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -16),
                     textcoords="offset points")
    ax_g.set(xlabel="s = derivative", ylabel="g(s²)", title="diffusivity", ylim=(0, 1.05))
    ax_flux.set(xlabel="s = derivative", ylabel="Φ(s) = g(s²) s", title="flux = activation",
                ylim=(0, min(s_max, 1.1 * contrast * 1.6)))
    ax_g.legend(loc="center right")
    ax_flux.text(0.98, 0.96, "shaded: Φ′ < 0 for Perona–Malik\n(backward diffusion)", transform=ax_flux.transAxes,
                 ha="right", va="top", fontsize=11)
    return figure


@course_style()
def plot_signals(x: np.ndarray, signals: dict[str, np.ndarray], title: str = "", ax: Axes | None = None) -> Figure:
    """Overlay 1D signals (label -> values) on one axes; the first one is drawn grey as the reference."""
    if ax is None:
        figure, (ax,) = new_figure(10, 3.8)
    else:
        figure = ax.figure
    for i, (label, values) in enumerate(signals.items()):
        style = dict(color=COLORS["grey"], linewidth=1.2, linestyle="-") if i == 0 else {}
        ax.plot(x, values, label=label, **style)
    ax.set(xlabel="grid index i", ylabel="u", title=title)
    ax.legend(loc="upper left")
    return figure


@course_style()
def plot_time_step_study(runs: dict[str, Evolution], x: np.ndarray) -> Figure:
    """One row per run: final signal (left), ||u^k|| and TV(u^k) against k (right, log scale)."""
    figure, axes = new_figure(12, 3.3 * len(runs), nrows=len(runs), ncols=2, width_ratios=(3, 2))
    for row, (label, run) in enumerate(runs.items()):
        ax_u, ax_n = axes[2 * row], axes[2 * row + 1]
        final = np.where(np.isfinite(run.final), run.final, np.nan)
        last = f"$u^{{{run.steps[-1]}}}$"
        largest = float(np.nanmax(np.abs(final), initial=0.0))
        if run.blowup is not None and largest > 1e3:  # a blown-up state, drawn divided by its largest value
            final, last = final / largest, f"{last} / {largest:.2g}"
        ax_u.plot(x, run.states[0], color=COLORS["grey"], linewidth=1.2, linestyle="-", label="$u^0$")
        ax_u.plot(x, final, color=COLORS["blue"], linestyle="-", label=last)
        k = np.arange(run.norms.size)
        # beyond 1e200 (overflowing runs) nothing is drawn: log-axis autoscaling would overflow
        norms, variations = (np.where(v < 1e200, v, np.nan) for v in (run.norms, run.total_variations))
        ax_n.semilogy(k, norms, color=COLORS["blue"], linestyle="-", label="‖uᵏ‖₂")
        ax_n.semilogy(k, variations, color=COLORS["orange"], linestyle="--", label="TV(uᵏ)")
        if run.blowup is None:
            ax_u.set_title(label)
        else:
            ax_u.set_title(f"{label}: BLOW-UP at step {run.blowup.step}", color=COLORS["vermillion"])
            ax_n.plot(run.blowup.step, norms[~np.isnan(norms)][-1], "X", color=COLORS["vermillion"], markersize=14)
        ax_u.set(xlabel="grid index i", ylabel="u")
        ax_n.set(xlabel="step k")
        ax_u.legend(loc="upper left")
        ax_n.legend(loc="best")
    return figure


@course_style()
def plot_steps_against_time(results: dict[str, Sequence]) -> Figure:
    """Explicit steps needed against stopping time T, log-log (chapter 04).

    ``results`` maps a method label to a sequence of :class:`pdelib.schemes.fsi.AccuracyResult`, the plain
    explicit scheme first and FSI last: dotted guides of slope 1 (steps ~ T) and 1/2
    (steps ~ sqrt(T)) start at their first points.
    """
    figure, (ax,) = new_figure(7.5, 4.6)
    for (label, runs), color, marker in zip(results.items(), CYCLE, "os^D"):
        times = np.array([run.time for run in runs])
        ax.loglog(times, [run.explicit_steps for run in runs], color=color, linestyle="-", marker=marker,
                  markersize=8, label=label)
    series = list(results.values())
    for runs, exponent, text in ((series[0], 1.0, "∝ T"), (series[-1], 0.5, "∝ √T")):
        times = np.array([run.time for run in runs])
        guide = runs[0].explicit_steps * (times / runs[0].time) ** exponent
        ax.loglog(times, guide, color=COLORS["grey"], linestyle=":", linewidth=1.5)
        ax.annotate(text, (times[-1], guide[-1]), xytext=(-4, 10), textcoords="offset points", ha="right",
                    color=COLORS["grey"])
    ax.set(xlabel="stopping time T", ylabel="explicit steps (layers)", title="steps to reach T at error ≤ 1e-2")
    ax.legend(loc="upper left")
    return figure


def _plot_histories(histories: dict[str, np.ndarray], diverged: set[str], xlabel: str, ylabel: str,
                    title: str) -> Figure:
    """One log-scale line per labelled history against its index; a diverged history ends in a red cross."""
    figure, (ax,) = new_figure(7.5, 4.6)
    styles = ["-", "--", "-.", ":"]
    for index, (label, history) in enumerate(histories.items()):
        values = np.where(np.isfinite(history) & (history < 1e200), history, np.nan)
        color = CYCLE[index % len(CYCLE)]
        ax.semilogy(np.arange(values.size), values, color=color, linestyle=styles[index % len(styles)], label=label)
        if label in diverged:
            last = np.flatnonzero(np.isfinite(values))[-1]
            ax.plot(last, values[last], "X", color=COLORS["vermillion"], markersize=14)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="best")
    return figure


@course_style()
def plot_iteration_errors(results: dict[str, IterationResult], scale: float = 1.0,
                          title: str = "inner iterations of one implicit step") -> Figure:
    """Iterate errors against the iteration l on a log scale, one line per solver run (chapter 05).

    ``results`` maps a label to an :class:`pdelib.schemes.implicit.IterationResult` whose ``history`` holds errors
    (e.g. ``FixedPointSolver.solve(..., reference=x)`` or ``jacobi_iteration``); they are divided by
    ``scale`` (e.g. ||u^k||). A diverged run ends in a red cross.
    """
    histories = {label: result.history / scale for label, result in results.items()}
    diverged = {label for label, result in results.items() if result.diverged}
    return _plot_histories(histories, diverged, "iteration ℓ", "error relative to ‖uᵏ‖", title)


@course_style()
def plot_residual_histories(results: dict[str, MultigridResult],
                            title: str = "multigrid: residual after each cycle") -> Figure:
    """Relative residuals ||f - A u_k|| / ||f|| against the cycle k, log scale, one line per run (chapter 06).

    ``results`` maps a label to a :class:`pdelib.schemes.multigrid.MultigridResult` (``residuals[0] = 1``).
    """
    histories = {label: np.asarray(result.residuals) for label, result in results.items()}
    return _plot_histories(histories, set(), "cycle k", "‖f − A uₖ‖ / ‖f‖", title)


@course_style()
def plot_training_curves(histories: dict[str, TrainingHistory]) -> Figure:
    """Training (solid) and validation (dashed) loss against the epoch, log scale, one colour per model (07)."""
    figure, (ax,) = new_figure(7.5, 4.6)
    for (label, history), color in zip(histories.items(), CYCLE):
        epochs = np.arange(1, history.epochs + 1)
        ax.semilogy(epochs, history.train_loss, color=color, linestyle="-", label=f"{label}: training")
        ax.semilogy(epochs, history.validation_loss, color=color, linestyle="--", label=f"{label}: validation")
    ax.set(xlabel="epoch", ylabel="mean squared error", title="training with the same budget")
    ax.legend(loc="upper right", fontsize=11)
    return figure


@course_style()
def plot_norm_trajectories(trajectories: dict[str, np.ndarray],
                           title: str = "hidden-state norm through the blocks") -> Figure:
    """The largest ||h^k|| / ||h^0|| over the signals against the block k, log scale (chapter 07).

    ``trajectories`` maps a label to an array of shape (blocks + 1, signals), as returned by
    :func:`pdelib.nets.denoisers.norm_trajectory`; a line that leaves 1e200 (overflow) ends in a red cross.
    """
    histories = {label: np.max(norms / norms[0], axis=1) for label, norms in trajectories.items()}
    exploded = {label for label, history in histories.items() if not np.all(np.isfinite(history) & (history < 1e200))}
    return _plot_histories(histories, exploded, "block k", "max over signals of ‖hᵏ‖ / ‖h⁰‖", title)


@course_style()
def plot_flux_gallery(fluxes: Sequence[Flux], s_max: float = 4.0, columns: int = 4) -> Figure:
    """One small panel per flux: Phi(s) (blue), the sector 0 <= Phi(s)/s <= L shaded green when Phi
    lies in it, the ranges with Phi' < 0 (backward diffusion) shaded red (chapter 03)."""
    rows = -(-len(fluxes) // columns)
    figure, axes = new_figure(3.2 * columns, 2.7 * rows, nrows=rows, ncols=columns, sharex=True)
    s = np.linspace(-s_max, s_max, 801)
    for ax, flux in zip(axes, fluxes):
        phi = flux.flux(s)
        if flux.in_sector:
            ax.fill_between(s, 0, flux.bound * s, color=COLORS["green"], alpha=0.18, linewidth=0)
        ax.fill_between(s, 0, 1, where=flux.flux_derivative(s) < 0, transform=ax.get_xaxis_transform(),
                        color=COLORS["vermillion"], alpha=0.12, linewidth=0)
        ax.plot(s, phi, color=COLORS["blue"], linestyle="-")
        ax.axhline(0, color=COLORS["grey"], linewidth=0.8)
        ax.axvline(0, color=COLORS["grey"], linewidth=0.8)
        bound = f"L = {flux.bound:g}" if flux.in_sector else "outside every sector"
        ax.set_title(f"{flux.title}\n{bound}", color=COLORS["black" if flux.in_sector else "vermillion"])
        ax.set_ylabel("Φ(s)")
        ax.set_ylim(-1.6 * s_max / 2, 1.6 * s_max / 2)
    for ax in axes[len(fluxes):]:
        ax.set_visible(False)
    for ax in axes[-columns:]:
        ax.set_xlabel("s")
    return figure


# -- chapter 08: amplification factors ----------------------------------------------------------------
# pdelib.schemes.amplification imports the implicit and multigrid schemes (scipy, numba): imported on first use.

_FACTOR_LABELS = {"explicit": "explicit", "fsi": "FSI cycle, n = {n}", "semi-implicit": "semi-implicit",
                  "fixed-point": "fixed point, ℓ = {l}"}


@course_style()
def plot_amplification_factors(operator: DerivativeOperator, ratios: Sequence[float] = (0.45, 1.1),
                               cycle_length: int = 5, iterations: int = 3) -> Figure:
    """The factor r(mu) of one step of each scheme against mu / ||D||^2, one panel per tau = ratio tau* (08).

    Lines: the closed forms (:func:`pdelib.schemes.amplification.closed_form_factors`) on a fine grid of mu;
    open dots: :func:`~pdelib.schemes.amplification.measured_factors`, each scheme's code run on the eigenmodes
    of D^T D of ``operator`` (keep N small, e.g. 16, so the dots stay apart). Linear diffusion; shaded: the
    stable band |r| <= 1. Values beyond +-1.6 leave the axes.
    """
    from .schemes.amplification import closed_form_factors, eigenmodes, measured_factors
    from .schemes.explicit import stability_bound

    tau_star = stability_bound(diffusivity("linear"), operator)
    top = operator.norm_squared()
    mu_k, _ = eigenmodes(operator)
    mu = np.linspace(0.0, top, 801)
    options = {"explicit": {}, "fsi": {"cycle_length": cycle_length}, "semi-implicit": {},
               "fixed-point": {"iterations": iterations}}
    figure, axes = new_figure(5.6 * len(ratios), 4.8, ncols=len(ratios), sharey=True)
    for ax, ratio in zip(axes, ratios):
        tau = ratio * tau_star
        ax.axhspan(-1.0, 1.0, color=COLORS["green"], alpha=0.12, linewidth=0)
        for (scheme, option), color, style, marker in zip(options.items(), CYCLE, LINESTYLES, "osD^"):
            label = _FACTOR_LABELS[scheme].format(n=cycle_length, l=iterations)
            ax.plot(mu / top, closed_form_factors(scheme, mu, tau, **option), color=color, linestyle=style, label=label)
            ax.plot(mu_k / top, measured_factors(scheme, operator, tau, **option), marker, color=color,
                    linestyle="none", markersize=7, markerfacecolor="white", label="_measured")
        ax.plot([], [], "o", color=COLORS["black"], markerfacecolor="white", linestyle="none",
                label=f"measured, N = {operator.size}")
        ax.set(xlabel="μ / ‖D‖²", ylabel="factor r(μ) per step or cycle", title=f"τ = {ratio:g} τ*", ylim=(-1.6, 1.6))
    axes[0].legend(loc="lower left", fontsize=11)
    return figure


@course_style()
def plot_mode_gains(size: int = 63, taus: Sequence[float] = (10.0, 100.0), sweeps: int = 3) -> Figure:
    """Per-mode gains of one V(2,1) cycle and of ``sweeps`` weighted Jacobi sweeps on (I + tau D^T D) u = f (08).

    Dirichlet grid of ``size`` points, one panel per tau, log scale: :func:`pdelib.schemes.amplification.
    multigrid_mode_gains` and :func:`~pdelib.schemes.amplification.jacobi_mode_gains` against the sine index k
    (1 = smoothest); the worst mode of each is marked.
    """
    from .schemes.amplification import jacobi_mode_gains, multigrid_mode_gains

    figure, axes = new_figure(5.6 * len(taus), 4.6, ncols=len(taus), sharey=True)
    k = np.arange(1, size + 1)
    for ax, tau in zip(axes, taus):
        for gains, color, style, label in ((jacobi_mode_gains(size, tau, sweeps), COLORS["vermillion"], "--",
                                            f"{sweeps} Jacobi sweeps (ω = 2/3)"),
                                           (multigrid_mode_gains(size, tau), COLORS["blue"], "-", "one V(2,1) cycle")):
            ax.semilogy(k, gains, color=color, linestyle=style, label=label)
            worst = int(np.argmax(gains))
            ax.plot(k[worst], gains[worst], "o", color=color, markersize=9, label="_worst")
            ax.annotate(f"{gains[worst]:.3g}", (k[worst], gains[worst]), xytext=(8, -16), textcoords="offset points",
                        color=color)
        ax.set(xlabel="sine mode k (1 = smoothest)", ylabel="gain ‖C v_k‖ per cycle", title=f"τ = {tau:g}, N = {size}",
               ylim=(1e-3, 2.0))
    axes[0].legend(loc="lower right")
    return figure


@course_style()
def plot_inner_factors(operator: DerivativeOperator, cycle_length: int = 20, long_cycle: int = 50,
                       above: float = 1.02) -> Figure:
    """Inside one cycle (left) and above tau* (right), linear diffusion (chapter 08).

    Left: the largest |factor| over all mu in [0, ||D||^2] after each inner step k of one cycle at tau*: FSI
    (:func:`pdelib.schemes.amplification.fsi_inner_factors`) and FED with the smallest or the largest step first
    (:func:`~pdelib.schemes.amplification.fed_inner_factors`). Right: |p_n(mu)| of one FSI cycle of
    ``long_cycle`` steps at tau* and at ``above`` tau*, and ``long_cycle`` explicit steps at ``above`` tau*.
    """
    from .schemes.amplification import explicit_factor, fed_inner_factors, fsi_factor, fsi_inner_factors
    from .schemes.explicit import stability_bound

    tau_star = stability_bound(diffusivity("linear"), operator)
    top = operator.norm_squared()
    mu = np.linspace(0.0, top, 2001)
    figure, (ax_in, ax_above) = new_figure(12, 4.6, ncols=2)
    k = np.arange(1, cycle_length + 1)
    for inner, color, style, marker, label in (
            (fsi_inner_factors(mu, tau_star, cycle_length), COLORS["blue"], "-", "o", "FSI"),
            (fed_inner_factors(mu, tau_star, cycle_length), COLORS["green"], "-.", "x", "FED, smallest step first"),
            (fed_inner_factors(mu, tau_star, cycle_length, largest_first=True), COLORS["vermillion"], "--", "s",
             "FED, largest step first")):
        ax_in.semilogy(k, np.abs(inner).max(axis=1), color=color, linestyle=style, marker=marker, markersize=7,
                       markerfacecolor="none", label=label)
    ax_in.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_in.axhline(1.0, color=COLORS["grey"], linewidth=1.2)
    ax_in.set(xlabel="inner step k", ylabel="max over μ of |factor after k steps|",
              title=f"inside one cycle, n = {cycle_length}, τ = τ*")
    ax_in.legend(loc="upper right")
    ax_above.axhspan(1e-300, 1.0, color=COLORS["green"], alpha=0.12, linewidth=0)
    for values, color, style, label in (
            (fsi_factor(mu, tau_star, long_cycle), COLORS["blue"], "-", f"FSI cycle, n = {long_cycle}, τ = τ*"),
            (fsi_factor(mu, above * tau_star, long_cycle), COLORS["vermillion"], "--",
             f"FSI cycle, n = {long_cycle}, τ = {above:g} τ*"),
            (explicit_factor(mu, above * tau_star) ** long_cycle, COLORS["orange"], ":",
             f"{long_cycle} explicit steps, τ = {above:g} τ*")):
        ax_above.semilogy(mu / top, np.abs(values), color=color, linestyle=style, linewidth=1.6, label=label)
    ax_above.set(xlabel="μ / ‖D‖²", ylabel="|factor of the cycle|", title="one cycle: at and above τ*",
                 ylim=(1e-3, 3e4))
    ax_above.legend(loc="upper left")
    return figure


@course_style()
def plot_overshoot(f: np.ndarray, steps: dict[str, np.ndarray], window: tuple[int, int] | None = None) -> Figure:
    """A signal f (grey) and the results of one step of some schemes on it, with the range [min f, max f]
    dashed: what leaves it violates a max-min principle (chapter 08). ``window`` = (first, last) grid index."""
    figure, (ax,) = new_figure(8, 4.4)
    first, last = window if window is not None else (0, f.size - 1)
    i = np.arange(first, last + 1)
    ax.plot(i, f[first:last + 1], color=COLORS["grey"], linestyle="-", linewidth=1.2, marker="s", label="f")
    for (label, u), color, style, marker in zip(steps.items(), CYCLE, LINESTYLES, "oD^v"):
        ax.plot(i, u[first:last + 1], color=color, linestyle=style, marker=marker, markersize=6, label=label)
    for level in (f.min(), f.max()):
        ax.axhline(level, color=COLORS["black"], linestyle=":", linewidth=1.2)
    ax.set(xlabel="grid index i", ylabel="u", title="one explicit step on a step edge; dotted: [min f, max f]")
    ax.legend(loc="upper left")
    return figure


@course_style()
def plot_separation(scheme: ExplicitScheme, u: np.ndarray, v: np.ndarray, steps: int = 20) -> Figure:
    """Two nearby signals under ``steps`` steps of a scheme (chapter 08): left, the distance ratio
    ||S^k u - S^k v|| / ||u - v|| (:func:`pdelib.schemes.amplification.separation_ratio`, log scale, 1 marked);
    right, both norms ||S^k u||, ||S^k v|| against k."""
    from .schemes.amplification import separation_ratio

    figure, (ax_ratio, ax_norm) = new_figure(12, 4.4, ncols=2)
    k = np.arange(1, steps + 1)
    ax_ratio.semilogy(k, [separation_ratio(scheme, u, v, j) for j in k], color=COLORS["vermillion"],
                      linestyle="-", marker="o", markersize=5, label="‖Sᵏu − Sᵏv‖ / ‖u − v‖")
    ax_ratio.axhline(1.0, color=COLORS["grey"], linewidth=1.2)
    ax_ratio.set(xlabel="step k", ylabel="distance ratio", title="nearby signals move apart")
    for ax in (ax_ratio, ax_norm):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_ratio.legend(loc="upper left")
    for signal, color, style, label in ((u, COLORS["blue"], "-", "‖Sᵏu‖"), (v, COLORS["orange"], "--", "‖Sᵏv‖")):
        ax_norm.plot(np.arange(steps + 1), scheme.evolve(signal, steps).norms, color=color, linestyle=style,
                     label=label)
    ax_norm.set(xlabel="step k", ylabel="‖Sᵏ·‖₂", title="while both norms shrink")
    ax_norm.legend(loc="upper right")
    return figure
