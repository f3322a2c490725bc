"""Tests of pdelib.baselines: classical denoisers at their best (oracle) setting, and the table (chapter 09)."""

import math

import numpy as np
import pytest

from pdelib import activation, diffusivity
from pdelib.baselines import Denoised, baseline_table, best_stopping_time, best_tv_weight, format_table
from pdelib.images import load_image, noisy_image, psnr
from pdelib.operators2d import Gradient2D
from pdelib.schemes.explicit2d import ExplicitScheme2D, stability_bound_2d

CLEAN = load_image("camera", 64)
NOISY = noisy_image(CLEAN, 0.1, seed=0)
PM = diffusivity("perona-malik", 0.1)


def test_the_best_stopping_time_beats_every_other_step_it_passed():
    best = best_stopping_time(CLEAN, NOISY, PM, max_time=5.0)
    gradient = Gradient2D(CLEAN.shape)
    tau = stability_bound_2d(PM, gradient)
    scheme = ExplicitScheme2D(tau, PM, gradient)
    u = NOISY.copy()
    scores = []
    for _ in range(math.ceil(5.0 / tau) + 1):
        scores.append(psnr(CLEAN, u))
        scheme.step_inplace(u)
    assert best.psnr == pytest.approx(max(scores), rel=1e-12) and best.psnr > psnr(CLEAN, NOISY)
    assert best.setting == f"T = {np.argmax(scores) * tau:.3g}" and best.method == "Perona–Malik diffusion (λ = 0.1)"


def test_the_best_tv_weight_beats_every_weight_it_tried():
    weights = (0.02, 0.08, 0.3)
    best = best_tv_weight(CLEAN, NOISY, weights)
    others = [best_tv_weight(CLEAN, NOISY, (weight,)).psnr for weight in weights]
    assert best.psnr == max(others) and best.setting.startswith("weight = ")


def test_the_table_rows_and_their_text():
    rows = baseline_table(CLEAN, NOISY, contrast=0.1, max_time=10.0)
    assert [row.method for row in rows] == ["noisy input", "linear diffusion", "Perona–Malik diffusion (λ = 0.1)",
                                            "TV (Chambolle)"]
    assert all(row.psnr > rows[0].psnr for row in rows[1:])
    text = format_table(rows)
    assert text.splitlines()[0].startswith("method") and len(text.splitlines()) == 5
    assert f"{rows[3].psnr:.1f}" in text and f"{rows[3].ssim:.2f}" in text


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="noisy must have shape"):
        best_stopping_time(CLEAN, NOISY[:10], PM)
    with pytest.raises(TypeError, match="diffusivity"):
        best_stopping_time(CLEAN, NOISY, activation("tanh"))
    with pytest.raises(ValueError, match="max_time"):
        best_stopping_time(CLEAN, NOISY, PM, max_time=1e6)
    with pytest.raises(ValueError, match="weights"):
        best_tv_weight(CLEAN, NOISY, (0.1, -1.0))
    with pytest.raises(TypeError, match="rows"):
        format_table(["row"])
    with pytest.raises(ValueError, match="contrast"):
        baseline_table(CLEAN, NOISY, contrast=0.0)
    assert isinstance(baseline_table(CLEAN, NOISY, max_time=1.0)[0], Denoised)
