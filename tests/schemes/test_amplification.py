"""Tests of pdelib.schemes.amplification: the factors of every scheme on the eigenmodes of D^T D, measured from
the scheme code and compared with their closed forms; multigrid and Jacobi gains; blow-up prediction; what the
linear picture does not tell (chapter 08; digest §3, §5, §6, §7, §9)."""

import math

import numpy as np
import pytest

from pdelib import DerivativeOperator, ExplicitScheme, checkerboard, diffusivity, evolve, noisy_step, stability_bound
from pdelib.measures import euclidean_norm
from pdelib.schemes.amplification import (
    MAX_MODES,
    blowup_step,
    closed_form_factors,
    dirichlet_modes,
    eigenmodes,
    explicit_factor,
    fed_inner_factors,
    fixed_point_error_factor,
    fixed_point_factor,
    fsi_factor,
    fsi_inner_factors,
    jacobi_mode_gains,
    max_min_bound,
    measured_factors,
    mode_leakage,
    multigrid_mode_gains,
    overshoot,
    semi_implicit_factor,
    separating_pair,
    separation_ratio,
    top_mode,
    weighted_jacobi_factor,
)
from pdelib.schemes.fsi import FSIScheme, fed_step_sizes
from pdelib.schemes.implicit import fixed_point_threshold

LINEAR = diffusivity("linear")
N = 64
OPERATORS = {n: DerivativeOperator(n, N) for n in (1, 2)}
MODES = {n: eigenmodes(D) for n, D in OPERATORS.items()}
TAU_STAR = {n: stability_bound(LINEAR, D) for n, D in OPERATORS.items()}


def assert_factors_equal(measured, closed, rtol=1e-12):
    """Equal to ``rtol`` relative to max(1, |closed|): the factors are O(1) numbers."""
    assert np.max(np.abs(measured - closed) / np.maximum(1.0, np.abs(closed))) <= rtol


# -- eigenmodes --------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2])
def test_eigenmodes_are_orthonormal_eigenvectors_ascending(order):
    D = OPERATORS[order]
    mu, modes = MODES[order]
    matrix = D.matrix()
    np.testing.assert_allclose(modes.T @ modes, np.eye(N), atol=1e-12)
    np.testing.assert_allclose(matrix.T @ matrix @ modes, modes * mu, atol=1e-12)
    assert np.all(np.diff(mu) > 0) and mu[0] == 0.0


@pytest.mark.parametrize("order", [1, 2])
def test_constant_first_and_checkerboard_last_with_the_exact_norm(order):
    mu, modes = MODES[order]
    np.testing.assert_allclose(modes[:, 0], np.full(N, 1 / math.sqrt(N)), atol=1e-12)
    assert mu[-1] == pytest.approx(OPERATORS[order].norm_squared(), rel=1e-12)
    signs = np.sign(modes[:, -1])
    assert np.array_equal(signs, (-1.0) ** np.arange(N))  # alternating: the checkerboard


@pytest.mark.parametrize("order", [1, 2])
def test_reflecting_modes_are_the_dct_cosines(order):
    mu, modes = MODES[order]
    k, i = np.arange(N), np.arange(N)
    cosines = np.cos(np.pi * np.outer(i + 0.5, k) / N)
    cosines /= np.linalg.norm(cosines, axis=0)
    np.testing.assert_allclose(modes, cosines, atol=1e-10)
    np.testing.assert_allclose(mu, (4 * np.sin(np.pi * k / (2 * N)) ** 2) ** order, atol=1e-12)


def test_the_top_reflecting_mode_is_a_modulated_checkerboard():
    """(-1)^i sin(pi (i + 1/2) / N): the plain checkerboard (-1)^i has only 90 % of its norm in it."""
    _, modes = MODES[1]
    i = np.arange(N)
    np.testing.assert_allclose(top_mode(N), math.sqrt(2 / N) * (-1.0) ** i * np.sin(np.pi * (i + 0.5) / N), atol=1e-15)
    np.testing.assert_allclose(modes[:, -1], top_mode(N), atol=1e-12)
    assert abs(modes[:, -1] @ checkerboard(N)) / math.sqrt(N) == pytest.approx(0.9004, abs=1e-4)


