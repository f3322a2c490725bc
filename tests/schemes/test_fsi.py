"""Tests of pdelib.schemes.fsi: cycles of extrapolated explicit steps, their cycle time, stability and accuracy
(chapter 04; digest §5, §9.9)."""

import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pdelib import (
    BOUNDARIES,
    DIFFUSIVITIES,
    DerivativeOperator,
    ExplicitScheme,
    checkerboard,
    diffusivity,
    noisy_step,
    stability_bound,
)
from pdelib.schemes.fsi import (
    FSIPlan,
    FSISchedule,
    FSIScheme,
    cycle_time,
    fed_step_sizes,
    fsi_schedule,
    fsi_to_time,
    fsi_weights,
    plan_fsi,
    reference_solution,
    relative_max_error,
    steps_to_accuracy,
)

LINEAR = diffusivity("linear")
PM = diffusivity("perona-malik")
#: The chapter's accuracy problem: Perona-Malik, lambda = 0.1, noisy step, N = 256, n = 1.
PM_SHARP = diffusivity("perona-malik", contrast=0.1)
D1_256 = DerivativeOperator(1, 256)
NOISY_STEP = noisy_step(256)

signal_values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)


def explicit_run(u: np.ndarray, taus, g, D: DerivativeOperator) -> np.ndarray:
    """Plain explicit steps with the given step sizes, in order."""
    for tau in taus:
        u = ExplicitScheme(float(tau), g, D).step(u)
    return u


def top_eigenvector(D: DerivativeOperator) -> np.ndarray:
    """The unit eigenvector of D^T D with the largest eigenvalue ||D||^2."""
    M = D.matrix()
    return np.linalg.eigh(M.T @ M)[1][:, -1]


# -- weights, cycle time, FED step sizes, plans ------------------------------------------------


def test_weights_are_the_digest_values():
    assert fsi_weights(6).tolist() == [2 / 3, 6 / 5, 10 / 7, 14 / 9, 18 / 11, 22 / 13]
    assert fsi_weights(1).tolist() == [2 / 3]


@given(n=st.integers(1, 300))
def test_weights_rise_towards_two_and_do_not_depend_on_the_cycle_length(n):
    alpha = fsi_weights(n)
    assert alpha.shape == (n,)
    assert np.all(np.diff(alpha) > 0) and alpha[0] == 2 / 3 and alpha[-1] < 2
    np.testing.assert_array_equal(fsi_weights(n + 5)[:n], alpha)


@pytest.mark.parametrize(("tau", "n", "time"), [(0.5, 24, 100.0), (1.0, 10, 110 / 3), (1.0, 50, 850.0), (0.5, 5, 5.0)])
def test_cycle_time(tau, n, time):
    """Digest §9.9: 36.67 tau for n = 10, 850 tau for n = 50; T = 100 in one cycle of 24 steps of 0.5."""
    assert cycle_time(tau, n) == pytest.approx(time, rel=1e-15)
    assert cycle_time(tau, 1) == 2 * tau / 3


@given(n=st.integers(1, 200))
def test_cycle_polynomial_has_the_cycle_time_as_its_linear_coefficient(n):
    """Exact rational recursion p_{k+1} = alpha_k (1 - z) p_k + (1 - alpha_k) p_{k-1}, p_{-1} = p_0 = 1:
    p_n(z) = 1 - (n^2 + n)/3 z + O(z^2), so a linear cycle reaches the time tau (n^2 + n) / 3."""
    previous, current = Fraction(0), Fraction(0)  # coefficients of z in p_{-1} = p_0 = 1
    for k in range(n):
        alpha = Fraction(4 * k + 2, 2 * k + 3)
        previous, current = current, alpha * (current - 1) + (1 - alpha) * previous
    assert -current == Fraction(n * n + n, 3)


def test_fed_step_sizes_of_the_digest():
    """Digest §5.1: n = 5, tau_max = 0.5 gives 0.2552, 0.3021, 0.4377, 0.8553, 3.1497, summing to 5.0."""
    taus = fed_step_sizes(0.5, 5)
    np.testing.assert_allclose(taus, [0.2552, 0.3021, 0.4377, 0.8553, 3.1497], atol=5e-5)
    assert taus.sum() == pytest.approx(5.0, rel=1e-14)


