"""Tests of pdelib.activations: network activations read as fluxes, their sector bounds L, the custom
piecewise-linear flux, and what the explicit scheme does inside and outside the sector (chapter 03)."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st

import pdelib
from pdelib.activations import (
    ACTIVATIONS,
    IN_SECTOR,
    ActivationFlux,
    PiecewiseLinearFlux,
    activation,
    secant_bound,
    sector_ratio_range,
    sigmoid,
)
from pdelib.fluxes import Flux

OUTSIDE = tuple(name for name in ACTIVATIONS if name not in IN_SECTOR)
#: The sector bounds stated in chapter 03 (with the default parameters).
STATED_BOUNDS = {"relu": 1.0, "leaky-relu": 1.0, "tanh": 1.0, "silu": 1.0, "gelu": 1.0, "elu": 1.0}
NONMONOTONE = {"silu", "gelu", "sin", "anti-diffusion"}
#: Activations with a kink at s = 0 (no derivative there).
KINKED = {"relu", "leaky-relu", "elu"}
CONTRASTS = [0.1, 1.0, 3.7]
PM_LIKE = [0.4, 0.5, 0.4, 0.25, 0.1]


def dense_grid(contrast: float) -> np.ndarray:
    """Positive and negative s: a fine linear grid over +-20 lambda, plus tiny and huge magnitudes."""
    linear = np.linspace(0.0, 20.0 * contrast, 20001)[1:]
    positive = np.concatenate([linear, np.logspace(-300, 300, 6001), [1e307]])
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
    assert ACTIVATIONS == ("relu", "leaky-relu", "tanh", "silu", "gelu", "elu",
                           "biased-tanh", "softplus", "sin", "anti-diffusion")
    assert set(IN_SECTOR) == set(STATED_BOUNDS)
    for name in ACTIVATIONS:
        flux = activation(name)
        assert isinstance(flux, Flux) and isinstance(flux, ActivationFlux)
        assert flux.name == name
        assert flux.contrast == 1.0
        assert isinstance(flux.title, str) and flux.title
        assert isinstance(flux.formula, str) and flux.formula
        assert flux.in_sector == (name in IN_SECTOR)
        assert flux.monotone == (name not in NONMONOTONE)


# -- in the sector: 0 <= Phi(s)/s <= L, and L is tight -----------------------------------------------


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", IN_SECTOR)
def test_sector_condition_on_dense_grid(name, contrast):
    flux = activation(name, contrast=contrast)
    assert flux.bound == STATED_BOUNDS[name]
    s = dense_grid(contrast)
    phi = flux.flux(s)
    assert np.all(np.isfinite(phi))
    assert float(flux.flux(0.0)) == 0.0
    ratio = phi / s
    assert ratio.min() >= 0.0
    assert ratio.max() <= flux.bound * (1 + 1e-15)
    assert ratio.max() >= flux.bound * (1 - 1e-12), "L must be the sup of Phi(s)/s, not a loose bound"
    assert sector_ratio_range(flux, s) == (ratio.min(), ratio.max())


@pytest.mark.parametrize(
    ("parameters", "bound", "lowest"),
    [({"alpha": 2.0}, 2.0, 0.0), ({"alpha": 0.5}, 1.0, 0.0), ({"alpha": 0.0}, 1.0, 0.0)],
)
def test_elu_bound_is_max_of_one_and_alpha(parameters, bound, lowest):
    flux = activation("elu", **parameters)
    assert flux.bound == bound
    low, high = sector_ratio_range(flux, dense_grid(1.0))
    assert low >= lowest and high <= bound * (1 + 1e-15) and high >= bound * (1 - 1e-12)
    assert flux.monotone


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.5, 0.99])
def test_leaky_relu_ratio_is_slope_or_one(slope):
    flux = activation("leaky-relu", slope=slope)
    s = dense_grid(1.0)
    ratio = flux.flux(s) / s
    np.testing.assert_array_equal(ratio[s > 0], 1.0)
    np.testing.assert_allclose(ratio[s < 0], slope, rtol=1e-15, atol=0)
    assert flux.bound == 1.0


def test_sigmoid_is_overflow_free_and_exact_in_both_tails():
    x = np.array([-1e308, -800.0, -40.0, 0.0, 40.0, 800.0, 1e308])
    p = sigmoid(x, np)
    assert np.all((p >= 0) & (p <= 1))
    assert p[3] == 0.5 and p[-1] == 1.0 and p[0] == 0.0
    assert p[2] == pytest.approx(math.exp(-40.0), rel=1e-14)  # full relative accuracy in the lower tail
    torch_p = sigmoid(torch.as_tensor(x), torch)
    np.testing.assert_allclose(torch_p.numpy(), torch.sigmoid(torch.as_tensor(x)).numpy(), rtol=1e-15, atol=0)


# -- outside every sector ------------------------------------------------------------------------------


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", OUTSIDE)
def test_outside_activations_violate_the_sector(name, contrast):
    flux = activation(name, contrast=contrast)
    assert flux.sector_bound is None and not flux.in_sector
    with pytest.raises(ValueError, match="not in a sector"):
        flux.bound
    with pytest.raises(ValueError, match="no step-size bound"):
        pdelib.stability_bound(flux, pdelib.DerivativeOperator(1, 16))
    low, high = sector_ratio_range(flux, dense_grid(contrast))
    assert low < 0.0, "each example has Phi(s)/s < 0 somewhere"
    offset = float(flux.flux(0.0))
    if name in ("biased-tanh", "softplus"):
        assert offset == pytest.approx(contrast * (math.tanh(0.5) if name == "biased-tanh" else math.log(2.0)))
        assert high > 1e100 and low < -1e100, "Phi(0) != 0: Phi(s)/s is unbounded near 0"
    else:
        assert offset == 0.0


def test_documented_ratio_extremes_of_sin_and_anti_diffusion():
    s = np.linspace(-20.0, 20.0, 400000)
    low, high = sector_ratio_range(activation("sin"), s)
    assert low == pytest.approx(-0.21723, abs=1e-5) and high == pytest.approx(1.0, abs=1e-8)
    x = s[np.argmin(activation("sin").flux(s) / s)]
    assert abs(x) == pytest.approx(4.4934, abs=1e-3)
    assert sector_ratio_range(activation("anti-diffusion"), s) == (-1.0, -1.0)


def test_biased_tanh_without_bias_is_tanh():
    flux = activation("biased-tanh", contrast=0.3, bias=0.0)
    assert flux.in_sector and flux.bound == 1.0
    s = dense_grid(0.3)
    np.testing.assert_array_equal(flux.flux(s), activation("tanh", contrast=0.3).flux(s))


# -- derivatives and monotonicity ------------------------------------------------------------------------


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_flux_derivative_matches_central_difference(name, contrast):
    flux = activation(name, contrast=contrast)
    s = np.linspace(-6.0 * contrast, 6.0 * contrast, 1201)
    step = 1e-5 * contrast
    if name in KINKED:
        s = s[np.abs(s) > 2 * step]
    numerical = (flux.flux(s + step) - flux.flux(s - step)) / (2 * step)
    np.testing.assert_allclose(flux.flux_derivative(s), numerical, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_flux_derivative_is_finite_for_every_finite_s(name):
    derivative = activation(name, contrast=0.1).flux_derivative(dense_grid(0.1))
    assert np.all(np.isfinite(derivative))


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_monotone_attribute_agrees_with_sign_of_flux_derivative(name, contrast):
    flux = activation(name, contrast=contrast)
    s = moderate_grid(contrast)
    assert flux.monotone == bool(flux.flux_derivative(s).min() >= 0.0)
    steps = np.diff(flux.flux(s))
    assert (steps.min() >= 0.0) == flux.monotone


@pytest.mark.parametrize(("name", "root"), [("silu", -1.278464542761074), ("gelu", -0.7524614220710162)])
@pytest.mark.parametrize("contrast", CONTRASTS)
def test_nonmonotone_activations_diffuse_backwards_only_for_large_negative_s(name, root, contrast):
    """SiLU and GELU lie in the sector (L = 1) but Phi' < 0 for s < root * lambda: backward diffusion there."""
    flux = activation(name, contrast=contrast)
    s = moderate_grid(contrast)
    derivative = flux.flux_derivative(s)
    assert np.all(derivative[s < (root - 1e-3) * contrast] < 0)
    assert np.all(derivative[s > (root + 1e-3) * contrast] > 0)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in NONMONOTONE])
