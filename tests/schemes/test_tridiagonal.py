"""The compiled twisted tridiagonal solve equals LAPACK's banded solve of I + tau D^T diag(g) D (chapter 05)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import solveh_banded

import pdelib
from pdelib.schemes.implicit import MAX_STIFFNESS, SemiImplicitScheme
from pdelib.schemes.tridiagonal import solve_semi_implicit_tridiagonal


def lapack_solution(g, tau, stencil, u):
    """Solve the same system with the assembled upper band and scipy's solveh_banded."""
    w0, w1 = stencil
    band = np.zeros((2, u.size))
    band[1] = 1.0
    band[1, :-1] += tau * w0 * w0 * g
    band[1, 1:] += tau * w1 * w1 * g
    band[0, 1:] = tau * w0 * w1 * g
    return solveh_banded(band, u)


@given(
    size=st.integers(2, 300),
    log_tau=st.floats(-6, 12),
    scale=st.sampled_from([1.0, 2.0, 0.5]),
    seed=st.integers(0, 2**32 - 1),
    zeros=st.booleans(),
)
def test_twisted_solve_equals_lapack(size, log_tau, scale, seed, zeros):
    rng = np.random.default_rng(seed)
    g = rng.uniform(0.0, 1.0, size - 1)
    if zeros:
        g[rng.random(size - 1) < 0.3] = 0.0  # backward-diffusion-free edges: g = 0 decouples neighbours
    u = rng.standard_normal(size)
    tau, stencil = 10.0**log_tau, (-scale, scale)
    expected = lapack_solution(g, tau, stencil, u)
    x = u.copy()
    solve_semi_implicit_tridiagonal(g, tau, stencil, x, np.empty(size))
    # both are backward stable: they agree to rounding times the condition number <= 1 + 4 tau scale^2
    condition = 1.0 + 4.0 * tau * scale**2
    assert np.max(np.abs(x - expected)) <= 1e-14 * condition * np.abs(u).max()


def test_twisted_solve_on_a_long_signal_with_rescaling():
    rng = np.random.default_rng(3)
    size = 100_001  # odd: the two chains have different lengths
    g = rng.uniform(0.0, 1.0, size - 1)
    u = rng.standard_normal(size)
    x = u.copy()
    solve_semi_implicit_tridiagonal(g, 1e6, (-1.0, 1.0), x, np.empty(size))
    assert np.max(np.abs(x - lapack_solution(g, 1e6, (-1.0, 1.0), u))) < 1e-9


def test_largest_accepted_tau_projects_onto_the_mean():
    g = pdelib.diffusivity("linear")
    D = pdelib.DerivativeOperator(1, 64)
    u = pdelib.noisy_step(64)
    largest = MAX_STIFFNESS / D.norm_squared_bound()
    assert np.allclose(SemiImplicitScheme(largest, g, D).step(u), u.mean(), atol=1e-3)
    with pytest.raises(ValueError, match="tau must be <= 2.5e\\+11"):
        SemiImplicitScheme(largest * 1.01, g, D)


def test_two_point_grid():
    x = np.array([1.0, 0.0])
    solve_semi_implicit_tridiagonal(np.array([1.0]), 1.0, (-1.0, 1.0), x, np.empty(2))
    # [[2, -1], [-1, 2]] x = (1, 0)
    assert np.allclose(x, [2 / 3, 1 / 3])


@pytest.mark.parametrize("name", ["perona-malik", "charbonnier", "weickert"])
def test_scheme_fast_path_equals_band_assembly(name):
    g = pdelib.diffusivity(name, contrast=0.1)
    D = pdelib.DerivativeOperator(1, 257)
    u = pdelib.noisy_step(257)
    scheme = SemiImplicitScheme(25.0, g, D)
    assert scheme._tridiagonal
    expected = solveh_banded(scheme.system_band(u), u)
    assert np.max(np.abs(scheme.step(u) - expected)) < 1e-12
