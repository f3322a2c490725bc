"""Claims audit of chapter 09 (issue 18): the numbers of its prose and exercise solutions that no cell prints
beside them, read out of the Markdown and recomputed (see tests/test_claims.py for the rules)."""

import math
import re

import numpy as np
import pytest

from pdelib import diffusivity
from pdelib.baselines import baseline_table, best_stopping_time
from pdelib.images import load_image, noisy_image
from pdelib.operators2d import Gradient2D
from pdelib.schemes.anisotropic2d import AnisotropicScheme2D
from pdelib.schemes.explicit2d import ExplicitScheme2D, stability_bound_2d
from pdelib.schemes.fsi2d import fsi_to_time_2d
from tests.test_claims import markdown, notebook, number

LINEAR, PM, EED = diffusivity("linear"), diffusivity("perona-malik", 0.05), diffusivity("perona-malik", 0.02)


@pytest.fixture(scope="module")
def photo():
    clean = load_image("camera", 256)
    return clean, noisy_image(clean, 0.1, 0), Gradient2D(clean.shape)


@pytest.fixture(scope="module")
def text():
    return markdown("09")


def printed() -> str:
    """Everything the stored notebook printed (strict nbval keeps it equal to what the cells compute)."""
    return "\n".join("".join(output.get("text", "")) for cell in notebook("09")["cells"] for output in cell.get("outputs", []))


def test_ch09_s1_norm_and_bound(photo, text):
    _, _, grad = photo
    assert number(text, r"stays just below 8 \(([\d.]+) here\)") == round(grad.norm_squared(), 6)
    assert number(text, r"\\tau\^\* = ([\d.]+)\$ lies a hair above") == round(stability_bound_2d(LINEAR, grad), 6)
    assert stability_bound_2d(PM, grad) == stability_bound_2d(LINEAR, grad)  # "both have L = 1"


def test_ch09_s3_top_mode_factors_and_the_blowup(photo, text):
    _, noisy, grad = photo
    for ratio, factor in ((0.98, -0.96), (1.02, -1.04)):
        assert number(text, rf"{ratio:.2f}\\,\\tau\^\*\$ by \$([−-]?[\d.]+)\$") == pytest.approx(1 - 2 * ratio)
        assert factor == pytest.approx(1 - 2 * ratio)
    assert "4 % per step" in text
    out = printed()
    assert "0.98 τ*: ‖uᵏ‖ never grew in 600 steps" in out  # "its norm never increased"
    assert number(text, r"after 600 steps \(\$T = (\d+)\$\)") == round(600 * 0.98 * stability_bound_2d(LINEAR, grad))
    blowup = number(out, r"1.02 τ\*: blow-up at step (\d+)")
    assert number(text, r"passes \$10\^6\\,\\\|u\^0\\\|\$ at step (\d+)") == blowup


def test_ch09_s4_fsi_against_plain(text):
    assert number(text, r"FSI needs (\d+) steps") == 32 and number(text, r"where the plain scheme needs (\d+)") == 80
    assert number(text, r"by up to ([\d.]+) in a pixel") == number(printed(), r"between the two results: ([\d.]+)")


def test_ch09_s5_gains_over_the_noisy_input(photo, text):
    clean, noisy, _ = photo
    rows = {row.method.split(" ")[0]: row for row in baseline_table(clean, noisy, contrast=0.05)}
    noisy_psnr = rows["noisy"].psnr
    assert number(text, r"Linear diffusion gains ([\d.]+) dB") == round(rows["linear"].psnr - noisy_psnr, 1)
    assert number(text, r"best at \$T = ([\d.]+)\$") == float(rows["linear"].setting.split("= ")[1])
    assert number(text, r"edges and gains ([\d.]+) dB") == round(rows["Perona–Malik"].psnr - noisy_psnr, 1)
    assert number(text, r"is best by ([\d.]+) dB") == round(rows["TV"].psnr - rows["Perona–Malik"].psnr, 2)
    order = [row.psnr for row in rows.values()]
    assert order == sorted(order) and [row.ssim for row in rows.values()] == sorted(row.ssim for row in rows.values())


