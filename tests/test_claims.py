"""Claims audit (issue 13): every number or "iff / never / always / below" statement in the prose of
chapters 01-08 and the README that no code cell prints next to it is checked here.

Where possible a test reads the number out of the Markdown (notebook cells, cell metadata ``alt`` or
the README) and compares it with the computation, so that prose cannot drift from what pdelib computes.
Test names say chapter and section: ``test_chNN_<section>_...``; ``test_readme_...`` for the README.
"""

import json
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pdelib.apps imports ipympl / pyplot machinery

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import pdelib  # noqa: E402
from pdelib import DerivativeOperator, diffusivity, evolve, stability_bound  # noqa: E402
from pdelib.activations import activation  # noqa: E402
from pdelib.apps import StabilityApp  # noqa: E402
from pdelib.nets.denoisers import (  # noqa: E402
    guaranteed_scale,
    largest_growth,
    learned_fluxes,
    norm_trajectory,
    run_blocks,
)
from pdelib.nets.resnet import parameter_count  # noqa: E402
from pdelib.nets.trained import chapter_data, chapter_networks  # noqa: E402
from pdelib.nets.training import evaluate, noisy_baseline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LINEAR = diffusivity("linear")


def notebook(chapter: str) -> dict:
    return json.loads(next((ROOT / "notebooks").glob(f"{chapter}-*.ipynb")).read_text(encoding="utf-8"))


def markdown(chapter: str) -> str:
    """All Markdown cells of chapter ``chapter`` ("01" .. "08"), joined."""
    return "\n\n".join("".join(cell["source"]) for cell in notebook(chapter)["cells"] if cell["cell_type"] == "markdown")


def alt_texts(chapter: str) -> str:
    return "\n".join(cell["metadata"].get("alt", "") for cell in notebook(chapter)["cells"])


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def readme_row(chapter: str, table_header: str) -> str:
    """The row of chapter ``chapter`` in the README table that follows ``table_header``."""
    text = readme()
    table = text[text.index(table_header):]
    return next(line for line in table.splitlines() if line.startswith(f"| {chapter} |"))


def number(text: str, pattern: str) -> float:
    """The number captured by the single group of ``pattern`` in ``text`` (the sentence must be there)."""
    match = re.search(pattern, text)  # a captured number ends in a digit: "0.81." is 0.81
    assert match is not None, f"the prose no longer says {pattern!r}"
    return float(match.group(1).replace("−", "-").replace(",", "").rstrip("."))


def alternating(u: np.ndarray) -> bool:
    """A checkerboard with a smooth envelope: at least 90 % of the neighbour pairs have opposite signs."""
    return bool(np.mean(u[1:] * u[:-1] < 0) >= 0.9)


def status(app) -> str:
    return re.sub(r"<[^>]+>", "", app.status.value)


# -- chapter 01 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", pdelib.BOUNDARIES)
def test_ch01_s2_higher_orders_are_products_of_D1_and_D2(boundary):
    # "order n is built the same way, D_{2m} = D_2^m, D_{2m+1} = D_1 D_2^m"; exercise 2: D^T D = (D_1^T D_1)^n
    d = {n: DerivativeOperator(n, 10, boundary=boundary).matrix() for n in (1, 2, 3, 4)}
    assert np.allclose(d[3], d[1] @ d[2]) and np.allclose(d[4], d[2] @ d[2])
    laplacian = d[1].T @ d[1]
    assert np.allclose(d[3].T @ d[3], laplacian @ laplacian @ laplacian)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_ch01_s2_exact_norm_formula_below_the_simple_bound(order):
    size = 64
    exact = (4 * math.sin((size - 1) * math.pi / (2 * size)) ** 2) ** order
    svd = np.linalg.norm(DerivativeOperator(order, size).matrix(), 2) ** 2
    assert svd == pytest.approx(exact, rel=1e-12) and exact < 4**order


def test_ch01_s3_flux_maxima_sit_at_lambda_with_the_stated_values():
    text = markdown("01")
    stated = {
        "perona-malik": 0.5 if "Perona–Malik flux peaks at $\\lambda/2$" in text else None,
        "exponential-perona-malik": number(text, r"the exponential one at \$([\d.]+)\\,\\lambda\$"),
        "weickert": number(text, r"Weickert's at \$([\d.]+)\\,\\lambda\$"),
    }
    s = np.linspace(0.0, 3.0, 300001)
    for name, value in stated.items():
        flux = diffusivity(name, contrast=1.0).flux(s)
        assert value is not None
        assert s[np.argmax(flux)] == pytest.approx(1.0, abs=1e-4)  # the maximum sits at |s| = lambda
        assert flux.max() == pytest.approx(value, abs=5e-5)


def test_ch01_s4_monotone_fluxes_halve_the_slope_and_no_norm_grows():
    text = markdown("01")
    edge = pdelib.smooth_step(size=256, width=4.0)
    D = DerivativeOperator(1, 256)
    runs = {name: pdelib.diffuse(edge, 20.0, diffusivity(name, contrast=0.1), D)
            for name in ("linear", "charbonnier", "perona-malik", "weickert")}
    before = number(text, r"its slope drops from ([\d.]+) to about half")
    linear = number(text, r"to about half \(([\d.]+) and")
    charbonnier = number(text, r"to about half \([\d.]+ and ([\d.]+)\)")
    assert pdelib.max_slope(edge) == pytest.approx(before, abs=5e-4)
    assert pdelib.max_slope(runs["linear"].final) == pytest.approx(linear, abs=5e-4)
    assert pdelib.max_slope(runs["charbonnier"].final) == pytest.approx(charbonnier, abs=5e-4)
    assert 0.4 < linear / before < 0.6 and 0.4 < charbonnier / before < 0.6
    for run in runs.values():
        assert run.norm_nonincreasing
        assert run.final.mean() == pytest.approx(edge.mean(), abs=1e-12)


def test_ch01_exercise1_exponential_perona_malik_maximum():
    value = number(markdown("01"), r"for \$\\lambda = 0.3\$ that is \$([\d.]+)\$")
    assert diffusivity("exponential-perona-malik", 0.3).flux(0.3) == pytest.approx(value, abs=5e-6)
    assert value == pytest.approx(0.3 * math.exp(-0.5), abs=5e-6)


def test_ch01_exercise3_tv_step_is_about_half_lambda():
    for contrast in (0.01, 0.1):
        tau = stability_bound(diffusivity("tv", contrast), DerivativeOperator(1, 256))
        assert tau == pytest.approx(contrast / 2, rel=1e-3)


def test_ch01_s7_static_picture_noise_goes_edge_stays():
    # alt text: "the noise on both plateaus disappears while the jump in the middle stays sharp"
    noisy = pdelib.noisy_step(size=256, noise=0.05, seed=0)
    clean = pdelib.noisy_step(size=256, noise=0.0)
    D = DerivativeOperator(1, 256)
    pm = diffusivity("perona-malik", contrast=0.1)
    for time in (2.0, 20.0, 100.0):
        u = pdelib.diffuse(noisy, time, pm, D).final
        plateaus = np.r_[u[:120], u[136:]] - np.r_[clean[:120], clean[136:]]
        assert np.abs(plateaus).max() < np.abs(noisy - clean).max() / 2 and pdelib.max_slope(u) > 0.7


@pytest.fixture(scope="module")
def diffusion_app():
    from pdelib.apps import DiffusionApp

    return DiffusionApp()