@given(tau=st.floats(1e-3, 10.0), n=st.integers(1, 100))
def test_fed_steps_sum_to_the_cycle_time(tau, n):
    taus = fed_step_sizes(tau, n)
    assert taus.sum() == pytest.approx(cycle_time(tau, n), rel=1e-12)
    assert taus.min() >= tau / 2 * (1 - 1e-15)


def test_plan_for_the_digest_example():
    """T = 100 at tau = 0.5: one cycle of 24 steps, against 200 plain explicit steps."""
    plan = plan_fsi(100.0, 0.5)
    assert plan == FSIPlan(tau=0.5, cycle_length=24, cycles=1)
    assert plan.explicit_steps == 24 and plan.time == 100.0


@settings(max_examples=200, deadline=None)
@given(time=st.floats(1e-3, 1e5), tau_max=st.floats(1e-3, 2.0), cycles=st.integers(1, 50))
def test_plan_reaches_the_time_exactly_with_the_shortest_stable_cycles(time, tau_max, cycles):
    plan = plan_fsi(time, tau_max, cycles)
    n = plan.cycle_length
    assert plan.cycles == cycles
    assert plan.tau <= tau_max
    assert plan.time == pytest.approx(time, rel=1e-13)
    assert n == 1 or 3 * time / (cycles * (n * n - n)) > tau_max  # n - 1 steps would need tau > tau_max


# -- one cycle of linear diffusion ------------------------------------------------------------------


# -- cycles that stop exactly at T, the last one shortened -------------------------------------------


def test_schedule_for_the_docstring_example():
    schedule = fsi_schedule(100.0, 0.5, 10)
    assert (schedule.full_cycles, schedule.last_cycle_length, schedule.cycles) == (5, 7, 6)
    assert schedule.last_tau == pytest.approx(3 * (100.0 - 5 * 55 / 3) / 56, rel=1e-15)
    assert schedule.explicit_steps == 57
    assert schedule == FSISchedule(0.5, 10, 5, 7, schedule.last_tau)


def test_schedule_of_a_multiple_of_the_cycle_time_is_full_cycles():
    schedule = fsi_schedule(100.0, 0.5, 24)  # one cycle of 24 steps reaches 100
    assert (schedule.full_cycles, schedule.last_cycle_length) == (0, 24)
    assert schedule.last_tau == pytest.approx(0.5, rel=1e-14) and schedule.last_tau <= 0.5


@settings(max_examples=300, deadline=None)
@given(time=st.floats(1e-3, 1e5), tau=st.floats(1e-3, 2.0), n=st.integers(1, 200))
def test_schedule_reaches_the_time_exactly_with_steps_at_most_tau(time, tau, n):
    schedule = fsi_schedule(time, tau, n)
    assert schedule.time == pytest.approx(time, rel=1e-12, abs=0)
    assert 1 <= schedule.last_cycle_length <= n
    assert 0 < schedule.last_tau <= tau
    assert schedule.full_cycles * cycle_time(tau, n) < time  # the full cycles never pass T
    # the last cycle is the shortest one that covers the rest with steps <= tau (or n steps)
    m, rest = schedule.last_cycle_length, time - schedule.full_cycles * cycle_time(tau, n)
    assert m == 1 or cycle_time(tau, m - 1) < rest * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    u=arrays(np.float64, 24, elements=signal_values),
    time=st.floats(0.05, 300.0),
    ratio=st.floats(0.05, 1.0),
    n=st.integers(1, 40),
    boundary=st.sampled_from(BOUNDARIES),
)
def test_evolve_to_time_reaches_t_with_every_cycle_stable(u, time, ratio, n, boundary):
    """Linear diffusion: the run reaches T to 1e-12, every step is <= tau <= tau*, every inner state keeps
    ||u^k|| <= ||u^0||, and the result is the full cycles followed by one FSI cycle of m steps of tau_m."""
    D = DerivativeOperator(1, 24, boundary=boundary)
    bound = stability_bound(LINEAR, D)
    scheme = FSIScheme(ratio * bound, n, LINEAR, D)
    run = scheme.evolve_to_time(u, time)
    schedule = run.schedule
    assert run.time == pytest.approx(time, rel=1e-12, abs=0)
    assert run.explicit_steps == schedule.explicit_steps and run.cycles == schedule.cycles
    assert max(schedule.tau, schedule.last_tau) <= bound
    assert np.all(run.norms <= run.norms[0] * (1 + 1e-12) + 1e-12)
    expected = scheme.evolve(u, schedule.full_cycles).final
    last = FSIScheme(schedule.last_tau, schedule.last_cycle_length, LINEAR, D).cycle(expected)
    np.testing.assert_array_equal(run.final, last)


