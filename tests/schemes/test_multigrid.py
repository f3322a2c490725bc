"""Tests of pdelib.schemes.multigrid: V/W-cycles, FMG, the hierarchy and its factors (chapter 06; digest §7 and §9.11).
The transfer operators and smoothers are tested in test_grids.py."""

import math

import numpy as np
import pytest

from pdelib.schemes.grids import (
    MAX_DIRECT_UNKNOWNS,
    apply_stencil,
    stencil_matrix,
)
from pdelib.schemes.multigrid import MultigridSolver, max_depth

POISSON_1D = np.array([-1.0, 2.0, -1.0])
POISSON_2D = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])

# Digest §7: 1D Poisson, Dirichlet, weighted Jacobi 2/3, full weighting, linear interpolation, Galerkin,
# coarsest grid solved exactly; asymptotic error reduction per cycle at N = 63, 255, 1023.
TABLE = {
    ("V", 1, 1): (0.189, 0.191, 0.195),
    ("V", 2, 1): (0.108, 0.110, 0.112),
    ("V", 2, 2): (0.087, 0.088, 0.089),
    ("W", 1, 1): (0.115, 0.115, 0.115),
    ("W", 2, 1): (0.078, 0.078, 0.078),
}
SIZES = (63, 255, 1023)


def jacobi_solver(size, dimension=1, **options):
    return MultigridSolver(size, dimension=dimension, smoother="jacobi", **options)


def manufactured(x):
    """a(x) = e^x sin(pi x) and -a''(x)."""
    a = np.exp(x) * np.sin(np.pi * x)
    minus_second = -np.exp(x) * ((1 - np.pi**2) * np.sin(np.pi * x) + 2 * np.pi * np.cos(np.pi * x))
    return a, minus_second


@pytest.mark.parametrize("cycle, pre, post", list(TABLE))
def test_jacobi_cycles_reproduce_the_textbook_table(cycle, pre, post):
    """Digest §7 table within 0.01, and h-independence: the factor moves by < 0.01 from N = 63 to 1023."""
    measured = [jacobi_solver(size, pre=pre, post=post, cycle=cycle).convergence_factor() for size in SIZES]
    np.testing.assert_allclose(measured, TABLE[cycle, pre, post], atol=0.01)
    assert max(measured) - min(measured) < 0.01


def test_measured_factor_is_the_spectral_radius_of_the_cycle():
    """convergence_factor estimates the spectral radius of the iteration matrix M (columns: cycles of unit errors)."""
    size = 63
    for cycle, pre, post in TABLE:
        solver = jacobi_solver(size, pre=pre, post=post, cycle=cycle)
        M = np.stack([solver.cycle(np.zeros(size), e) for e in np.eye(size)], axis=1)
        radius = np.abs(np.linalg.eigvals(M)).max()
        assert solver.convergence_factor() == pytest.approx(radius, rel=0.02)


def test_two_grid_factor():
    """Two levels, coarse grid solved exactly: (1/3)^nu for nu = 1, 2 sweeps of Jacobi 2/3, below 1/2
    (digest §7), and no worse than the V-cycle with the same smoothing."""
    for pre, post, expected in [(1, 0, 1 / 3), (1, 1, 1 / 9)]:
        two_grid = jacobi_solver(255, depth=2, pre=pre, post=post).convergence_factor()
        assert two_grid == pytest.approx(expected, abs=0.005)
        assert two_grid <= jacobi_solver(255, pre=pre, post=post).convergence_factor() + 1e-3


@pytest.mark.parametrize("pre, post", [(1, 1), (2, 1), (2, 2)])
def test_w_cycle_beats_v_cycle_in_1d(pre, post):
    v = jacobi_solver(255, pre=pre, post=post, cycle="V").convergence_factor()
    w = jacobi_solver(255, pre=pre, post=post, cycle="W").convergence_factor()
    assert w < v - 0.005


