"""Tests of pdelib.schemes.implicit: the semi-implicit scheme, the fixed-point and Jacobi inner iterations
(chapter 05; digest §6 and §9.10)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pdelib
from pdelib import (
    DIFFUSIVITIES,
    DerivativeOperator,
    Evolution,
    diffusivity,
    reference_solution,
    relative_max_error,
    steps_to_accuracy,
)
from pdelib.schemes.implicit import (
    FixedPointSolver,
    SemiImplicitScheme,
    fixed_point_step,
    fixed_point_threshold,
    flux_ratio,
    jacobi_iteration,
    semi_implicit_step,
)

LINEAR = diffusivity("linear")
D1_64 = DerivativeOperator(1, 64)
# (order, boundary) pairs the direct solve supports
DIRECT = [(1, "reflecting"), (1, "periodic"), (2, "reflecting")]


def dense_system(u, tau, g, D):
    """I + tau D^T G D from the dense matrix of D: an independent assembly."""
    M = D.matrix()
    return np.eye(D.size) + tau * M.T @ np.diag(flux_ratio(g, M @ u)) @ M


# -- the semi-implicit scheme -------------------------------------------------------------------


@pytest.mark.parametrize("name", DIFFUSIVITIES)
@pytest.mark.parametrize("order, boundary", DIRECT + [(3, "reflecting")])
@pytest.mark.parametrize("size", [4, 5, 9, 16])
def test_step_solves_its_system(name, order, boundary, size):
    D = DerivativeOperator(order, size, spacing=0.7, boundary=boundary)
    g = diffusivity(name, contrast=0.5)
    u = np.random.default_rng(size).normal(size=size)
    scheme = SemiImplicitScheme(3.0, g, D)
    A = dense_system(u, 3.0, g, D)
    np.testing.assert_allclose(scheme.system_matrix(u), A, rtol=1e-13, atol=1e-13)
    x = scheme.step(u)
    assert np.linalg.norm(A @ x - u) <= 1e-10 * np.linalg.norm(u)


@settings(max_examples=60)
@given(
    name=st.sampled_from(DIFFUSIVITIES),
    case=st.sampled_from(DIRECT),
    tau=st.floats(1e-3, 1e3),
    u=arrays(np.float64, 32, elements=st.floats(-1e3, 1e3)),
)
def test_semi_implicit_step_is_stable_for_every_tau(name, case, tau, u):
    """(I + tau A)^{-1} with A symmetric positive semidefinite: ||u^{k+1}|| <= ||u^k|| for every tau > 0."""
    order, boundary = case
    D = DerivativeOperator(order, 32, boundary=boundary)
    step = SemiImplicitScheme(tau, diffusivity(name), D).step(u)
    assert np.all(np.isfinite(step))
    assert np.linalg.norm(step) <= np.linalg.norm(u) * (1 + 1e-12) + 1e-300
    assert abs(step.mean() - u.mean()) <= 1e-9 * (np.abs(u).max() + 1e-300)


@pytest.mark.parametrize("name", ["linear", "perona-malik", "weickert"])
@pytest.mark.parametrize("order, boundary", DIRECT)
def test_evolve_norms_never_increase_and_mean_is_conserved(name, order, boundary):
    D = DerivativeOperator(order, 128, boundary=boundary)
    u0 = pdelib.noisy_step(128)
    evolution = SemiImplicitScheme(50.0, diffusivity(name, 0.1), D).evolve(u0, 20, record_every=5)
    assert isinstance(evolution, Evolution)
    assert evolution.blowup is None
    assert evolution.norm_nonincreasing
    assert evolution.time == 1000.0
    assert list(evolution.steps) == [0, 5, 10, 15, 20]
    np.testing.assert_allclose(evolution.final.mean(), u0.mean(), rtol=1e-12)


def test_large_tau_reaches_the_mean():
    u0 = pdelib.noisy_step(64)
    final = SemiImplicitScheme(1e8, LINEAR, D1_64).evolve(u0, 3).final
    np.testing.assert_allclose(final, u0.mean(), atol=1e-6)


def test_flux_activation_uses_its_ratio_with_the_derivative_at_zero():
    relu, tanh = pdelib.activation("relu"), pdelib.activation("tanh")
    s = np.array([-2.0, 0.0, 0.5])
    np.testing.assert_allclose(flux_ratio(tanh, s), [np.tanh(2.0) / 2.0, 1.0, np.tanh(0.5) / 0.5])
    assert 0.0 <= flux_ratio(relu, s)[1] <= 1.0
    u = pdelib.noisy_step(32)
    D = DerivativeOperator(1, 32)
    step = SemiImplicitScheme(10.0, tanh, D).step(u)
    assert np.linalg.norm(dense_system(u, 10.0, tanh, D) @ step - u) <= 1e-10 * np.linalg.norm(u)


def test_advance_and_helper_agree_with_step():
    u = pdelib.noisy_step(64)
    scheme = SemiImplicitScheme(2.0, diffusivity("charbonnier"), D1_64)
    twice = scheme.advance(u.copy(), 2)
    np.testing.assert_array_equal(twice, scheme.step(scheme.step(u)))
    np.testing.assert_array_equal(semi_implicit_step(u, 2.0, diffusivity("charbonnier"), D1_64), scheme.step(u))


# -- the fixed-point iteration ------------------------------------------------------------------


def test_fixed_point_threshold_digest_value():
    """Digest §9.10: 1 / lambda_max(D^T D) = 0.25015 for n = 1, h = 1, N = 64."""
    assert round(fixed_point_threshold(1.0, D1_64), 5) == 0.25015
    assert fixed_point_threshold(2.0, D1_64) == pytest.approx(0.25015 / 2, rel=1e-4)


def test_fixed_point_converges_below_and_diverges_above_the_threshold():
    """Digest §9.10: tau = 0.24 converges, tau = 0.26 diverges (linear, n = 1, N = 64)."""
    u = np.random.default_rng(0).normal(size=64)
    below = FixedPointSolver(0.24, LINEAR, D1_64).solve(u)
    assert below.converged and not below.diverged
    exact = SemiImplicitScheme(0.24, LINEAR, D1_64).step(u)  # linear: implicit = semi-implicit
    np.testing.assert_allclose(below.solution, exact, atol=1e-8)
    above = FixedPointSolver(0.26, LINEAR, D1_64).solve(u)
    assert above.diverged and not above.converged
    assert np.all(np.isfinite(above.solution))
    assert above.rate() == pytest.approx(0.26 * D1_64.norm_squared(), rel=0.03)


def test_fixed_point_diverges_quietly_to_overflow():
    u = np.random.default_rng(1).normal(size=64) * 1e240  # below the input limit 1e250
    with np.errstate(all="raise"):
        result = FixedPointSolver(10.0, LINEAR, D1_64).solve(u)
    assert result.diverged and not result.converged


def test_fixed_point_solves_the_nonlinear_implicit_equation():
    g = diffusivity("perona-malik")
    D = DerivativeOperator(2, 32, boundary="periodic")
    u = pdelib.noisy_step(32)
    tau = 0.9 * fixed_point_threshold(1.0, D)
    result = fixed_point_step(u, tau, g, D)
    assert result.converged
    v = result.solution
    residual = v - u + tau * D.apply_transpose(g.flux(D.apply(v)))
    assert np.linalg.norm(residual) <= 1e-9 * np.linalg.norm(u)
    np.testing.assert_allclose(FixedPointSolver(tau, g, D).iterate(u, v), v, atol=1e-9)


# -- Jacobi -------------------------------------------------------------------------------------


@pytest.mark.parametrize("tau, iterations", [(0.5, 60), (2.0, 200), (10.0, 800)])
def test_jacobi_rate_is_two_tau_over_one_plus_two_tau(tau, iterations):
    """Digest §6: rho about 2 tau / (1 + 2 tau) (0.4995 at tau = 0.5, 0.799 at 2, 0.952 at 10)."""
    u = np.random.default_rng(2).normal(size=64)
    result = jacobi_iteration(u, tau, LINEAR, D1_64, iterations=iterations)
    assert not result.diverged
    assert result.history.size == iterations + 1
    assert result.rate() == pytest.approx(2 * tau / (1 + 2 * tau), rel=0.03)


@pytest.mark.parametrize("order, boundary", DIRECT)
def test_jacobi_converges_to_the_direct_solve(order, boundary):
    g = diffusivity("perona-malik", 0.2)
    D = DerivativeOperator(order, 32, boundary=boundary)
    u = pdelib.noisy_step(32)
    result = jacobi_iteration(u, 0.5 if order == 1 else 0.05, g, D, iterations=400)
    assert result.converged
    np.testing.assert_allclose(result.solution, SemiImplicitScheme(0.5 if order == 1 else 0.05, g, D).step(u), atol=1e-9)


def test_jacobi_periodic_order_two_needs_a_reference():
    D = DerivativeOperator(2, 16, boundary="periodic")
    u = pdelib.noisy_step(16)
    reference = np.linalg.solve(dense_system(u, 0.05, LINEAR, D), u)
    result = jacobi_iteration(u, 0.05, LINEAR, D, iterations=300, reference=reference)
    assert result.converged


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0.0, LINEAR, D1_64), ValueError, "tau must be a finite real number > 0"),
        (("1", LINEAR, D1_64), TypeError, "tau"),
        ((float("inf"), LINEAR, D1_64), ValueError, "tau"),
        ((1.0, "linear", D1_64), TypeError, "diffusivity must be a pdelib"),
        ((1.0, LINEAR, 3), TypeError, "operator must be a pdelib DerivativeOperator"),
        ((1.0, pdelib.activation("sin"), D1_64), ValueError, "diffusivity must satisfy the sector condition"),
        ((1.0, LINEAR, DerivativeOperator(2, 16, boundary="periodic")), ValueError, "operator: .*periodic"),
    ],
)
def test_semi_implicit_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        SemiImplicitScheme(*args)


def test_methods_reject_bad_inputs():
    scheme = SemiImplicitScheme(1.0, LINEAR, D1_64)
    with pytest.raises(ValueError, match="u must have length 64"):
        scheme.step(np.zeros(63))
    with pytest.raises(ValueError, match="u0 must be finite"):
        scheme.evolve(np.full(64, np.nan), 3)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        scheme.evolve(np.zeros(64), -1)
    with pytest.raises(TypeError, match="u must be a float64 numpy array"):
        scheme.advance([0.0] * 64, 1)
    solver = FixedPointSolver(0.1, LINEAR, D1_64)
    with pytest.raises(ValueError, match="max_iterations must be an integer >= 1"):
        solver.solve(np.zeros(64), max_iterations=0)
    with pytest.raises(ValueError, match="tolerance must be a finite real number > 0"):
        solver.solve(np.zeros(64), tolerance=0.0)
    with pytest.raises(ValueError, match="lipschitz must be a finite real number > 0"):
        fixed_point_threshold(0.0, D1_64)
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        jacobi_iteration(np.zeros(64), 1.0, LINEAR, D1_64, iterations=0)
    with pytest.raises(ValueError, match="reference must have length 64"):
        jacobi_iteration(np.zeros(64), 1.0, LINEAR, D1_64, reference=np.zeros(3))


def test_semi_implicit_reaches_a_late_time_in_fewer_steps_than_fsi():
    """Chapter 05's claim: at T = 1000 the semi-implicit scheme needs far fewer steps than FSI and explicit."""
    g = pdelib.diffusivity("perona-malik", contrast=0.1)
    D = pdelib.DerivativeOperator(1, 256)
    u0 = pdelib.noisy_step(256)
    reference = reference_solution(u0, 1000.0, g, D)
    counts = {
        method: steps_to_accuracy(u0, 1000.0, g, D, 1e-2, method, reference)
        for method in ("explicit", "fsi", "semi-implicit")
    }
    assert counts["semi-implicit"].error <= 1e-2
    assert counts["explicit"].explicit_steps == 2000
    assert counts["semi-implicit"].explicit_steps * 3 < counts["fsi"].explicit_steps
    fewer = counts["semi-implicit"].explicit_steps - 1  # one step fewer is not accurate enough
    u = SemiImplicitScheme(1000.0 / fewer, g, D).advance(u0.copy(), fewer)
    assert relative_max_error(u, reference, u0) > 1e-2


