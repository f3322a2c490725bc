"""Tests of pdelib.denoising: the seeded synthetic denoising task and its metrics (chapter 07)."""

import math

import numpy as np
import pytest

from pdelib.denoising import KINDS, make_denoising_data, mse, psnr


@pytest.mark.parametrize("kind", KINDS)
def test_splits_have_the_requested_sizes_and_range(kind):
    data = make_denoising_data(signals=40, size=64, noise=0.1, seed=3, kind=kind)
    assert (len(data.train), len(data.validation), len(data.test)) == (28, 6, 6)
    assert data.size == 64
    for split in (data.train, data.validation, data.test):
        assert split.noisy.shape == split.clean.shape == (len(split), 64)
        assert split.clean.min() >= 0.0 and split.clean.max() <= 1.0
    assert kind in repr(data) and "PSNR" in repr(data)


def test_same_seed_same_arrays_other_seed_other_arrays():
    first, again = make_denoising_data(30, 32, seed=7), make_denoising_data(30, 32, seed=7)
    other = make_denoising_data(30, 32, seed=8)
    for name in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(first, name).noisy, getattr(again, name).noisy)
        np.testing.assert_array_equal(getattr(first, name).clean, getattr(again, name).clean)
    assert not np.array_equal(first.train.clean, other.train.clean)


def test_splits_are_disjoint():
    data = make_denoising_data(signals=200, size=32, seed=0)
    rows = [tuple(row) for split in (data.train, data.validation, data.test) for row in split.clean]
    assert len(set(rows)) == len(rows) == 200


def test_noise_has_the_requested_level():
    data = make_denoising_data(signals=100, size=128, noise=0.2, seed=1)
    residual = data.train.noisy - data.train.clean
    assert abs(residual.std() - 0.2) < 0.01
    assert abs(psnr(data.train.noisy, data.train.clean) - 20 * math.log10(1 / 0.2)) < 0.2
    clean = make_denoising_data(signals=10, size=16, noise=0.0, seed=1)
    np.testing.assert_array_equal(clean.test.noisy, clean.test.clean)


def test_piecewise_constant_signals_have_few_jumps():
    data = make_denoising_data(signals=20, size=64, noise=0.0, kind="piecewise-constant", seed=2)
    jumps = np.count_nonzero(np.diff(data.train.clean, axis=1), axis=1)
    assert jumps.max() <= 7 and jumps.min() >= 0


def test_metrics():
    clean = np.zeros((2, 4))
    estimate = clean + 0.1
    assert mse(estimate, clean) == pytest.approx(0.01)
    assert psnr(estimate, clean) == pytest.approx(20.0)
    assert psnr(estimate, clean, signal_range=10.0) == pytest.approx(40.0)
    assert psnr(clean, clean) == math.inf


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"signals": 2}, ValueError, "signals must be an integer >= 3"),
        ({"signals": 10.0}, TypeError, "signals must be an integer"),
        ({"size": 1}, ValueError, "size must be an integer >= 2"),
        ({"noise": -0.1}, ValueError, "noise must be a finite real number >= 0"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"kind": "images"}, ValueError, "kind must be one of 'piecewise-constant'"),
        ({"fractions": (0.5, 0.5)}, TypeError, "fractions must be three numbers"),
        ({"fractions": (0.5, 0.3, 0.3)}, ValueError, "fractions must sum to 1"),
        ({"fractions": (0.0, 0.5, 0.5)}, ValueError, "fractions must be a finite real number > 0"),
        ({"signals": 4, "fractions": (0.1, 0.45, 0.45)}, ValueError, "the train split is empty"),
    ],
)
def test_bad_arguments_are_named(arguments, error, match):
    with pytest.raises(error, match=match):
        make_denoising_data(**arguments)


def test_bad_metric_inputs_are_named():
    with pytest.raises(ValueError, match="same shape"):
        mse(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="estimate must be an array"):
        psnr("abc", np.zeros(3))
    with pytest.raises(ValueError, match="signal_range must be a finite real number > 0"):
        psnr(np.zeros(3), np.zeros(3), signal_range=0.0)