@pytest.mark.parametrize("smoother", ["jacobi", "red-black"])
@pytest.mark.parametrize("pre, post", [(1, 1), (2, 1), (2, 2)])
def test_w_cycle_matches_two_grid_in_2d(smoother, pre, post):
    """In 2D the W-cycle is as good as the two-grid cycle and never worse than the V-cycle; with Jacobi the
    V-cycle already equals them (the smoother, not the recursion, limits the factor)."""
    factors = {
        name: MultigridSolver(63, dimension=2, smoother=smoother, pre=pre, post=post, **options).convergence_factor()
        for name, options in [("V", {"cycle": "V"}), ("W", {"cycle": "W"}), ("two-grid", {"depth": 2})]
    }
    assert factors["W"] <= factors["V"] + 1e-3
    assert factors["W"] == pytest.approx(factors["two-grid"], abs=1e-3)


@pytest.mark.parametrize("smoother, bound", [("jacobi", 0.25), ("red-black", 0.05)])
def test_2d_factor_is_independent_of_the_grid(smoother, bound):
    """2D Poisson V(2,1) from 31^2 to 255^2: the factor is bounded and changes by < 0.01."""
    measured = [MultigridSolver(size, dimension=2, smoother=smoother).convergence_factor() for size in (31, 63, 255)]
    assert max(measured) <= bound
    assert max(measured) - min(measured) < 0.01


@pytest.mark.parametrize("dimension, size", [(1, 1023), (2, 255)])
def test_red_black_v21_factor_at_most_a_tenth(dimension, size):
    assert MultigridSolver(size, dimension=dimension, smoother="red-black").convergence_factor() <= 0.1


def test_red_black_v_cycle_is_a_direct_solver_in_1d():
    """In 1D, red-black Gauss-Seidel ending on the coarse points leaves a residual that full weighting and the
    exact Galerkin correction remove completely: one V-cycle solves 1D Poisson up to rounding."""
    f = np.random.default_rng(0).normal(size=255)
    result = MultigridSolver(255, smoother="red-black").solve(f, tolerance=1e-12)
    assert result.cycles == 1


@pytest.mark.parametrize("omega", [2 / 3, 1.0])
@pytest.mark.parametrize("size", [15, 31])
def test_depth_one_stalls_at_the_smoothest_mode(omega, size):
    """Smoothing only: per Jacobi sweep the factor is 1 - omega (1 - cos(pi h)) ~ 1 - omega pi^2 h^2 / 2,
    the damping of the smoothest mode sin(pi x); a cycle is pre + post sweeps."""
    h = 1.0 / (size + 1)
    sweep = 1.0 - omega * (1.0 - math.cos(math.pi * h))
    solver = jacobi_solver(size, depth=1, omega=omega, pre=2, post=1)
    measured = solver.convergence_factor(cycles=600, last=50)
    assert measured == pytest.approx(sweep**3, abs=1e-6)
    assert sweep == pytest.approx(1.0 - omega * math.pi**2 * h**2 / 2, abs=math.pi**4 * h**4 / 24)


# -- solving ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"dimension": 1, "size": 255, "smoother": "jacobi", "cycle": "V"},
        {"dimension": 1, "size": 255, "smoother": "red-black", "cycle": "W"},
        {"dimension": 1, "size": 95, "smoother": "jacobi", "cycle": "V"},  # N + 1 = 3 * 32: coarsest 2 unknowns
        {"dimension": 1, "size": 255, "smoother": "jacobi", "depth": 2},
        {"dimension": 2, "size": 31, "smoother": "red-black", "cycle": "V"},
        {"dimension": 2, "size": 31, "smoother": "jacobi", "cycle": "W", "depth": 3},
        {"dimension": 2, "size": 31, "smoother": "jacobi", "problem": "implicit-diffusion", "tau": 5.0},
        {"dimension": 1, "size": 127, "smoother": "red-black", "problem": "implicit-diffusion", "tau": 100.0},
    ],
    ids=lambda options: "-".join(f"{value}" for value in options.values()),
)
def test_solution_matches_a_direct_solve(options):
    solver = MultigridSolver(**options)
    shape = solver.shapes[0]
    f = np.random.default_rng(1).normal(size=shape)
    result = solver.solve(f, tolerance=1e-13, max_cycles=60)
    direct = np.linalg.solve(stencil_matrix(solver.stencils[0], solver.size), f.ravel()).reshape(shape)
    assert result.converged
    assert np.linalg.norm(result.solution - direct) <= 1e-10 * np.linalg.norm(direct)
    assert result.residuals[0] == 1.0 and np.all(np.diff(result.residuals) < 0)


