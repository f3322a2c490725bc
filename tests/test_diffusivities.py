"""Tests of pdelib.diffusivities: g, the flux Phi(s) = g(s^2) s and its sector bound (digest §3.2, §4, §9.7)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import DIFFUSIVITIES, Diffusivity, diffusivity
from pdelib.diffusivities import WEICKERT_C4
from pdelib.fluxes import Flux, check_flux

CONTRASTS = [0.1, 1.0, 3.7]
NONMONOTONE = {"perona-malik", "exponential-perona-malik", "weickert"}


def dense_grid(contrast: float) -> np.ndarray:
    """Positive and negative s: a fine linear grid around lambda, plus tiny and huge magnitudes."""
    linear = np.linspace(0.0, 20.0 * contrast, 20001)[1:]
    logarithmic = np.logspace(-300, 300, 6001)
    positive = np.concatenate([linear, logarithmic, [np.finfo(float).max]])
    return np.concatenate([-positive[::-1], positive])


def moderate_grid(contrast: float) -> np.ndarray:
    return np.linspace(-20.0 * contrast, 20.0 * contrast, 40001)


@pytest.fixture(autouse=True)
def _floating_point_warnings_are_errors():
    """No evaluation in this module may print a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_names():
    assert DIFFUSIVITIES == ("linear", "charbonnier", "perona-malik", "exponential-perona-malik", "weickert", "tv")
    for name in DIFFUSIVITIES:
        d = diffusivity(name)
        assert isinstance(d, Diffusivity)
        assert d.name == name
        assert d.contrast == 1.0
        assert isinstance(d.title, str) and d.title
        assert isinstance(d.formula, str) and d.formula


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_sector_condition_on_dense_grid(name, contrast):
    """0 <= Phi(s)/s <= L for every s != 0, including tiny and huge s."""
    d = diffusivity(name, contrast)
    s = dense_grid(contrast)
    phi = d.flux(s)
    assert phi.shape == s.shape
    assert np.all(np.isfinite(phi))
    ratio = phi / s
    assert ratio.min() >= 0.0
    assert ratio.max() <= d.bound * (1 + 1e-15)
    # the sector is sharp: Phi(s)/s comes arbitrarily close to L (at s -> 0)
    assert ratio.max() >= d.bound * (1 - 1e-12)


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_g_is_between_zero_and_bound_and_nonincreasing(name, contrast):
    d = diffusivity(name, contrast)
    s2 = np.concatenate([[0.0], np.logspace(-300, 300, 6001)])
    g = d.g(s2)
    assert np.all(np.isfinite(g))
    assert g.min() >= 0.0 and g.max() <= d.bound
    assert np.all(np.diff(g) <= 0.0)
    assert d.g(0.0) == pytest.approx(d.bound, rel=1e-15)


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_flux_is_g_times_s(name, contrast):
    d = diffusivity(name, contrast)
    s = moderate_grid(contrast)
    np.testing.assert_allclose(d.flux(s), d.g(s * s) * s, rtol=1e-14, atol=0)  # equal up to rounding


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_flux_vanishes_at_zero_and_is_odd(name, contrast):
    d = diffusivity(name, contrast)
    assert d.flux(0.0) == 0.0
    assert d.flux(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    s = dense_grid(contrast)
    np.testing.assert_array_equal(d.flux(-s), -d.flux(s))


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_flux_derivative_matches_central_difference(name, contrast):
    d = diffusivity(name, contrast)
    s = np.linspace(-6.0 * contrast, 6.0 * contrast, 1201)
    step = 1e-5 * contrast
    numerical = (d.flux(s + step) - d.flux(s - step)) / (2 * step)
    np.testing.assert_allclose(d.flux_derivative(s), numerical, rtol=0, atol=1e-6 * d.bound * contrast + 1e-6)
    assert d.flux_derivative(0.0) == pytest.approx(d.bound, rel=1e-12)


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_flux_derivative_is_finite_for_every_finite_s(name, contrast):
    """Phi'(s) tends to 0 (or 1 for linear) for huge |s|; it must not turn into NaN when s^2 overflows."""
    d = diffusivity(name, contrast)
    s = dense_grid(contrast)
    derivative = d.flux_derivative(s)
    assert np.all(np.isfinite(derivative)), f"non-finite Phi'(s) at s = {s[~np.isfinite(derivative)][:3]}"
    if name != "linear":
        assert abs(derivative[-1]) <= 1e-12 and abs(derivative[0]) <= 1e-12


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_monotone_attribute_agrees_with_sign_of_flux_derivative(name, contrast):
    d = diffusivity(name, contrast)
    s = moderate_grid(contrast)
    derivative = d.flux_derivative(s)
    assert d.monotone == (name not in NONMONOTONE)
    assert d.monotone == bool(derivative.min() >= 0.0)
    steps = np.diff(d.flux(s))
    if d.monotone:
        assert steps.min() >= 0.0
    else:
        assert steps.min() < 0.0
        # backward diffusion exactly where |s| > lambda (forward below, backward above)
        assert np.all(derivative[np.abs(s) < 0.99 * contrast] > 0.0)
        assert np.all(derivative[np.abs(s) > 1.01 * contrast] < 0.0)


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", [n for n in DIFFUSIVITIES if n not in NONMONOTONE])
def test_monotone_fluxes_are_nondecreasing_over_the_whole_float_range(name, contrast):
    d = diffusivity(name, contrast)
    s = dense_grid(contrast)
    order = np.argsort(s)
    assert np.all(np.diff(d.flux(s[order])) >= 0.0)


@pytest.mark.parametrize(
    ("name", "maximum"),
    [("perona-malik", 0.5), ("exponential-perona-malik", 0.6065), ("weickert", 0.9637)],
)
@pytest.mark.parametrize("contrast", CONTRASTS)
def test_digest_flux_maxima_at_contrast(name, maximum, contrast):
    """Digest §9.7: Phi(lambda) = lambda/2, 0.6065 lambda, 0.9637 lambda, and it is the maximum of Phi."""
    d = diffusivity(name, contrast)
    assert round(float(d.flux(contrast)) / contrast, 4) == maximum
    assert float(d.flux(-contrast)) == -float(d.flux(contrast))
    s = np.linspace(0.0, 10.0 * contrast, 1_000_001)
    phi = d.flux(s)
    assert s[np.argmax(phi)] == pytest.approx(contrast, rel=2e-4)
    assert phi.max() == pytest.approx(float(d.flux(contrast)), rel=1e-7)
    assert abs(float(d.flux_derivative(contrast))) < 1e-3


def test_exact_flux_values_at_contrast():
    assert float(diffusivity("perona-malik", 2.0).flux(2.0)) == pytest.approx(1.0, rel=1e-15)
    assert float(diffusivity("exponential-perona-malik", 2.0).flux(2.0)) == pytest.approx(2 * math.exp(-0.5), rel=1e-15)
    assert float(diffusivity("weickert", 2.0).flux(2.0)) == pytest.approx(2 * (1 - math.exp(-WEICKERT_C4)), rel=1e-15)
    assert WEICKERT_C4 == 3.31488


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_charbonnier_flux_is_bounded_by_contrast_and_tends_to_it(contrast):
    d = diffusivity("charbonnier", contrast)
    s = dense_grid(contrast)
    assert np.all(np.abs(d.flux(s)) <= contrast * (1 + 1e-15))  # to rounding
    assert float(d.flux(1e8 * contrast)) == pytest.approx(contrast, rel=1e-12)
    assert float(d.flux(-1e8 * contrast)) == pytest.approx(-contrast, rel=1e-12)
    # ... and stays there for every larger s, up to the largest float
    for s_huge in (1e150, 1e160, 1e200, 1e300):
        assert float(d.flux(s_huge)) == pytest.approx(contrast, rel=1e-12), f"Phi({s_huge:g})"
    assert d.bound == 1.0


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_tv_bound_is_one_over_contrast_and_flux_tends_to_sign(contrast):
    d = diffusivity("tv", contrast)
    assert d.bound == pytest.approx(1.0 / contrast, rel=1e-15)
    assert float(d.g(0.0)) == pytest.approx(1.0 / contrast, rel=1e-15)
    assert np.all(np.abs(d.flux(dense_grid(contrast))) <= 1.0)
    for s_huge in (1e8 * contrast, 1e160, 1e300):
        assert float(d.flux(s_huge)) == pytest.approx(1.0, rel=1e-12), f"Phi({s_huge:g})"
        assert float(d.flux(-s_huge)) == pytest.approx(-1.0, rel=1e-12), f"Phi({-s_huge:g})"


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_linear_is_identity(contrast):
    d = diffusivity("linear", contrast)
    s = dense_grid(contrast)
    np.testing.assert_array_equal(d.flux(s), s)
    np.testing.assert_array_equal(d.flux_derivative(s), np.ones_like(s))
    assert d.bound == 1.0


@pytest.mark.parametrize("name", ["charbonnier", "perona-malik", "exponential-perona-malik", "weickert"])
def test_bound_one_does_not_depend_on_contrast(name):
    for contrast in CONTRASTS:
        assert diffusivity(name, contrast).bound == 1.0


@pytest.mark.parametrize("name", ["charbonnier", "perona-malik", "exponential-perona-malik", "weickert"])
def test_contrast_scaling(name):
    """Phi_lambda(s) = lambda Phi_1(s/lambda) for the fluxes with g = g_1(s^2/lambda^2)."""
    s = np.linspace(-10.0, 10.0, 2001)
    one, scaled = diffusivity(name, 1.0), diffusivity(name, 2.5)
    np.testing.assert_allclose(scaled.flux(2.5 * s), 2.5 * one.flux(s), rtol=1e-12, atol=1e-14)


def test_tv_contrast_scaling():
    """Regularised TV: Phi_eps(s) = Phi_1(s/eps)."""
    s = np.linspace(-10.0, 10.0, 2001)
    np.testing.assert_allclose(diffusivity("tv", 0.3).flux(0.3 * s), diffusivity("tv", 1.0).flux(s), rtol=1e-12)


def test_weickert_at_zero_has_no_warnings():
    d = diffusivity("weickert")
    with np.errstate(divide="warn", over="warn", invalid="warn"):
        assert float(d.g(0.0)) == 1.0
        assert np.array_equal(d.g(np.array([0.0, 1e-300, 0.01, 0.0100001])), [1.0, 1.0, 1.0, 1.0])
        assert float(d.flux(0.0)) == 0.0
        assert float(d.flux_derivative(0.0)) == 1.0
        assert np.array_equal(d.flux_derivative(np.array([-1e-200, 0.0, 1e-200])), [1.0, 1.0, 1.0])


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(DIFFUSIVITIES),
    contrast=st.floats(1e-3, 1e3),
    # subnormal s (|s| < 2.2e-308) carry too few significant bits for a relative check at 1e-15
    s=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
def test_sector_condition_property(name, contrast, s):
    d = diffusivity(name, contrast)
    phi = float(d.flux(s))
    if s == 0.0:
        assert phi == 0.0
    else:
        assert 0.0 <= phi / s <= d.bound * (1 + 1e-15)


# -- construction, equality, errors ----------------------------------------------------------


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match="^name ") as info:
        diffusivity("nope")
    for name in DIFFUSIVITIES:
        assert repr(name) in str(info.value)
    assert "'nope'" in str(info.value)


