"""Tests of pdelib.schemes.explicit: the scheme u^{k+1} = u^k - tau D^T Phi(D u^k), its stability bound and blow-up
detection (chapter 02; digest §2.3, §3.2-3.3, §9.3-9.5, §9.8)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pdelib import (
    BOUNDARIES,
    DIFFUSIVITIES,
    BlowUp,
    DerivativeOperator,
    Evolution,
    ExplicitScheme,
    checkerboard,
    checkerboard_amplitude,
    diffuse,
    diffusivity,
    evolve,
    explicit_step,
    noisy_step,
    piecewise_constant,
    stability_bound,
    total_variation,
)
from pdelib.schemes.explicit import GROWTH_LIMIT

LINEAR = diffusivity("linear")
PM = diffusivity("perona-malik")
D1_64 = DerivativeOperator(1, 64)
D2_64 = DerivativeOperator(2, 64)


def digest_checkerboard(amplitude: float = 1.0, seed: int = 0) -> np.ndarray:
    """Digest §9.3: f_i = amplitude (-1)^i plus 1 % noise, N = 64."""
    return checkerboard(64, amplitude=amplitude, noise=0.01 * amplitude, seed=seed)


def dense_step(u: np.ndarray, tau: float, g, D: DerivativeOperator) -> np.ndarray:
    """The explicit step written with the dense matrix of D: an independent implementation."""
    M = D.matrix()
    return u - tau * M.T @ g.flux(M @ u)


# -- the stability bound ---------------------------------------------------------------------


def test_digest_bounds_for_n64():
    """Digest §3.3 / §9.3-4: tau* = 0.500301 (n = 1) and 0.125151 (n = 2), simple bounds 0.5 and 0.125."""
    assert round(stability_bound(LINEAR, D1_64), 6) == 0.500301
    assert round(stability_bound(LINEAR, D2_64), 6) == 0.125151
    assert stability_bound(LINEAR, D1_64, simple=True) == 0.5
    assert stability_bound(LINEAR, D2_64, simple=True) == 0.125
    assert stability_bound(LINEAR, D1_64) > 0.5
    assert stability_bound(LINEAR, D2_64) > 0.125


@pytest.mark.parametrize(
    ("size", "n1", "n2", "digits"),
    [(16, 0.50485, 0.12744, 5), (100, 0.500123, 0.125062, 6), (256, 0.500019, 0.125009, 6), (1024, 0.5000012, 0.1250006, 7)],
)
def test_digest_bound_table(size, n1, n2, digits):
    assert round(stability_bound(LINEAR, DerivativeOperator(1, size)), digits) == n1
    assert round(stability_bound(LINEAR, DerivativeOperator(2, size)), digits) == n2


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("spacing", [1.0, 0.5, 2.0])
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_bound_formula(name, order, spacing, boundary):
    g = diffusivity(name, 0.5)
    D = DerivativeOperator(order, 20, spacing=spacing, boundary=boundary)
    assert stability_bound(g, D) == pytest.approx(2.0 / (g.bound * D.norm_squared()), rel=1e-15)
    simple = spacing ** (2 * order) / (2 ** (2 * order - 1) * g.bound)
    assert stability_bound(g, D, simple=True) == pytest.approx(simple, rel=1e-14)
    assert stability_bound(g, D, simple=True) <= stability_bound(g, D)
    assert ExplicitScheme(0.1, g, D).bound == stability_bound(g, D)


def test_tv_bound_uses_one_over_contrast():
    assert stability_bound(diffusivity("tv", 0.25), D1_64) == pytest.approx(0.25 * stability_bound(LINEAR, D1_64))
    assert stability_bound(diffusivity("tv", 4.0), D1_64, simple=True) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("linear", D1_64), "diffusivity"),
        ((LINEAR.g, D1_64), "diffusivity"),
        ((LINEAR, D1_64.matrix()), "operator"),
        ((LINEAR, "D1"), "operator"),
    ],
)
def test_bound_rejects_wrong_types(args, name):
    with pytest.raises(TypeError, match=f"^{name} "):
        stability_bound(*args)


# -- one step ---------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_explicit_step_equals_dense_formula_and_one_step_of_evolve(name, order, boundary):
    g = diffusivity(name, 0.7)
    D = DerivativeOperator(order, 15, spacing=0.9, boundary=boundary)
    u = noisy_step(15, height=2.0, noise=0.3, seed=order)
    tau = 0.9 * stability_bound(g, D)
    stepped = explicit_step(u, tau, g, D)
    np.testing.assert_allclose(stepped, dense_step(u, tau, g, D), rtol=1e-12, atol=1e-12)
    evolution = evolve(u, tau, 1, g, D)
    assert np.array_equal(evolution.final, stepped)
    assert np.array_equal(evolution.states[0], u)
    assert np.array_equal(ExplicitScheme(tau, g, D).step(u), stepped)


def test_explicit_step_n1_in_components():
    """Digest §2.3: u_i + (tau/h) [Phi((u_{i+1}-u_i)/h) - Phi((u_i-u_{i-1})/h)], zero flux at both ends."""
    h, tau = 0.5, 0.05
    D = DerivativeOperator(1, 8, spacing=h)
    u = piecewise_constant(8, pieces=4, noise=0.05, seed=3)
    flux = np.concatenate([[0.0], PM.flux(np.diff(u) / h), [0.0]])
    expected = u + tau / h * (flux[1:] - flux[:-1])
    np.testing.assert_allclose(explicit_step(u, tau, PM, D), expected, rtol=1e-13, atol=1e-15)


def test_step_returns_new_array_and_leaves_input():
    u = noisy_step(32, seed=1)
    copy = u.copy()
    result = explicit_step(u, 0.3, PM, DerivativeOperator(1, 32))
    assert result is not u
    assert np.array_equal(u, copy)
    assert not np.array_equal(result, u)


@pytest.mark.parametrize("name", DIFFUSIVITIES)
def test_constant_signal_is_steady(name):
    D = DerivativeOperator(2, 10)
    u = np.full(10, 0.75)
    assert np.array_equal(explicit_step(u, 0.1, diffusivity(name), D), u)
    assert evolve(u, 0.1, 50, diffusivity(name), D).norm_nonincreasing


def test_advance_matches_evolve_and_works_in_place():
    g, D = diffusivity("weickert", 0.2), DerivativeOperator(1, 40)
    u0 = noisy_step(40, noise=0.1, seed=2)
    scheme = ExplicitScheme(0.4, g, D)
    u = u0.copy()
    result = scheme.advance(u, 25)
    assert result is u
    assert np.array_equal(u, scheme.evolve(u0, 25).final)
    assert np.array_equal(scheme.advance(u0.copy(), 0), u0)


@pytest.mark.parametrize(
    "u",
    [
        [0.0] * 10,
        np.zeros(10, dtype=np.float32),
        np.zeros(10, dtype=int),
        np.zeros(11),
        np.zeros((10, 1)),
    ],
)
def test_advance_rejects_arrays_it_cannot_overwrite(u):
    with pytest.raises(TypeError, match="^u "):
        ExplicitScheme(0.1, LINEAR, DerivativeOperator(1, 10)).advance(u, 3)


@pytest.mark.parametrize(("steps", "error"), [(-1, ValueError), (2.0, TypeError), ("3", TypeError)])
def test_advance_rejects_bad_steps(steps, error):
    with pytest.raises(error, match="^steps "):
        ExplicitScheme(0.1, LINEAR, DerivativeOperator(1, 10)).advance(np.zeros(10), steps)


def test_repr():
    scheme = ExplicitScheme(0.25, PM, D1_64)
    assert "tau=0.25" in repr(scheme)
    assert "perona-malik" in repr(scheme)
    assert "DerivativeOperator(order=1, size=64" in repr(scheme)


# -- the stability theorem ----------------------------------------------------------------------


@st.composite
def stability_cases(draw):
    name = draw(st.sampled_from(DIFFUSIVITIES))
    contrast = draw(st.floats(0.05, 20.0))
    order = draw(st.integers(1, 3))
    boundary = draw(st.sampled_from(BOUNDARIES))
    size = draw(st.integers(order + 1, 48))
    spacing = draw(st.sampled_from([0.5, 1.0, 1.5]))
    amplitude = draw(st.floats(1e-3, 1e3))
    shape = draw(arrays(np.float64, size, elements=st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)))
    oscillating = draw(st.booleans())
    u0 = amplitude * (shape + (-1.0) ** np.arange(size) if oscillating else shape)
    return diffusivity(name, contrast), DerivativeOperator(order, size, spacing=spacing, boundary=boundary), u0


@settings(max_examples=60, deadline=None)
@given(case=stability_cases())
def test_euclidean_stability_theorem_at_the_bound(case):
    """tau = 2/(L ||D||^2): ||u^{k+1}|| <= ||u^k|| at every step, for every flux, order and boundary."""
    g, D, u0 = case
    tau = stability_bound(g, D)
    evolution = evolve(u0, tau, 40, g, D)
    assert evolution.blowup is None
    assert evolution.norm_nonincreasing, np.diff(evolution.norms).max()
    norms = evolution.norms
    assert np.all(norms[1:] <= norms[:-1] * (1 + 1e-12))
    # the mean is conserved, too
    scale = np.abs(u0).max() + 1e-300
    assert abs(evolution.final.mean() - u0.mean()) <= 1e-10 * scale


@settings(max_examples=40, deadline=None)
@given(case=stability_cases())
def test_max_min_principle_for_order_one(case):
    """n = 1, tau <= h^2 / (2 L): every u^k stays within [min f, max f]."""
    g, _, u0 = case
    D = DerivativeOperator(1, u0.size, spacing=1.5, boundary="reflecting")
    tau = 1.5**2 / (2 * g.bound)
    evolution = evolve(u0, tau, 30, g, D, record_every=1)
    slack = 1e-12 * np.abs(u0).max()
    assert evolution.states.min() >= u0.min() - slack
    assert evolution.states.max() <= u0.max() + slack


def test_perona_malik_2000_steps_conserve_mean_and_obey_max_min_principle():
    """Digest §2.3 / §9.8: Perona-Malik, tau = 0.5, h = 1, 2000 steps."""
    f = noisy_step(256, height=1.0, noise=0.1, seed=0)
    evolution = evolve(f, 0.5, 2000, PM, DerivativeOperator(1, 256), record_every=1)
    assert evolution.states.shape == (2001, 256)
    assert np.abs(evolution.states.mean(axis=1) - f.mean()).max() <= 1e-10
    assert evolution.states.min() >= f.min()
    assert evolution.states.max() <= f.max()
    assert evolution.norm_nonincreasing
    assert total_variation(evolution.final) < total_variation(f)


def test_order_two_has_no_max_min_principle():
    """Digest §2.1: for n >= 2 there is no maximum-minimum principle (the step overshoots)."""
    f = noisy_step(32, noise=0.0)
    u = explicit_step(f, 0.1, LINEAR, DerivativeOperator(2, 32))
    assert u.max() > f.max() and u.min() < f.min()


def test_digest_linear_n1_at_bound_decays():
    """Digest §9.3: tau = 0.5, 1000 steps, ||u|| decreases monotonically, 8.0 -> 2.16."""
    evolution = evolve(digest_checkerboard(), 0.5, 1000, LINEAR, D1_64)
    assert evolution.norm_nonincreasing
    assert evolution.norms[0] == pytest.approx(8.0, abs=0.05)
    assert evolution.norms[-1] == pytest.approx(2.16, abs=0.02)


def test_digest_linear_n2_at_bound_decays_and_just_above_grows():
    """Digest §9.4: tau = 0.125 decays 8.0 -> 0.70; tau = 0.1252 grows about 2x; tau = 0.13 reaches 1.9e33."""
    u0 = digest_checkerboard()
    stable = evolve(u0, 0.125, 1000, LINEAR, D2_64)
    assert stable.norm_nonincreasing
    assert stable.norms[-1] == pytest.approx(0.70, abs=0.02)
    slow = evolve(u0, 0.1252, 1000, LINEAR, D2_64)
    assert slow.blowup is None
    assert 1.5 < slow.norms[-1] / slow.norms[0] < 2.5
    assert not slow.norm_nonincreasing
    fast = evolve(u0, 0.13, 1000, LINEAR, D2_64, growth_limit=1e300)
    assert fast.blowup is None
    assert 1e33 < fast.norms[-1] < 3e33


def test_digest_linear_n1_above_bound_blows_up():
    """Digest §9.3: tau = 0.51 grows by far more than 1e6 in 1000 steps (to ~2.4e17): blowup is reported."""
    u0 = digest_checkerboard()
    evolution = evolve(u0, 0.51, 1000, LINEAR, D1_64)
    blowup = evolution.blowup
    assert isinstance(blowup, BlowUp)
    assert not evolution.norm_nonincreasing
    # the evolution stops at the first step whose norm exceeds 1e6 ||u^0||
    full = evolve(u0, 0.51, 1000, LINEAR, D1_64, growth_limit=1e300)
    assert full.blowup is None
    assert 2e17 < full.norms[-1] < 3e17
    first = int(np.argmax(full.norms > GROWTH_LIMIT * full.norms[0]))
    assert 0 < first < 1000
    assert blowup.step == first
    assert blowup.norm == evolution.norms[-1] == full.norms[first]
    assert blowup.growth == pytest.approx(blowup.norm / evolution.norms[0], rel=1e-15)
    assert blowup.growth > GROWTH_LIMIT
    assert evolution.norms.size == evolution.total_variations.size == first + 1
    assert evolution.steps[-1] == first
    assert np.linalg.norm(evolution.final) == pytest.approx(blowup.norm, rel=1e-14)
    np.testing.assert_array_equal(evolution.norms, full.norms[: first + 1])
    assert evolution.time == pytest.approx(0.51 * first)
    text = str(blowup)
    assert f"step {first}" in text and "||u||" in text


def test_digest_small_checkerboard_and_large_step():
    """Digest §9.3: from amplitude 1e-3, tau = 0.51 reaches ~2e14; tau = 0.6 reaches ~3e146."""
    small = evolve(checkerboard(64, 1e-3, noise=1e-5, seed=0), 0.51, 1000, LINEAR, D1_64, growth_limit=1e300)
    assert 1e14 < small.norms[-1] < 3e14
    large = evolve(digest_checkerboard(), 0.6, 1000, LINEAR, D1_64, growth_limit=1e300)
    assert 1e146 < large.norms[-1] < 5e146


def test_just_above_bound_is_still_stable_for_n64():
    """Digest §9.3: tau = 0.5003 < 0.500301 is stable on the 64-point Neumann grid."""
    evolution = evolve(digest_checkerboard(), 0.5003, 1000, LINEAR, D1_64)
    assert evolution.blowup is None
    assert evolution.norm_nonincreasing


@pytest.mark.parametrize("order", [1, 2])
def test_exact_bound_is_sharp_for_linear_diffusion(order):
    D = DerivativeOperator(order, 64)
    bound = stability_bound(LINEAR, D)
    u0 = digest_checkerboard()
    assert evolve(u0, bound, 2000, LINEAR, D).norm_nonincreasing
    above = evolve(u0, bound * 1.002, 2000, LINEAR, D)
    assert above.norms[-1] > above.norms[0]


@pytest.mark.parametrize("contrast", [0.5, 1.0, 2.0])
@pytest.mark.parametrize(
    ("name", "saturation"),
    [
        # period-2 checkerboard a(-1)^i with 4 tau g(4 a^2) = 2, r = 2 tau: a = (lambda/2) sqrt(r - 1) for
        # Perona-Malik, a = (lambda/2) sqrt(r^2 - 1) for Charbonnier
        ("perona-malik", lambda lam, r: 0.5 * lam * math.sqrt(r - 1)),
        ("charbonnier", lambda lam, r: 0.5 * lam * math.sqrt(r * r - 1)),
    ],
)
def test_bounded_flux_above_bound_oscillates_and_saturates(name, saturation, contrast):
    """Digest §9.5: above the bound a bounded flux does not blow up; a small checkerboard grows, then saturates."""
    g = diffusivity(name, contrast)
    tau = 1.1 * stability_bound(g, D1_64)
    u0 = checkerboard(64, amplitude=1e-3 * contrast, noise=1e-4 * contrast, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evolution = evolve(u0, tau, 1000, g, D1_64)
    assert evolution.blowup is None
    assert np.all(np.isfinite(evolution.norms))
    assert not evolution.norm_nonincreasing
    # it grows ...
    assert evolution.norms[-1] > 50 * evolution.norms[0]
    tv = evolution.total_variations
    assert tv[-1] > 50 * tv[0]
    # ... and saturates: the last half is flat, and nothing overshot far
    late = evolution.norms[500:]
    assert late.max() - late.min() <= 1e-3 * late.max()
    assert evolution.norms.max() <= 1.05 * evolution.norms[-1]
    assert tv[500:].max() - tv[500:].min() <= 1e-3 * tv[-1]
    amplitude = checkerboard_amplitude(evolution.final)
    expected = saturation(contrast, 2 * tau)
    assert 0.8 * expected < amplitude < 1.2 * expected


@pytest.mark.parametrize("name", ["exponential-perona-malik", "weickert", "tv"])
def test_other_bounded_fluxes_above_bound_do_not_blow_up(name):
    g = diffusivity(name, 1.0)
    u0 = checkerboard(64, amplitude=1e-3, noise=1e-4, seed=1)
    evolution = evolve(u0, 1.1 * stability_bound(g, D1_64), 1000, g, D1_64)
    assert evolution.blowup is None
    assert not evolution.norm_nonincreasing
    assert evolution.norms[-1] > 50 * evolution.norms[0]
    assert checkerboard_amplitude(evolution.final) <= 1.0  # of order lambda, not divergent


@pytest.mark.parametrize("name", ["exponential-perona-malik", "weickert"])
def test_large_checkerboard_is_frozen_by_vanishing_diffusivity(name):
    """Digest §9.5: amplitude-10 checkerboards are simply frozen under PM-exp and Weickert."""
    u0 = checkerboard(64, amplitude=10.0)
    evolution = evolve(u0, 0.55, 1000, diffusivity(name), D1_64)
    assert evolution.blowup is None
    interior = slice(2, -2)
    np.testing.assert_allclose(evolution.final[interior], u0[interior], rtol=1e-6)


def test_blowup_to_overflow_prints_nothing(capfd, recwarn):
    """tau = 0.6 until the values overflow: the blow-up is reported in the result, not as a RuntimeWarning."""
    u0 = digest_checkerboard()
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        evolution = evolve(u0, 0.6, 20000, LINEAR, D1_64, growth_limit=1e300)
        default = evolve(u0, 0.6, 20000, LINEAR, D1_64)
        stepped = explicit_step(np.full(64, 1e200) * (-1.0) ** np.arange(64), 0.6, LINEAR, D1_64)
        ExplicitScheme(0.6, LINEAR, D1_64).advance(u0.copy(), 20000)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert len(recwarn) == 0
    blowup = evolution.blowup
    assert blowup is not None
    # the norm is scale-invariant: it reports the growth past 1e300 exactly, or overflows with the values
    assert not math.isfinite(blowup.norm) or blowup.growth > 1e300
    assert blowup.step == evolution.norms.size - 1 < 20000
    assert np.all(np.isfinite(evolution.norms[:-1]))
    assert "blow-up at step" in str(blowup)
    assert default.blowup is not None and math.isfinite(default.blowup.norm)
    assert default.blowup.step < blowup.step
    assert stepped.shape == (64,)


def test_growth_limit():
    u0 = digest_checkerboard()
    evolution = evolve(u0, 0.51, 1000, LINEAR, D1_64, growth_limit=10.0)
    assert evolution.blowup is not None
    assert evolution.blowup.growth > 10.0
    assert np.all(evolution.norms[:-1] <= 10.0 * evolution.norms[0])


# -- the Evolution record -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "record_every", "expected"),
    [
        (10, None, [0, 10]),
        (10, 3, [0, 3, 6, 9, 10]),
        (9, 3, [0, 3, 6, 9]),
        (10, 1, list(range(11))),
        (10, 20, [0, 10]),
        (0, None, [0]),
        (0, 5, [0]),
        (1, 1, [0, 1]),
    ],
)
def test_evolution_fields(steps, record_every, expected):
    g, D = diffusivity("charbonnier", 0.3), DerivativeOperator(2, 30, boundary="periodic")
    u0 = noisy_step(30, noise=0.2, seed=4)
    copy = u0.copy()
    tau = 0.1
    evolution = evolve(u0, tau, steps, g, D, record_every=record_every)
    assert isinstance(evolution, Evolution)
    assert np.array_equal(u0, copy)  # the input is not modified
    assert evolution.tau == tau
    assert evolution.steps.tolist() == expected
    assert evolution.states.shape == (len(expected), 30)
    assert evolution.norms.shape == evolution.total_variations.shape == (steps + 1,)
    assert np.array_equal(evolution.states[0], u0)
    assert evolution.states[0] is not u0 and not np.shares_memory(evolution.states, u0)
    assert np.array_equal(evolution.final, evolution.states[-1])
    assert evolution.time == pytest.approx(steps * tau)
    assert evolution.blowup is None
    scheme = ExplicitScheme(tau, g, D)
    for k, state in zip(evolution.steps, evolution.states):
        assert np.array_equal(state, scheme.advance(u0.copy(), int(k)))
        assert evolution.norms[k] == pytest.approx(np.linalg.norm(state), rel=1e-14)
        assert evolution.total_variations[k] == pytest.approx(total_variation(state), rel=1e-14)


def test_norms_and_total_variations_at_every_step():
    u0 = noisy_step(50, noise=0.1, seed=6)
    evolution = evolve(u0, 0.45, 30, PM, DerivativeOperator(1, 50), record_every=1)
    np.testing.assert_allclose(evolution.norms, np.linalg.norm(evolution.states, axis=1), rtol=1e-14)
    np.testing.assert_allclose(evolution.total_variations, [total_variation(s) for s in evolution.states], rtol=1e-14)


def test_norm_nonincreasing_detects_a_single_increase():
    base = dict(tau=0.1, steps=np.array([0, 3]), states=np.zeros((2, 2)), blowup=None)
    flat = Evolution(norms=np.array([3.0, 2.0, 2.0, 1.0]), total_variations=np.zeros(4), **base)
    bump = Evolution(norms=np.array([3.0, 2.0, 2.0 * (1 + 1e-9), 1.0]), total_variations=np.zeros(4), **base)
    rounding = Evolution(norms=np.array([3.0, 2.0, 2.0 * (1 + 1e-13), 1.0]), total_variations=np.zeros(4), **base)
    assert flat.norm_nonincreasing
    assert not bump.norm_nonincreasing
    assert rounding.norm_nonincreasing


def test_evolve_accepts_lists():
    evolution = evolve([0.0, 1.0, 0.0, 1.0], 0.25, 3, LINEAR, DerivativeOperator(1, 4))
    assert evolution.final.dtype == np.float64
    assert evolution.final.mean() == pytest.approx(0.5, rel=1e-15)


# -- diffuse ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["linear", "perona-malik", "tv"])
@pytest.mark.parametrize("time", [0.3, 10.0, 100.0])
def test_diffuse_reaches_time_with_fewest_stable_steps(name, time):
    g = diffusivity(name, 0.5)
    D = DerivativeOperator(1, 64)
    u0 = noisy_step(64, noise=0.05, seed=1)
    evolution = diffuse(u0, time, g, D)
    bound = stability_bound(g, D)
    steps = evolution.norms.size - 1
    assert steps == math.ceil(time / bound)
    assert evolution.tau <= bound * (1 + 1e-12)
    assert evolution.time == pytest.approx(time, rel=1e-12)
    assert evolution.norm_nonincreasing
    assert np.array_equal(evolution.final, evolve(u0, evolution.tau, steps, g, D).final)


def test_diffuse_digest_example():
    """Digest §5.1: T = 100 at tau <= 0.5 takes 200 explicit steps (N = 64: tau* is slightly above 0.5)."""
    evolution = diffuse(noisy_step(64), 100.0, LINEAR, D1_64)
    assert evolution.norms.size - 1 == 200


def test_diffuse_zero_time_and_max_steps():
    u0 = noisy_step(64, seed=2)
    zero = diffuse(u0, 0.0, PM, D1_64)
    assert zero.norms.size == 1 and zero.time == 0.0
    assert np.array_equal(zero.final, u0)
    limited = diffuse(u0, 100.0, PM, D1_64, max_steps=5)
    assert limited.norms.size == 6
    assert limited.time == pytest.approx(5 * limited.tau)
    assert limited.time < 100.0


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"time": -1.0}, ValueError, "time"),
        ({"time": float("nan")}, ValueError, "time"),
        ({"time": float("inf")}, ValueError, "time"),
        ({"time": "1"}, TypeError, "time"),
        ({"max_steps": -1}, ValueError, "max_steps"),
        ({"max_steps": 2.5}, TypeError, "max_steps"),
        ({"diffusivity": "linear"}, TypeError, "diffusivity"),
        ({"operator": None}, TypeError, "operator"),
        ({"u0": np.zeros(63)}, ValueError, "u0"),
    ],
)
def test_diffuse_rejects_bad_input(kwargs, error, name):
    arguments = {"u0": np.zeros(64), "time": 1.0, "diffusivity": LINEAR, "operator": D1_64, **kwargs}
    with pytest.raises(error, match=f"^{name} "):
        diffuse(**arguments)


# -- bad input ----------------------------------------------------------------------------------


def _evolve_arguments(**changes):
    arguments = {"u0": np.zeros(10), "tau": 0.1, "steps": 3, "diffusivity": LINEAR, "operator": DerivativeOperator(1, 10)}
    arguments.update(changes)
    return arguments


@pytest.mark.parametrize(
    ("changes", "error", "name"),
    [
        ({"tau": 0.0}, ValueError, "tau"),
        ({"tau": -0.1}, ValueError, "tau"),
        ({"tau": float("nan")}, ValueError, "tau"),
        ({"tau": float("inf")}, ValueError, "tau"),
        ({"tau": "0.1"}, TypeError, "tau"),
        ({"tau": None}, TypeError, "tau"),
        ({"tau": True}, TypeError, "tau"),
        ({"steps": -1}, ValueError, "steps"),
        ({"steps": 3.0}, TypeError, "steps"),
        ({"steps": "3"}, TypeError, "steps"),
        ({"record_every": 0}, ValueError, "record_every"),
        ({"record_every": -2}, ValueError, "record_every"),
        ({"record_every": 1.5}, TypeError, "record_every"),
        ({"growth_limit": 0.0}, ValueError, "growth_limit"),
        ({"growth_limit": float("nan")}, ValueError, "growth_limit"),
        ({"diffusivity": "linear"}, TypeError, "diffusivity"),
        ({"diffusivity": lambda s2: 1.0}, TypeError, "diffusivity"),
        ({"diffusivity": None}, TypeError, "diffusivity"),
        ({"operator": np.eye(10)}, TypeError, "operator"),
        ({"operator": "D1"}, TypeError, "operator"),
        ({"u0": np.zeros(11)}, ValueError, "u0"),
        ({"u0": np.zeros(9)}, ValueError, "u0"),
        ({"u0": np.zeros((10, 1))}, ValueError, "u0"),
        ({"u0": np.zeros((2, 10))}, ValueError, "u0"),
        ({"u0": np.array([0.0] * 9 + [np.nan])}, ValueError, "u0"),
        ({"u0": np.array([0.0] * 9 + [np.inf])}, ValueError, "u0"),
        ({"u0": np.zeros(10, dtype=complex)}, TypeError, "u0"),
        ({"u0": None}, TypeError, "u0"),
    ],
)
def test_evolve_rejects_bad_input(changes, error, name):
    with pytest.raises(error, match=f"^{name} "):
        evolve(**_evolve_arguments(**changes))


@pytest.mark.parametrize(
    ("changes", "error", "name"),
    [
        ({"tau": 0.0}, ValueError, "tau"),
        ({"tau": float("nan")}, ValueError, "tau"),
        ({"tau": "0.1"}, TypeError, "tau"),
        ({"diffusivity": "linear"}, TypeError, "diffusivity"),
        ({"operator": np.eye(10)}, TypeError, "operator"),
        ({"u": np.zeros(11)}, ValueError, "u"),
        ({"u": np.zeros((10, 1))}, ValueError, "u"),
        ({"u": np.array([np.nan] + [0.0] * 9)}, ValueError, "u"),
    ],
)
def test_explicit_step_rejects_bad_input(changes, error, name):
    arguments = {"u": np.zeros(10), "tau": 0.1, "diffusivity": LINEAR, "operator": DerivativeOperator(1, 10)}
    arguments.update(changes)
    with pytest.raises(error, match=f"^{name} "):
        explicit_step(**arguments)


def test_explicit_scheme_rejects_bad_input():
    D = DerivativeOperator(1, 10)
    with pytest.raises(ValueError, match="^tau "):
        ExplicitScheme(-1.0, LINEAR, D)
    with pytest.raises(TypeError, match="^diffusivity "):
        ExplicitScheme(0.1, "perona-malik", D)
    with pytest.raises(TypeError, match="^operator "):
        ExplicitScheme(0.1, LINEAR, D.matrix())
    scheme = ExplicitScheme(0.1, LINEAR, D)
    with pytest.raises(ValueError, match="^u0 "):
        scheme.evolve(np.zeros(5), 3)
    with pytest.raises(ValueError, match="^u "):
        scheme.step(np.zeros(5))


def test_length_error_names_the_grid_size():
    with pytest.raises(ValueError, match="length 10"):
        evolve(**_evolve_arguments(u0=np.zeros(11)))