def test_a_shortened_cycle_is_the_explicit_scheme_with_its_fed_steps():
    """Linear diffusion: full cycles and the shortened one equal explicit steps of the FED sizes, summing to T."""
    D = DerivativeOperator(1, 32)
    u = noisy_step(32, noise=0.05, seed=1)
    run = FSIScheme(0.5, 6, LINEAR, D).evolve_to_time(u, 30.0)
    schedule = run.schedule
    assert (schedule.full_cycles, schedule.last_cycle_length) == (4, 3)
    taus = [*np.tile(fed_step_sizes(0.5, 6), 4), *fed_step_sizes(schedule.last_tau, 3)]
    assert sum(taus) == pytest.approx(30.0, rel=1e-14)
    np.testing.assert_allclose(run.final, explicit_run(u, taus, LINEAR, D), rtol=0, atol=1e-12)


#: Largest relative max error (to the fine explicit reference, :func:`relative_max_error`) of the cycles of
#: :meth:`FSIScheme.evolve_to_time` measured on the grid below (noisy step, N = 64, T in 1 .. 1000, n <= 60,
#: tau <= tau*): as stated in its docstring.
FSI_ERRORS = {"linear": 0.07, "perona-malik": 0.02}


@pytest.mark.parametrize("name", FSI_ERRORS)
def test_evolve_to_time_agrees_with_the_explicit_scheme_at_the_same_time(name):
    g = diffusivity(name, contrast=0.1 if name == "perona-malik" else 1.0)
    D = DerivativeOperator(1, 64)
    u = noisy_step(64, noise=0.05, seed=0)
    bound = stability_bound(g, D)
    worst = 0.0
    for time in (1.0, 10.0, 100.0, 1000.0):
        reference = reference_solution(u, time, g, D)
        for n in (1, 5, 10, 30, 60):
            for ratio in (0.3, 1.0):
                run = FSIScheme(ratio * bound, n, g, D).evolve_to_time(u, time)
                assert run.time == pytest.approx(time, rel=1e-12)
                worst = max(worst, relative_max_error(run.final, reference, u))
    assert worst <= FSI_ERRORS[name]
    assert worst > FSI_ERRORS[name] / 5  # the bound is the measured size, not a loose guess


def test_evolve_to_time_with_a_step_budget_runs_the_first_full_cycles():
    D = DerivativeOperator(1, 32)
    scheme = FSIScheme(0.5, 10, LINEAR, D)
    u = noisy_step(32)
    run = scheme.evolve_to_time(u, 100.0, max_steps=25)
    assert run.explicit_steps == 20 and run.cycles == 2
    assert run.time == pytest.approx(2 * cycle_time(0.5, 10))
    np.testing.assert_array_equal(run.cycle_ends, [0, 10, 20])
    np.testing.assert_array_equal(run.final, scheme.evolve(u, 2).final)
    # a schedule of one short cycle always runs that cycle, never a full one past T
    short = scheme.evolve_to_time(u, 5.0, max_steps=1)
    assert short.time == pytest.approx(5.0, rel=1e-12) and short.explicit_steps == short.schedule.last_cycle_length


def test_evolve_to_time_stops_at_a_blowup_inside_the_last_cycle():
    D = DerivativeOperator(1, 64)
    scheme = FSIScheme(1.6 * stability_bound(LINEAR, D), 30, LINEAR, D)
    run = scheme.evolve_to_time(checkerboard(64), 200.0)
    assert run.schedule.full_cycles == 0 and run.blowup is not None
    assert run.cycles == 0 and run.time == 0.0
    np.testing.assert_array_equal(run.cycle_ends, [0])


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_linear_cycle_equals_fed_steps(n, order, boundary):
    """One FSI cycle = n explicit steps with the FED step sizes (which sum to the cycle time)."""
    D = DerivativeOperator(order, 20, boundary=boundary)
    tau = stability_bound(LINEAR, D)
    u = noisy_step(20, noise=0.2, seed=n)
    expected = explicit_run(u, fed_step_sizes(tau, n), LINEAR, D)
    np.testing.assert_allclose(FSIScheme(tau, n, LINEAR, D).cycle(u), expected, rtol=0, atol=1e-11)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("n", [1, 4, 13])