@pytest.mark.parametrize("dimension, sizes, max_cycles", [(1, (63, 255, 1023), 8), (2, (31, 63, 127, 255), 6)])
def test_cycle_count_is_constant_in_the_grid_size(dimension, sizes, max_cycles):
    """2D red-black V(2,1) reaches 1e-8 in the same number of cycles on every grid (1D: one cycle)."""
    counts = []
    for size in sizes:
        solver = MultigridSolver(size, dimension=dimension, smoother="red-black")
        f = np.random.default_rng(size).normal(size=solver.shapes[0])
        result = solver.solve(f)
        assert result.converged and result.factor < 0.1
        counts.append(result.cycles)
    assert len(set(counts)) == 1 and counts[0] <= max_cycles


def test_solve_result_reports_history_and_factor():
    solver = jacobi_solver(63)
    f = np.ones(63)
    result = solver.solve(f, tolerance=1e-6)
    assert result.cycles == len(result.residuals) - 1
    assert result.residuals[-1] <= 1e-6 < result.residuals[-2]
    assert result.factor == pytest.approx(result.residuals[-1] ** (1 / result.cycles))
    capped = solver.solve(f, tolerance=1e-12, max_cycles=2)
    assert capped.cycles == 2 and not capped.converged
    warm = solver.solve(f, x0=result.solution, tolerance=1e-6)
    assert warm.cycles == 0 and warm.converged and math.isnan(warm.factor)
    zero = solver.solve(np.zeros(63))
    assert zero.cycles == 0 and np.all(zero.solution == 0.0)


def test_cycles_from_a_given_iterate():
    f = np.random.default_rng(2).normal(size=63)
    v_solver, w_solver = jacobi_solver(63, cycle="V"), jacobi_solver(63, cycle="W")
    u = v_solver.v_cycle(f)
    np.testing.assert_array_equal(v_solver.cycle(f, u), v_solver.v_cycle(f, u))
    np.testing.assert_array_equal(w_solver.cycle(f, u), v_solver.w_cycle(f, u))
    two = v_solver.solve(f, tolerance=1e-30, max_cycles=2).solution
    np.testing.assert_allclose(v_solver.v_cycle(f, u), two, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("smoother, ratio", [("jacobi", 2.0), ("red-black", 1.1)])
def test_fmg_reaches_discretisation_accuracy_in_one_pass_1d(smoother, ratio):
    """One FMG pass (one V(2,1) per level) has error within a factor ~2 of the discretisation error, O(h^2)."""
    errors = []
    for size in (63, 127, 255, 511, 1023):
        x = np.arange(1, size + 1) / (size + 1)
        exact, f = manufactured(x)
        solver = MultigridSolver(size, smoother=smoother)
        discrete = solver.solve(f, tolerance=1e-12).solution
        fmg_error = np.abs(solver.fmg(f) - exact).max()
        assert fmg_error <= ratio * np.abs(discrete - exact).max()
        errors.append(fmg_error)
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 1.8)


def test_fmg_reaches_discretisation_accuracy_in_one_pass_2d():
    errors = []
    for size in (31, 63, 127):
        x = np.arange(1, size + 1) / (size + 1)
        a, minus_second = manufactured(x)
        exact = np.outer(a, a)
        f = np.outer(minus_second, a) + np.outer(a, minus_second)
        for smoother, ratio in [("jacobi", 2.0), ("red-black", 1.1)]:
            solver = MultigridSolver(size, dimension=2, smoother=smoother)
            discrete = solver.solve(f, tolerance=1e-12).solution
            fmg = solver.fmg(f)
            assert np.abs(fmg - exact).max() <= ratio * np.abs(discrete - exact).max()
        errors.append(np.abs(fmg - exact).max())
    assert np.all(np.log2(np.array(errors[:-1]) / np.array(errors[1:])) > 1.8)