def test_ch01_predict_the_widget_answers_the_three_questions(diffusion_app):
    app = diffusion_app
    text = markdown("01")
    assert "raise λ from 0.1 to 0.3" in text and "*n = 2* at $T = 100$" in text
    app.reset()
    assert app.controls["diffusivity"].value == "perona-malik"
    # (1) raising lambda from 0.1 to 0.3 blurs the edge
    app.set(contrast=0.1, time=20.0)
    sharp = pdelib.max_slope(app.run.final)
    app.set(contrast=0.3)
    assert sharp > 0.9 and pdelib.max_slope(app.run.final) < 0.1
    # (2) n = 2 at T = 100: a ramp, and values outside [0, 1]
    app.set(contrast=0.1, order=2, time=100.0)
    assert pdelib.max_slope(app.run.final) < 0.1
    assert app.run.final.min() < -0.02 and app.run.final.max() > 1.05
    # (3) regularised TV needs many more steps (L = 1/lambda)
    app.set(order=1, time=20.0)
    others = app.steps_needed
    app.set(diffusivity="tv")
    assert app.steps_needed >= 10 * others
    app.reset()


def test_readme_ch01_lecture_row_matches_the_widget(diffusion_app):
    row = readme_row("01", "## Lecture script")
    app = diffusion_app
    app.reset()
    assert "opens with Perona–Malik" in row and app.controls["diffusivity"].value == "perona-malik"
    assert app.controls["time"].value == 20.0
    assert pdelib.max_slope(app.run.final) == pytest.approx(number(row, r"keeps the edge \(([\d.]+)\)"), abs=5e-4)
    app.set(diffusivity="linear")
    assert pdelib.max_slope(app.run.final) == pytest.approx(number(row, r"steepest slope ([\d.]+)\)"), abs=5e-4)
    app.reset()


# -- chapter 02 ---------------------------------------------------------------------------------------


def test_ch02_exercise1_the_mean_is_kept():
    signal = pdelib.noisy_step(size=256, noise=0.01, seed=0)
    run = evolve(signal, 0.5, 1000, diffusivity("perona-malik", 0.1), DerivativeOperator(1, 256))
    assert abs(run.final.mean() - signal.mean()) < 1e-13


def test_ch02_exercise2_a_bias_maps_zero_to_a_nonzero_state():
    from pdelib.nets.resnet import DiffusionBlock

    torch.manual_seed(0)
    block = DiffusionBlock(channels=4, kernel_size=5, tau=1.0, activation=activation("biased-tanh"), size=64)
    block.use_stability_bound(1.0)
    with torch.no_grad():
        assert block(torch.zeros(1, 1, 64, dtype=torch.float64)).norm() > 0
    # even a zero-sum filter: K^T 1 is nonzero at the two boundaries only
    ones = DerivativeOperator(1, 64).apply_transpose(np.ones(63))
    assert ones[0] != 0 and ones[-1] != 0 and np.all(ones[1:-1] == 0)


def test_ch02_exercise3_checkerboard_growth_factor():
    text = markdown("02")
    norm = number(text, r"eigenvalue \$\\\|D\\\|\^2 = ([\d.]+)\$")
    factor = number(text, r"\\approx ([\d.]+)\$ per step")
    assert DerivativeOperator(1, 64).norm_squared() == pytest.approx(norm, abs=5e-7)
    assert abs(1 - 0.51 * norm) == pytest.approx(factor, abs=5e-5)
    assert 1e16 <= factor**1000 < 1e17
    run = evolve(pdelib.checkerboard(64), 0.51, 1000, LINEAR, DerivativeOperator(1, 64))
    assert run.blowup is not None


@pytest.mark.parametrize("boundary, overlap", [("periodic", 1.0), ("reflecting", 0.9)])
def test_ch02_s5_the_checkerboard_is_close_to_the_top_eigenmode(boundary, overlap):
    D = DerivativeOperator(1, 64, boundary=boundary)
    top = np.linalg.eigh(D.matrix().T @ D.matrix())[1][:, -1]
    assert abs(top @ pdelib.checkerboard(64)) / 8 == pytest.approx(overlap, abs=0.01)


@pytest.mark.parametrize("name", ["perona-malik", "charbonnier"])
def test_ch02_s5_a_bounded_flux_moves_u_by_at_most_the_stated_step(name):
    # "one step changes u by at most tau ||D|| sup|Phi| sqrt(N)": no overflow, at any tau
    D = DerivativeOperator(1, 256)
    flux = diffusivity(name, contrast=0.1)
    sup = np.abs(flux.flux(np.linspace(-100, 100, 200001))).max()
    tau = 1.5 * stability_bound(flux, D)
    scheme = pdelib.ExplicitScheme(tau, flux, D)
    u = pdelib.noisy_step(size=256, noise=0.01, seed=0)
    for _ in range(300):
        new = scheme.step(u)
        assert np.linalg.norm(new - u) <= tau * math.sqrt(D.norm_squared()) * sup * math.sqrt(256)
        u = new


@pytest.mark.parametrize("order", [1, 2])
def test_ch02_s5_the_bound_is_sharp_for_linear_diffusion(order):
    # "The bound is sharp": just above tau*, the top eigenmode grows; at tau* nothing grows
    D = DerivativeOperator(order, 64)
    top = np.linalg.eigh(D.matrix().T @ D.matrix())[1][:, -1]
    bound = stability_bound(LINEAR, D)
    at, above = (evolve(top, ratio * bound, 2000, LINEAR, D) for ratio in (1.0, 1.001))
    assert at.norm_nonincreasing and above.norms[-1] > 1.5 * above.norms[0]


@pytest.fixture(scope="module")
def time_step_app():
    from pdelib.apps import TimeStepApp

    return TimeStepApp()


def test_ch02_predict_linear_becomes_unstable_just_above_half(time_step_app):
    app = time_step_app
    app.reset()
    assert app.bound == pytest.approx(0.500019, abs=1e-6)
    app.set(tau=0.5)
    assert app.run.blowup is None and app.run.norm_nonincreasing
    app.set(tau=0.501)  # the next slider value: the oscillations grow
    assert app.run.blowup is None and app.run.total_variations[-1] > 2 * app.run.total_variations[0]
    app.set(tau=0.51)
    assert app.run.blowup is not None
    app.reset()


@pytest.mark.parametrize("order", [1, 2])
def test_ch02_predict_perona_malik_oscillates_at_one_and_a_half_tau_star(time_step_app, order):
    app = time_step_app
    app.set(diffusivity="perona-malik", order=order)
    app.set(tau=round(1.5 * app.bound, 3))
    tvs = app.run.total_variations
    assert app.run.blowup is None and tvs[-1] > 2 * tvs[0]
    assert "level off" in status(app)
    app.reset()


def test_readme_ch02_lecture_row_matches_the_widget(time_step_app):
    row = readme_row("02", "## Lecture script")
    tau = number(row, r"past the black bound line to ([\d.]+);")
    app = time_step_app
    app.reset()
    app.set(tau=tau)
    assert app.run.blowup is not None and app.run.blowup.step == number(row, r"BLOW-UP at step (\d+)")
    app.set(diffusivity="perona-malik")
    assert app.run.blowup is None
    level = number(row, r"levels off \(≈ ([\d.]+)\)")
    assert f"level off at TV ≈ {level:g}" in status(app)
    app.reset()


# -- chapter 03 ---------------------------------------------------------------------------------------