def test_dirichlet_modes_are_orthonormal_eigenvectors():
    mu, modes = dirichlet_modes(31)
    matrix = 2 * np.eye(31) - np.eye(31, k=1) - np.eye(31, k=-1)
    np.testing.assert_allclose(modes.T @ modes, np.eye(31), atol=1e-12)
    np.testing.assert_allclose(matrix @ modes, modes * mu, atol=1e-12)


# -- measured factors equal the closed forms ----------------------------------------------------


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("ratio", [0.3, 1.0, 1.01])
def test_explicit_measured_equals_closed_form(order, ratio):
    tau = ratio * TAU_STAR[order]
    mu, _ = MODES[order]
    assert_factors_equal(measured_factors("explicit", OPERATORS[order], tau), explicit_factor(mu, tau))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("cycle_length", [1, 5, 20])
@pytest.mark.parametrize("ratio", [0.5, 1.0])
def test_fsi_measured_equals_closed_form(order, cycle_length, ratio):
    tau = ratio * TAU_STAR[order]
    mu, _ = MODES[order]
    measured = measured_factors("fsi", OPERATORS[order], tau, cycle_length=cycle_length)
    assert_factors_equal(measured, fsi_factor(mu, tau, cycle_length))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("tau", [0.1, 10.0])
def test_semi_implicit_measured_equals_closed_form(order, tau):
    mu, _ = MODES[order]
    assert_factors_equal(measured_factors("semi-implicit", OPERATORS[order], tau), semi_implicit_factor(mu, tau))


def test_semi_implicit_at_a_huge_step_equals_closed_form_to_the_rounding_of_mu():
    """eigh gets mu to about 1e-15 ||D||^2 absolutely; tau = 1e4 multiplies that error in 1 + tau mu."""
    mu, _ = MODES[2]
    assert_factors_equal(measured_factors("semi-implicit", OPERATORS[2], 1e4), semi_implicit_factor(mu, 1e4), 1e-10)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("iterations", [1, 3, 10])
@pytest.mark.parametrize("ratio", [0.5, 0.99, 1.5])
def test_fixed_point_measured_equals_closed_form(order, iterations, ratio):
    """Below (0.5, 0.99) and above (1.5) the threshold 1 / ||D||^2."""
    D = OPERATORS[order]
    tau = ratio / D.norm_squared()
    mu, _ = MODES[order]
    assert_factors_equal(
        measured_factors("fixed-point", D, tau, iterations=iterations), fixed_point_factor(mu, tau, iterations)
    )


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(
    ("scheme", "options"),
    [("explicit", {}), ("fsi", {"cycle_length": 7}), ("semi-implicit", {}), ("fixed-point", {"iterations": 4})],
)
def test_the_diagonal_schemes_map_each_mode_to_a_multiple_of_itself(order, scheme, options):
    tau = 0.8 * TAU_STAR[order]
    assert mode_leakage(scheme, OPERATORS[order], tau, **options).max() <= 1e-13


def test_jacobi_couples_modes_on_reflecting_grids_and_is_diagonal_on_periodic_ones():
    """Reflecting: the boundary rows of I + tau D^T D have 1 + tau on the diagonal, the others 1 + 2 tau.
    Periodic: M = (1 + 2 tau) I, so Jacobi's factor is 1/(1 + tau mu) + j^l (1 - 1/(1 + tau mu)) with the
    error factor j = 1 - (1 + tau mu) / (1 + 2 tau)."""
    tau, iterations = 2.0, 6
    assert mode_leakage("jacobi", OPERATORS[1], tau, iterations=iterations).max() > 1e-3
    periodic = DerivativeOperator(1, N, boundary="periodic")
    mu, _ = eigenmodes(periodic)
    assert mode_leakage("jacobi", periodic, tau, iterations=iterations).max() <= 1e-13
    exact = 1 / (1 + tau * mu)
    error = 1 - (1 + tau * mu) / (1 + 2 * tau)
    assert_factors_equal(
        measured_factors("jacobi", periodic, tau, iterations=iterations), exact + error**iterations * (1 - exact)
    )