def test_monotone_activations_are_nondecreasing_over_the_whole_float_range(name):
    s = np.sort(dense_grid(0.1))
    phi = activation(name, contrast=0.1).flux(s)
    # softplus wobbles by an ulp where exp(-|x|) rounds to 1 (|s| ~ 1e-17); nothing larger is allowed
    assert np.all(np.diff(phi) >= -2.3e-16 * np.abs(phi[1:]))


# -- numpy and torch evaluate the same formula; the formulas are the standard ones ---------------------


@pytest.mark.parametrize("contrast", CONTRASTS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_numpy_and_torch_agree(name, contrast):
    flux = activation(name, contrast=contrast)
    s = dense_grid(contrast)
    expected = flux.flux(s)
    got = flux.torch_flux(torch.as_tensor(s, dtype=torch.float64))
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_torch_gradients_are_finite_everywhere(name):
    """The torch formulas are trained (chapter 07): no NaN gradient, even where x^3 or exp(x) would overflow."""
    s = torch.as_tensor(dense_grid(0.1), dtype=torch.float64).requires_grad_()
    activation(name, contrast=0.1).torch_flux(s).sum().backward()
    assert torch.all(torch.isfinite(s.grad))


TORCH_REFERENCES = {
    "relu": F.relu,
    "leaky-relu": lambda s: F.leaky_relu(s, 0.01),
    "tanh": torch.tanh,
    "silu": F.silu,
    "gelu": lambda s: F.gelu(s, approximate="tanh"),
    "elu": F.elu,
    "biased-tanh": lambda s: torch.tanh(s + 0.5),
    "softplus": lambda s: F.softplus(s, threshold=100.0),  # torch's default threshold 20 cuts the tail off
    "sin": torch.sin,
    "anti-diffusion": torch.neg,
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_formulas_are_the_standard_activations(name):
    s = torch.linspace(-30.0, 30.0, 60001, dtype=torch.float64)
    got = activation(name).torch_flux(s)
    np.testing.assert_allclose(got.numpy(), TORCH_REFERENCES[name](s).numpy(), rtol=1e-13, atol=1e-15)


def test_gelu_tanh_approximation_is_close_to_exact_gelu():
    s = torch.linspace(-10.0, 10.0, 200001, dtype=torch.float64)
    difference = (activation("gelu").torch_flux(s) - F.gelu(s)).abs().max().item()
    assert 1e-4 < difference < 5e-4  # as stated in the docstring


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_contrast_scaling(name):
    """Phi_lambda(lambda s) = lambda Phi_1(s): lambda moves the shape along s, L does not change."""
    s = np.linspace(-10.0, 10.0, 2001)
    one, scaled = activation(name), activation(name, contrast=2.5)
    np.testing.assert_allclose(scaled.flux(2.5 * s), 2.5 * one.flux(s), rtol=1e-12, atol=1e-13)
    assert scaled.sector_bound == one.sector_bound


@pytest.mark.parametrize("name", ["relu", "leaky-relu", "anti-diffusion"])
def test_positively_homogeneous_activations_ignore_contrast(name):
    s = dense_grid(1.0)
    np.testing.assert_array_equal(activation(name, contrast=0.01).flux(s), activation(name).flux(s))


# -- the factory: errors, repr, equality --------------------------------------------------------------------


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match="^name ") as info:
        activation("swish")
    for name in ACTIVATIONS:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", [3, None, "ReLU"])
def test_name_must_be_a_known_string(name):
    with pytest.raises((TypeError, ValueError), match="^name "):
        activation(name)


def test_unknown_parameter_names_the_accepted_ones():
    with pytest.raises(TypeError, match="'relu' takes the parameters contrast; got slope"):
        activation("relu", slope=0.1)
    with pytest.raises(TypeError, match="contrast, alpha; got bias"):
        activation("elu", bias=1.0)


@pytest.mark.parametrize(
    ("contrast", "error"),
    [(0.0, ValueError), (-1.0, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
     ("1.0", TypeError), (None, TypeError), (True, TypeError)],
)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bad_contrast(name, contrast, error):
    with pytest.raises(error, match="^contrast "):
        activation(name, contrast=contrast)


@pytest.mark.parametrize(
    ("name", "parameters", "error", "match"),
    [
        ("leaky-relu", {"slope": -0.1}, ValueError, r"^slope must be a real number in \[0, 1\)"),
        ("leaky-relu", {"slope": 1.0}, ValueError, r"^slope must be a real number in \[0, 1\)"),
        ("leaky-relu", {"slope": float("nan")}, ValueError, "^slope "),
        ("leaky-relu", {"slope": "0.1"}, TypeError, "^slope "),
        ("elu", {"alpha": -1.0}, ValueError, "^alpha "),
        ("elu", {"alpha": None}, TypeError, "^alpha "),
        ("biased-tanh", {"bias": float("inf")}, ValueError, "^bias must be a finite real number"),
        ("biased-tanh", {"bias": "b"}, TypeError, "^bias "),
    ],
)
def test_bad_parameters(name, parameters, error, match):
    with pytest.raises(error, match=match):
        activation(name, **parameters)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_repr_round_trips_and_equality(name):
    flux = activation(name, contrast=0.25)
    assert eval(repr(flux), {"activation": activation}) == flux
    assert hash(eval(repr(flux), {"activation": activation})) == hash(flux)
    assert flux != activation(name, contrast=0.5)
    assert flux != pdelib.diffusivity("linear", 0.25)
    assert activation("leaky-relu", slope=0.1) != activation("leaky-relu", slope=0.2)


# -- the custom piecewise-linear flux ---------------------------------------------------------------------


def test_piecewise_linear_interpolates_the_control_points():
    flux = PiecewiseLinearFlux(PM_LIKE, contrast=0.1)
    np.testing.assert_array_equal(flux.knots, [0.5, 1.0, 1.5, 2.0, 2.5])  # default t_i = i / 2
    np.testing.assert_allclose(flux.knot_positions, 0.1 * flux.knots)
    np.testing.assert_allclose(flux.flux(flux.knot_positions), 0.1 * np.array(PM_LIKE), rtol=1e-14)
    assert float(flux.flux(0.0)) == 0.0
    midpoints = 0.5 * (flux.knot_positions[1:] + flux.knot_positions[:-1])
    np.testing.assert_allclose(flux.flux(midpoints), 0.05 * (np.array(PM_LIKE[1:]) + PM_LIKE[:-1]), rtol=1e-14)
    assert float(flux.flux(0.025)) == pytest.approx(0.02, rel=1e-14)  # on the first piece, through (0, 0)
    s = dense_grid(0.1)
    np.testing.assert_array_equal(flux.flux(-s), -flux.flux(s))
    assert flux.bound == pytest.approx(0.8) and not flux.monotone


def test_piecewise_linear_tail_keeps_the_last_ratio():
    for last in (0.1, 0.0, -0.5):
        flux = PiecewiseLinearFlux([0.4, 0.5, last], knots=[0.5, 1.0, 2.0], contrast=0.3)
        s = np.concatenate([np.linspace(0.6, 100.0, 1000), np.logspace(1, 300, 300)])
        np.testing.assert_allclose(flux.flux(s), last / 2.0 * s, rtol=1e-15, atol=0)
        np.testing.assert_allclose(flux.flux_derivative(s), last / 2.0)
    assert PiecewiseLinearFlux([0.4, 0.5, -0.5]).flux(1e300) < 0


def test_piecewise_linear_with_explicit_knots_and_one_value():
    flux = PiecewiseLinearFlux([2.0], knots=[4.0], contrast=0.5)  # the straight line Phi(s) = s / 2
    s = dense_grid(0.5)
    np.testing.assert_allclose(flux.flux(s), 0.5 * s, rtol=1e-15)
    assert flux.bound == 0.5 and flux.monotone and flux.ratio_range == (0.5, 0.5)


def test_piecewise_linear_zero_shape_is_in_the_sector_with_l_zero():
    flux = PiecewiseLinearFlux([0.0, 0.0])
    assert flux.in_sector and flux.bound == 0.0 and flux.monotone
    assert np.all(flux.flux(dense_grid(1.0)) == 0.0)


#: Control values: 0 or of moderate size (values like 1e-99 make Phi(s) underflow at |s| = 1e-300).
nonnegative_values = st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 3.0)), min_size=1, max_size=7)
shapes = st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 3.0), st.floats(-3.0, -1e-3)), min_size=1, max_size=7)