@pytest.mark.parametrize("name", [3, None, Diffusivity])
def test_name_must_be_a_string(name):
    with pytest.raises(TypeError, match="^name "):
        diffusivity(name)


@pytest.mark.parametrize(
    ("contrast", "error"),
    [
        (0.0, ValueError),
        (-1.0, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("1.0", TypeError),
        (None, TypeError),
        (True, TypeError),
        (1j, TypeError),
    ],
)
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_bad_contrast(name, contrast, error):
    with pytest.raises(error, match="^contrast "):
        diffusivity(name, contrast)


def test_integer_and_numpy_contrasts_are_accepted():
    assert diffusivity("charbonnier", 2).contrast == 2.0
    assert isinstance(diffusivity("charbonnier", np.float32(0.5)).contrast, float)
    assert diffusivity("charbonnier", np.int64(3)) == diffusivity("charbonnier", 3.0)


def test_equality_and_hash():
    a = diffusivity("perona-malik", 2.0)
    b = diffusivity("perona-malik", 2)
    assert a == b and not a != b
    assert hash(a) == hash(b)
    assert a != diffusivity("perona-malik", 2.5)
    assert a != diffusivity("charbonnier", 2.0)
    assert a != "perona-malik"
    assert a != 2.0
    assert len({diffusivity(name, c) for name in DIFFUSIVITIES for c in (1.0, 1, 2.0)}) == 2 * len(DIFFUSIVITIES)
    assert {a: "x"}[b] == "x"


@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_repr_round_trips(name):
    d = diffusivity(name, 0.25)
    assert eval(repr(d), {"diffusivity": diffusivity}) == d


def test_check_flux_accepts_diffusivities_and_names_the_parameter():
    d = diffusivity("tv")
    assert isinstance(d, Flux) and d.in_sector and d.bound == d.sector_bound
    assert check_flux(d) is d
    with pytest.raises(TypeError, match="^diffusivity "):
        check_flux("tv")
    with pytest.raises(TypeError, match="^g "):
        check_flux(lambda s2: 1.0, name="g")


def test_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Diffusivity(1.0).flux(np.ones(3))


@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_accepts_scalars_lists_and_integer_arrays(name):
    d = diffusivity(name, 1.5)
    expected = d.flux(np.array([-2.0, 0.0, 1.0, 3.0]))
    np.testing.assert_array_equal(d.flux([-2, 0, 1, 3]), expected)
    np.testing.assert_array_equal(d.flux(np.array([-2, 0, 1, 3])), expected)
    assert float(d.flux(3)) == expected[-1]
    np.testing.assert_array_equal(d.flux_derivative([-2, 0, 1, 3]), d.flux_derivative(np.array([-2.0, 0.0, 1.0, 3.0])))