def test_linear_cycle_is_the_fed_polynomial_on_every_eigenvector(n, boundary):
    """FSI cycle of I - tau A, A = D^T D: each eigenvector v (eigenvalue mu) is multiplied by prod_i (1 - tau_i mu)."""
    D = DerivativeOperator(1, 16, boundary=boundary)
    tau = stability_bound(LINEAR, D)
    M = D.matrix()
    eigenvalues, vectors = np.linalg.eigh(M.T @ M)
    scheme = FSIScheme(tau, n, LINEAR, D)
    factors = np.array([vectors[:, j] @ scheme.cycle(vectors[:, j]) for j in range(16)])
    polynomial = np.prod(1.0 - np.outer(eigenvalues, fed_step_sizes(tau, n)), axis=1)
    np.testing.assert_allclose(factors, polynomial, rtol=0, atol=1e-12)
    assert np.all(np.abs(factors) <= 1 + 1e-12)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize(("n", "cycles"), [(1, 1), (2, 3), (7, 1), (10, 2), (30, 1)])
def test_impulse_spreads_like_the_heat_kernel_at_the_cycle_time(n, cycles, boundary):
    """Cycle time exactly: a unit impulse diffused for time T has variance 2 T, like the heat kernel.

    For any polynomial p(A) with p(0) = 1, sum_i (i - c)^2 (p(A) delta_c)_i = -2 p'(0), and the linear
    coefficient of the M-fold FSI cycle is -M tau (n^2 + n) / 3 (as long as the ends are not reached).
    """
    D = DerivativeOperator(1, 128, boundary=boundary)
    tau = 0.9 * stability_bound(LINEAR, D)
    impulse = np.zeros(128)
    impulse[64] = 1.0
    result = FSIScheme(tau, n, LINEAR, D).evolve(impulse, cycles).final
    offsets = np.arange(128) - 64.0
    assert result.sum() == pytest.approx(1.0, rel=1e-13)
    assert offsets @ result == pytest.approx(0.0, abs=1e-12)
    assert offsets**2 @ result == pytest.approx(2 * cycles * cycle_time(tau, n), rel=1e-12)


@pytest.mark.parametrize("size", [16, 64, 256])
@pytest.mark.parametrize("n", [1, 2, 5, 10, 50])
def test_periodic_checkerboard_is_damped_to_one_over_2n_plus_1(n, size):
    """Digest §5.1: at tau = tau_max = 1/2 the checkerboard (eigenvalue 4) is multiplied by (-1)^n / (2n + 1)."""
    D = DerivativeOperator(1, size, boundary="periodic")
    tau = stability_bound(LINEAR, D)
    assert tau == 0.5
    c = checkerboard(size)
    np.testing.assert_allclose(FSIScheme(tau, n, LINEAR, D).cycle(c), (-1) ** n / (2 * n + 1) * c, rtol=0, atol=1e-13)


@pytest.mark.parametrize("size", [16, 64, 256])
@pytest.mark.parametrize("n", [1, 2, 5, 10, 50])
def test_reflecting_grid_damps_its_top_mode_to_one_over_2n_plus_1(n, size):
    """Reflecting grid: the checkerboard is no eigenvector (the mirrored ends mix in lower frequencies, damped
    less). The top eigenmode, at tau = the exact bound 2 / ||D||^2, gets exactly (-1)^n / (2n + 1); the
    checkerboard's norm drops to between 1/(2n + 1) and 1.3/(2n + 1) of its value."""
    D = DerivativeOperator(1, size)
    scheme = FSIScheme(stability_bound(LINEAR, D), n, LINEAR, D)
    v = top_eigenvector(D)
    np.testing.assert_allclose(scheme.cycle(v), (-1) ** n / (2 * n + 1) * v, rtol=0, atol=1e-12)
    c = checkerboard(size)
    ratio = np.linalg.norm(scheme.cycle(c)) / np.linalg.norm(c) * (2 * n + 1)
    assert 1.0 - 1e-12 <= ratio <= 1.3