def test_fmg_with_depth_one_smooths_from_zero():
    f = np.ones(15)
    solver = jacobi_solver(15, depth=1)
    np.testing.assert_array_equal(solver.fmg(f, cycles=2), solver.cycle(f, solver.cycle(f)))


@pytest.mark.parametrize("tau", [0.5, 10.0, 1000.0])
@pytest.mark.parametrize("dimension, sizes", [(1, (63, 255, 1023)), (2, (31, 127))])
def test_implicit_diffusion_converges_with_a_constant_factor(tau, dimension, sizes):
    """(I + tau D^T D) u = f, h = 1: the factor is below that of Poisson and does not grow with N."""
    measured = [
        jacobi_solver(size, dimension, problem="implicit-diffusion", tau=tau).convergence_factor() for size in sizes
    ]
    assert max(measured) <= {1: 0.12, 2: 0.22}[dimension]
    assert max(measured) - min(measured) < 0.01
    solver = jacobi_solver(sizes[0], dimension, problem="implicit-diffusion", tau=tau)
    f = np.random.default_rng(0).normal(size=solver.shapes[0])
    result = solver.solve(f)
    assert result.converged
    np.testing.assert_allclose(apply_stencil(solver.stencils[0], result.solution), f, atol=1e-7 * np.abs(f).max())


def test_implicit_diffusion_stencil():
    solver = MultigridSolver(7, problem="implicit-diffusion", tau=2.0)
    np.testing.assert_array_equal(solver.stencils[0], [-2.0, 5.0, -2.0])
    assert solver.spacing == 1.0
    solver = MultigridSolver(7, dimension=2, problem="implicit-diffusion", tau=0.5, spacing=0.5)
    np.testing.assert_array_equal(solver.stencils[0], [[0.0, -2.0, 0.0], [-2.0, 9.0, -2.0], [0.0, -2.0, 0.0]])


# -- the hierarchy -----------------------------------------------------------------------------


def test_max_depth():
    assert [max_depth(n) for n in (1, 2, 3, 7, 63, 95, 100, 1023)] == [1, 1, 2, 3, 6, 6, 1, 10]


def test_repr_lists_the_levels():
    solver = MultigridSolver(63, dimension=2)
    text = repr(solver)
    assert "levels: 6" in text and "grid complexity" in text and "operator complexity" in text
    for level, grid in enumerate(["63x63", "31x31", "15x15", "7x7", "3x3", "1x1"]):
        assert any(line.split()[:2] == [str(level), grid] for line in text.splitlines())
    assert "5-pt" in text and "9-pt" in text and "exact solve" in text
    assert "smoothing only" in repr(MultigridSolver(63, depth=1))
    assert solver.shapes == ((63, 63), (31, 31), (15, 15), (7, 7), (3, 3), (1, 1))
    assert 1.0 < solver.grid_complexity() < 4 / 3 and 1.0 < solver.operator_complexity() < 1.8 * 4 / 3