def test_fixed_point_errors_against_a_reference_shrink_by_tau_over_threshold():
    """Linear diffusion: the error of v^l contracts by tau lambda_max = tau / threshold per iteration."""
    D = DerivativeOperator(1, 64)
    g = diffusivity("linear")
    u = pdelib.noisy_step(64, noise=0.2)
    threshold = fixed_point_threshold(1.0, D)
    for ratio in (0.5, 0.9):
        tau = ratio * threshold
        exact = SemiImplicitScheme(tau, g, D).step(u)
        result = FixedPointSolver(tau, g, D).solve(u, 400, 1e-12, reference=exact)
        assert result.converged and not result.diverged
        assert result.history.size == result.iterations + 1  # l = 0 .. iterations
        assert result.history[0] == pytest.approx(np.linalg.norm(u - exact))
        assert np.allclose(result.solution, exact, atol=1e-10)
        assert result.rate() == pytest.approx(ratio, rel=0.05)
    tau = 1.1 * threshold
    exact = SemiImplicitScheme(tau, g, D).step(u)
    result = FixedPointSolver(tau, g, D).solve(u, 2000, reference=exact)
    assert result.diverged and result.history[-1] > 1e6 * result.history[0]


@pytest.mark.parametrize("tau", [0.5, 3.0, 50.0])
def test_jacobi_spectral_radius_is_the_largest_eigenvalue_modulus_of_the_iteration_matrix(tau):
    from pdelib.schemes.implicit import jacobi_spectral_radius

    a = np.eye(64) + tau * D1_64.matrix().T @ D1_64.matrix()
    iteration = np.eye(64) - a / np.diag(a)[:, None]  # M^{-1}(M - A)
    exact = np.max(np.abs(np.linalg.eigvals(iteration)))
    assert jacobi_spectral_radius(tau, D1_64) == pytest.approx(exact, rel=1e-12)
    # reflecting boundaries: strictly between the interior-mode formula and the Gershgorin bound
    assert 2 * tau * np.cos(np.pi / 64) / (1 + 2 * tau) < jacobi_spectral_radius(tau, D1_64) < 2 * tau / (1 + 2 * tau)
    # the error of many iterations decays at about that factor (the measured rate approaches it from below)
    u = pdelib.noisy_step(64, noise=0.05)
    measured = jacobi_iteration(u, tau, LINEAR, D1_64, iterations=2000).rate()
    assert measured == pytest.approx(jacobi_spectral_radius(tau, D1_64), rel=0.02)


def test_jacobi_spectral_radius_other_boundaries_and_orders():
    from pdelib.schemes.implicit import jacobi_spectral_radius

    periodic = DerivativeOperator(1, 64, boundary="periodic")
    assert jacobi_spectral_radius(3.0, periodic) == pytest.approx(6 / 7, rel=1e-12)
    assert jacobi_spectral_radius(3.0, DerivativeOperator(2, 64)) > 1  # n = 2: not diagonally dominant


def test_jacobi_spectral_radius_rejects_bad_input():
    from pdelib.schemes.implicit import jacobi_spectral_radius

    with pytest.raises(ValueError, match="tau must be a finite real number > 0"):
        jacobi_spectral_radius(0.0, D1_64)