def test_ch03_s1_regularised_tv_has_sector_bound_one_over_lambda():
    for contrast in (0.1, 1.0):
        tv = diffusivity("tv", contrast)
        s = np.linspace(-5, 5, 1001)
        assert np.allclose(tv.flux(s), s / np.sqrt(contrast**2 + s**2))  # g = 1/sqrt(eps^2 + s^2), eps = lambda
        assert tv.bound == pytest.approx(1 / contrast)


@pytest.mark.parametrize("name, threshold", [("silu", -1.2785), ("gelu", -0.7525)])
def test_ch03_s1_silu_and_gelu_diffuse_backwards_below_the_docstring_threshold(name, threshold):
    # docstrings of pdelib.activations: "Phi' < 0 for x < -1.2785" (SiLU), "for x < -0.7525" (GELU, tanh form)
    flux = activation(name)
    x = np.linspace(-6, 2, 800001)
    slope = np.gradient(flux.flux(x), x)
    crossing = x[np.argmax(slope >= 0)]  # the first x where Phi' stops being negative
    assert np.all(slope[x < threshold - 1e-3] < 0) and crossing == pytest.approx(threshold, abs=2e-4)


@pytest.mark.parametrize("name", ["biased-tanh", "softplus"])
def test_ch03_s2_a_constant_flux_moves_mass_between_the_ends_and_keeps_the_mean(name):
    text = markdown("03")
    assert "nothing crosses the boundary, the mean is still conserved exactly" in text
    assert "pushes mass through the boundary" not in text
    signal = pdelib.noisy_step(size=256, noise=0.01, seed=0)
    D = DerivativeOperator(1, 256)
    flux = activation(name, contrast=0.1)
    tau = 2 / (pdelib.secant_bound(flux, np.linspace(-40, 40, 8001)) * D.norm_squared())
    run = evolve(signal, tau, 500, flux, D)
    assert run.final.mean() == pytest.approx(signal.mean(), abs=1e-12)
    assert run.final[0] - signal[0] > 0.5 and signal[-1] - run.final[-1] > 0.5  # the ends drift
    # D^T of the constant part Phi(0): zero in the interior, +-Phi(0) at the two ends
    constant = D.apply_transpose(np.full(255, float(flux.flux(0.0))))
    assert np.all(constant[1:-1] == 0) and constant[0] == -constant[-1] != 0


def test_ch03_s2_only_sin_raises_the_norm_and_only_anti_diffusion_blows_up():
    signal = pdelib.noisy_step(size=256, noise=0.01, seed=0)
    D = DerivativeOperator(1, 256)
    for name in ("sin", "anti-diffusion"):
        flux = activation(name, contrast=0.1)
        run = evolve(signal, 2 / (pdelib.secant_bound(flux, np.linspace(-40, 40, 8001)) * D.norm_squared()), 500, flux, D)
        if name == "sin":
            assert run.blowup is None and run.norms[-1] > run.norms[0]
        else:
            assert run.blowup is not None and run.blowup.step < 50


def test_ch03_s3_nonmonotone_fluxes_never_raise_the_norm_at_tau_star():
    # the notebook prints the largest ratio for Perona-Malik as 1.000000: it is <= 1, not above
    D = DerivativeOperator(1, 256)
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((300, 256)) * np.logspace(-2, 3, 300)[:, None]
    for flux in (diffusivity("perona-malik", 0.1), activation("silu", contrast=0.1), activation("gelu", contrast=0.1)):
        scheme = pdelib.ExplicitScheme(stability_bound(flux, D), flux, D)
        ratios = [np.linalg.norm(scheme.step(u)) / np.linalg.norm(u) for u in inputs]
        assert max(ratios) <= 1 + 1e-12


def test_ch03_predict_custom_shape_first_value_sets_tau_star_last_value_leaves_the_sector():
    from pdelib.apps import ActivationApp

    app = ActivationApp()
    assert app.controls["family"].value == "custom"

    def tau_star() -> float:
        return number(status(app), r"τ\* = ([\d.]+)")

    default = tau_star()
    app.set(c1=1.0)
    assert tau_star() < default / 2  # a larger first value raises L and lowers tau*
    app.reset()
    row = readme_row("03", "## Lecture script")
    app.set(c5=-0.05)
    assert status(app).startswith("outside the sector") and "‖uᵏ‖ GROWS" in status(app)
    assert app.run.blowup is None and np.any(np.diff(app.run.norms) > 0)  # the norm rises at some steps
    app.set(c5=-0.1)
    assert app.run.blowup is not None and app.run.blowup.step == number(row, r"blows up \(step (\d+)\)")


# -- chapter 04 ---------------------------------------------------------------------------------------


def test_ch04_s1_momentum_grows_from_minus_a_third_towards_one():
    beta = pdelib.fsi_weights(200) - 1
    assert beta[0] == pytest.approx(-1 / 3) and np.all(np.diff(beta) > 0) and np.all(beta < 1)
    assert beta[-1] > 0.99


@pytest.mark.parametrize("cycle_length", [1, 5, 10, 50])
def test_ch04_exercise1_fed_steps_sum_to_the_cycle_time(cycle_length):
    assert pdelib.fed_step_sizes(0.5, cycle_length).sum() == pytest.approx(0.5 * (cycle_length**2 + cycle_length) / 3)
    assert pdelib.cycle_time(0.5, cycle_length) == pytest.approx(0.5 * (cycle_length**2 + cycle_length) / 3)


@pytest.mark.parametrize("cycle_length", [5, 20, 50])
def test_ch04_s4_linear_fsi_keeps_every_inner_norm_bounded_at_tau_star(cycle_length):
    # internal stability (linear): every intermediate ||u^k|| <= ||u^0|| for tau <= tau*
    D = DerivativeOperator(1, 128)
    scheme = pdelib.FSIScheme(stability_bound(LINEAR, D), cycle_length, LINEAR, D)
    rng = np.random.default_rng(cycle_length)
    for u in [pdelib.checkerboard(128), *rng.standard_normal((20, 128))]:
        run = scheme.evolve(u, 2)
        assert run.norms.max() <= run.norms[0] * (1 + 1e-12)


def test_ch04_exercise3_weickert_at_lambda_one_keeps_every_norm_bounded():
    signal = np.random.default_rng(0).standard_normal(32)
    D32 = DerivativeOperator(1, 32)
    weickert = diffusivity("weickert", contrast=1.0)
    for cycle_length in (10, 20, 60):
        assert pdelib.FSIScheme(stability_bound(weickert, D32), cycle_length, weickert, D32).evolve(signal, 1).norm_bounded


def test_ch04_s5_alt_text_growth_of_the_norm_and_of_the_checkerboard():
    alt = alt_texts("04")
    norm_growth = number(alt, r"the norm grows about (\d+)-fold")
    mode_growth = number(alt, r"the checkerboard mode alone about (\d+)-fold")
    D = DerivativeOperator(1, 256)
    tau = 1.02 * stability_bound(LINEAR, D)
    run = pdelib.FSIScheme(tau, 50, LINEAR, D).evolve(pdelib.noisy_step(size=256, noise=0.01, seed=0), 1)
    assert run.norms.max() / run.norms[0] == pytest.approx(norm_growth, rel=0.02)
    board = pdelib.FSIScheme(tau, 50, LINEAR, D).evolve(pdelib.checkerboard(256), 1)
    assert board.norms.max() / board.norms[0] == pytest.approx(mode_growth, rel=0.05)


@pytest.fixture(scope="module")
def fsi_app():
    from pdelib.apps import FSIApp

    return FSIApp()