def test_ch09_s7_stencil_and_bounds(text):
    out = printed()
    stencil_rows = re.findall(r"^\s*\[+\s*([−\-\d. ]+?)\]+$", out[out.index("stencil of A"):], flags=re.MULTILINE)[:3]
    stencil = np.array([[float(value) for value in row.split()] for row in stencil_rows])
    positive = number(text, r"is \*\*positive\*\* \(([\d.]+), the right neighbour\)")
    assert stencil[1, 2] == positive > 0 and stencil[0, 0] == stencil[2, 2] == 0
    rho, gershgorin = number(out, r"ρ\(A\) = ([\d.]+) \(Lanczos\)"), number(out, r"Gershgorin: ρ\(A\) ≤ ([\d.]+)")
    assert number(text, r"Gershgorin's estimate \(([\d.]+) > 8\)") == round(gershgorin, 2) and gershgorin > 8
    assert number(text, r"it allows only \$\\tau \\le ([\d.]+)\$") == math.floor(2 / gershgorin * 1000) / 1000
    assert number(text, r"The exact radius ([\d.]+) allows") == round(rho, 2)
    assert number(text, r"allows \$\\tau \\le ([\d.]+)\$ — more than") == math.floor(2 / rho * 1000) / 1000
    assert number(text, r"\$2/\\rho\(A\) = ([\d.]+)\$ says") == math.floor(2 / rho * 1000) / 1000


def test_ch09_s7_runs(photo, text):
    _, _, grad = photo
    out = printed()
    assert number(text, r"isotropic linear diffusion blows up \(step (\d+)\)") == number(
        out, r"isotropic linear, τ = 0.26\s*: BLOW-UP at step (\d+)")
    assert re.search(r"EED frozen, τ = 0.26\s*: largest ‖uᵏ‖/‖u⁰‖ = 1.000 in 700 steps", out)
    assert "stays stable for 700 steps" in text
    assert number(text, r"blows up too \(step (\d+)\)") == number(out, r"EED frozen, τ = 1.02 · 2/ρ\(A\) : BLOW-UP at step (\d+)")
    growth = number(out, r"EED renewed, τ = 0.26\s*: largest ‖uᵏ‖/‖u⁰‖ = ([\d.]+) in 100 steps")
    assert number(text, r"grew by (\d+) % in 100 steps") == round(100 * (growth - 1))
    assert number(text, r"above \$2/\\\|\\nabla\\\|\^2 = ([\d.]+)\$") == round(2 / grad.norm_squared(), 2)


def test_ch09_exercises(photo, text):
    clean, noisy, grad = photo
    small = Gradient2D((2, 2))
    assert round(small.norm_squared(), 12) == 4.0 and round(stability_bound_2d(LINEAR, small), 12) == 0.5
    run = ExplicitScheme2D(1.02 * stability_bound_2d(LINEAR, grad), LINEAR, grad).evolve(clean, 3000)
    assert number(text, r"It still blows up — at step (\d+), later than 498") == run.blowup.step > 498
    wide = AnisotropicScheme2D(0.25, EED, grad, sigma=3.0).operator(noisy).spectral_radius()
    assert number(text, r"It shrinks, to ([\d.]+):") == round(2 / wide, 4)
    assert number(text, r"\\rho\(A\)\$ moves to ([\d.]+), close to") == round(wide, 3)
    best = best_stopping_time(clean, noisy, PM)
    time = number(text, r"`best_stopping_time\(clean, noisy, pm\)` gives \$T = ([\d.]+)\$")
    assert best.setting == f"T = {time:g}"
    assert number(text, r"gives \$T = [\d.]+\$ \(PSNR ([\d.]+) dB") == round(best.psnr, 1)
    fsi = fsi_to_time_2d(noisy, time, PM, grad, cycles=4)
    assert number(text, r"cycles=4\)` takes (\d+) steps") == fsi.steps
    assert number(text, r"against (\d+) explicit steps") == math.ceil(time / stability_bound_2d(PM, grad))