@st.composite
def piecewise_fluxes(draw, values=shapes):
    values = draw(values)
    knots = None
    if draw(st.booleans()):
        gaps = draw(st.lists(st.floats(0.05, 3.0), min_size=len(values), max_size=len(values)))
        knots = np.cumsum(gaps)
    return PiecewiseLinearFlux(values, knots=knots, contrast=draw(st.sampled_from(CONTRASTS)))


def ratio_grid(flux: PiecewiseLinearFlux) -> np.ndarray:
    """Knots, a fine grid around them, tiny and huge magnitudes, both signs."""
    reach = 2 * flux.knot_positions[-1]
    positive = np.concatenate([flux.knot_positions, np.linspace(0, reach, 5001)[1:], np.logspace(-300, 300, 601)])
    return np.concatenate([-positive, positive])


@settings(max_examples=80, deadline=None)
@given(flux=piecewise_fluxes(values=nonnegative_values))
def test_piecewise_linear_exact_bound_is_the_grid_maximum(flux):
    """Nonnegative values: in the sector, and L = max_i v_i/t_i is attained (at the knots) and never exceeded."""
    assert flux.in_sector
    s = ratio_grid(flux)
    ratio = flux.flux(s) / s
    assert ratio.min() >= 0.0
    assert ratio.max() <= flux.bound * (1 + 1e-12)
    assert ratio.max() == pytest.approx(flux.bound, rel=1e-12, abs=1e-300)