def test_ch04_predict_and_readme_fsi_against_plain_just_above_tau_star(fsi_app):
    # README lecture script: at 1.04 tau* and T = 100, n = 10 and n = 20 stay bounded (norm x1.00, x1.03) while the
    # plain scheme to the same T grows 4.33e3-fold; at T = 1000, n = 20 blows up at step 111, the plain one at 251
    row = readme_row("04", "## Lecture script")
    assert "$1.04\\,\\tau^*$ ($\\tau = 0.52$)" in markdown("04")
    app = fsi_app
    app.reset()
    app.set(cycle_length=10, tau=0.52)
    assert app.tau_ratio == pytest.approx(1.04, abs=0.001)
    growths = [app.run.norms.max() / app.run.norms[0]]
    plain = app.plain.norms.max() / app.plain.norms[0]
    app.set(cycle_length=20)
    growths.append(app.run.norms.max() / app.run.norms[0])
    assert app.run.time == pytest.approx(100.0, rel=1e-12) == app.plain.tau * (app.plain.norms.size - 1)
    assert growths == pytest.approx([number(row, r"norm ×([\d.]+),"), number(row, r", ×([\d.]+)\)")], abs=0.005)
    assert app.plain.norms.max() / app.plain.norms[0] == pytest.approx(plain)
    assert plain == pytest.approx(number(row, r"grows ([\d.]+)·10³-fold") * 1e3, rel=0.005)
    app.set(time=1000.0)
    assert app.run.blowup.step == number(row, r"n = 20 blows up at step (\d+)")
    assert app.plain.blowup.step == number(row, r"the plain one at step (\d+)")
    app.reset()


def test_ch04_widget_says_observed_not_guaranteed_for_nonlinear_fsi(fsi_app):
    # below tau* the FSI guarantee covers linear diffusion only (section 4's Weickert counterexample)
    app = fsi_app
    app.reset()
    assert status(app).endswith("stable: ‖uᵏ‖ ≤ ‖u⁰‖, guaranteed")
    app.set(diffusivity="weickert")
    assert status(app).endswith("stable: ‖uᵏ‖ ≤ ‖u⁰‖, observed")
    app.reset()


def test_ch04_predict_doubling_n_takes_a_cycle_almost_four_times_as_far():
    assert pdelib.cycle_time(0.5, 20) / pdelib.cycle_time(0.5, 10) == pytest.approx(420 / 110)


def test_ch04_reference_solution_accuracy_stated_in_its_docstring():
    # "that change in relative_max_error is ... 1e-5 at T = 10 and below 2e-6 for T >= 100"
    from pdelib.schemes.fsi import reference_solution, relative_max_error

    signal = pdelib.noisy_step(size=256, noise=0.05, seed=0)
    pm, D = diffusivity("perona-malik", 0.1), DerivativeOperator(1, 256)
    for time, bound in ((10.0, 1.5e-5), (100.0, 2e-6)):
        change = relative_max_error(reference_solution(signal, time, pm, D),
                                    reference_solution(signal, time, pm, D, refinement=40), signal)
        assert change < bound


# -- chapter 05 ---------------------------------------------------------------------------------------

D64 = DerivativeOperator(1, 64)


def test_ch05_jacobi_radius_exercise1_numbers():
    from pdelib.schemes.implicit import jacobi_iteration, jacobi_spectral_radius

    text = markdown("05")
    exact = number(text, r"`jacobi_spectral_radius\(3.0, D64\)`, is ([\d.]+):")
    interior = number(text, r"2\\tau\\cos\(\\pi/N\)/\(1\+2\\tau\) = ([\d.]+)\$")
    measured = number(text, r"`jacobi_iteration\(u64, 3.0, linear, D64, 400\).rate\(\)` measures ([\d.]+)")
    assert jacobi_spectral_radius(3.0, D64) == pytest.approx(exact, abs=5e-6)
    assert 6 * math.cos(math.pi / 64) / 7 == pytest.approx(interior, abs=5e-6)
    assert interior < exact < 6 / 7
    u64 = pdelib.noisy_step(size=64, noise=0.05, seed=0)
    assert jacobi_iteration(u64, 3.0, LINEAR, D64, 400).rate() == pytest.approx(measured, abs=5e-4)


@pytest.mark.parametrize("tau", [0.5, 3.0, 100.0])
def test_ch05_jacobi_radius_reflecting_lies_between_interior_formula_and_bound(tau):
    from pdelib.schemes.implicit import jacobi_spectral_radius

    radius = jacobi_spectral_radius(tau, D64)
    assert 2 * tau * math.cos(math.pi / 64) / (1 + 2 * tau) < radius < 2 * tau / (1 + 2 * tau)


def test_ch05_s3_jacobi_diverges_for_order_two():
    from pdelib.schemes.implicit import jacobi_iteration, jacobi_spectral_radius

    D2 = DerivativeOperator(2, 64)
    assert jacobi_spectral_radius(3.0, D2) > 1
    result = jacobi_iteration(pdelib.noisy_step(size=64, noise=0.05, seed=0), 3.0, LINEAR, D2, iterations=200)
    assert result.history[-1] > result.history[0]


def test_ch05_s3_jacobi_at_tau_100_gains_one_and_a_half_digits():
    from pdelib.schemes.implicit import jacobi_iteration

    reduction = number(markdown("05"), r"reduce the error only to ([\d.]+) of its start")
    result = jacobi_iteration(pdelib.noisy_step(size=64, noise=0.05, seed=0), 100.0, LINEAR, D64, iterations=400)
    assert result.history[-1] / result.history[0] == pytest.approx(reduction, abs=5e-4)
    assert 1.25 < -math.log10(reduction) < 1.75  # "one and a half digits"


def test_ch05_exercise3_one_large_step_removes_less_noise():
    from pdelib.schemes.implicit import SemiImplicitScheme

    text = markdown("05")
    pm, D = diffusivity("perona-malik", 0.1), DerivativeOperator(1, 256)
    signal = pdelib.noisy_step(size=256, noise=0.05, seed=0)
    small = SemiImplicitScheme(1.0, pm, D).evolve(signal, steps=100)
    large = SemiImplicitScheme(100.0, pm, D).evolve(signal, steps=1)
    for run, label in ((small, "100 steps of τ = 1"), (large, "one step of τ = 100")):
        assert pdelib.total_variation(run.final) == pytest.approx(number(text, label + r": TV ([\d.]+)"), abs=0.005)
        assert pdelib.max_slope(run.final) == pytest.approx(number(text, label + r": TV [\d.]+, max slope ([\d.]+)"), abs=0.005)
        assert np.all(np.diff(run.norms) <= 1e-12)
    assert pdelib.total_variation(large.final) > pdelib.total_variation(small.final)


def test_ch05_exercise4_recurrent_network_at_tau_03_diverges_with_two_parameters():
    from pdelib.nets.recurrent import RecurrentDiffusionNetwork
    from pdelib.nets.resnet import parameter_count
    from pdelib.schemes.implicit import fixed_point_threshold

    D = DerivativeOperator(1, 256)
    assert fixed_point_threshold(1.0, D) < 0.3
    network = RecurrentDiffusionNetwork.from_scheme(LINEAR, D, tau=0.3, iterations=200)
    signal = pdelib.noisy_step(size=256, noise=0.05, seed=0)
    with torch.no_grad():
        out = network(torch.from_numpy(signal).view(1, 1, -1)).flatten().numpy()
    assert np.max(np.abs(out)) > 1e6
    assert alternating(out)  # a checkerboard (with a smooth envelope) dominates
    assert parameter_count(network) == 2


