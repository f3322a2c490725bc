"""Tests of pdelib.signals (seeded test signals) and pdelib.measures (TV, checkerboard amplitude, max slope)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import (
    checkerboard,
    checkerboard_amplitude,
    max_slope,
    noisy_step,
    piecewise_constant,
    smooth_plus_noise,
    smooth_step,
    total_variation,
)

SIZES = [2, 3, 7, 64, 257]
SEEDED = {
    "noisy_step": lambda size, seed, noise=0.05: noisy_step(size, noise=noise, seed=seed),
    "piecewise_constant": lambda size, seed, noise=0.05: piecewise_constant(size, min(6, size), noise=noise, seed=seed),
    "checkerboard": lambda size, seed, noise=0.05: checkerboard(size, noise=noise, seed=seed),
    "smooth_plus_noise": lambda size, seed, noise=0.05: smooth_plus_noise(size, noise=noise, seed=seed),
}
ALL = {**SEEDED, "smooth_step": lambda size, seed, noise=0.0: smooth_step(size)}


# -- shapes, dtype, determinism --------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(ALL))
def test_shape_dtype_finite(name, size):
    u = ALL[name](size, 0)
    assert isinstance(u, np.ndarray)
    assert u.shape == (size,)
    assert u.dtype == np.float64
    assert np.all(np.isfinite(u))


@pytest.mark.parametrize("name", ["noisy_step", "piecewise_constant", "checkerboard", "smooth_plus_noise", "smooth_step"])
def test_defaults(name):
    function = {
        "noisy_step": noisy_step,
        "piecewise_constant": piecewise_constant,
        "checkerboard": checkerboard,
        "smooth_plus_noise": smooth_plus_noise,
        "smooth_step": smooth_step,
    }[name]
    u = function()
    assert u.shape == ((64,) if name == "checkerboard" else (256,))
    assert u.dtype == np.float64
    assert np.array_equal(u, function())


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_same_seed_same_signal_different_seed_different_signal(name):
    make = SEEDED[name]
    a, b = make(100, 7), make(100, 7)
    assert a is not b
    assert np.array_equal(a, b)
    assert not np.array_equal(a, make(100, 8))
    assert not np.array_equal(a, make(100, 0))


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_signals_do_not_touch_the_global_random_state(name):
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    SEEDED[name](50, 3)
    assert np.random.random() == expected


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_returned_arrays_are_independent(name):
    a = SEEDED[name](20, 1)
    a[:] = 0.0
    assert not np.array_equal(SEEDED[name](20, 1), a)


# -- the clean signals (noise = 0) -------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 4, 64, 256])
@pytest.mark.parametrize("height", [1.0, 0.3, 7.0])
def test_noisy_step_without_noise_is_exact_step(size, height):
    u = noisy_step(size, height=height, noise=0.0, seed=5)
    expected = np.concatenate([np.zeros(size // 2), np.full(size // 2, height)])
    assert np.array_equal(u, expected)
    assert total_variation(u) == height


@pytest.mark.parametrize("size", [3, 5, 63])
def test_noisy_step_odd_size_is_monotone_two_level(size):
    u = noisy_step(size, height=2.0, noise=0.0)
    assert set(np.unique(u)) == {0.0, 2.0}
    assert np.all(np.diff(u) >= 0.0)
    assert abs(int((u == 0.0).sum()) - size / 2) <= 0.5


def test_noisy_step_noise_is_gaussian_with_given_std():
    size = 20000
    residual = noisy_step(size, height=1.0, noise=0.2, seed=3) - noisy_step(size, height=1.0, noise=0.0)
    assert abs(residual.mean()) < 0.01
    assert residual.std() == pytest.approx(0.2, rel=0.03)


@pytest.mark.parametrize("size", [2, 3, 64, 65])
@pytest.mark.parametrize("amplitude", [1.0, 1e-3, 10.0])
def test_checkerboard_without_noise_is_exact(size, amplitude):
    u = checkerboard(size, amplitude=amplitude, noise=0.0, seed=9)
    expected = amplitude * np.where(np.arange(size) % 2 == 0, 1.0, -1.0)
    assert np.array_equal(u, expected)
    assert checkerboard_amplitude(u) == pytest.approx(amplitude, rel=1e-15)


def test_checkerboard_with_noise_stays_near_the_mode():
    clean = checkerboard(64, amplitude=1.0)
    noisy = checkerboard(64, amplitude=1.0, noise=0.01, seed=1)
    assert 0 < np.abs(noisy - clean).max() < 0.05
    assert checkerboard_amplitude(noisy) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("size", [2, 6, 50, 256])
@pytest.mark.parametrize("pieces", [1, 2, 6])
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_piecewise_constant_has_exactly_pieces_levels(size, pieces, seed):
    if pieces > size:
        pieces = size
    u = piecewise_constant(size, pieces=pieces, noise=0.0, seed=seed)
    assert len(np.unique(u)) == pieces
    assert int(np.count_nonzero(np.diff(u))) == pieces - 1  # each level is one contiguous segment
    assert u.min() >= 0.0 and u.max() <= 1.0


def test_piecewise_constant_with_pieces_equal_to_size():
    u = piecewise_constant(10, pieces=10, noise=0.0, seed=2)
    assert len(np.unique(u)) == 10
    assert np.all(np.diff(u) != 0.0)


def test_piecewise_constant_noise_is_added_to_the_clean_signal():
    clean = piecewise_constant(500, pieces=4, noise=0.0, seed=3)
    noisy = piecewise_constant(500, pieces=4, noise=0.1, seed=3)
    residual = noisy - clean
    assert residual.std() == pytest.approx(0.1, rel=0.15)
    assert abs(residual.mean()) < 0.03


@pytest.mark.parametrize("size", [2, 100, 256])
def test_smooth_plus_noise_without_noise_is_the_formula(size):
    x = (np.arange(size) + 0.5) / size
    expected = 0.5 + 0.3 * np.sin(2 * np.pi * x) + 0.15 * np.cos(6 * np.pi * x)
    np.testing.assert_allclose(smooth_plus_noise(size, noise=0.0, seed=4), expected, rtol=1e-15, atol=1e-15)
    assert np.array_equal(smooth_plus_noise(size, noise=0.0, seed=4), smooth_plus_noise(size, noise=0.0, seed=5))


@pytest.mark.parametrize("width", [2.0, 4.0, 16.0])
@pytest.mark.parametrize("height", [1.0, 3.0])
def test_smooth_step(width, height):
    u = smooth_step(256, width=width, height=height)
    assert np.all(np.diff(u) >= 0.0)
    assert 0.0 <= u.min() < 0.01 * height and 0.99 * height < u.max() <= height
    np.testing.assert_allclose(u + u[::-1], height, rtol=1e-14)  # antisymmetric about the middle
    assert total_variation(u) == pytest.approx(u[-1] - u[0], rel=1e-14)
    # steepest slope height / (2 width), attained (to discretisation) in the middle
    assert max_slope(u) <= height / (2 * width)
    assert max_slope(u) == pytest.approx(height / (2 * width), rel=0.03)
    assert np.argmax(np.diff(u)) == 127


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: noisy_step(1), ValueError, "size"),
        (lambda: noisy_step(0), ValueError, "size"),
        (lambda: noisy_step(10.0), TypeError, "size"),
        (lambda: noisy_step(10, height=0.0), ValueError, "height"),
        (lambda: noisy_step(10, noise=-0.1), ValueError, "noise"),
        (lambda: noisy_step(10, noise=float("nan")), ValueError, "noise"),
        (lambda: noisy_step(10, noise=float("inf")), ValueError, "noise"),
        (lambda: noisy_step(10, noise="0.1"), TypeError, "noise"),
        (lambda: noisy_step(10, seed=-1), ValueError, "seed"),
        (lambda: noisy_step(10, seed=1.5), TypeError, "seed"),
        (lambda: checkerboard(1), ValueError, "size"),
        (lambda: checkerboard(10, amplitude=0.0), ValueError, "amplitude"),
        (lambda: checkerboard(10, amplitude=float("nan")), ValueError, "amplitude"),
        (lambda: checkerboard(10, noise=-1e-3), ValueError, "noise"),
        (lambda: checkerboard(10, noise=float("nan")), ValueError, "noise"),
        (lambda: checkerboard(10, seed=-3), ValueError, "seed"),
        (lambda: smooth_plus_noise(1), ValueError, "size"),
        (lambda: smooth_plus_noise(10, noise=-1.0), ValueError, "noise"),
        (lambda: smooth_plus_noise(10, noise=float("nan")), ValueError, "noise"),
        (lambda: smooth_plus_noise(10, seed=-1), ValueError, "seed"),
        (lambda: piecewise_constant(1), ValueError, "size"),
        (lambda: piecewise_constant(10, pieces=0), ValueError, "pieces"),
        (lambda: piecewise_constant(10, pieces=11), ValueError, "pieces"),
        (lambda: piecewise_constant(10, pieces=2.0), TypeError, "pieces"),
        (lambda: piecewise_constant(10, noise=-0.5), ValueError, "noise"),
        (lambda: piecewise_constant(10, noise=float("nan")), ValueError, "noise"),
        (lambda: piecewise_constant(10, seed=-1), ValueError, "seed"),
        (lambda: piecewise_constant(10, noise=0.1, seed=-1), ValueError, "seed"),
        (lambda: smooth_step(1), ValueError, "size"),
        (lambda: smooth_step(10, width=0.0), ValueError, "width"),
        (lambda: smooth_step(10, width=float("nan")), ValueError, "width"),
        (lambda: smooth_step(10, height=-1.0), ValueError, "height"),
    ],
)
def test_bad_input_names_the_parameter(call, error, name):
    with pytest.raises(error, match=f"^{name} "):
        call()


def test_pieces_error_names_size():
    with pytest.raises(ValueError, match="size = 10"):
        piecewise_constant(10, pieces=11)


# -- measures ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=50),
    increasing=st.booleans(),
)
def test_total_variation_of_monotone_signal_is_max_minus_min(values, increasing):
    u = np.sort(np.array(values))
    if not increasing:
        u = u[::-1]
    assert total_variation(u) == pytest.approx(u.max() - u.min(), rel=1e-12, abs=1e-9)


def test_total_variation_examples():
    assert total_variation([0.0, 1.0, 0.0, 1.0]) == 3.0
    assert total_variation(np.full(10, 4.2)) == 0.0
    assert total_variation(checkerboard(64, amplitude=0.5)) == pytest.approx(63.0, rel=1e-15)
    assert total_variation([5.0]) == 0.0
    assert isinstance(total_variation([0, 2]), float)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=2, max_size=50),
    shift=st.floats(-1e3, 1e3),
)
def test_total_variation_is_shift_invariant_and_at_least_range(values, shift):
    u = np.array(values)
    assert total_variation(u + shift) == pytest.approx(total_variation(u), rel=1e-9, abs=1e-9)
    assert total_variation(u) >= (u.max() - u.min()) * (1 - 1e-12)


@pytest.mark.parametrize("size", [2, 3, 8, 63, 64])
@pytest.mark.parametrize("amplitude", [1.0, -2.5, 1e-3])
def test_checkerboard_amplitude_of_pure_mode(size, amplitude):
    u = amplitude * (-1.0) ** np.arange(size)
    assert checkerboard_amplitude(u) == pytest.approx(abs(amplitude), rel=1e-14)


@pytest.mark.parametrize("size", [2, 8, 64, 256])
@pytest.mark.parametrize("value", [0.0, 1.0, -7.5])
def test_checkerboard_amplitude_of_constant_is_zero_on_even_grids(size, value):
    assert checkerboard_amplitude(np.full(size, value)) == 0.0


def test_checkerboard_amplitude_ignores_smooth_modes():
    x = (np.arange(64) + 0.5) / 64
    smooth = np.cos(2 * np.pi * x) + 3.0
    assert checkerboard_amplitude(smooth) < 1e-12
    assert checkerboard_amplitude(smooth + 0.25 * (-1.0) ** np.arange(64)) == pytest.approx(0.25, rel=1e-12)


def test_max_slope():
    assert max_slope([0.0, 1.0, 3.0, 2.0]) == 2.0
    assert max_slope([3.0, 0.0]) == 3.0
    assert max_slope(np.full(5, 2.0)) == 0.0
    assert max_slope(checkerboard(10, amplitude=0.5)) == 1.0
    assert isinstance(max_slope([0, 1]), float)


def test_euclidean_norm_is_scale_invariant_and_reports_overflowed_values():
    from pdelib.measures import euclidean_norm

    assert euclidean_norm(np.array([3.0, 4.0])) == 5.0
    assert euclidean_norm(np.array([3e-170, 4e-170])) == pytest.approx(5e-170, rel=1e-15)  # squares underflow
    assert euclidean_norm(np.zeros(4)) == 0.0
    assert euclidean_norm(np.array([3e200, 4e200])) == pytest.approx(5e200, rel=1e-15)  # squares overflow
    assert euclidean_norm(np.array([np.inf, 1.0])) == np.inf  # the blow-up checks rely on it
    assert np.isnan(euclidean_norm(np.array([np.nan, 1.0])))