def test_jacobi_factors_approach_the_semi_implicit_ones():
    mu, _ = MODES[1]
    for iterations, distance in ((5, 0.2), (200, 1e-8)):
        jacobi = measured_factors("jacobi", OPERATORS[1], 1.0, iterations=iterations)
        assert np.max(np.abs(jacobi - semi_implicit_factor(mu, 1.0))) < distance


@pytest.mark.parametrize(
    ("scheme", "options"),
    [("explicit", {}), ("fsi", {"cycle_length": 7}), ("semi-implicit", {}), ("fixed-point", {"iterations": 4})],
)
def test_closed_form_factors_by_name_equal_the_measured_ones(scheme, options):
    mu, _ = MODES[1]
    tau = 0.45 * TAU_STAR[1]
    assert_factors_equal(measured_factors(scheme, OPERATORS[1], tau, **options),
                         closed_form_factors(scheme, mu, tau, **options))


@pytest.mark.parametrize(
    ("scheme", "options", "error"),
    [("jacobi", {}, ValueError), ("fsi", {}, ValueError), ("fixed-point", {}, ValueError),
     ("explicit", {"cycle_length": 3}, ValueError), ("fsi", {"cycle_length": 3, "iterations": 2}, ValueError),
     ("heat", {}, ValueError), (1, {}, TypeError)],
)
def test_closed_form_factors_reject_what_does_not_apply(scheme, options, error):
    with pytest.raises(error):
        closed_form_factors(scheme, np.array([0.0, 1.0]), 0.1, **options)


# -- stability read off the factors -------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2])
def test_explicit_checkerboard_factor_is_minus_one_at_the_bound(order):
    D, tau = OPERATORS[order], TAU_STAR[order]
    measured = measured_factors("explicit", D, tau)
    assert measured[-1] == pytest.approx(-1.0, abs=1e-12)
    assert np.all(np.abs(measured) <= 1 + 1e-12)
    assert measured_factors("explicit", D, 1.01 * tau)[-1] < -1.0
    assert explicit_factor(D.norm_squared(), 1.01 * tau) == pytest.approx(-1.02)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("cycle_length", [5, 10, 20, 50])