def test_ch05_predict_and_readme_the_widget_answers():
    from pdelib.apps import ImplicitApp
    from pdelib.schemes.implicit import fixed_point_threshold

    row = readme_row("05", "## Lecture script")
    app = ImplicitApp()
    assert app.controls["tau"].value == 0.2 and not app.fixed.diverged
    app.set(tau=10**-0.52)  # "move τ to about 0.3": the log slider's value next to 0.3
    assert "fixed point DIVERGES" in status(app)
    result = app.fixed.solution
    assert alternating(result)
    app.set(tau=10**1.7, solver="jacobi")  # about 50
    assert app.jacobi_factor == pytest.approx(number(row, r"Jacobi converges at ([\d.]+) per iteration"), abs=0.005)
    assert fixed_point_threshold(1.0, D64) == pytest.approx(number(readme(), r"1/‖D‖² ≈ ([\d.]+) for linear diffusion, N = 64"), abs=5e-6)


def test_readme_ch05_step_counts_to_t_1000():
    from pdelib.schemes.fsi import reference_solution, steps_to_accuracy

    text = readme()
    pm, D = diffusivity("perona-malik", 0.1), DerivativeOperator(1, 256)
    signal = pdelib.noisy_step(size=256, noise=0.05, seed=0)
    reference = reference_solution(signal, 1000.0, pm, D)
    counts = {method: steps_to_accuracy(signal, 1000.0, pm, D, 1e-2, method=method, reference=reference).explicit_steps
              for method in ("semi-implicit", "fsi", "explicit")}
    assert counts["semi-implicit"] == number(text, r"(\d+) steps to T = 10³ vs")
    assert counts["fsi"] == number(text, r"steps to T = 10³ vs (\d+) \(FSI\)")
    assert counts["explicit"] == number(text, r"\(FSI\) and (\d+) \(explicit\)")


# -- chapter 06 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 64, 128, 200, 254])
def test_ch06_s1_weighted_jacobi_factor_on_each_sine_mode(k):
    # one sweep multiplies sin(k pi x) by 1 - 2 omega sin^2(k pi h / 2): at most 1/3 in modulus for k >= N/2,
    # 1 - omega (1 - cos pi h) for k = 1
    from pdelib.schemes.grids import smooth
    from pdelib.schemes.multigrid import MultigridSolver

    size, omega = 255, 2 / 3
    h = 1 / (size + 1)
    mode = np.sin(k * np.pi * np.arange(1, size + 1) * h)
    factor = 1 - 2 * omega * np.sin(k * np.pi * h / 2) ** 2
    after = smooth(mode, np.zeros(size), MultigridSolver(size).stencils[0], sweeps=1)
    assert np.allclose(after, factor * mode, atol=1e-12)
    if k >= size / 2:
        assert abs(factor) <= 1 / 3 + 1e-12
    if k == 1:
        assert factor == pytest.approx(1 - omega * (1 - np.cos(np.pi * h)))
        assert factor == pytest.approx(1 - np.pi**2 * h**2 / 3, abs=1e-8)


def test_ch06_s3_fmg_two_cycles_per_level_below_the_discretisation_error():
    from pdelib.schemes.multigrid import MultigridSolver

    text = markdown("06")
    low = number(text, r"\((\d\.\d+)–\d\.\d+×; that the FMG")
    high = number(text, r"\(\d\.\d+–(\d\.\d+)×; that the FMG")
    two = number(text, r"it is well below it \((\d\.\d+)×\)")
    for size in (63, 255, 1023):
        x = np.arange(1, size + 1) / (size + 1)
        solver = MultigridSolver(size)
        rhs, solution = np.pi**2 * np.sin(np.pi * x), np.sin(np.pi * x)
        discrete = solver.solve(rhs, tolerance=1e-12).solution
        discretisation = np.max(np.abs(discrete - solution))
        one_cycle = np.max(np.abs(solver.fmg(rhs) - discrete)) / discretisation
        two_cycles = np.max(np.abs(solver.fmg(rhs, cycles=2) - discrete)) / discretisation
        assert low - 0.005 <= one_cycle <= high + 0.005  # one V-cycle per level: NOT below
        assert two_cycles == pytest.approx(two, abs=0.005) and two_cycles < 0.1  # two: below


def test_ch06_s1_three_sweeps_halve_the_error_thirty_do_not_remove_it():
    from pdelib.schemes.grids import smooth
    from pdelib.schemes.multigrid import MultigridSolver

    text = markdown("06")
    stencil = MultigridSolver(255).stencils[0]
    error = np.random.default_rng(0).standard_normal(255)
    after_3, after_30 = (smooth(error, np.zeros(255), stencil, sweeps=k) for k in (3, 30))
    roughness = [np.linalg.norm(np.diff(e)) for e in (error, after_3)]
    assert roughness[0] == pytest.approx(number(text, r"roughness ([\d.]+) →"), abs=0.05)
    assert roughness[1] == pytest.approx(number(text, r"roughness [\d.]+ → ([\d.]+)\)"), abs=0.05)
    assert np.linalg.norm(after_3) == pytest.approx(number(text, r"take it from ([\d.]+) to"), abs=0.05)
    assert np.linalg.norm(after_30) == pytest.approx(number(text, r"take it from [\d.]+ to ([\d.]+)\."), abs=0.05)
    assert 0.4 < np.linalg.norm(after_3) / np.linalg.norm(error) < 0.5  # "still half its size"


def test_ch06_s4_all_unet_weights_are_trainable():
    from pdelib.nets.unet import MultigridUNet
    from pdelib.schemes.multigrid import MultigridSolver

    stated = number(markdown("06"), r"All (\d+) weights are trainable")
    unet = MultigridUNet.from_solver(MultigridSolver(255, depth=4), tie=True)
    parameters = list(unet.parameters())
    assert all(p.requires_grad for p in parameters) and sum(p.numel() for p in parameters) == stated


def test_ch06_exercise4_red_black_is_a_direct_solver_in_1d():
    from pdelib.schemes.multigrid import MultigridSolver

    assert MultigridSolver(255, smoother="red-black").convergence_factor() < 1e-10


def test_ch06_grid_complexity_bounds_in_the_docstring():
    from pdelib.schemes.multigrid import MultigridSolver

    assert MultigridSolver(1023).grid_complexity() < 2
    assert MultigridSolver(255, dimension=2).grid_complexity() < 4 / 3


def test_ch06_predict_and_readme_two_levels_reach_a_tenth_at_every_size():
    from pdelib.apps import MultigridApp

    row = readme_row("06", "## Lecture script")
    assert "depth 1 *STALLS*" in row
    app = MultigridApp()
    app.set(depth=1)
    assert "STALLS" in status(app)
    for size in (63, 255, 1023, 2047):
        app.set(size=size, depth=2)
        assert app.factor <= 0.1
        app.set(depth=app.controls["depth"].max)
        assert 0.09 <= app.factor <= 0.11  # "ρ ≈ 0.1 at every N"
    app.reset()
    app.set(smoother="red-black")
    assert app.factor < 1e-10


# -- README -------------------------------------------------------------------------------------------


def test_readme_alt_text_is_cell_metadata_that_nbconvert_ignores():
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    text = readme()
    assert "nbconvert's HTML export (7.17) ignores it" in text and "used by nbconvert" not in text
    assert nbconvert.__version__.startswith("7.17")
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    cell = nbformat.v4.new_code_cell("figure", metadata={"alt": "ALT-TEXT-MARKER"},
                                     outputs=[nbformat.v4.new_output("display_data", data={"image/png": png})])
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    assert png[:20] in html and "ALT-TEXT-MARKER" not in html
    # the metadata itself is there: every stored figure of chapters 01-06 has its alt text
    for chapter in ("01", "02", "03", "04", "05", "06"):
        for cell in notebook(chapter)["cells"]:
            if any("image/png" in output.get("data", {}) for output in cell.get("outputs", [])):
                assert len(cell["metadata"].get("alt", "")) > 40