@settings(max_examples=80, deadline=None)
@given(flux=piecewise_fluxes())
@example(flux=PiecewiseLinearFlux([0.0010000000000000002, 0.001], knots=[0.5, 1.0], contrast=0.1))
def test_piecewise_linear_sector_and_monotone_are_exact(flux):
    s = ratio_grid(flux)
    low, high = sector_ratio_range(flux, s)
    assert low == pytest.approx(flux.ratio_range[0], rel=1e-12, abs=1e-12)
    assert high == pytest.approx(flux.ratio_range[1], rel=1e-12, abs=1e-12)
    assert flux.in_sector == bool(flux.values.min() >= 0)  # outside iff some value < 0
    if not flux.in_sector:
        with pytest.raises(ValueError, match="not in a sector"):
            flux.bound
    derivative = flux.flux_derivative(s)
    assert flux.monotone == bool(derivative.min() >= 0)
    ordered = np.sort(s[np.abs(s) < 1e6])
    values = flux.flux(ordered)
    # a falling piece is seen by the samples around it: rounding tolerance relative to the values compared there
    # (relative to the largest value on the whole grid, 1e5 here, it hid a fall of 8e-8 near s = 0.5)
    scale = np.maximum(np.abs(values[1:]), np.abs(values[:-1]))
    seen_monotone = bool((np.diff(values) >= -1e-12 * scale).all())
    # the largest fall of a piece: a fall at rounding level (values [0.0010000000000000002, 0.001]) is exact
    # non-monotonicity, but samples cannot tell it from rounding
    fall = max(0.0, -flux.knot_values[0], *(-np.diff(flux.knot_values)))
    if flux.monotone or fall > 1e-9 * np.abs(flux.knot_values).max():
        assert flux.monotone == seen_monotone
    else:
        assert seen_monotone