@pytest.mark.parametrize("ratio", [0.5, 1.0])
def test_fsi_cycle_and_every_inner_step_stay_in_minus_one_one(order, cycle_length, ratio):
    """The weights alpha_k do not depend on n: the state after k inner steps is the end of a k-cycle, so the
    inner factors stay in [-1, 1] too (internal stability), and at the checkerboard p_n = (-1)^n / (2n + 1)."""
    tau = ratio * TAU_STAR[order]
    mu = np.linspace(0.0, OPERATORS[order].norm_squared(), 2001)
    inner = fsi_inner_factors(mu, tau, cycle_length)
    assert inner.shape == (cycle_length, mu.size)
    np.testing.assert_array_equal(inner[-1], fsi_factor(mu, tau, cycle_length))
    assert np.all(np.abs(inner) <= 1 + 1e-12)
    for k in (1, cycle_length // 2):
        np.testing.assert_allclose(inner[k - 1], fsi_factor(mu, tau, k), rtol=0, atol=1e-14)
    if ratio == 1.0:
        assert inner[-1, -1] == pytest.approx((-1) ** cycle_length / (2 * cycle_length + 1), abs=1e-12)


def test_fsi_inner_factors_are_the_norms_of_fsi_evolve_on_a_mode():
    mu, modes = MODES[1]
    tau, n = TAU_STAR[1], 20
    run = FSIScheme(tau, n, LINEAR, OPERATORS[1]).evolve(modes[:, -1], 1)
    np.testing.assert_allclose(run.norms[1:], np.abs(fsi_inner_factors(mu[-1:], tau, n)[:, 0]), atol=1e-13)


def test_fed_inner_factors_leave_minus_one_one_only_with_the_largest_steps_first():
    tau, n = TAU_STAR[1], 20
    mu = np.linspace(0.0, OPERATORS[1].norm_squared(), 2001)
    smallest_first = fed_inner_factors(mu, tau, n)
    largest_first = fed_inner_factors(mu, tau, n, largest_first=True)
    np.testing.assert_allclose(smallest_first[-1], fsi_factor(mu, tau, n), atol=1e-12)
    np.testing.assert_allclose(largest_first[-1], fsi_factor(mu, tau, n), atol=1e-4)  # products of 1e8-sized numbers
    assert np.abs(smallest_first).max() <= 1 + 1e-12
    assert np.abs(largest_first).max() > 1e8
    # the explicit scheme with the FED steps, largest first, on the checkerboard mode
    u = MODES[1][1][:, -1]
    peak = 0.0
    for step in fed_step_sizes(tau, n)[::-1]:
        u = ExplicitScheme(step, LINEAR, OPERATORS[1]).step(u)
        peak = max(peak, euclidean_norm(u))
    assert peak == pytest.approx(np.abs(fed_inner_factors(mu[-1:], tau, n, largest_first=True)).max(), rel=1e-9)


@pytest.mark.parametrize("tau", [0.1, 10.0, 1e4])
@pytest.mark.parametrize("order", [1, 2])
def test_semi_implicit_factors_lie_in_zero_one(order, tau):
    measured = measured_factors("semi-implicit", OPERATORS[order], tau)
    assert np.all(measured > 0) and np.all(measured <= 1 + 1e-12)


@pytest.mark.parametrize("order", [1, 2])
def test_fixed_point_diverges_iff_tau_exceeds_one_over_the_norm(order):
    D = OPERATORS[order]
    mu, _ = MODES[order]
    threshold = fixed_point_threshold(1.0, D)
    assert threshold == pytest.approx(1 / mu[-1], rel=1e-12)
    for ratio in (0.5, 0.99, 1.01, 2.0):
        worst = np.abs(fixed_point_error_factor(mu, ratio * threshold)).max()
        assert (worst > 1) == (ratio > 1)
    converged = measured_factors("fixed-point", D, 0.5 * threshold, iterations=60)
    assert_factors_equal(converged, semi_implicit_factor(mu, 0.5 * threshold))
    diverged = measured_factors("fixed-point", D, 1.5 * threshold, iterations=60)
    assert abs(diverged[-1]) > 1e9


# -- multigrid against Jacobi -----------------------------------------------------------------


@pytest.mark.parametrize("size", [63, 255])
@pytest.mark.parametrize(("tau", "multigrid", "jacobi"), [(10.0, 0.0788, 0.906), (100.0, 0.1014, 0.988)])
def test_v_cycle_damps_every_mode_where_jacobi_stalls(size, tau, multigrid, jacobi):
    """Measured worst gains: V(2,1) 0.0788 (tau = 10), 0.1014 (tau = 100) for N = 63 and 255; three Jacobi
    sweeps (the same fine-grid work) 0.906 / 0.908 and 0.988 / 0.990."""
    gains = multigrid_mode_gains(size, tau)
    assert gains.max() == pytest.approx(multigrid, abs=5e-4)
    assert gains.max() < 0.3
    smoothing = jacobi_mode_gains(size, tau)
    assert smoothing.max() == pytest.approx(jacobi, abs=3e-3)
    assert smoothing.max() > 0.9
    assert np.argmax(smoothing) == 0  # the smoothest sine


@pytest.mark.parametrize("sweeps", [1, 3])
def test_jacobi_gains_equal_the_weighted_jacobi_factor(sweeps):
    mu, _ = dirichlet_modes(63)
    np.testing.assert_allclose(
        jacobi_mode_gains(63, 10.0, sweeps), np.abs(weighted_jacobi_factor(mu, 10.0, sweeps)), rtol=1e-12, atol=1e-15
    )


def test_multigrid_gains_are_not_eigenvalues():
    """The largest gain is a lower bound of ||C||_2 (0.120 at tau = 100): restriction couples k and N + 1 - k."""
    size, tau = 63, 100.0
    _, modes = dirichlet_modes(size)
    from pdelib.schemes.multigrid import MultigridSolver

    solver = MultigridSolver(size, problem="implicit-diffusion", tau=tau)
    images = np.stack([solver.cycle(np.zeros(size), v) for v in modes.T], axis=1)
    np.testing.assert_allclose(np.linalg.norm(images, axis=0), multigrid_mode_gains(size, tau), rtol=1e-14)
    assert np.linalg.norm(images, 2) == pytest.approx(0.1199, abs=5e-4)
    assert np.linalg.norm(images, 2) > multigrid_mode_gains(size, tau).max() + 0.01


# -- blow-up prediction -----------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("ratio", "expected"), [(1.01, 698), (1.05, 145), (1.2, 42)])
def test_blowup_step_predicts_evolve_exactly_on_the_checkerboard_mode(order, ratio, expected):
    """evolve: first k with ||u^k|| > 1e6 ||u^0||; on the mode ||u^k|| = |1 - 2 ratio|^k ||u^0||. The step
    depends on tau / tau* only, so n = 1 and n = 2 agree."""
    tau = ratio * TAU_STAR[order]
    mu, modes = MODES[order]
    predicted = blowup_step(explicit_factor(mu[-1], tau))
    assert predicted == expected
    assert evolve(modes[:, -1], tau, 10_000, LINEAR, OPERATORS[order]).blowup.step == predicted


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("ratio", "expected"), [(1.05, 147), (1.2, 42)])
def test_blowup_step_with_the_share_of_the_mode_predicts_a_noisy_checkerboard(order, ratio, expected):
    """The plain checkerboard (-1)^i plus 1 % noise has 90 % of its norm in the top mode, which delays the
    blow-up by log(1/0.9) / log|r| steps (1.1 steps at 1.05 tau*): the weighted prediction matches evolve;
    the neighbouring modes grow almost as fast and could add one step."""
    tau = ratio * TAU_STAR[order]
    mu, modes = MODES[order]
    u0 = checkerboard(N, noise=0.01, seed=0)
    weight = abs(modes[:, -1] @ u0) / euclidean_norm(u0)
    factor = explicit_factor(mu[-1], tau)
    reported = evolve(u0, tau, 10_000, LINEAR, OPERATORS[order]).blowup.step
    assert reported == blowup_step(factor, weight=weight) == expected
    assert 0 <= reported - blowup_step(factor) <= 2


