"""Chapter 07's claims (and the README's about it), checked against the computation (issue 13).

Every number in chapter 07's Markdown and in its README rows that comes from a computation is parsed out of
the text here and compared with what pdelib computes on the shipped networks, so prose cannot drift from the
outputs. The printed outputs themselves are covered by strict nbval.
"""

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

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
NOTEBOOK = ROOT / "notebooks" / "07-learning-stable-architectures.ipynb"


def markdown() -> str:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


def readme_row() -> str:
    return next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| [07 ·"))


def lecture_row() -> str:
    return next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| 07 | the task"))


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
    low, high = (float(v) for v in re.search(r"between \+([\d.]+) and \+([\d.]+) dB", markdown()).groups())
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
    assert "below its value five epochs earlier" in markdown()
    for label in ("(b) symmetric", "(b) symmetric, 8 blocks"):
        losses = histories[label].validation_loss
        assert losses[-1] < losses[-6], label


def test_ch07_s2_psnr_in_the_readme(chapter):
    data, models, _ = chapter
    a, b, b8 = (float(v) for v in re.search(r"([\d.]+) vs ([\d.]+) / ([\d.]+) dB", readme_row()).groups())
    psnr = [round(evaluate(model, data.test)["psnr"], 1) for model in models.values()]
    assert psnr == [a, b, b8]


def test_ch07_s3_standard_growth_and_symmetric_guarantee(chapter):
    data, models, _ = chapter
    text = markdown()
    growth_at_trained = float(re.search(r"largest growth per block ([\d.]+)\)", text).group(1))
    norms = norm_trajectory(models["(a) standard"], data.test.noisy)
    assert round(float(np.max(norms[1:] / norms[:-1])), 2) == growth_at_trained
    times = int(re.search(r"ends about (\d+) times larger", text).group(1))
    norms = norm_trajectory(models["(a) standard"], data.test.noisy, repeat_blocks=5, residual_scale=2.0)
    assert round(float(np.max(norms[-1] / norms[0]))) == times
    assert f"grows {times}×" in readme_row()
    # "guaranteed, since every s here is within the printed scale": the cell uses s = 1 and 2
    assert 2.0 <= guaranteed_scale(models["(b) symmetric"])


def test_ch07_guaranteed_scale_quoted_in_exercise_readme_and_lecture_script(chapter):
    _, models, _ = chapter
    quoted = f"{guaranteed_scale(models['(b) symmetric']):.2f}"
    assert f"$s \\le {quoted}$ here" in markdown() and f"every $s > {quoted}$" in markdown()
    assert f"guaranteed up to scale {quoted}" in readme_row()
    assert f"guaranteed up to s = {quoted}" in lecture_row()


def test_ch07_exercise2_step_above_the_bound_at_s4(chapter):
    _, models, _ = chapter
    factor = float(re.search(r"a step up to \$([\d.]+)\\times\$ the bound \(at \$s = 4\$ in the first block\)",
                             markdown()).group(1))
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
    assert "on the first 4 test signals" in markdown()
    assert StabilityApp.__init__.__defaults__[0] == 4


def test_ch07_s4_backward_diffusion_share(chapter):
    _, models, _ = chapter
    low, high = (int(v) for v in re.search(r"cover only (\d+)–(\d+) % of", markdown()).groups())
    shares = [round(100 * flux.backward_fraction(3.0)) for flux in learned_fluxes(models["(b) symmetric"])]
    assert (min(shares), max(shares)) == (low, high)
    assert f"only on {low}–{high} %" in markdown()


def test_ch07_exercise1_parameters_per_block(chapter):
    _, models, _ = chapter
    text = markdown()
    assert "= 1568$" in text and "778, about half" in text
    assert parameter_count(models["(a) standard"].blocks[0]) == 1568
    assert parameter_count(models["(b) symmetric"].blocks[0]) == 778


def test_ch07_exercise3_time_per_epoch_matches_the_benchmark_figure():
    row = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `bench_training.py`"))
    per_epoch = float(re.search(r"0\.\d+ / (0\.\d+) / 0\.\d+ s per epoch", row).group(1))
    assert f"measures {round(per_epoch, 1)} s per epoch" in markdown()
    assert f"about {round(60 * per_epoch, -1):.0f} s on 2 cores" in markdown()