# -- chapter 07 ---------------------------------------------------------------------------------------
# The shipped networks (pdelib.nets.trained) evaluated in float64, as the notebook does.


def chapter_row() -> str:
    """Chapter 07's row in the README's chapter table."""
    return next(line for line in readme().splitlines() if line.startswith("| [07 ·"))


@pytest.fixture(scope="module")
def chapter():
    torch.set_num_threads(1)
    data = chapter_data()
    models, histories = chapter_networks(data)
    return data, models, histories


@pytest.fixture(scope="module")
def app(chapter):
    data, models, _ = chapter
    return StabilityApp({label: models[label] for label in ("(a) standard", "(b) symmetric")}, data)


def test_ch07_s2_gain_over_the_noisy_input(chapter):
    data, models, _ = chapter
    low, high = (float(v) for v in re.search(r"between \+([\d.]+) and \+([\d.]+) dB", markdown("07")).groups())
    baseline = noisy_baseline(data.test)["psnr"]
    gains = [evaluate(model, data.test)["psnr"] - baseline for model in models.values()]
    assert (round(min(gains), 1), round(max(gains), 1)) == (low, high)


def test_ch07_s2_standard_network_is_best_also_at_equal_size(chapter):
    data, models, _ = chapter
    psnr = {label: evaluate(model, data.test)["psnr"] for label, model in models.items()}
    assert psnr["(a) standard"] > psnr["(b) symmetric, 8 blocks"] > psnr["(b) symmetric"]
    counts = {label: parameter_count(model) for label, model in models.items()}
    assert abs(counts["(b) symmetric, 8 blocks"] - counts["(a) standard"]) < 0.01 * counts["(a) standard"]
    assert 0.45 < counts["(b) symmetric"] / counts["(a) standard"] < 0.55  # "about half"


def test_ch07_s2_symmetric_validation_loss_still_falling(chapter):
    _, _, histories = chapter
    assert "below its value five epochs earlier" in markdown("07")
    for label in ("(b) symmetric", "(b) symmetric, 8 blocks"):
        losses = histories[label].validation_loss
        assert losses[-1] < losses[-6], label


def test_ch07_s2_psnr_in_the_readme(chapter):
    data, models, _ = chapter
    a, b, b8 = (float(v) for v in re.search(r"([\d.]+) vs ([\d.]+) / ([\d.]+) dB", chapter_row()).groups())
    psnr = [round(evaluate(model, data.test)["psnr"], 1) for model in models.values()]
    assert psnr == [a, b, b8]


def test_ch07_s3_standard_growth_and_symmetric_guarantee(chapter):
    data, models, _ = chapter
    text = markdown("07")
    growth_at_trained = float(re.search(r"largest growth per block ([\d.]+)\)", text).group(1))
    norms = norm_trajectory(models["(a) standard"], data.test.noisy)
    assert round(float(np.max(norms[1:] / norms[:-1])), 2) == growth_at_trained
    times = int(re.search(r"ends about (\d+) times larger", text).group(1))
    norms = norm_trajectory(models["(a) standard"], data.test.noisy, repeat_blocks=5, residual_scale=2.0)
    assert round(float(np.max(norms[-1] / norms[0]))) == times
    assert f"grows {times}×" in chapter_row()
    # "guaranteed, since every s here is within the printed scale": the cell uses s = 1 and 2
    assert 2.0 <= guaranteed_scale(models["(b) symmetric"])


def test_ch07_guaranteed_scale_quoted_in_exercise_readme_and_lecture_script(chapter):
    _, models, _ = chapter
    quoted = f"{guaranteed_scale(models['(b) symmetric']):.2f}"
    assert f"$s \\le {quoted}$ here" in markdown("07") and f"every $s > {quoted}$" in markdown("07")
    assert f"guaranteed up to scale {quoted}" in chapter_row()
    assert f"guaranteed up to s = {quoted}" in readme_row("07", "## Lecture script")


def test_ch07_exercise2_step_above_the_bound_at_s4(chapter):
    _, models, _ = chapter
    factor = float(re.search(r"a step up to \$([\d.]+)\\times\$ the bound \(at \$s = 4\$ in the first block\)",
                             markdown("07")).group(1))
    block = models["(b) symmetric"].blocks[0]
    with torch.no_grad():
        assert round(4.0 * float(block.tau) / block.exact_tau_bound(), 1) == factor
    assert sum(4.0 * float(b.tau.detach()) > b.exact_tau_bound() for b in models["(b) symmetric"].blocks) >= 2


def test_ch07_exercise2_no_growth_on_any_widget_input_up_to_s4(app):
    """'At s = 4 the symmetric network's norm still decreased on every input the widget offers' -- and at
    every smaller scale and repetition (the trajectories of fewer repetitions are prefixes of 10's)."""
    symmetric = app.models["(b) symmetric"]
    for inputs in app.INPUTS.values():
        for scale in np.round(np.arange(app.SCALE_LIMITS[0], app.SCALE_LIMITS[1] + 1e-9, 0.1), 1):
            norms, _ = run_blocks(symmetric, app.inputs[inputs], app.MAX_REPEAT, float(scale))  # what app.set shows
            assert largest_growth(norms) < 1.0, (inputs, scale)


def test_ch07_s5_predict_question_has_the_answer_the_widget_shows(app):
    app.set(repeat=10)
    assert "(a) standard: GROWS" in app.status.value
    assert "(b) symmetric: never grows (guaranteed" in app.status.value
    app.set(scale=3.0, inputs="amplitude")
    assert "(b) symmetric: did not grow here (observed, not guaranteed)" in app.status.value
    app.reset()


def test_ch07_s5_widget_signal_count():
    assert "on the first 4 test signals" in markdown("07")
    assert StabilityApp.__init__.__defaults__[0] == 4


def test_ch07_s4_backward_diffusion_share(chapter):
    _, models, _ = chapter
    low, high = (int(v) for v in re.search(r"cover only (\d+)–(\d+) % of", markdown("07")).groups())
    shares = [round(100 * flux.backward_fraction(3.0)) for flux in learned_fluxes(models["(b) symmetric"])]
    assert (min(shares), max(shares)) == (low, high)
    assert f"only on {low}–{high} %" in markdown("07")


def test_ch07_exercise1_parameters_per_block(chapter):
    _, models, _ = chapter
    text = markdown("07")
    assert "= 1568$" in text and "778, about half" in text
    assert parameter_count(models["(a) standard"].blocks[0]) == 1568
    assert parameter_count(models["(b) symmetric"].blocks[0]) == 778


def test_ch07_exercise3_time_per_epoch_matches_the_benchmark_figure():
    row = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `bench_training.py`"))
    per_epoch = float(re.search(r"0\.\d+ / (0\.\d+) / 0\.\d+ s per epoch", row).group(1))
    assert f"measures {round(per_epoch, 1)} s per epoch" in markdown("07")
    assert f"about {round(60 * per_epoch, -1):.0f} s on 2 cores" in markdown("07")


# -- chapter 08 ---------------------------------------------------------------------------------------
# Section and exercise numbers of notebooks/08-amplification-factors.ipynb that no cell prints next to them.

