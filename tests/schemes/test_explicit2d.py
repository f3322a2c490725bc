"""Tests of pdelib.schemes.explicit2d: the explicit scheme on images, its bound tau* = 2 / (L ||grad||^2), mass
conservation, the max-min principle, Euclidean stability and blow-up detection (chapter 09)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdelib import DIFFUSIVITIES, activation, diffusivity
from pdelib.operators2d import Gradient2D
from pdelib.schemes.amplification import top_mode
from pdelib.schemes.explicit2d import (
    ExplicitScheme2D,
    diffuse_2d,
    isotropic_flux,
    stability_bound_2d,
)

LINEAR = diffusivity("linear")
PM = diffusivity("perona-malik", 0.1)
GRAD = Gradient2D((12, 9))

diffusivities = st.sampled_from([diffusivity(name, contrast) for name in DIFFUSIVITIES for contrast in (0.05, 0.5)])


def image(seed: int, shape=(12, 9)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


def test_isotropic_flux_scales_both_channels_by_g_of_the_length():
    p = np.array([[[3.0, 0.0]], [[4.0, 0.1]]])  # two pixels: |p| = 5 and 0.1
    flux = isotropic_flux(PM, p)
    g = PM.g(np.array([25.0, 0.01]))
    np.testing.assert_allclose(flux[:, 0, :], p[:, 0, :] * g)
    np.testing.assert_array_equal(isotropic_flux(LINEAR, p), p)
    with pytest.raises(TypeError, match="diffusivity"):
        isotropic_flux(activation("tanh"), p)
    with pytest.raises(ValueError, match="p must be an array of shape"):
        isotropic_flux(PM, np.zeros((3, 2)))


def test_the_bound_is_a_quarter_for_large_images_and_slightly_above_on_finite_ones():
    bound = stability_bound_2d(LINEAR, Gradient2D((256, 256)))
    assert 0.25 < bound < 0.25 * (1 + 1e-4)
    assert stability_bound_2d(LINEAR, Gradient2D((256, 256)), simple=True) == 0.25
    assert stability_bound_2d(diffusivity("tv", 0.5), GRAD) == pytest.approx(0.5 * stability_bound_2d(LINEAR, GRAD))
    assert stability_bound_2d(LINEAR, Gradient2D((4, 4), spacing=2.0)) == pytest.approx(
        4 * stability_bound_2d(LINEAR, Gradient2D((4, 4))))
    assert ExplicitScheme2D(0.1, PM, GRAD).bound == stability_bound_2d(PM, GRAD)


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), flux=diffusivities, ratio=st.floats(0.05, 1.0))
def test_mass_is_conserved_and_the_norm_never_grows_below_the_bound(seed, flux, ratio):
    u0 = image(seed)
    run = ExplicitScheme2D(ratio * stability_bound_2d(flux, GRAD), flux, GRAD).evolve(u0, 30)
    assert run.blowup is None and run.steps == 30
    assert run.final.mean() == pytest.approx(u0.mean(), rel=1e-12)
    assert run.norm_nonincreasing


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), flux=diffusivities, fraction=st.floats(0.05, 1.0))
def test_max_min_principle_for_tau_up_to_one_over_4l(seed, flux, fraction):
    """Each new value is a convex combination of old ones when 1 - 4 tau L >= 0 (the 5-point stencil)."""
    u0 = image(seed)
    run = ExplicitScheme2D(fraction / (4 * flux.bound), flux, GRAD).evolve(u0, 20)
    assert u0.min() - 1e-12 <= run.final.min() and run.final.max() <= u0.max() + 1e-12


def test_between_one_over_4l_and_the_bound_a_spike_undershoots_slightly():
    """tau* > 1/4 on a finite image: the norm still never grows, but the centre of a spike turns negative."""
    grad = Gradient2D((16, 16))
    spike = np.zeros(grad.shape)
    spike[8, 8] = 1.0
    tau = stability_bound_2d(LINEAR, grad)
    step = ExplicitScheme2D(tau, LINEAR, grad).step(spike)
    assert step[8, 8] == pytest.approx(1 - 4 * tau) and -1e-2 < step.min() < 0.0


def top_mode_2d(shape) -> np.ndarray:
    """The eigenvector of grad^T grad with the largest eigenvalue: the outer product of the 1D top modes."""
    return np.outer(top_mode(shape[0]), top_mode(shape[1]))


@pytest.mark.parametrize("ratio, steps", [(1.01, 698), (1.2, 42)])
def test_linear_diffusion_blows_up_above_the_bound_on_the_checkerboard_mode(ratio, steps):
    """||u^k|| = |1 - tau ||grad||^2|^k ||u^0|| on the top mode: at r = tau/tau* the factor is 2r - 1, the
    growth limit 1e6 is passed at step ceil(ln 1e6 / ln(2r - 1))."""
    grad = Gradient2D((16, 20))
    u0 = top_mode_2d(grad.shape)
    assert steps == math.ceil(math.log(1e6) / math.log(2 * ratio - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = ExplicitScheme2D(ratio * stability_bound_2d(LINEAR, grad), LINEAR, grad).evolve(u0, 2000)
    assert run.blowup is not None and run.blowup.step == steps
    assert run.blowup.growth > 1e6 and "blow-up at step" in str(run.blowup)
    np.testing.assert_allclose(run.norms[1:] / run.norms[:-1], 2 * ratio - 1, rtol=1e-9)
    stable = ExplicitScheme2D(0.99 * stability_bound_2d(LINEAR, grad), LINEAR, grad).evolve(u0, 2000)
    assert stable.blowup is None and stable.norm_nonincreasing


def test_overflow_is_reported_as_a_blowup_without_warnings():
    u0 = top_mode_2d((8, 8)) * 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = ExplicitScheme2D(1e5, LINEAR, Gradient2D((8, 8))).evolve(u0, 50, growth_limit=1e300)
    assert run.blowup is not None and run.blowup.step < 50 and not math.isfinite(run.blowup.norm)


def test_bounded_flux_above_the_bound_grows_total_variation_without_overflow():
    """Perona-Malik at 1.5 tau*: the flux is bounded, so no overflow, but the checkerboard lifts TV (observed)."""
    grad = Gradient2D((32, 32))
    u0 = 0.5 + 0.01 * top_mode_2d(grad.shape) * 32
    run = ExplicitScheme2D(1.5 * stability_bound_2d(PM, grad), PM, grad).evolve(u0, 300)
    assert run.blowup is None
    assert run.total_variations[-1] > 2 * run.total_variations[0]


def test_constant_images_stay_and_step_matches_advance_and_evolve():
    scheme = ExplicitScheme2D(0.2, PM, GRAD)
    np.testing.assert_array_equal(scheme.step(np.full(GRAD.shape, 0.3)), 0.3)
    u0 = image(5)
    run = scheme.evolve(u0, 7)
    u = u0.copy()
    scheme.advance(u, 7)
    np.testing.assert_array_equal(u, run.final)
    np.testing.assert_array_equal(run.states[0], u0)
    assert run.time == pytest.approx(1.4)
    assert run.total_variations.size == 8 and run.total_variations[-1] < run.total_variations[0]


def test_the_total_variation_recorded_is_that_of_each_state():
    from pdelib.measures import total_variation_2d

    scheme = ExplicitScheme2D(0.2, PM, GRAD)
    u = image(6)
    run = scheme.evolve(u, 3)
    for k in range(4):
        assert run.total_variations[k] == pytest.approx(total_variation_2d(u), rel=1e-12)
        u = scheme.step(u)


def test_diffuse_2d_reaches_the_time_with_the_fewest_stable_steps():
    bound = stability_bound_2d(PM, GRAD)
    run = diffuse_2d(image(1), 10 * bound + 0.01, PM, GRAD)
    assert run.steps == 11 and run.time == pytest.approx(10 * bound + 0.01)
    assert diffuse_2d(image(1), 0.0, PM, GRAD).steps == 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="tau"):
        ExplicitScheme2D(-0.1, PM, GRAD)
    with pytest.raises(TypeError, match="diffusivity"):
        ExplicitScheme2D(0.1, activation("tanh"), GRAD)
    with pytest.raises(TypeError, match="gradient"):
        ExplicitScheme2D(0.1, PM, (12, 9))
    scheme = ExplicitScheme2D(0.1, PM, GRAD)
    with pytest.raises(ValueError, match="u0 must have shape"):
        scheme.evolve(np.zeros((9, 12)), 3)
    with pytest.raises(ValueError, match="steps"):
        scheme.evolve(image(0), -1)
    with pytest.raises(ValueError, match="growth_limit"):
        scheme.evolve(image(0), 1, growth_limit=0.0)
    with pytest.raises(TypeError, match="u must be a float64"):
        scheme.advance(image(0).astype(np.float32), 1)
    with pytest.raises(ValueError, match="C-contiguous"):
        scheme.advance(np.asfortranarray(image(0)), 1)
    with pytest.raises(ValueError, match="time"):
        diffuse_2d(image(0), -1.0, PM, GRAD)
    with pytest.raises(TypeError, match="simple"):
        stability_bound_2d(PM, GRAD, simple="yes")