def test_readme_ch09_lecture_row_matches_the_widget(text):
    """The README's lecture row and section 8's "what to try" (linear, T = 50, tau / tau* = 1.02, 1.1, 1.3)."""

    import matplotlib

    matplotlib.use("Agg")
    from pdelib.apps import ImageDiffusionApp
    from tests.test_claims import readme_row, status

    row = readme_row("09", "| chapter | slides |")
    app = ImageDiffusionApp()
    app.set(diffusivity="linear", time=50.0, tau_ratio=1.02)
    assert "above τ*, no guarantee; here ‖uᵏ‖ ≤ ‖u⁰‖" in status(app) and "no guarantee; here ‖uᵏ‖ ≤ ‖u⁰‖" in row
    assert "At 1.02 nothing is seen yet; at 1.1 the status turns red (*UNSTABLE*)" in text
    app.set(tau_ratio=1.1)
    board = re.search(r"checkerboard ([\d.]+) → ([\d.]+)", status(app))
    assert "UNSTABLE" in status(app) and f"grows from {board.group(1)} to {board.group(2)}" in row
    app.set(tau_ratio=1.3)
    step = re.search(r"BLOW-UP at step (\d+)", status(app)).group(1)
    assert f"*BLOW-UP* (step {step})" in row and "by 1.3 it says *BLOW-UP*" in text


def test_readme_ch09_chapter_row_quotes_the_stored_outputs():
    """Every number of the README's chapter-09 row is printed by a cell of the stored notebook (which nbval checks)."""

    from tests.test_claims import readme

    row = next(line for line in readme().splitlines() if line.startswith("| [09 · Images"))
    printed = "\n".join("".join(output.get("text", "")) for cell in notebook("09")["cells"]
                        for output in cell.get("outputs", []))
    quoted = {"7.999699", "0.250009", "498", "32", "80", "20.00", "25.63", "28.76", "29.11", "0.2725", "0.2290", "0.2500",
              "1230", "26.2", "26.1", "0.77", "0.74", "27.4", "1.38"}
    assert quoted <= set(re.findall(r"\d+\.\d+|\d+", row))
    for value in quoted:
        assert re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", printed), value


def test_ch09_s6_stability_sentences_match_the_stored_table(text):
    """Section 6's "in every row" / "no block" read off the stability table the notebook prints (nbval keeps that
    table equal to the computation)."""
    out = printed()
    rows = re.findall(r"^\s*([\d.]+)\s+(\d+) ×\s+([\d.]+)\s+(standard 2D ResNet|symmetric diffusion net)\s+([\d.]+)\s",
                      out, flags=re.MULTILINE)
    assert len(rows) >= 12
    standard = [(float(s), float(g)) for _, _, s, net, g in rows if net.startswith("standard")]
    symmetric = [(float(s), float(g)) for _, _, s, net, g in rows if net.startswith("symmetric")]
    assert all(growth > 1 for _, growth in standard)  # "raises the norm in some block in every row"
    assert all(growth <= 1 for _, growth in symmetric)  # "no block of the diffusion network raised it"
    covered = number(out, r"covers residual scales s ≤ ([\d.]+) on every image size")
    assert all(s <= covered for s, _ in symmetric if s == 1) and all(s > covered for s, _ in symmetric if s == 2)
    assert number(text, r"by up to (\d+) % per block at its trained setting") == round(100 * (standard[0][1] - 1))
    assert number(text, r"and (\d+) % at \$s = 2\$") == round(100 * (max(g for _, g in standard) - 1))


def test_ch09_s3_the_blown_up_state_is_a_checkerboard(photo, text):
    _, noisy, grad = photo
    u = ExplicitScheme2D(1.02 * stability_bound_2d(LINEAR, grad), LINEAR, grad).evolve(noisy, 600).final
    inner = u[1:-1, 1:-1]
    opposite = ((inner * u[:-2, 1:-1] < 0) & (inner * u[2:, 1:-1] < 0)
                & (inner * u[1:-1, :-2] < 0) & (inner * u[1:-1, 2:] < 0))
    assert number(text, r"Then (\d+) % of the pixels inside the image have the opposite sign") == round(100 * opposite.mean())