def test_blowup_step_counts_strictly_greater():
    assert blowup_step(10.0, 1e6) == 7  # 10^6 is not > 10^6
    assert blowup_step(-2.0, 1e6) == 20
    assert blowup_step(2.0, 0.5) == 1


# -- what the linear picture does not tell --------------------------------------------------------


@pytest.mark.parametrize("spacing", [1.0, 0.5])
def test_max_min_principle_at_its_bound_for_n1(spacing):
    D = DerivativeOperator(1, N, spacing=spacing)
    tau = max_min_bound(LINEAR.bound, spacing)
    assert tau == spacing**2 / 2 and tau <= stability_bound(LINEAR, D)
    f = noisy_step(N, noise=0.2, seed=3)
    run = ExplicitScheme(tau, LINEAR, D).evolve(f, 200, record_every=1)
    assert max(overshoot(u, f) for u in run.states) == 0.0


def test_euclidean_stable_but_above_the_max_min_bound_overshoots_for_n1():
    """tau* = 0.500301 > 1/2 for N = 64: a checkerboard gets the interior weight 1 - 4 tau < -1."""
    tau = TAU_STAR[1]
    f = checkerboard(N)
    assert overshoot(ExplicitScheme(tau, LINEAR, OPERATORS[1]).step(f), f) == pytest.approx(4 * tau - 2, rel=1e-9)