@settings(max_examples=60, deadline=None)
@given(flux=piecewise_fluxes(), seed=st.integers(0, 2**32 - 1))
def test_piecewise_linear_fast_scheme_path_equals_the_formula(flux, seed):
    """The scheme evaluates Phi with np.interp in place; it must equal the xp formula, sign included."""
    rng = np.random.default_rng(seed)
    s = np.concatenate([rng.normal(0, 3 * flux.knot_positions[-1], 500), [0.0, -0.0, 1e300, -1e300]])
    in_place = s.copy()
    flux._apply_inplace(in_place)
    np.testing.assert_allclose(in_place, flux.flux(s), rtol=1e-12, atol=1e-12 * np.abs(flux.knot_values).max())
    D = pdelib.DerivativeOperator(1, 32)
    u = rng.normal(0, 1, 32)
    step = pdelib.ExplicitScheme(0.1, flux, D).step(u)
    np.testing.assert_allclose(step, u - 0.1 * D.apply_transpose(flux.flux(D.apply(u))), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(flux=piecewise_fluxes())
def test_piecewise_linear_numpy_and_torch_agree(flux):
    s = ratio_grid(flux)
    got = flux.torch_flux(torch.as_tensor(s, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, flux.flux(s), rtol=1e-12, atol=1e-300)


def test_piecewise_linear_torch_gradient_is_the_slope():
    flux = PiecewiseLinearFlux(PM_LIKE + [-0.3], contrast=0.2)
    s = np.linspace(-1.0, 1.0, 1001)  # includes s = 0: the gradient there is the first slope
    s = s[np.min(np.abs(np.abs(s)[:, None] - flux.knot_positions), axis=1) > 1e-6]  # off the kinks
    tensor = torch.as_tensor(s, dtype=torch.float64).requires_grad_()
    flux.torch_flux(tensor).sum().backward()
    np.testing.assert_allclose(tensor.grad.numpy(), flux.flux_derivative(s), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"values": []}, ValueError, "^values must hold at least one value: an empty shape"),
        ({"values": [0.4, float("nan")]}, ValueError, "^values must be finite"),
        ({"values": [0.4, float("inf")]}, ValueError, "^values must be finite"),
        ({"values": ["a", "b"]}, TypeError, "^values must hold real numbers"),
        ({"values": "0.4"}, TypeError, "^values must be a sequence"),
        ({"values": 0.4}, TypeError, "^values must be a sequence"),
        ({"values": [[0.4, 0.5]]}, ValueError, r"^values must be a flat sequence"),
        ({"values": [0.4, 0.5], "knots": [1.0]}, ValueError, r"^knots must have the same length as values \(2\)"),
        ({"values": [0.4, 0.5], "knots": [1.0, 1.0]}, ValueError, "^knots must be strictly increasing positive"),
        ({"values": [0.4, 0.5], "knots": [2.0, 1.0]}, ValueError, "^knots must be strictly increasing positive"),
        ({"values": [0.4, 0.5], "knots": [0.0, 1.0]}, ValueError, "^knots must be strictly increasing positive"),
        ({"values": [0.4, 0.5], "knots": [-1.0, 1.0]}, ValueError, "^knots must be strictly increasing positive"),
        ({"values": [0.4], "knots": [float("nan")]}, ValueError, "^knots must be finite"),
        ({"values": [0.4], "contrast": 0.0}, ValueError, "^contrast must be a finite real number >= 1e-100"),
        ({"values": [0.4], "contrast": -2.0}, ValueError, "^contrast "),
        ({"values": [0.4], "contrast": "1"}, TypeError, "^contrast "),
    ],
)
def test_piecewise_linear_bad_input(arguments, error, match):
    with pytest.raises(error, match=match):
        PiecewiseLinearFlux(**arguments)