def test_cycle_of_length_one_is_an_explicit_step_of_two_thirds_tau():
    D = DerivativeOperator(2, 30, boundary="periodic")
    u = noisy_step(30, noise=0.3)
    np.testing.assert_allclose(FSIScheme(0.09, 1, PM, D).cycle(u), ExplicitScheme(0.06, PM, D).step(u), atol=1e-15)


# -- stability ---------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    u=arrays(np.float64, 24, elements=signal_values),
    order=st.integers(1, 2),
    boundary=st.sampled_from(BOUNDARIES),
    n=st.integers(1, 50),
)
def test_linear_cycles_are_internally_stable_within_the_bound(u, order, boundary, n):
    """Digest §5.3: max |p_k| = 1 on [-1, 1], so every intermediate state, not only the cycle ends,
    has ||u^k|| <= ||u^0||."""
    D = DerivativeOperator(order, 24, boundary=boundary)
    run = FSIScheme(stability_bound(LINEAR, D), n, LINEAR, D).evolve(u, cycles=2)
    assert run.blowup is None
    assert run.norm_bounded
    assert np.all(run.norms[n:] <= run.norms[n] * (1 + 1e-12) + 1e-300)  # second cycle bounded by its start
    assert np.all(np.diff(run.cycle_norms) <= 1e-12 * run.cycle_norms[:-1])


def test_nonlinear_cycles_are_not_covered_by_the_guarantee():
    """Re-evaluating a nonmonotone flux inside a long cycle can raise the norm above ||u^0||: the
    stability statement of the chapter is for linear cycles (or cycles with the diffusivity frozen)."""
    u = np.random.default_rng(0).standard_normal(32)
    g = diffusivity("weickert", contrast=0.3)
    D = DerivativeOperator(1, 32)
    run = FSIScheme(stability_bound(g, D), 60, g, D).evolve(u, cycles=1)
    assert run.blowup is None
    assert not run.norm_bounded
    assert run.norms.max() > 1.5 * run.norms[0]


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_just_above_the_bound_fsi_amplifies_far_more_than_plain_steps(boundary):
    """Digest §5.3: tau = 1.02 tau* (linear, checkerboard): 50 FSI steps amplify by ~7e3, 50 plain steps by ~7."""
    D = DerivativeOperator(1, 64, boundary=boundary)
    tau = 1.02 * stability_bound(LINEAR, D)
    c = checkerboard(64, noise=0.01)
    fsi = FSIScheme(tau, 50, LINEAR, D).evolve(c, cycles=1)
    plain = ExplicitScheme(tau, LINEAR, D).evolve(c, 50)
    fsi_growth = fsi.norms[-1] / fsi.norms[0]
    plain_growth = plain.norms[-1] / plain.norms[0]
    assert 1e3 < fsi_growth < 1e5
    assert 3 < plain_growth < 20
    assert fsi_growth > 300 * plain_growth
    assert np.linalg.norm(FSIScheme(tau, 10, LINEAR, D).cycle(c)) < np.linalg.norm(c)  # short cycles still damp


def test_blowup_is_detected_inside_a_cycle_without_warnings():
    D = DerivativeOperator(1, 64, boundary="periodic")
    c = checkerboard(64)
    run = FSIScheme(1.02 * stability_bound(LINEAR, D), 200, LINEAR, D).evolve(c, cycles=3)
    assert run.blowup is not None
    assert 50 < run.blowup.step < 200  # inside the first cycle
    assert run.blowup.growth > 1e6
    assert run.explicit_steps == run.blowup.step == run.steps[-1]
    assert run.cycles == 0 and run.time == 0.0
    np.testing.assert_array_equal(run.final, run.states[-1])
    overflow = FSIScheme(50.0, 40, LINEAR, D).evolve(c, cycles=20, growth_limit=1e300)  # overflows: no warning
    assert overflow.blowup is not None
    assert not math.isfinite(overflow.blowup.norm) or overflow.blowup.growth > 1e300  # the norm is scale-invariant