@pytest.mark.parametrize("ratio", [0.1, 0.9])
def test_n2_overshoots_a_step_edge_at_every_stable_tau(ratio):
    """One n = 2 step on a unit edge: u_{e+1} = 1 + tau (the new maximum), u_e = 1 - 3 tau."""
    tau = ratio * TAU_STAR[2]
    f = np.repeat([0.0, 1.0], N // 2)
    u = ExplicitScheme(tau, LINEAR, OPERATORS[2]).step(f)
    assert overshoot(u, f) == pytest.approx(tau, rel=1e-12)
    assert euclidean_norm(u) <= euclidean_norm(f)


def test_overshoot_measures_both_ends():
    assert overshoot([0.0, 1.2], [0.0, 1.0]) == pytest.approx(0.2)
    assert overshoot([-0.5, 1.0], [0.0, 1.0]) == 0.5
    assert overshoot([0.2, 0.8], [0.0, 1.0]) == 0.0


def test_separating_pair_is_a_ramp_at_the_steepest_backward_slope():
    u, v = separating_pair(64, contrast=0.1)
    slopes = np.diff(u)
    assert slopes.max() == pytest.approx(math.sqrt(3) * 0.1)
    pm = diffusivity("perona-malik", 0.1)
    assert pm.flux_derivative(np.array([slopes.max()]))[0] == pytest.approx(-1 / 8)
    assert 0 < euclidean_norm(u - v) < 1e-3
    assert np.array_equal(separating_pair(64, 0.1)[1], v)  # seeded


@pytest.mark.parametrize(("steps", "expected"), [(1, 1.1008), (10, 3.761), (20, 23.342)])
def test_perona_malik_separates_nearby_signals_while_both_norms_shrink(steps, expected):
    """Measured (N = 64, lambda = 0.1, tau = 0.9 tau*, seed 0): 1.1008, 3.761, 23.342; ||u|| = 28.355 falls to
    28.280 in 20 steps, ||u - v|| = 4.85e-4."""
    pm = diffusivity("perona-malik", 0.1)
    scheme = ExplicitScheme(0.9 * stability_bound(pm, OPERATORS[1]), pm, OPERATORS[1])
    u, v = separating_pair(N, 0.1)
    ratio = separation_ratio(scheme, u, v, steps)
    assert ratio == pytest.approx(expected, rel=1e-3)
    assert ratio > 1
    for signal in (u, v):
        run = scheme.evolve(signal, steps)
        assert run.norm_nonincreasing and run.norms[-1] <= run.norms[0]


@pytest.mark.parametrize("seed", range(5))
def test_separation_is_robust_to_the_seed(seed):
    """Over seeds 0-9 the smallest ratios are 1.098 (1 step), 3.43 (10 steps), 17.7 (20 steps)."""
    pm = diffusivity("perona-malik", 0.1)
    scheme = ExplicitScheme(0.9 * stability_bound(pm, OPERATORS[1]), pm, OPERATORS[1])
    u, v = separating_pair(N, 0.1, seed=seed)
    assert separation_ratio(scheme.step, u, v, 1) > 1.05
    assert separation_ratio(scheme.step, u, v, 10) > 3.0


def test_linear_diffusion_never_separates():
    scheme = ExplicitScheme(TAU_STAR[1], LINEAR, OPERATORS[1])
    u, v = separating_pair(N, 0.1)
    assert separation_ratio(scheme, u, v, 20) <= 1.0


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: explicit_factor([0.0, 1.0], -0.1), ValueError, "^tau must be a finite real number > 0"),
        (lambda: explicit_factor([-1.0], 0.1), ValueError, "^mu must be >= 0"),
        (lambda: semi_implicit_factor("mu", 0.1), TypeError, "^mu "),
        (lambda: fsi_factor([1.0], 0.1, 0), ValueError, "^cycle_length must be an integer >= 1"),
        (
            lambda: fsi_inner_factors([1.0], 0.1, 10**6),
            ValueError,
            "^cycle_length must be an integer >= 1 and <= 100000",
        ),
        (lambda: fed_inner_factors(np.ones(1000), 0.1, 10**5), ValueError, "^cycle_length .* at most 33554432 values"),
        (lambda: fixed_point_factor([1.0], 0.1, 0), ValueError, "^iterations must be an integer >= 1"),
        (
            lambda: fixed_point_factor([1.0], 0.1, 10**30),
            ValueError,
            "^iterations must be an integer >= 1 and <= 10000000",
        ),
        (lambda: weighted_jacobi_factor([1.0], 1.0, omega=1.5), ValueError, "^omega "),
        (
            lambda: measured_factors("crank-nicolson", OPERATORS[1], 0.1),
            ValueError,
            "^scheme must be one of 'explicit'",
        ),
        (lambda: measured_factors("explicit", OPERATORS[1].matrix(), 0.1), TypeError, "^operator "),
        (lambda: measured_factors("explicit", OPERATORS[1], -1.0), ValueError, "^tau must be a finite real number > 0"),
        (lambda: measured_factors("fsi", OPERATORS[1], 0.1), ValueError, "^cycle_length: scheme='fsi' needs"),
        (lambda: measured_factors("fsi", OPERATORS[1], 0.1, cycle_length=0), ValueError, "^cycle_length must be"),
        (lambda: measured_factors("explicit", OPERATORS[1], 0.1, cycle_length=3), ValueError, "^cycle_length applies"),
        (lambda: measured_factors("fixed-point", OPERATORS[1], 0.1, iterations=0), ValueError, "^iterations must be"),
        (
            lambda: measured_factors("jacobi", OPERATORS[1], 0.1, iterations=10**9),
            ValueError,
            "^iterations must be an integer >= 1 and <= 244140",
        ),
        (lambda: measured_factors("jacobi", OPERATORS[1], 0.1), ValueError, "^iterations: scheme='jacobi' needs"),
        (lambda: measured_factors("semi-implicit", OPERATORS[1], 0.1, iterations=2), ValueError, "^iterations applies"),
        (lambda: eigenmodes(DerivativeOperator(1, MAX_MODES + 1)), ValueError, "^operator.size must be at most 1024"),
        (lambda: dirichlet_modes(4095), ValueError, "^size must be an integer >= 1 and <= 1024"),
        (lambda: multigrid_mode_gains(63, 0.0), ValueError, "^tau "),
        (lambda: multigrid_mode_gains(64, 1.0, depth=3), ValueError, "^depth "),
        (lambda: jacobi_mode_gains(63, 1.0, sweeps=0), ValueError, "^sweeps must be an integer >= 1 and <= 100"),
        (lambda: blowup_step(-0.5), ValueError, r"^factor must have \|factor\| > 1"),
        (lambda: blowup_step(2.0, growth_limit=0.0), ValueError, "^growth_limit "),
        (lambda: blowup_step(2.0, weight=1.5), ValueError, "^weight "),
        (lambda: max_min_bound(0.0), ValueError, "^diffusivity_max "),
        (lambda: max_min_bound(1.0, -1.0), ValueError, "^spacing "),
        (lambda: overshoot([1.0, np.nan], [0.0]), ValueError, "^u must be finite"),
        (lambda: separating_pair(4), ValueError, "^size must be an integer >= 8"),
        (lambda: separating_pair(64, perturbation=2.0), ValueError, "^perturbation "),
        (lambda: separation_ratio("scheme", [0.0, 1.0], [0.0, 2.0]), TypeError, "^step must be a scheme"),
        (lambda: separation_ratio(lambda u: u, [0.0, 1.0], [0.0, 1.0]), ValueError, "^v must differ from u"),
        (lambda: separation_ratio(lambda u: u, [0.0, 1.0], [0.0, 1.0, 2.0]), ValueError, "^v must have length 2"),
        (lambda: separation_ratio(lambda u: u, [0.0, 1.0], [0.0, 2.0], 0), ValueError, "^steps must be"),
    ],
)
def test_bad_input_raises_naming_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()