def test_piecewise_linear_repr_round_trips():
    flux = PiecewiseLinearFlux(PM_LIKE, knots=[0.5, 1, 2, 3, 4], contrast=0.2)
    again = eval(repr(flux), {"PiecewiseLinearFlux": PiecewiseLinearFlux})
    assert again == flux and hash(again) == hash(flux)
    assert flux != PiecewiseLinearFlux(PM_LIKE, contrast=0.2)


# -- sector_ratio_range and secant_bound ---------------------------------------------------------------------


def test_ratio_helpers_check_their_input():
    with pytest.raises(TypeError, match="^flux "):
        sector_ratio_range(np.tanh, [1.0])
    with pytest.raises(ValueError, match="at least one nonzero"):
        sector_ratio_range(activation("tanh"), [0.0, 0.0])
    with pytest.raises(ValueError, match="^s must be finite"):
        secant_bound(activation("tanh"), [1.0, float("nan")])


@pytest.mark.parametrize("name", IN_SECTOR)
def test_secant_bound_is_l_for_fluxes_in_the_sector(name):
    flux = activation(name, contrast=0.1)
    assert secant_bound(flux, dense_grid(0.1)) == pytest.approx(flux.bound, rel=1e-12)


@pytest.mark.parametrize(("name", "expected"), [("biased-tanh", 0.9427), ("softplus", 1.0), ("sin", 1.0),
                                                ("anti-diffusion", 1.0)])