# -- conservation, evolve, advance ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    u=arrays(np.float64, 20, elements=signal_values),
    name=st.sampled_from(DIFFUSIVITIES),
    order=st.integers(1, 2),
    boundary=st.sampled_from(BOUNDARIES),
    n=st.integers(1, 30),
)
def test_cycles_conserve_the_mean(u, name, order, boundary, n):
    """The weights alpha_k and 1 - alpha_k sum to 1 and D^T has zero column sums: the mean is kept."""
    g = diffusivity(name, 0.5)
    D = DerivativeOperator(order, 20, boundary=boundary)
    result = FSIScheme(stability_bound(g, D), n, g, D).cycle(u)
    assert result.mean() == pytest.approx(u.mean(), abs=1e-12 * (1 + np.abs(u).max()))


@pytest.mark.parametrize("name", ["linear", "perona-malik", "charbonnier"])
def test_evolve_records_every_inner_step(name):
    g = diffusivity(name)
    D = DerivativeOperator(2, 40)
    scheme = FSIScheme(0.9 * stability_bound(g, D), 6, g, D)
    u0 = noisy_step(40, noise=0.1)
    run = scheme.evolve(u0, cycles=5, record_every=2)
    assert run.blowup is None
    assert run.explicit_steps == 30 and run.cycles == 5
    assert run.time == pytest.approx(5 * scheme.cycle_time, rel=1e-15)
    assert run.steps.tolist() == [0, 12, 24, 30]
    assert run.norms.shape == run.total_variations.shape == (31,)
    expected = [u0]
    for _ in range(5):
        expected.append(scheme.cycle(expected[-1]))
    for index, k in enumerate(run.steps):
        np.testing.assert_allclose(run.states[index], expected[k // 6], rtol=0, atol=1e-14)
        assert run.norms[k] == pytest.approx(np.linalg.norm(expected[k // 6]), rel=1e-13)
    np.testing.assert_array_equal(run.cycle_norms, run.norms[::6])
    np.testing.assert_array_equal(run.cycle_total_variations, run.total_variations[::6])
    np.testing.assert_array_equal(scheme.advance(u0.copy(), 5), run.final)
    np.testing.assert_array_equal(scheme.evolve(u0, 5).final, run.final)
    assert scheme.evolve(u0, 0).states.shape == (1, 40)


def test_advance_works_in_place_and_cycle_copies():
    D = DerivativeOperator(1, 16)
    scheme = FSIScheme(0.4, 3, PM, D)
    u = noisy_step(16)
    original = u.copy()
    result = scheme.cycle(u)
    np.testing.assert_array_equal(u, original)
    assert scheme.advance(u, 1) is u
    np.testing.assert_array_equal(u, result)
    assert scheme.bound == stability_bound(PM, D)
    assert repr(scheme).startswith("FSIScheme(tau=0.4, cycle_length=3, diffusivity=")


# -- reaching a stopping time; accuracy against the reference --------------------------------------


def test_fsi_to_time_reaches_t_100_in_24_steps():
    run = fsi_to_time(noisy_step(64), 100.0, LINEAR, DerivativeOperator(1, 64))
    assert run.explicit_steps == 24 and run.cycle_length == 24
    assert run.time == pytest.approx(100.0, rel=1e-14)
    assert run.tau <= stability_bound(LINEAR, DerivativeOperator(1, 64))
    assert run.blowup is None and run.norm_bounded
    assert math.ceil(100.0 / stability_bound(LINEAR, DerivativeOperator(1, 64))) == 200


def test_fsi_to_time_with_several_cycles_and_above_the_bound():
    D = DerivativeOperator(1, 64)
    run = fsi_to_time(noisy_step(64), 100.0, PM, D, cycles=4)
    assert run.cycles == 4 and run.time == pytest.approx(100.0, rel=1e-14)
    unstable = fsi_to_time(checkerboard(64, noise=0.01), 1000.0, LINEAR, D, tau_max=0.55)
    assert unstable.blowup is not None


def test_reference_solution_is_the_fine_explicit_scheme_and_converged():
    D = DerivativeOperator(1, 64)
    u0 = noisy_step(64)
    reference = reference_solution(u0, 10.0, PM_SHARP, D)
    steps = math.ceil(20 * 10.0 / stability_bound(PM_SHARP, D))
    np.testing.assert_array_equal(reference, ExplicitScheme(10.0 / steps, PM_SHARP, D).advance(u0.copy(), steps))
    finer = reference_solution(u0, 10.0, PM_SHARP, D, refinement=40)
    assert relative_max_error(reference, finer, u0) < 1e-4


def test_relative_max_error():
    u0 = np.array([0.0, 2.0, 4.0])
    assert relative_max_error(np.array([0.0, 2.5, 4.0]), np.array([0.0, 2.0, 3.0]), u0) == 0.25
    assert relative_max_error(np.array([0.0, np.nan, 4.0]), u0, u0) == math.inf
    with pytest.raises(ValueError, match="u0 must not be constant"):
        relative_max_error(u0, u0, np.ones(3))
    with pytest.raises(ValueError, match="u must have the shape of reference"):
        relative_max_error(np.zeros(4), u0, u0)


@pytest.fixture(scope="module")
def step_counts():
    """Steps to reach the chapter's problem at T = 1, 10, 100 with error <= 1e-2, for both methods."""
    counts = {}
    for time in (1.0, 10.0, 100.0):
        reference = reference_solution(NOISY_STEP, time, PM_SHARP, D1_256)
        counts[time] = {
            method: steps_to_accuracy(NOISY_STEP, time, PM_SHARP, D1_256, 1e-2, method, reference)
            for method in ("fsi", "explicit")
        }
    return counts


def test_fsi_steps_grow_like_the_square_root_of_the_stopping_time(step_counts):
    """At fixed error FSI needs ~sqrt(10) more steps per decade of T; the plain explicit scheme 10 times more."""
    fsi = [step_counts[time]["fsi"].explicit_steps for time in (1.0, 10.0, 100.0)]
    explicit = [step_counts[time]["explicit"].explicit_steps for time in (1.0, 10.0, 100.0)]
    assert fsi[1] / fsi[0] <= 4 and fsi[2] / fsi[1] <= 4
    assert explicit[2] / explicit[1] >= 9
    assert explicit[1:] == [math.ceil(time / stability_bound(PM_SHARP, D1_256)) for time in (10.0, 100.0)]
    assert fsi[2] <= 0.15 * explicit[2]


@pytest.mark.parametrize("time", [10.0, 100.0])
@pytest.mark.parametrize("method", ["fsi", "explicit"])
def test_steps_to_accuracy_finds_the_smallest_count(step_counts, time, method):
    result = step_counts[time][method]
    bound = stability_bound(PM_SHARP, D1_256)
    assert result.method == method and result.time == time
    assert result.error <= 1e-2
    assert result.tau <= bound
    if method == "explicit":
        assert result.cycles is None and result.cycle_length is None
        assert result.explicit_steps * result.tau == pytest.approx(time, rel=1e-13)
        assert (result.explicit_steps - 1) * bound < time  # one step fewer would be unstable
    else:
        assert result.explicit_steps == result.cycles * result.cycle_length
        assert result.cycles * cycle_time(result.tau, result.cycle_length) == pytest.approx(time, rel=1e-13)
        if result.cycles > 1:  # one cycle fewer is not accurate enough
            plan = plan_fsi(time, bound, result.cycles - 1)
            u = FSIScheme(plan.tau, plan.cycle_length, PM_SHARP, D1_256).advance(NOISY_STEP.copy(), plan.cycles)
            reference = reference_solution(NOISY_STEP, time, PM_SHARP, D1_256)
            assert relative_max_error(u, reference, NOISY_STEP) > 1e-2


def test_steps_to_accuracy_gives_up_beyond_max_steps():
    D = DerivativeOperator(1, 32)
    u0 = noisy_step(32)
    with pytest.raises(ValueError, match="tolerance 1e-09 not reached with up to max_steps = 100"):
        steps_to_accuracy(u0, 5.0, PM_SHARP, D, 1e-9, "explicit", max_steps=100)
    result = steps_to_accuracy(u0, 5.0, PM_SHARP, D, 1e-3, "explicit")  # accuracy-limited, not stability-limited
    assert result.explicit_steps > math.ceil(5.0 / stability_bound(PM_SHARP, D)) and result.error <= 1e-3


# -- validation ------------------------------------------------------------------------------------

D8 = DerivativeOperator(1, 8)
U8 = noisy_step(8)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: fsi_weights(0), ValueError, "cycle_length must be an integer >= 1"),
        (lambda: fsi_weights(2.0), TypeError, "cycle_length must be an integer"),
        (lambda: cycle_time(0.0, 3), ValueError, "tau must be a finite real number > 0"),
        (lambda: cycle_time(float("nan"), 3), ValueError, "tau"),
        (lambda: cycle_time(0.5, -1), ValueError, "cycle_length must be an integer >= 1"),
        (lambda: fed_step_sizes(-0.5, 3), ValueError, "tau"),
        (lambda: FSIScheme(0.0, 3, PM, D8), ValueError, "tau must be a finite real number > 0"),
        (lambda: FSIScheme(float("inf"), 3, PM, D8), ValueError, "tau"),
        (lambda: FSIScheme("0.5", 3, PM, D8), TypeError, "tau"),
        (lambda: FSIScheme(0.5, 0, PM, D8), ValueError, "cycle_length must be an integer >= 1"),
        (lambda: FSIScheme(0.5, 3, "perona-malik", D8), TypeError, "diffusivity must be"),
        (lambda: FSIScheme(0.5, 3, PM, 8), TypeError, "operator must be a pdelib DerivativeOperator"),
        (lambda: FSIScheme(0.5, 3, PM, D8).evolve(U8, -1), ValueError, "cycles must be an integer >= 0"),
        (lambda: FSIScheme(0.5, 3, PM, D8).evolve(U8, 2, record_every=0), ValueError, "record_every"),
        (lambda: FSIScheme(0.5, 3, PM, D8).evolve(U8, 2, growth_limit=0.0), ValueError, "growth_limit"),
        (lambda: FSIScheme(0.5, 3, PM, D8).evolve(np.zeros(9), 2), ValueError, "u0 must have length 8"),
        (lambda: FSIScheme(0.5, 3, PM, D8).cycle([0.0, np.nan] * 4), ValueError, "u must be finite"),
        (lambda: FSIScheme(0.5, 3, PM, D8).advance(np.zeros(8, dtype=np.float32), 1), TypeError, "float64"),
        (lambda: FSIScheme(0.5, 3, PM, D8).advance(np.zeros(8), -1), ValueError, "cycles must be an integer >= 0"),
        (lambda: plan_fsi(0.0, 0.5), ValueError, "time must be a finite real number > 0"),
        (lambda: plan_fsi(-10.0, 0.5), ValueError, "time"),
        (lambda: plan_fsi(10.0, float("inf")), ValueError, "tau_max must be a finite real number > 0"),
        (lambda: plan_fsi(10.0, 0.5, cycles=0), ValueError, "cycles must be an integer >= 1"),
        (lambda: fsi_to_time(U8, 0.0, PM, D8), ValueError, "time must be a finite real number > 0"),
        (lambda: fsi_to_time(U8, 10.0, PM, D8, cycles=0), ValueError, "cycles must be an integer >= 1"),
        (lambda: reference_solution(U8, -1.0, PM, D8), ValueError, "time must be a finite real number > 0"),
        (lambda: reference_solution(U8, 1.0, PM, D8, refinement=0), ValueError, "refinement must be an integer >= 1"),
        (lambda: reference_solution(U8, 1.0, PM, "D"), TypeError, "operator must be a pdelib DerivativeOperator"),
        (lambda: steps_to_accuracy(U8, 1.0, PM, D8, 0.0), ValueError, "tolerance must be a finite real number >= 1e-10"),
        (lambda: steps_to_accuracy(U8, 0.0, PM, D8, 1e-2), ValueError, "time must be a finite real number > 0"),
        (lambda: steps_to_accuracy(U8, 1.0, PM, D8, 1e-2, "implicit"), ValueError, "method must be one of 'fsi'"),
        (lambda: steps_to_accuracy(U8, 1.0, PM, D8, 1e-2, reference=np.zeros(7)), ValueError, "reference must have"),
        (lambda: steps_to_accuracy(U8, 1.0, PM, D8, 1e-2, max_steps=0), ValueError, "max_steps must be an integer"),
        (lambda: steps_to_accuracy(U8, 1.0, 1.0, D8, 1e-2), TypeError, "diffusivity must be"),
        (lambda: steps_to_accuracy(np.ones(8), 1.0, PM, D8, 1e-2), ValueError, "u0 must not be constant"),
    ],
)
def test_bad_arguments_get_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_import_pdelib_fsi_does_not_import_torch():
    code = "import pdelib.schemes.fsi, sys; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