D08 = {n: DerivativeOperator(n, 64) for n in (1, 2)}
TAU08 = {n: stability_bound(LINEAR, D) for n, D in D08.items()}


def test_ch08_s3_explicit_factor_just_above_the_bound():
    from pdelib.schemes.amplification import explicit_factor

    per_step = number(markdown("08"), r"\$\|r\| = ([\d.]+)\$ per step at \$1.02")
    for n, D in D08.items():
        assert abs(explicit_factor(D.norm_squared(), 1.02 * TAU08[n])) == pytest.approx(per_step, abs=1e-12)


def test_ch08_s3_fsi_weights_and_fed_steps_are_the_stated_formulas():
    text = markdown("08")
    assert "$\\alpha_k = (4k + 2)/(2k + 3)$" in text
    assert "$\\tau_i = \\tau / \\big(2\\cos^2(\\pi(2i+1)/(4n+2))\\big)$" in text
    k = np.arange(20)
    assert np.allclose(pdelib.fsi_weights(20), (4 * k + 2) / (2 * k + 3), rtol=1e-15)
    fed = np.sort(pdelib.fed_step_sizes(0.5, 20))
    assert np.allclose(fed, np.sort(0.5 / (2 * np.cos(np.pi * (2 * k + 1) / 82) ** 2)), rtol=1e-13)


def test_ch08_s3_fed_largest_first_is_eight_orders_too_large_and_fsi_inner_steps_stay_bounded():
    from pdelib.schemes.amplification import fed_inner_factors, fsi_inner_factors

    text = markdown("08")
    assert "reach $3 \\cdot 10^8$" in text and "eight orders of magnitude" in text
    mu = np.linspace(0.0, D08[1].norm_squared(), 2001)
    largest = np.abs(fed_inner_factors(mu, TAU08[1], 20, largest_first=True)).max()
    assert round(largest, -8) == 3e8 and 1e8 < largest < 1e9
    for n in (1, 2):  # "all of them stay in [-1, 1] for tau <= tau*"
        mu = np.linspace(0.0, D08[n].norm_squared(), 2001)
        assert np.abs(fsi_inner_factors(mu, TAU08[n], 50)).max() <= 1 + 1e-12


def test_ch08_s4_jacobi_smoothest_factor_and_the_v_cycle_smoothing_work():
    from pdelib.schemes.amplification import dirichlet_modes, weighted_jacobi_factor
    from pdelib.schemes.multigrid import MultigridSolver

    text = markdown("08")
    assert "about $1 - \\omega/(1 + 2\\tau)$" in text and "three Jacobi sweeps, the fine-grid smoothing work" in text
    mu, _ = dirichlet_modes(63)
    for tau in (10.0, 100.0):
        exact = weighted_jacobi_factor(mu[:1], tau)[0]
        assert exact == pytest.approx(1 - (2 / 3) / (1 + 2 * tau), abs=1e-3) and exact > 0.96
    solver = MultigridSolver(63, problem="implicit-diffusion", tau=10.0)
    assert (solver.pre, solver.post) == (2, 1)


def test_ch08_s5_perona_malik_falls_on_the_ramp_and_a_monotone_flux_never_separates():
    from pdelib.schemes.amplification import separating_pair, separation_ratio

    text = markdown("08")
    assert "slope $\\sqrt{3}\\,\\lambda$" in text and "$\\Phi' = -1/8$" in text
    pm = diffusivity("perona-malik", 0.1)
    assert pm.flux_derivative(np.array([math.sqrt(3) * 0.1]))[0] == pytest.approx(-1 / 8, abs=1e-12)
    u, _ = separating_pair(64, 0.1)
    assert np.diff(u).max() == pytest.approx(math.sqrt(3) * 0.1)
    # monotone flux, 0 <= Phi' <= L: non-expansive for tau <= tau*
    charbonnier = diffusivity("charbonnier", 0.1)
    scheme = pdelib.ExplicitScheme(stability_bound(charbonnier, D08[1]), charbonnier, D08[1])
    rng = np.random.default_rng(8)
    for _ in range(20):
        a = rng.standard_normal(64) * rng.uniform(0.01, 10)
        b = a + 1e-3 * rng.standard_normal(64)
        assert separation_ratio(scheme, a, b, 10) <= 1 + 1e-9


def test_ch08_s6_what_to_try_in_the_widget():
    """Section 6: at 1.05 tau* the explicit checkerboard passes 10^6 at step 145 (the predict question), FSI with
    cycle length 20 within a few cycles, and not at tau* itself; the semi-implicit curve stays in (0, 1] at 2 tau*;
    the order changes tau* and mu_1 but no curve."""
    from pdelib.apps import AmplificationApp

    text = markdown("08")
    assert "at 1.05 the checkerboard passes $10^6$ within a few cycles" in text
    app = AmplificationApp()
    app.set(tau=1.05)
    assert app.blowup == app.predicted == 145
    app.set(evolve="fsi", cycle_length=20, tau=1.0)
    assert app.blowup is None and np.all(np.abs(app.curves["fsi"]) <= 1 + 1e-12)
    app.set(tau=1.05)
    assert app.blowup is not None and app.blowup <= 5
    app.set(tau=2.0)
    assert np.all((app.curves["semi-implicit"] > 0) & (app.curves["semi-implicit"] <= 1))
    curves = {name: values.copy() for name, values in app.curves.items()}
    positions, bound = list(app.mode_positions[1]), app.tau
    app.set(order=2)
    assert all(np.array_equal(curves[name], app.curves[name]) for name in curves)
    assert app.mode_positions[2][0] != positions[0] and app.tau != bound


def test_ch08_exercise1_blowup_at_one_and_a_half_tau_star():
    from pdelib.schemes.amplification import blowup_step, eigenmodes, explicit_factor

    text = markdown("08")
    assert "$2^{19} \\approx 5.2 \\cdot 10^5$" in text and "$2^{20} \\approx 1.05 \\cdot 10^6$" in text
    assert round(2**19 / 1e5, 1) == 5.2 and round(2**20 / 1e6, 2) == 1.05
    step = number(text, r"`blowup_step\(-2.0\)` is (\d+)")
    reported = number(text, r"\.blowup\.step` reports (\d+)")
    for n, D in D08.items():
        mu, modes = eigenmodes(D)
        assert explicit_factor(mu[-1], 1.5 * TAU08[n]) == pytest.approx(-2.0, abs=1e-12)
        assert blowup_step(-2.0) == step == reported
        assert evolve(modes[:, -1], 1.5 * TAU08[n], 1000, LINEAR, D).blowup.step == reported


def test_ch08_exercise2_where_few_fixed_point_iterations_leave_the_band():
    from pdelib.schemes.amplification import fixed_point_factor

    text = markdown("08")
    root = number(text, r"at the root \$x = ([\d.]+)\$")
    ratio = number(text, r"x - 2\$: at \$\\tau = ([\d.]+)\\,\\tau\^\*\$")
    x = np.linspace(0.0, 2.0, 2_000_001)  # x = tau mu_max = 2 tau / tau*

    def first_exit(iterations):
        out = np.flatnonzero(np.abs(fixed_point_factor(x, 1.0, iterations)) > 1)
        return x[out[0]] / 2 if out.size else None

    assert first_exit(1) is None  # one explicit step: in the band up to tau*
    assert [first_exit(l) for l in (2, 4, 10)] == pytest.approx([0.5] * 3, abs=1e-5)
    assert first_exit(3) == pytest.approx(ratio, abs=5e-5) and ratio == pytest.approx(root / 2, abs=5e-5)
    assert root**3 - root**2 + root - 2 == pytest.approx(0, abs=5e-4)


