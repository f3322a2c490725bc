"""Tests of pdelib.schemes.fsi2d: FSI cycles on images with the 1D weights (chapter 09)."""

import numpy as np
import pytest

from pdelib import diffusivity, fed_step_sizes
from pdelib.operators2d import Gradient2D
from pdelib.schemes.explicit2d import ExplicitScheme2D, stability_bound_2d
from pdelib.schemes.fsi2d import FSIScheme2D, fsi_to_time_2d, fsi_with_step_2d, plan_fixed_step

LINEAR = diffusivity("linear")
PM = diffusivity("perona-malik", 0.1)
GRAD = Gradient2D((16, 12))
U0 = np.random.default_rng(0).random(GRAD.shape)


def test_a_linear_cycle_is_the_fed_cycle_of_explicit_steps():
    """For linear diffusion one cycle of n steps of tau equals n explicit steps of the FED sizes (1D formula)."""
    tau, n = 0.24, 6
    u = U0.copy()
    for size in fed_step_sizes(tau, n):
        u = ExplicitScheme2D(size, LINEAR, GRAD).step(u)
    scheme = FSIScheme2D(tau, n, LINEAR, GRAD)
    np.testing.assert_allclose(scheme.advance(U0.copy(), 1), u, atol=1e-11)
    assert scheme.cycle_time == pytest.approx(tau * 42 / 3) and scheme.bound == stability_bound_2d(LINEAR, GRAD)


def test_linear_cycles_below_the_bound_keep_every_inner_norm_and_the_mean():
    run = FSIScheme2D(stability_bound_2d(LINEAR, GRAD), 20, LINEAR, GRAD).evolve(U0, 3)
    assert run.blowup is None and run.steps == 60
    assert np.all(run.norms <= run.norms[0] * (1 + 1e-12))
    assert run.final.mean() == pytest.approx(U0.mean(), rel=1e-12)


def test_fsi_to_time_matches_a_fine_explicit_reference():
    time = 20.0
    reference = ExplicitScheme2D(time / 1600, PM, GRAD).evolve(U0, 1600).final
    run = fsi_to_time_2d(U0, time, PM, GRAD, cycles=4)
    assert run.time == pytest.approx(time) and run.steps < time / stability_bound_2d(PM, GRAD) / 2
    assert np.abs(run.final - reference).max() / np.ptp(U0) < 1e-2


@pytest.mark.parametrize("time", [1.0, 7.5, 100.0])
def test_fsi_with_a_fixed_step_lands_on_the_time(time):
    tau = 0.9 * stability_bound_2d(PM, GRAD)
    run = fsi_with_step_2d(U0, time, tau, PM, GRAD, cycles=4)
    assert run.blowup is None and run.time == time
    reference = fsi_to_time_2d(U0, time, PM, GRAD, cycles=8)
    assert np.abs(run.final - reference.final).max() / np.ptp(U0) < 5e-2


@pytest.mark.parametrize("time, tau, cycles", [(1.0, 0.25, 4), (10.0, 0.3, 2), (50.0, 0.0625, 2), (7.0, 7.0, 1)])
def test_the_fixed_step_plan_keeps_tau_and_lands_on_the_time(time, tau, cycles):
    full, rest = plan_fixed_step(time, tau, cycles)
    assert full.tau == tau and full.cycles >= cycles
    n = full.cycle_length
    assert full.time <= time * (1 + 1e-12) and (n + 1) * (n + 2) * tau / 3 > time / cycles  # n is the longest
    if rest is None:
        assert full.time == pytest.approx(time)
    else:
        assert rest.tau <= tau and full.time + rest.time == pytest.approx(time)


def test_fsi_with_a_step_above_the_bound_blows_up_for_linear_diffusion():
    run = fsi_with_step_2d(U0, 100.0, 1.2 * stability_bound_2d(LINEAR, GRAD), LINEAR, GRAD)
    assert run.blowup is not None and run.time < 100.0
    grows = fsi_with_step_2d(U0, 100.0, 1.05 * stability_bound_2d(LINEAR, GRAD), LINEAR, GRAD)
    assert grows.norms[-1] > 10 * grows.norms[0]  # no blow-up yet at 1.05 tau*, but growth (observed: x 105)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="cycle_length"):
        FSIScheme2D(0.2, 0, PM, GRAD)
    with pytest.raises(ValueError, match="time must be at least"):
        fsi_with_step_2d(U0, 0.1, 0.2, PM, GRAD, cycles=4)
    with pytest.raises(ValueError, match="cycles"):
        fsi_with_step_2d(U0, 10.0, 0.2, PM, GRAD, cycles=0)
    with pytest.raises(ValueError, match="u0 must have shape"):
        fsi_to_time_2d(U0.T, 10.0, PM, GRAD)
    with pytest.raises(ValueError, match="cycles"):
        FSIScheme2D(0.2, 4, PM, GRAD).evolve(U0, -1)