def test_dense_coarsest_solve_is_bounded():
    with pytest.raises(ValueError, match=r"3969 unknowns.*use depth >= 3"):
        MultigridSolver(127, dimension=2, depth=2)
    assert MultigridSolver(127, dimension=2, depth=3).shapes[-1] == (31, 31)
    assert 31**2 <= MAX_DIRECT_UNKNOWNS
    with pytest.raises(ValueError, match=r"size N = 2\^J - 1"):
        MultigridSolver(4097)
    MultigridSolver(4097, depth=1)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"size": 0}, ValueError, r"size must be an integer >= 1"),
        ({"size": 7.0}, TypeError, r"size must be an integer"),
        ({"size": 7, "dimension": 3}, ValueError, r"dimension must be 1 or 2"),
        ({"size": 7, "problem": "heat"}, ValueError, r"problem must be one of 'poisson', 'implicit-diffusion'"),
        ({"size": 7, "tau": 1.0}, ValueError, r"tau applies to problem='implicit-diffusion' only"),
        ({"size": 7, "problem": "implicit-diffusion"}, ValueError, r"needs a time step tau > 0"),
        ({"size": 7, "problem": "implicit-diffusion", "tau": -1.0}, ValueError, r"tau must be a finite real"),
        ({"size": 7, "depth": 0}, ValueError, r"depth must be an integer >= 1"),
        ({"size": 7, "depth": 4}, ValueError, r"depth must be between 1 and 3 for size 7"),
        ({"size": 100, "depth": 2}, ValueError, r"N \+ 1 = 101 must be divisible by 2\^\(depth - 1\)"),
        ({"size": 7, "smoother": "sor"}, ValueError, r"smoother must be one of 'jacobi', 'red-black'"),
        ({"size": 7, "cycle": "F"}, ValueError, r"cycle must be one of 'V', 'W'"),
        ({"size": 7, "smoother": "jacobi", "omega": 0.0}, ValueError, r"omega must be in \(0, 1\]"),
        ({"size": 7, "smoother": "jacobi", "omega": 1.5}, ValueError, r"omega must be in \(0, 1\]"),
        ({"size": 7, "smoother": "jacobi", "omega": "2/3"}, TypeError, r"omega must be a real number"),
        ({"size": 7, "smoother": "red-black", "omega": 0.5}, ValueError, r"omega applies to the weighted Jacobi"),
        ({"size": 7, "pre": -1}, ValueError, r"pre must be an integer >= 0"),
        ({"size": 7, "pre": 0, "post": 0}, ValueError, r"must not both be 0"),
        ({"size": 7, "spacing": 0.0}, ValueError, r"spacing must be a finite real number >= 1e-10"),
    ],
)
def test_bad_solver_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        MultigridSolver(**arguments)


def test_bad_right_hand_sides_and_options():
    solver = MultigridSolver(7)
    with pytest.raises(ValueError, match=r"f must have shape \(7,\)"):
        solver.solve(np.ones(8))
    with pytest.raises(ValueError, match=r"f must be finite"):
        solver.solve(np.array([1.0, np.nan, 0, 0, 0, 0, 0]))
    with pytest.raises(TypeError, match=r"f must hold real numbers"):
        solver.solve(np.array(["a"] * 7))
    with pytest.raises(TypeError, match=r"f must be an array"):
        solver.cycle(None)
    with pytest.raises(ValueError, match=r"u must have shape \(7,\)"):
        solver.v_cycle(np.ones(7), np.ones((7, 7)))
    with pytest.raises(ValueError, match=r"tolerance must be a finite real number > 0"):
        solver.solve(np.ones(7), tolerance=0.0)
    with pytest.raises(ValueError, match=r"max_cycles must be an integer >= 1"):
        solver.solve(np.ones(7), max_cycles=0)
    with pytest.raises(ValueError, match=r"cycles must be an integer >= 1"):
        solver.fmg(np.ones(7), cycles=0)
    with pytest.raises(ValueError, match=r"last must be between 1 and cycles = 5"):
        solver.convergence_factor(cycles=5, last=6)


@pytest.mark.parametrize("smoother", ["jacobi", "red-black"])
def test_smoothing_only_factor_is_the_spectral_radius_of_the_sweeps(smoother):
    """Depth 1: the theoretical factor per cycle equals the largest |eigenvalue| of the smoothing iteration."""
    solver = MultigridSolver(31, depth=1, smoother=smoother, pre=2, post=1)
    iteration = np.column_stack([solver.cycle(np.zeros(31), column) for column in np.eye(31)])
    assert np.max(np.abs(np.linalg.eigvals(iteration))) == pytest.approx(solver.smoothing_only_factor(), rel=1e-10)


def test_smoothing_only_factor_needs_one_dimension():
    with pytest.raises(ValueError, match="smoothing_only_factor is derived for dimension 1"):
        MultigridSolver(15, dimension=2, depth=1).smoothing_only_factor()