def test_secant_bound_is_finite_outside_the_sector(name, expected):
    """Subtracting Phi(0) keeps the naive L~ finite although Phi(s)/s is unbounded near 0."""
    assert secant_bound(activation(name), dense_grid(1.0)) == pytest.approx(expected, abs=1e-4)


# -- the explicit scheme: stable at the bound in the sector; outside, what goes wrong ---------------------------


@settings(max_examples=80, deadline=None)
@given(
    name=st.sampled_from(IN_SECTOR + ("custom",)),
    contrast=st.sampled_from([0.01, 0.1, 1.0]),
    order=st.sampled_from([1, 2]),
    boundary=st.sampled_from(pdelib.BOUNDARIES),
    size=st.integers(8, 48),
    amplitude=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    seed=st.integers(0, 2**32 - 1),
)
def test_scheme_at_the_bound_never_increases_the_norm(name, contrast, order, boundary, size, amplitude, seed):
    rng = np.random.default_rng(seed)
    if name == "custom":
        flux = PiecewiseLinearFlux(rng.uniform(0.0, 1.0, 5), contrast=contrast)
    else:
        flux = activation(name, contrast=contrast)
    D = pdelib.DerivativeOperator(order, size, boundary=boundary)
    u0 = amplitude * (rng.standard_normal(size) + rng.uniform(0, 3) * (-1.0) ** np.arange(size))
    run = pdelib.evolve(u0, pdelib.stability_bound(flux, D), 30, flux, D)
    assert run.blowup is None
    assert run.norm_nonincreasing