def test_ch08_exercise3_fed_largest_first_on_the_top_mode():
    from pdelib.schemes.amplification import eigenmodes

    text = markdown("08")
    peak_text = number(text, r"\$\\\|u\\\|\$ rises to \$([\d.]+) \\cdot 10\^8\$") * 1e8
    end_text = number(text, r"ends at \$([\d.]+) \\approx 1/41\$")
    _, modes = eigenmodes(D08[1])
    for order, expected_peak in ((-1, peak_text), (1, None)):
        u, peak = modes[:, -1], 0.0
        for step in pdelib.fed_step_sizes(TAU08[1], 20)[::order]:
            u = pdelib.ExplicitScheme(step, LINEAR, D08[1]).step(u)
            peak = max(peak, np.linalg.norm(u))
        assert np.linalg.norm(u) == pytest.approx(end_text, abs=5e-5) == pytest.approx(1 / 41, abs=5e-5)
        if expected_peak is None:
            assert peak <= 1.0  # smallest first: never above 1
        else:
            assert peak == pytest.approx(expected_peak, rel=2e-3)


def test_ch08_exercise4_jacobi_sweeps_to_match_one_v_cycle():
    from pdelib.schemes.amplification import dirichlet_modes, multigrid_mode_gains, weighted_jacobi_factor

    text = markdown("08")
    factors = [number(text, r"smoothest sine by ([\d.]+) at"), number(text, r"at \$\\tau = 10\$ and ([\d.]+) at")]
    gains = [number(text, r"worst gain \(([\d.]+) and"), number(text, r"worst gain \([\d.]+ and ([\d.]+)\)")]
    sweeps = [number(text, r"takes (\d+) and"), number(text, r"takes \d+ and (\d+) sweeps")]
    mu, _ = dirichlet_modes(63)
    for tau, factor, gain, count in zip((10.0, 100.0), factors, gains, sweeps):
        one = weighted_jacobi_factor(mu[:1], tau)[0]
        worst = multigrid_mode_gains(63, tau).max()
        assert one == pytest.approx(factor, abs=5e-6) and worst == pytest.approx(gain, abs=5e-5)
        assert math.ceil(math.log(worst) / math.log(one)) == count


def test_ch08_alt_texts_quote_the_measured_gains_and_norms():
    from pdelib.schemes.amplification import jacobi_mode_gains, multigrid_mode_gains, separating_pair, separation_ratio

    alt = alt_texts("08")
    jacobi = [number(alt, r"Jacobi ([\d.]+) and"), number(alt, r"Jacobi [\d.]+ and ([\d.]+) at the")]
    cycle = [number(alt, r"the V-cycle ([\d.]+) and"), number(alt, r"the V-cycle [\d.]+ and ([\d.]+)\.")]
    for tau, j, c in zip((10.0, 100.0), jacobi, cycle):
        assert f"{jacobi_mode_gains(63, tau).max():.3g}" == f"{j:g}"
        assert f"{multigrid_mode_gains(63, tau).max():.3g}" == f"{c:g}"
    pm = diffusivity("perona-malik", 0.1)
    scheme = pdelib.ExplicitScheme(0.9 * stability_bound(pm, D08[1]), pm, D08[1])
    u, v = separating_pair(64, 0.1)
    assert round(separation_ratio(scheme, u, v, 1), 1) == number(alt, r"rising from ([\d.]+) after one step")
    assert round(separation_ratio(scheme, u, v, 20)) == number(alt, r"to about (\d+) after 20 steps")
    first, last = number(alt, r"falling steadily from ([\d.]+) to"), number(alt, r"falling steadily from [\d.]+ to ([\d.]+)\.")
    for signal in (u, v):
        norms = scheme.evolve(signal, 20).norms
        assert (round(norms[0], 3), round(norms[-1], 3)) == (first, last)
    assert "up to about 3 times 10 to the 8" not in alt and "about 3 times 10 to the 8" in alt  # s3 test checks 3e8
    from pdelib.schemes.amplification import fsi_factor
    mu = np.linspace(0.0, D08[1].norm_squared(), 2001)
    assert 1e3 < np.abs(fsi_factor(mu, 1.02 * TAU08[1], 50)).max() < 1e4  # "several thousand"


def test_readme_ch08_lecture_row_matches_the_widget():
    from pdelib.apps import AmplificationApp
    from pdelib.schemes.amplification import fixed_point_factor

    row = readme_row("08", "## Lecture script")
    app = AmplificationApp()
    app.set(tau=number(row, r"drag τ/τ\* from 0.9 to ([\d.]+);"))
    step = number(row, r"BLOW-UP at step (\d+) \(predicted")
    assert f"UNSTABLE — BLOW-UP at step {step:g} (predicted {step:g})" in status(app)
    app.set(evolve="fixed-point", iterations=3, tau=0.49)
    assert "DIVERGES" not in status(app)
    app.set(tau=0.5)
    assert "DIVERGES" in status(app) and "*DIVERGES* from 0.5 on" in row
    near = number(row, r"leaves the band only near ([\d.]+) \|")
    ratios = np.linspace(0.45, 0.7, 25001)
    leaves = ratios[np.abs(fixed_point_factor(2.0 * ratios, 1.0, 3)) > 1][0]  # tau mu_max = 2 tau / tau*
    assert abs(leaves - near) < 0.005, leaves


def test_readme_ch08_row_matches_the_module():
    from pdelib.schemes.amplification import (blowup_step, eigenmodes, explicit_factor, fed_inner_factors,
                                              jacobi_mode_gains, multigrid_mode_gains, separating_pair,
                                              separation_ratio)

    row = next(line for line in readme().splitlines() if line.startswith("| [08 ·"))
    steps = [int(v) for v in re.search(r"\((\d+) / (\d+) / (\d+) at 1.01 / 1.05 / 1.2 τ\*", row).groups()]
    for n, D in D08.items():
        mu, modes = eigenmodes(D)
        for ratio, expected in zip((1.01, 1.05, 1.2), steps):
            r = explicit_factor(mu[-1], ratio * TAU08[n])
            assert blowup_step(r) == expected == evolve(modes[:, -1], ratio * TAU08[n], 10_000, LINEAR, D).blowup.step
    mu = np.linspace(0.0, D08[1].norm_squared(), 2001)
    peak = np.abs(fed_inner_factors(mu, TAU08[1], 20, largest_first=True)).max()
    assert f"{peak:.3g}".replace("+0", "") == re.search(r"reaches ([\d.]+e\d+)", row).group(1)
    cycle = [float(v) for v in re.search(r"worst mode gain is ([\d.]+) / ([\d.]+)", row).groups()]
    sweeps = [float(v) for v in re.search(r"3 Jacobi sweeps give ([\d.]+) / ([\d.]+)", row).groups()]
    for tau, c, j in zip((10.0, 100.0), cycle, sweeps):
        assert round(multigrid_mode_gains(63, tau).max(), 4) == c
        assert round(jacobi_mode_gains(63, tau).max(), 3) == j
    pm = diffusivity("perona-malik", 0.1)
    scheme = pdelib.ExplicitScheme(0.9 * stability_bound(pm, D08[1]), pm, D08[1])
    u, v = separating_pair(64, 0.1)
    assert round(separation_ratio(scheme, u, v, 20)) == number(row, r"nearby signals (\d+)× apart in 20 steps")

