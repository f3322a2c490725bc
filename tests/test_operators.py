"""Tests of pdelib.operators: the difference operators D of order n (chapters 01-02, digest §2.2, §9.1-2)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pdelib import BOUNDARIES, DerivativeOperator
from pdelib.operators import check_operator

ORDERS = [1, 2, 3, 4, 5]
SIZES = [2, 3, 5, 8, 17, 64]

# The digest's hand-written matrices for N = 5, h = 1.
D1_N5 = np.array(
    [
        [-1, 1, 0, 0, 0],
        [0, -1, 1, 0, 0],
        [0, 0, -1, 1, 0],
        [0, 0, 0, -1, 1],
    ],
    dtype=float,
)
D1TD1_N5 = np.array(
    [
        [1, -1, 0, 0, 0],
        [-1, 2, -1, 0, 0],
        [0, -1, 2, -1, 0],
        [0, 0, -1, 2, -1],
        [0, 0, 0, -1, 1],
    ],
    dtype=float,
)


def reflecting_d2(size: int, spacing: float = 1.0) -> np.ndarray:
    """(1/h^2) tridiag(1, -2, 1) with first and last diagonal entries -1 (mirroring)."""
    matrix = -2.0 * np.eye(size) + np.eye(size, k=1) + np.eye(size, k=-1)
    matrix[0, 0] = matrix[-1, -1] = -1.0
    return matrix / spacing**2


def operators(min_order: int = 1, max_order: int = 5, max_size: int = 40):
    """Hypothesis strategy: a DerivativeOperator with random order, size, spacing and boundary."""

    @st.composite
    def build(draw):
        order = draw(st.integers(min_order, max_order))
        size = draw(st.integers(order + 1, max_size))
        spacing = draw(st.floats(0.25, 4.0))
        boundary = draw(st.sampled_from(BOUNDARIES))
        return DerivativeOperator(order, size, spacing=spacing, boundary=boundary)

    return build()


def finite_vectors(size: int):
    return arrays(np.float64, size, elements=st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False))


# -- the matrices of the digest ----------------------------------------------------------------


def test_d1_matrix_equals_hand_written_forward_difference():
    D = DerivativeOperator(order=1, size=5)
    assert D.output_size == 4
    assert np.array_equal(D.matrix(), D1_N5)
    assert np.array_equal(D.matrix().T @ D.matrix(), D1TD1_N5)


def test_docstring_example():
    D = DerivativeOperator(order=1, size=5)
    assert np.array_equal(D.apply(np.array([0.0, 1.0, 1.0, 3.0, 3.0])), [1.0, 0.0, 2.0, 0.0])


@pytest.mark.parametrize("size", [3, 4, 5, 16, 64])
def test_d1_transpose_d1_is_minus_d2_exactly(size):
    D1 = DerivativeOperator(order=1, size=size).matrix()
    D2 = DerivativeOperator(order=2, size=size).matrix()
    assert np.array_equal(D1.T @ D1, -D2)
    assert np.array_equal(D2, reflecting_d2(size))
    assert np.array_equal(D2, D2.T)


@pytest.mark.parametrize("spacing", [0.5, 2.0])
def test_d2_matrix_scales_with_spacing(spacing):
    D2 = DerivativeOperator(order=2, size=7, spacing=spacing).matrix()
    assert np.array_equal(D2, reflecting_d2(7, spacing))


@pytest.mark.parametrize("size", [2, 3, 6, 11])
def test_periodic_d1_is_circulant_forward_difference(size):
    expected = -np.eye(size) + np.roll(np.eye(size), 1, axis=1)
    assert np.array_equal(DerivativeOperator(1, size, boundary="periodic").matrix(), expected)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
def test_normal_matrix_is_power_of_d1_normal_matrix(order, boundary):
    """D_n^T D_n = (D1^T D1)^n, for both boundary conditions."""
    size = 12
    D1 = DerivativeOperator(1, size, boundary=boundary).matrix()
    Dn = DerivativeOperator(order, size, boundary=boundary).matrix()
    assert np.array_equal(Dn.T @ Dn, np.linalg.matrix_power(D1.T @ D1, order))


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
def test_output_size_and_matrix_shape(order, boundary):
    D = DerivativeOperator(order, 10, boundary=boundary)
    odd_reflecting = order % 2 == 1 and boundary == "reflecting"
    assert D.output_size == (9 if odd_reflecting else 10)
    assert D.matrix().shape == (D.output_size, 10)
    assert D.apply(np.arange(10.0)).shape == (D.output_size,)
    assert D.apply_transpose(np.ones(D.output_size)).shape == (10,)


# -- adjoint, transpose and matrix agree -------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), D=operators())
def test_adjoint_identity(data, D):
    """<D u, v> = <u, D^T v> for random u, v, orders 1..5, both boundaries, random h."""
    u = data.draw(finite_vectors(D.size))
    v = data.draw(finite_vectors(D.output_size))
    Du, DTv = D.apply(u), D.apply_transpose(v)
    scale = np.abs(v) @ np.abs(D.matrix()) @ np.abs(u)  # |v|^T |D| |u| bounds the rounding of both sides
    assert abs(np.dot(Du, v) - np.dot(u, DTv)) <= 1e-12 * scale + 1e-300  # floor: subnormal inputs


@settings(max_examples=40, deadline=None)
@given(data=st.data(), D=operators(max_size=20))
def test_apply_and_apply_transpose_agree_with_matrix(data, D):
    M = D.matrix()
    u = data.draw(finite_vectors(D.size))
    v = data.draw(finite_vectors(D.output_size))
    scale_u = np.abs(M).max() * (np.abs(u).sum() + 1.0)
    scale_v = np.abs(M).max() * (np.abs(v).sum() + 1.0)
    np.testing.assert_allclose(D.apply(u), M @ u, rtol=0, atol=1e-12 * scale_u)
    np.testing.assert_allclose(D.apply_transpose(v), M.T @ v, rtol=0, atol=1e-12 * scale_v)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
def test_stencil_with_padding_reproduces_apply(order, boundary):
    """D u = correlate(u[padding_indices()], stencil, 'valid')."""
    rng = np.random.default_rng(order)
    for size in (order + 1, order + 2, 13, 30):
        D = DerivativeOperator(order, size, spacing=0.7, boundary=boundary)
        u = rng.standard_normal(size)
        index = D.padding_indices()
        left, right = D.padding
        assert index.shape == (size + left + right,)
        assert index.min() >= 0 and index.max() < size
        expected = np.correlate(u[index], D.stencil, "valid")
        np.testing.assert_allclose(D.apply(u), expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("order", ORDERS)
def test_padding_mirrors_or_wraps(order):
    size = 8
    left, right = DerivativeOperator(order, size).padding
    index = DerivativeOperator(order, size).padding_indices()
    # reflecting: u_{-1} = u_0, u_{-2} = u_1, ...; u_N = u_{N-1}, ...
    assert list(index[:left]) == list(range(left - 1, -1, -1))
    assert list(index[left : left + size]) == list(range(size))
    assert list(index[left + size :]) == list(range(size - 1, size - 1 - right, -1))
    periodic = DerivativeOperator(order, size, boundary="periodic")
    left, right = periodic.padding
    assert left + right == order
    assert np.array_equal(periodic.padding_indices(), np.arange(-left, size + right) % size)


@pytest.mark.parametrize("spacing", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("order", ORDERS)
def test_stencil_is_binomial(order, spacing):
    w = DerivativeOperator(order, order + 3, spacing=spacing).stencil
    expected = np.array([(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]) / spacing**order
    np.testing.assert_allclose(w, expected, rtol=1e-15)
    assert abs(w.sum()) <= 1e-12 * np.abs(w).sum()  # annihilates constants
    np.testing.assert_allclose(np.abs(w).sum() ** 2, 4.0**order / spacing ** (2 * order), rtol=1e-14)


def test_first_stencils():
    assert np.array_equal(DerivativeOperator(1, 4).stencil, [-1.0, 1.0])
    assert np.array_equal(DerivativeOperator(2, 4).stencil, [1.0, -2.0, 1.0])
    assert np.array_equal(DerivativeOperator(3, 4).stencil, [-1.0, 3.0, -3.0, 1.0])


# -- norms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spacing", [1.0, 0.5, 1.7])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("size", [6, 7, 16, 33])
def test_norm_squared_is_exact_spectral_norm(size, order, boundary, spacing):
    D = DerivativeOperator(order, size, spacing=spacing, boundary=boundary)
    exact = np.linalg.norm(D.matrix(), 2) ** 2
    assert D.norm_squared() == pytest.approx(exact, rel=1e-10)
    assert D.norm_squared_bound() == pytest.approx(4.0**order / spacing ** (2 * order), rel=1e-15)
    if boundary == "reflecting":
        assert D.norm_squared() < D.norm_squared_bound()
    else:
        assert D.norm_squared() <= D.norm_squared_bound() * (1 + 1e-15)


@pytest.mark.parametrize("order", ORDERS)
def test_periodic_even_grid_attains_youngs_bound(order):
    """On a periodic grid of even N the checkerboard is an eigenvector: the bound 4^n/h^2n is tight."""
    D = DerivativeOperator(order, 16, boundary="periodic")
    assert D.norm_squared() == pytest.approx(D.norm_squared_bound(), rel=1e-14)
    checkerboard = (-1.0) ** np.arange(16)
    Du = D.apply(checkerboard)
    assert np.dot(Du, Du) / np.dot(checkerboard, checkerboard) == pytest.approx(4.0**order, rel=1e-14)


def test_digest_norms_for_n64():
    """Digest §9.2: ||D1||^2 = 3.997591, ||D2||^2 = 15.980733 for N = 64, both below 4 and 16."""
    D1 = DerivativeOperator(1, 64)
    D2 = DerivativeOperator(2, 64)
    assert round(D1.norm_squared(), 6) == 3.997591
    assert round(D2.norm_squared(), 6) == 15.980733
    assert D1.norm_squared() < 4.0 == D1.norm_squared_bound()
    assert D2.norm_squared() < 16.0 == D2.norm_squared_bound()
    angle = 63 * math.pi / 128
    assert D1.norm_squared() == pytest.approx(4 * math.sin(angle) ** 2, rel=1e-15)
    assert D2.norm_squared() == pytest.approx(16 * math.sin(angle) ** 4, rel=1e-15)


@pytest.mark.parametrize("order", [1, 2])
def test_norm_squared_increases_towards_bound(order):
    norms = [DerivativeOperator(order, size).norm_squared() for size in (4, 16, 64, 256, 1024)]
    assert all(a < b for a, b in zip(norms, norms[1:]))
    assert norms[-1] < 4.0**order
    assert norms[-1] > 4.0**order * (1 - 1e-4)


# -- conservation ------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
def test_annihilates_constants_and_conserves_mean(order, boundary):
    D = DerivativeOperator(order, 11, spacing=0.5, boundary=boundary)
    Du = D.apply(np.full(11, 3.25))
    assert np.array_equal(Du, np.zeros(D.output_size))
    assert not np.signbit(Du).any()  # no negative zeros in printed results
    # 1^T D^T v = (D 1)^T v = 0: a divergence has zero sum, so an update by D^T conserves the mean
    v = np.random.default_rng(order).standard_normal(D.output_size)
    DTv = D.apply_transpose(v)
    assert abs(DTv.sum()) <= 1e-12 * np.abs(DTv).sum()


@pytest.mark.parametrize("order", ORDERS)
def test_reflecting_kernel_is_only_constants(order):
    """Reflecting D has a one-dimensional null space: the constants (rank N - 1)."""
    D = DerivativeOperator(order, 9)
    assert np.linalg.matrix_rank(D.matrix()) == 8


@pytest.mark.parametrize("order", [1, 2, 3])
def test_linear_in_u(order):
    D = DerivativeOperator(order, 20, spacing=0.3)
    rng = np.random.default_rng(1)
    u, w = rng.standard_normal((2, 20))
    np.testing.assert_allclose(D.apply(2.0 * u - 3.0 * w), 2.0 * D.apply(u) - 3.0 * D.apply(w), atol=1e-9)


def test_d1_of_linear_ramp_is_slope():
    D = DerivativeOperator(1, 10, spacing=0.5)
    x = 0.5 * np.arange(10)
    np.testing.assert_allclose(D.apply(3.0 * x + 1.0), np.full(9, 3.0), rtol=1e-14)


# -- out= --------------------------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ORDERS)
def test_out_is_written_in_place_and_returned(order, boundary):
    D = DerivativeOperator(order, 12, spacing=0.8, boundary=boundary)
    rng = np.random.default_rng(order)
    u = rng.standard_normal(12)
    v = rng.standard_normal(D.output_size)
    out = np.full(D.output_size, np.nan)
    result = D.apply(u, out=out)
    assert result is out
    np.testing.assert_array_equal(out, D.apply(u))
    out_t = np.full(12, np.nan)
    result_t = D.apply_transpose(v, out=out_t)
    assert result_t is out_t
    np.testing.assert_array_equal(out_t, D.apply_transpose(v))


@pytest.mark.parametrize("order", ORDERS)
def test_apply_does_not_modify_input_and_repeats(order):
    D = DerivativeOperator(order, 10)
    u = np.random.default_rng(0).standard_normal(10)
    copy = u.copy()
    first = D.apply(u)
    second = D.apply(u)
    assert np.array_equal(u, copy)
    assert first is not second and np.array_equal(first, second)
    v = D.apply_transpose(first)
    assert np.array_equal(D.apply_transpose(first), v)


def test_accepts_lists_and_integer_arrays():
    D = DerivativeOperator(1, 4)
    expected = np.array([1.0, 2.0, 3.0])
    assert np.array_equal(D.apply([0, 1, 3, 6]), expected)
    assert np.array_equal(D.apply(np.array([0, 1, 3, 6], dtype=np.int32)), expected)
    assert D.apply((0, 1, 3, 6)).dtype == np.float64


def test_repr_round_trips():
    D = DerivativeOperator(3, 17, spacing=0.5, boundary="periodic")
    again = eval(repr(D), {"DerivativeOperator": DerivativeOperator})
    assert (again.order, again.size, again.spacing, again.boundary) == (3, 17, 0.5, "periodic")


def test_check_operator():
    D = DerivativeOperator(1, 3)
    assert check_operator(D) is D
    with pytest.raises(TypeError, match="^operator "):
        check_operator(np.eye(3))
    with pytest.raises(TypeError, match="^K "):
        check_operator("D1", name="K")


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"order": 0, "size": 5}, ValueError, "order"),
        ({"order": -1, "size": 5}, ValueError, "order"),
        ({"order": 1.5, "size": 5}, TypeError, "order"),
        ({"order": 1.0, "size": 5}, TypeError, "order"),
        ({"order": True, "size": 5}, TypeError, "order"),
        ({"order": "1", "size": 5}, TypeError, "order"),
        ({"order": 1, "size": 1}, ValueError, "size"),
        ({"order": 2, "size": 2}, ValueError, "size"),
        ({"order": 5, "size": 5}, ValueError, "size"),
        ({"order": 1, "size": 5.0}, TypeError, "size"),
        ({"order": 1, "size": 5, "spacing": 0.0}, ValueError, "spacing"),
        ({"order": 1, "size": 5, "spacing": -1.0}, ValueError, "spacing"),
        ({"order": 1, "size": 5, "spacing": float("nan")}, ValueError, "spacing"),
        ({"order": 1, "size": 5, "spacing": float("inf")}, ValueError, "spacing"),
        ({"order": 1, "size": 5, "spacing": "1"}, TypeError, "spacing"),
        ({"order": 1, "size": 5, "boundary": "neumann"}, ValueError, "boundary"),
        ({"order": 1, "size": 5, "boundary": None}, TypeError, "boundary"),
    ],
)
def test_constructor_rejects_bad_input(kwargs, error, name):
    with pytest.raises(error, match=f"^{name} "):
        DerivativeOperator(**kwargs)


def test_size_error_names_minimum():
    with pytest.raises(ValueError, match=r"^size must be at least order \+ 1 = 4"):
        DerivativeOperator(order=3, size=3)


def test_boundary_error_lists_choices():
    with pytest.raises(ValueError, match="'reflecting', 'periodic'"):
        DerivativeOperator(1, 5, boundary="mirror")


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_smallest_grid_is_allowed(order):
    D = DerivativeOperator(order, order + 1)
    assert D.norm_squared() == pytest.approx(np.linalg.norm(D.matrix(), 2) ** 2, rel=1e-10)


@pytest.mark.parametrize(
    ("u", "error"),
    [
        (np.ones(4), ValueError),  # wrong length
        (np.ones(6), ValueError),
        (np.ones((5, 1)), ValueError),  # wrong rank
        (np.ones((1, 5)), ValueError),
        (np.array(1.0), ValueError),  # rank 0
        (np.array([0.0, 1.0, np.nan, 2.0, 3.0]), ValueError),
        (np.array([0.0, 1.0, np.inf, 2.0, 3.0]), ValueError),
        (np.array([0.0, 1.0, 2.0, 3.0, 4.0], dtype=complex), TypeError),
        (np.array(["a", "b", "c", "d", "e"]), TypeError),
        (np.array([0.0, 1, 2, 3, None], dtype=object), TypeError),
        (["a", "b", "c", "d", "e"], TypeError),
        (3.0, TypeError),
        ({"u": 1}, TypeError),
        (None, TypeError),
    ],
)
def test_apply_rejects_bad_signals(u, error):
    D = DerivativeOperator(1, 5)
    with pytest.raises(error, match="^u "):
        D.apply(u)


def test_apply_error_messages_are_specific():
    D = DerivativeOperator(1, 5)
    with pytest.raises(ValueError, match="length 5"):
        D.apply(np.ones(4))
    with pytest.raises(ValueError, match="rank 2"):
        D.apply(np.ones((5, 5)))
    with pytest.raises(ValueError, match="NaN"):
        D.apply(np.array([0.0, np.nan, 0.0, 0.0, 0.0]))


@pytest.mark.parametrize(
    ("v", "error"),
    [
        (np.ones(5), ValueError),  # length N instead of N - 1
        (np.ones((4, 1)), ValueError),
        (np.array([0.0, np.nan, 1.0, 2.0]), ValueError),
        (np.array([1j, 0, 0, 0]), TypeError),
    ],
)
def test_apply_transpose_rejects_bad_signals(v, error):
    D = DerivativeOperator(1, 5)
    with pytest.raises(error, match="^v "):
        D.apply_transpose(v)


@pytest.mark.parametrize("bad_out", [np.zeros(5), np.zeros(3), np.zeros(4, dtype=np.float32), [0.0] * 4])
def test_apply_rejects_an_out_array_of_the_wrong_shape_or_dtype(bad_out):
    D = DerivativeOperator(order=1, size=5)
    with pytest.raises(ValueError, match="^out "):
        D.apply(np.arange(5.0), out=bad_out)
    with pytest.raises(ValueError, match="^out "):
        D.apply_transpose(np.arange(4.0), out=np.zeros(4))