def naive_tau(flux, operator) -> float:
    """tau = 2 / (L~ ||D||^2) with L~ = max |Phi(s) - Phi(0)| / |s| (what ActivationApp runs outside the sector)."""
    if isinstance(flux, PiecewiseLinearFlux):
        bound = max(abs(r) for r in flux.ratio_range)
    else:
        bound = secant_bound(flux, flux.contrast * dense_grid(1.0))
    return 2.0 / (bound * operator.norm_squared())


D_256 = pdelib.DerivativeOperator(1, 256)
NOISY_STEP = pdelib.noisy_step(256, noise=0.01, seed=0)


@pytest.mark.parametrize("contrast", [0.1, 1.0])
def test_anti_diffusion_blows_up_within_a_few_dozen_steps(contrast):
    flux = activation("anti-diffusion", contrast=contrast)
    for tau in (naive_tau(flux, D_256), 0.05):
        run = pdelib.evolve(NOISY_STEP, tau, 500, flux, D_256)
        assert run.blowup is not None
    assert pdelib.evolve(NOISY_STEP, naive_tau(flux, D_256), 500, flux, D_256).blowup.step < 30


@pytest.mark.parametrize("contrast", [0.03, 0.1, 0.3])
@pytest.mark.parametrize("last", [-0.5, -0.1])
def test_custom_shape_with_negative_tail_blows_up(contrast, last):
    """The edge slope (about 1 / lambda in units of lambda) lies in the linear anti-diffusion tail."""
    flux = PiecewiseLinearFlux(PM_LIKE[:-1] + [last], contrast=contrast)
    assert not flux.in_sector
    run = pdelib.evolve(NOISY_STEP, naive_tau(flux, D_256), 500, flux, D_256)
    assert run.blowup is not None
    assert "blow-up at step" in str(run.blowup)
    inside = PiecewiseLinearFlux(PM_LIKE, contrast=contrast)
    assert pdelib.evolve(NOISY_STEP, pdelib.stability_bound(inside, D_256), 500, inside, D_256).norm_nonincreasing


def test_negative_first_value_grows_oscillations_without_overflow():
    flux = PiecewiseLinearFlux([-0.2] + PM_LIKE[1:], contrast=0.1)
    run = pdelib.evolve(NOISY_STEP, naive_tau(flux, D_256), 500, flux, D_256)
    assert run.blowup is None
    assert not run.norm_nonincreasing
    assert run.total_variations[-1] > 2 * run.total_variations[0]  # the noise is sharpened, not smoothed


@pytest.mark.parametrize("name", ["biased-tanh", "softplus"])
def test_nonzero_flux_at_zero_moves_a_constant_signal(name):
    flux = activation(name, contrast=0.1)
    u = np.full(16, 0.5)
    step = pdelib.ExplicitScheme(0.5, flux, pdelib.DerivativeOperator(1, 16)).step(u)
    offset = float(flux.flux(0.0))
    np.testing.assert_allclose(step[[0, -1]], [0.5 + 0.5 * offset, 0.5 - 0.5 * offset])
    np.testing.assert_array_equal(step[1:-1], u[1:-1])
    assert step.mean() == pytest.approx(0.5)  # mass moves from one end to the other, the mean stays
    run = pdelib.evolve(NOISY_STEP, naive_tau(flux, D_256), 500, flux, D_256)
    assert run.blowup is None
    assert run.final[0] - NOISY_STEP[0] > 0.5 and NOISY_STEP[-1] - run.final[-1] > 0.5  # the ends drift


def test_sin_sharpens_the_edge_and_grows_the_norm_without_overflow():
    flux = activation("sin", contrast=0.1)
    run = pdelib.evolve(NOISY_STEP, naive_tau(flux, D_256), 500, flux, D_256)
    assert run.blowup is None
    assert run.norms[-1] > run.norms[0]
    assert pdelib.max_slope(run.final) > pdelib.max_slope(NOISY_STEP)
